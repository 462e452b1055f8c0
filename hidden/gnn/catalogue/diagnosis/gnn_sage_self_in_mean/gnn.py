"""Diagnosis set: sums by index_add_ into fresh zero buffers, degrees as index_add_ of ones, the maximum
row by row over the edges into each target (torch.stack), A as a flattened bincount of target * N + source."""
import torch
import torch.nn.functional as F
from torch import nn


def _into(values, index, rows):
    """Sum values (E, ...) at index (E,) into rows zero rows."""
    return values.new_zeros((rows, *values.shape[1:])).index_add_(0, index, values)


def message_passing(x, edge_index, aggr="sum"):
    if aggr not in {"sum", "mean", "max"}:
        raise ValueError(f"unknown aggregation {aggr!r}")
    src, dst = edge_index
    n = x.shape[0]
    gathered = x.index_select(0, src)  # (E, F)
    if aggr == "max":
        rows = []
        for node in range(n):
            mine = gathered[dst == node]
            rows.append(mine.amax(dim=0) if len(mine) else x.new_zeros(x.shape[1]))
        return torch.stack(rows) if rows else x.new_zeros(x.shape)
    total = _into(gathered, dst, n)
    if aggr == "sum":
        return total
    degree = _into(x.new_ones(dst.shape[0]), dst, n)  # (N,)
    return total / torch.maximum(degree, torch.ones_like(degree)).unsqueeze(-1)


def gcn_normalized_adjacency(edge_index, num_nodes, add_self_loops=True, dtype=None):
    if dtype is None:
        dtype = torch.get_default_dtype()
    src, dst = edge_index
    counts = torch.bincount(dst * num_nodes + src, minlength=num_nodes * num_nodes)
    a = counts.reshape(num_nodes, num_nodes).to(dtype)  # (N, N): rows targets
    if add_self_loops:
        a = a + torch.diag(torch.ones(num_nodes, dtype=dtype))
    deg = a.sum(dim=-1)
    scale = torch.zeros_like(deg)
    scale[deg > 0] = 1.0 / torch.sqrt(deg[deg > 0])
    return a * scale.unsqueeze(1) * scale.unsqueeze(0)


class GCNLayer(nn.Module):
    def __init__(self, in_channels, out_channels, bias=True):
        super().__init__()
        self.lin = nn.Linear(in_channels, out_channels, bias=False)
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None

    def forward(self, x, edge_index):
        a_norm = gcn_normalized_adjacency(edge_index, len(x), True, x.dtype)
        h = torch.matmul(a_norm, self.lin(x))
        return h if self.bias is None else h + self.bias


class SAGELayer(nn.Module):
    def __init__(self, in_channels, out_channels, normalize=False):
        super().__init__()
        self.normalize = normalize
        self.lin_r = nn.Linear(in_channels, out_channels, bias=False)
        self.lin_l = nn.Linear(in_channels, out_channels, bias=True)

    def forward(self, x, edge_index):
        ring = torch.arange(len(x)).expand(2, -1)  # (2, N): i -> i
        agg = message_passing(x, torch.hstack([edge_index, ring]), aggr="mean")
        out = self.lin_r(x) + self.lin_l(agg)
        if self.normalize:
            out = out / out.norm(p=2, dim=1, keepdim=True).clamp_min(1e-12)
        return out


class GATLayer(nn.Module):
    def __init__(self, in_channels, out_channels, negative_slope=0.2):
        super().__init__()
        self.negative_slope = negative_slope
        self.lin = nn.Linear(in_channels, out_channels, bias=False)
        std = 1.0 / out_channels ** 0.5
        self.att_src = nn.Parameter(torch.empty(out_channels).normal_(0.0, std))
        self.att_dst = nn.Parameter(torch.empty(out_channels).normal_(0.0, std))
        self.bias = nn.Parameter(torch.zeros(out_channels))

    def forward(self, x, edge_index, return_attention=False):
        n = x.shape[0]
        loops = torch.arange(n, dtype=torch.long).repeat(2, 1)  # (2, N)
        edges = torch.cat([edge_index[:, edge_index[0] != edge_index[1]], loops], dim=1)  # (2, E')
        src, dst = edges
        h = self.lin(x)  # (N, F_out)
        raw = (h[src] * self.att_src).sum(-1) + (h[dst] * self.att_dst).sum(-1)  # (E',)
        e = F.leaky_relu(raw, negative_slope=self.negative_slope)
        top = torch.stack([e[dst == node].max() for node in range(n)]) if n else e.new_zeros(0)  # (N,)
        w = (e - top.detach()[dst]).exp()
        alpha = w / _into(w, dst, n)[dst]
        out = _into(alpha.unsqueeze(-1) * h[src], dst, n) + self.bias
        if return_attention:
            return out, (edges, alpha)
        return out
