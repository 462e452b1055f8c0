"""Mistake: Adds a self-loop before the mean, so the node's own features are averaged with its neighbours'."""
import torch
from torch import nn


def message_passing(x, edge_index, aggr="sum"):
    if aggr not in ("sum", "mean", "max"):
        raise ValueError(f"aggr must be 'sum', 'mean' or 'max', got {aggr!r}")
    source, target = edge_index[0], edge_index[1]
    messages = x[source]
    index = target[:, None].expand_as(messages)
    zeros = x.new_zeros(x.shape)
    if aggr == "max":
        return zeros.scatter_reduce(0, index, messages, "amax", include_self=False)
    out = zeros.scatter_add(0, index, messages)
    if aggr == "mean":
        count = torch.bincount(target, minlength=x.shape[0]).clamp(min=1)
        out = out / count.to(x.dtype)[:, None]
    return out


def gcn_normalized_adjacency(edge_index, num_nodes, add_self_loops=True, dtype=None):
    dtype = torch.get_default_dtype() if dtype is None else dtype
    adjacency = torch.zeros(num_nodes, num_nodes, dtype=dtype)
    ones = torch.ones(edge_index.shape[1], dtype=dtype)
    adjacency = adjacency.index_put((edge_index[1], edge_index[0]), ones, accumulate=True)
    if add_self_loops:
        adjacency = adjacency + torch.eye(num_nodes, dtype=dtype)
    degree = adjacency.sum(dim=1)
    inv_sqrt = torch.where(degree > 0, degree.clamp(min=1).rsqrt(), torch.zeros_like(degree))
    return inv_sqrt[:, None] * adjacency * inv_sqrt[None, :]


class GCNLayer(nn.Module):
    def __init__(self, in_channels, out_channels, bias=True):
        super().__init__()
        self.lin = nn.Linear(in_channels, out_channels, bias=False)
        if bias:
            self.bias = nn.Parameter(torch.zeros(out_channels))
        else:
            self.register_parameter("bias", None)

    def forward(self, x, edge_index):
        norm = gcn_normalized_adjacency(edge_index, x.shape[0], add_self_loops=True, dtype=x.dtype)
        out = norm @ self.lin(x)
        if self.bias is not None:
            out = out + self.bias
        return out


class SAGELayer(nn.Module):
    def __init__(self, in_channels, out_channels, normalize=False):
        super().__init__()
        self.normalize = normalize
        self.lin_l = nn.Linear(in_channels, out_channels)
        self.lin_r = nn.Linear(in_channels, out_channels, bias=False)

    def forward(self, x, edge_index):
        loops = torch.arange(x.shape[0]).repeat(2, 1)
        neighbours = message_passing(x, torch.cat([edge_index, loops], dim=1), "mean")
        out = self.lin_l(neighbours) + self.lin_r(x)
        if self.normalize:
            out = nn.functional.normalize(out, p=2.0, dim=-1, eps=1e-12)
        return out


class GATLayer(nn.Module):
    def __init__(self, in_channels, out_channels, negative_slope=0.2):
        super().__init__()
        self.negative_slope = negative_slope
        self.lin = nn.Linear(in_channels, out_channels, bias=False)
        self.att_src = nn.Parameter(torch.randn(out_channels) / out_channels ** 0.5)
        self.att_dst = nn.Parameter(torch.randn(out_channels) / out_channels ** 0.5)
        self.bias = nn.Parameter(torch.zeros(out_channels))

    def forward(self, x, edge_index, return_attention=False):
        num_nodes = x.shape[0]
        keep = edge_index[0] != edge_index[1]
        loops = torch.arange(num_nodes, dtype=edge_index.dtype)
        edges = torch.cat([edge_index[:, keep], torch.stack([loops, loops])], dim=1)
        source, target = edges[0], edges[1]
        h = self.lin(x)
        score_src, score_dst = h @ self.att_src, h @ self.att_dst
        scores = nn.functional.leaky_relu(score_src[source] + score_dst[target], self.negative_slope)
        largest = scores.new_full((num_nodes,), -torch.inf).scatter_reduce(0, target, scores.detach(), "amax")
        weights = torch.exp(scores - largest[target])
        total = weights.new_zeros(num_nodes).scatter_add(0, target, weights)
        alpha = weights / total[target]
        out = h.new_zeros(h.shape).index_add(0, target, alpha[:, None] * h[source]) + self.bias
        if return_attention:
            return out, (edges, alpha)
        return out
