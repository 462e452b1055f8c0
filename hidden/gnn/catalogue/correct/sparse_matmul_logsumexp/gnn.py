"""Correct: sums as a sparse COO matrix product (torch.sparse.mm), degrees by bincount, the maximum by index_reduce,
GCN as lin(A_norm @ x) (propagate, then transform), GAT's softmax as exp(e - logsumexp at the target)."""
import torch
import torch.nn.functional as F
from torch import nn


def _sparse(edge_index, num_nodes, values):
    return torch.sparse_coo_tensor(edge_index.flip(0), values, (num_nodes, num_nodes))


def message_passing(x, edge_index, aggr="sum"):
    if aggr == "max":
        out = torch.zeros_like(x)
        return out.index_reduce(0, edge_index[1], x[edge_index[0]], "amax", include_self=False)
    if aggr not in ("sum", "mean"):
        raise ValueError(aggr)
    ones = torch.ones(edge_index.shape[1], dtype=x.dtype)
    out = torch.sparse.mm(_sparse(edge_index, x.shape[0], ones), x)
    if aggr == "sum":
        return out
    return out / torch.bincount(edge_index[1], minlength=x.shape[0]).to(x.dtype).clamp(min=1).unsqueeze(1)


def gcn_normalized_adjacency(edge_index, num_nodes, add_self_loops=True, dtype=None):
    dtype = dtype if dtype is not None else torch.get_default_dtype()
    if add_self_loops:
        loops = torch.arange(num_nodes)
        edge_index = torch.cat([edge_index, torch.stack([loops, loops])], dim=1)
    degree = torch.bincount(edge_index[1], minlength=num_nodes).to(dtype)
    inverse = degree.pow(-0.5).masked_fill(degree == 0, 0.0)
    weights = inverse[edge_index[1]] * inverse[edge_index[0]]
    return _sparse(edge_index, num_nodes, weights).to_dense()


class GCNLayer(nn.Module):
    def __init__(self, in_channels, out_channels, bias=True):
        super().__init__()
        self.lin = nn.Linear(in_channels, out_channels, bias=False)
        self.register_parameter("bias", nn.Parameter(torch.zeros(out_channels)) if bias else None)

    def forward(self, x, edge_index):
        out = self.lin(gcn_normalized_adjacency(edge_index, x.shape[0], dtype=x.dtype) @ x)
        if self.bias is not None:
            out += self.bias
        return out


class SAGELayer(nn.Module):
    def __init__(self, in_channels, out_channels, normalize=False):
        super().__init__()
        self.lin_l = nn.Linear(in_channels, out_channels)
        self.lin_r = nn.Linear(in_channels, out_channels, bias=False)
        self.normalize = normalize

    def forward(self, x, edge_index):
        out = self.lin_l(message_passing(x, edge_index, "mean")) + self.lin_r(x)
        return F.normalize(out, dim=1) if self.normalize else out


class GATLayer(nn.Module):
    def __init__(self, in_channels, out_channels, negative_slope=0.2):
        super().__init__()
        self.negative_slope = negative_slope
        self.lin = nn.Linear(in_channels, out_channels, bias=False)
        self.att_src = nn.Parameter(torch.empty(out_channels).uniform_(-1, 1))
        self.att_dst = nn.Parameter(torch.empty(out_channels).uniform_(-1, 1))
        self.bias = nn.Parameter(torch.zeros(out_channels))

    def forward(self, x, edge_index, return_attention=False):
        n = x.shape[0]
        loops = torch.arange(n).expand(2, n)
        edges = torch.cat([loops, edge_index[:, edge_index[0] != edge_index[1]]], dim=1)
        src, dst = edges
        h = self.lin(x)
        e = F.leaky_relu((h * self.att_src).sum(1)[src] + (h * self.att_dst).sum(1)[dst], self.negative_slope)
        top = torch.zeros(n, dtype=e.dtype).index_reduce(0, dst, e.detach(), "amax", include_self=False)
        total = torch.zeros(n, dtype=e.dtype).index_add(0, dst, torch.exp(e - top[dst]))
        alpha = torch.exp(e - (top + torch.log(total))[dst])
        out = torch.sparse.mm(torch.sparse_coo_tensor(torch.stack([dst, src]), alpha, (n, n)), h) + self.bias
        return (out, (edges, alpha)) if return_attention else out
