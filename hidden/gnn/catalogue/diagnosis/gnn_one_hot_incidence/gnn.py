"""Correct (diagnosis set): one-hot incidence matrices (E, N) of the targets and sources; sums as incidence.T @
values, the maximum over an (N, E, F) tensor masked by the incidence, A = targets.T @ sources."""
import torch
import torch.nn.functional as F
from torch import nn


def _incidence(index, num_nodes, dtype):
    return F.one_hot(index, num_nodes).to(dtype)  # (E, N)


def message_passing(x, edge_index, aggr="sum"):
    if aggr != "sum" and aggr != "mean" and aggr != "max":
        raise ValueError(aggr)
    n = x.shape[0]
    into = _incidence(edge_index[1], n, x.dtype)  # (E, N)
    values = x[edge_index[0]]  # (E, F)
    if aggr == "max":
        if values.shape[0] == 0:
            return torch.zeros_like(x)
        hit = into.t().bool()  # (N, E)
        masked = torch.where(hit[:, :, None], values[None, :, :], torch.tensor(float("-inf"), dtype=x.dtype))
        top = masked.amax(dim=1)  # (N, F)
        return torch.where(hit.any(dim=1, keepdim=True), top, torch.zeros_like(top))
    out = into.t() @ values  # (N, F)
    if aggr == "mean":
        out = out / into.sum(dim=0).clamp(min=1.0)[:, None]
    return out


def gcn_normalized_adjacency(edge_index, num_nodes, add_self_loops=True, dtype=None):
    dtype = torch.get_default_dtype() if dtype is None else dtype
    a = _incidence(edge_index[1], num_nodes, dtype).t() @ _incidence(edge_index[0], num_nodes, dtype)  # (N, N)
    if add_self_loops:
        a = a + torch.eye(num_nodes, dtype=dtype)
    d = a.sum(dim=1)
    s = torch.where(d > 0, d, torch.ones_like(d)).pow(-0.5) * (d > 0).to(dtype)
    return s[:, None] * a * s[None, :]


class GCNLayer(nn.Module):
    def __init__(self, in_channels, out_channels, bias=True):
        super().__init__()
        self.lin = nn.Linear(in_channels, out_channels, bias=False)
        if bias:
            self.bias = nn.Parameter(torch.zeros(out_channels))
        else:
            self.register_parameter("bias", None)

    def forward(self, x, edge_index):
        out = gcn_normalized_adjacency(edge_index, x.shape[0], dtype=x.dtype) @ self.lin(x)
        if self.bias is not None:
            out = out + self.bias
        return out


class SAGELayer(nn.Module):
    def __init__(self, in_channels, out_channels, normalize=False):
        super().__init__()
        self.lin_l = nn.Linear(in_channels, out_channels)
        self.lin_r = nn.Linear(in_channels, out_channels, bias=False)
        self.normalize = normalize

    def forward(self, x, edge_index):
        out = self.lin_l(message_passing(x, edge_index, "mean")) + self.lin_r(x)
        return F.normalize(out, p=2.0, dim=1) if self.normalize else out


class GATLayer(nn.Module):
    def __init__(self, in_channels, out_channels, negative_slope=0.2):
        super().__init__()
        self.negative_slope = negative_slope
        self.lin = nn.Linear(in_channels, out_channels, bias=False)
        self.att_src = nn.Parameter(torch.randn(out_channels) * out_channels ** -0.5)
        self.att_dst = nn.Parameter(torch.randn(out_channels) * out_channels ** -0.5)
        self.bias = nn.Parameter(torch.zeros(out_channels))

    def forward(self, x, edge_index, return_attention=False):
        n = x.shape[0]
        nodes = torch.arange(n)
        edges = torch.cat([edge_index[:, edge_index[0] != edge_index[1]], torch.stack([nodes, nodes])], dim=1)
        h = self.lin(x)  # (N, F_out)
        into = _incidence(edges[1], n, h.dtype)  # (E', N)
        e = F.leaky_relu(h[edges[0]] @ self.att_src + h[edges[1]] @ self.att_dst, self.negative_slope)  # (E',)
        scores = torch.where(into.t().bool(), e.detach()[None, :], torch.tensor(float("-inf"), dtype=h.dtype))
        top = scores.amax(dim=1)  # (N,)
        w = torch.exp(e - top[edges[1]])
        alpha = w / (into.t() @ w)[edges[1]]
        out = into.t() @ (alpha[:, None] * h[edges[0]]) + self.bias
        return (out, (edges, alpha)) if return_attention else out
