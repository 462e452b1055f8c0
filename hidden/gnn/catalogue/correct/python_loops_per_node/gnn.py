"""Correct: plain Python loops, node by node, over the list of edges; torch.stack and torch.softmax per target."""
import torch
from torch import nn


def _incoming(edge_index, num_nodes):
    sources = [[] for _ in range(num_nodes)]
    for j, i in edge_index.T.tolist():
        sources[i].append(j)
    return sources


def message_passing(x, edge_index, aggr="sum"):
    if aggr != "sum" and aggr != "mean" and aggr != "max":
        raise ValueError("aggr must be one of sum, mean, max")
    rows = []
    for sources in _incoming(edge_index, x.shape[0]):
        if not sources:
            rows.append(torch.zeros_like(x[0]))
            continue
        messages = torch.stack([x[j] for j in sources])
        if aggr == "sum":
            rows.append(messages.sum(dim=0))
        elif aggr == "mean":
            rows.append(messages.mean(dim=0))
        else:
            rows.append(messages.max(dim=0).values)
    return torch.stack(rows) if rows else x.clone()


def gcn_normalized_adjacency(edge_index, num_nodes, add_self_loops=True, dtype=None):
    a = torch.zeros(num_nodes, num_nodes, dtype=torch.float64)
    for j, i in edge_index.T.tolist():
        a[i, j] += 1
    for i in range(num_nodes if add_self_loops else 0):
        a[i, i] += 1
    deg = a.sum(dim=1).tolist()
    for i in range(num_nodes):
        for j in range(num_nodes):
            a[i, j] = a[i, j] / (deg[i] * deg[j]) ** 0.5 if deg[i] and deg[j] else 0.0
    return a.to(torch.get_default_dtype() if dtype is None else dtype)


class GCNLayer(nn.Module):
    def __init__(self, in_channels, out_channels, bias=True):
        super().__init__()
        self.lin = nn.Linear(in_channels, out_channels, bias=False)
        if bias:
            self.bias = nn.Parameter(torch.zeros(out_channels))
        else:
            self.bias = None

    def forward(self, x, edge_index):
        a = gcn_normalized_adjacency(edge_index, x.shape[0], dtype=x.dtype)
        out = a @ self.lin(x)
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
        if not self.normalize:
            return out
        return torch.stack([row / torch.clamp(torch.sqrt((row * row).sum()), min=1e-12) for row in out])


class GATLayer(nn.Module):
    def __init__(self, in_channels, out_channels, negative_slope=0.2):
        super().__init__()
        self.lin = nn.Linear(in_channels, out_channels, bias=False)
        self.att_src = nn.Parameter(torch.randn(out_channels))
        self.att_dst = nn.Parameter(torch.randn(out_channels))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.negative_slope = negative_slope

    def forward(self, x, edge_index, return_attention=False):
        h = self.lin(x)
        edges, alphas, rows = [], [], []
        for i, sources in enumerate(_incoming(edge_index, x.shape[0])):
            sources = [j for j in sources if j != i] + [i]
            scores = torch.stack([h[j] @ self.att_src + h[i] @ self.att_dst for j in sources])
            alpha = torch.softmax(nn.functional.leaky_relu(scores, self.negative_slope), dim=0)
            rows.append((alpha[:, None] * h[sources]).sum(dim=0) + self.bias)
            edges += [(j, i) for j in sources]
            alphas.append(alpha)
        out = torch.stack(rows)
        if return_attention:
            return out, (torch.tensor(edges, dtype=torch.int64).T, torch.cat(alphas))
        return out
