"""Correct: everything through the dense (N, N) matrix of edge counts C[i, j] = number of edges j -> i; the maximum
over a masked (N, N, F) tensor; GAT's softmax weighted by the counts, so that duplicate edges count each time."""
import torch
from torch import nn


def _counts(edge_index, num_nodes, dtype):
    counts = torch.zeros(num_nodes, num_nodes, dtype=dtype)
    counts.index_put_((edge_index[1], edge_index[0]), torch.ones(edge_index.shape[1], dtype=dtype), accumulate=True)
    return counts


def message_passing(x, edge_index, aggr="sum"):
    if aggr not in {"sum", "mean", "max"}:
        raise ValueError(f"unknown aggregation {aggr!r}")
    counts = _counts(edge_index, x.shape[0], x.dtype)
    if aggr == "sum":
        return counts @ x
    if aggr == "mean":
        degree = counts.sum(dim=1, keepdim=True)
        return (counts @ x) / torch.where(degree > 0, degree, torch.ones_like(degree))
    present = (counts > 0)[:, :, None]  # (N, N, 1)
    values = torch.where(present, x[None, :, :].expand(x.shape[0], -1, -1), torch.full_like(x[None], -torch.inf))
    best = values.amax(dim=1) if x.shape[0] else x.new_zeros(x.shape)
    return torch.where(present.any(dim=1), best, torch.zeros_like(best))


def gcn_normalized_adjacency(edge_index, num_nodes, add_self_loops=True, dtype=None):
    a = _counts(edge_index, num_nodes, dtype or torch.get_default_dtype())
    if add_self_loops:
        a = a + torch.eye(num_nodes, dtype=a.dtype)
    d = a.sum(dim=1)
    scale = torch.zeros_like(d)
    scale[d > 0] = d[d > 0] ** -0.5
    return torch.diag(scale) @ a @ torch.diag(scale)


class GCNLayer(nn.Module):
    def __init__(self, in_channels, out_channels, bias=True):
        super().__init__()
        self.lin = nn.Linear(in_channels, out_channels, bias=False)
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None

    def forward(self, x, edge_index):
        out = gcn_normalized_adjacency(edge_index, len(x), True, x.dtype) @ self.lin(x)
        return out if self.bias is None else out + self.bias


class SAGELayer(nn.Module):
    def __init__(self, in_channels, out_channels, normalize=False):
        super().__init__()
        self.normalize = normalize
        self.lin_l = nn.Linear(in_channels, out_channels, bias=True)
        self.lin_r = nn.Linear(in_channels, out_channels, bias=False)

    def forward(self, x, edge_index):
        out = self.lin_l(message_passing(x, edge_index, aggr="mean")) + self.lin_r(x)
        if self.normalize:
            out = out / out.norm(dim=1, keepdim=True).clamp_min(1e-12)
        return out


class GATLayer(nn.Module):
    def __init__(self, in_channels, out_channels, negative_slope=0.2):
        super().__init__()
        self.negative_slope = negative_slope
        self.lin = nn.Linear(in_channels, out_channels, bias=False)
        self.att_src = nn.Parameter(0.1 * torch.randn(out_channels))
        self.att_dst = nn.Parameter(0.1 * torch.randn(out_channels))
        self.bias = nn.Parameter(torch.zeros(out_channels))

    def forward(self, x, edge_index, return_attention=False):
        n = x.shape[0]
        no_loops = edge_index[:, edge_index[0] != edge_index[1]]
        counts = _counts(no_loops, n, x.dtype) + torch.eye(n, dtype=x.dtype)  # (N, N), rows the targets
        h = self.lin(x)
        scores = nn.functional.leaky_relu((h @ self.att_dst)[:, None] + (h @ self.att_src)[None, :],
                                          negative_slope=self.negative_slope)  # (N, N): [i, j] for j -> i
        scores = scores.masked_fill(counts == 0, -torch.inf)
        exp = torch.exp(scores - scores.amax(dim=1, keepdim=True).detach())  # (N, N)
        per_edge = exp / (counts * exp).sum(dim=1, keepdim=True)  # the weight of ONE edge j -> i
        out = (counts * per_edge) @ h + self.bias
        if not return_attention:
            return out
        loops = torch.arange(n).repeat(2, 1)
        edges = torch.cat([loops, no_loops], dim=1)
        return out, (edges, per_edge[edges[1], edges[0]])
