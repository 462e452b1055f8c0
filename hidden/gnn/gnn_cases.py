"""Graphs, inputs and the naive float64 oracles shared by the hidden gnn tests (trusted side only).

Every graph kind that changes an answer has its own entry: directed (j -> i without i -> j, so that a flipped
direction or a transposed adjacency shows), undirected, duplicate edges, nodes without incoming edges (one
with outgoing edges only, two with none at all), existing self-loops (one of them twice), a single node with
and without a self-loop, no edges at all, and a mix of everything. Edges come in a shuffled order, never
sorted. The oracles are the contract's formulas written out edge by edge and node by node in float64, with
Python loops and no scatter operation.
"""
from typing import NamedTuple

import torch

DTYPES = [torch.float32, torch.float64]
AGGRS = ["sum", "mean", "max"]


class Graph(NamedTuple):
    name: str
    num_nodes: int
    edges: tuple  # ((j, i), ...): source j, target i
    features: int  # F
    out_features: int  # F_out

    def edge_index(self) -> torch.Tensor:
        """(2, E) int64, row 0 the sources."""
        return torch.tensor(self.edges, dtype=torch.int64).reshape(-1, 2).T.contiguous()


def _shuffled(name, num_nodes, edges, features, out_features, seed):
    order = torch.randperm(len(edges), generator=torch.Generator().manual_seed(seed)).tolist()
    return Graph(name, num_nodes, tuple(edges[k] for k in order), features, out_features)


def _random_edges(num_nodes, count, seed, self_loops=False):
    gen = torch.Generator().manual_seed(seed)
    edges = set()
    while len(edges) < count:
        j, i = torch.randint(0, num_nodes, (2,), generator=gen).tolist()
        if j != i or self_loops:
            edges.add((j, i))
    return sorted(edges)


def _directed(num_nodes, count, seed):
    """count edges j -> i of which none has its reverse i -> j."""
    pairs = [(j, i) for j in range(num_nodes) for i in range(j + 1, num_nodes)]
    order = torch.randperm(len(pairs), generator=torch.Generator().manual_seed(seed))[:count].tolist()
    return [(pairs[k][1], pairs[k][0]) if n % 2 else pairs[k] for n, k in enumerate(order)]


_UNDIRECTED = [(0, 1), (0, 2), (1, 2), (2, 3), (3, 4), (4, 5), (1, 5)]
_MIXED = _random_edges(9, 20, seed=11) + [(0, 0), (4, 4), (2, 5), (2, 5), (3, 1), (3, 1), (3, 1), (7, 6)]

GRAPHS = [
    _shuffled("directed", 7, _directed(7, 13, seed=1), 3, 4, seed=1),
    _shuffled("undirected", 6, _UNDIRECTED + [(i, j) for j, i in _UNDIRECTED], 4, 3, seed=2),
    _shuffled("duplicates", 5, _directed(5, 7, seed=3) + [(0, 4), (0, 4), (2, 1), (2, 1), (2, 1)], 2, 5, seed=3),
    _shuffled("isolated", 8, [(0, 1), (1, 2), (2, 0), (3, 0), (1, 3), (5, 1), (5, 4), (4, 2), (0, 4)], 3, 2,
              seed=4),  # 5 has outgoing edges only, 6 and 7 none
    _shuffled("self_loops", 6, _directed(6, 9, seed=5) + [(1, 1), (3, 3), (3, 3), (5, 5)], 3, 3, seed=5),
    Graph("single_node", 1, (), 2, 3),
    Graph("single_node_loop", 1, ((0, 0),), 3, 2),
    Graph("no_edges", 4, (), 1, 2),
    _shuffled("mixed", 9, [e for e in _MIXED if 8 not in e], 5, 4, seed=6),  # node 8 isolated
]
DIRECTED = [g for g in GRAPHS if g.name in ("directed", "isolated", "mixed")]


def graph_id(graph) -> str:
    return graph.name


def features(graph, dtype, seed, scale=1.0):
    """x (N, F) ~ N(0, scale^2), shifted a little per feature, so that no two values tie."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(graph.num_nodes, graph.features, generator=gen, dtype=torch.float64)
    x = x + 0.1 * torch.arange(graph.features, dtype=torch.float64)
    return (scale * x).to(dtype)


def upstream(graph, width, dtype, seed):
    """The weights g of the loss sum(out * g), (N, width)."""
    gen = torch.Generator().manual_seed(seed + 1000)
    return torch.randn(graph.num_nodes, width, generator=gen, dtype=torch.float64).to(dtype)


# ---------------------------------------------------------------- layer parameters

LAYER_ARGS = {  # (kind, variant) -> (args of the constructor after (F, F_out), in words)
    ("gcn", "bias"): ((), ""),
    ("gcn", "nobias"): ((False,), ", bias=False"),
    ("sage", "plain"): ((), ""),
    ("sage", "normalize"): ((True,), ", normalize=True"),
    ("gat", "slope0.2"): ((), ""),
    ("gat", "slope0.6"): ((0.6,), ", negative_slope=0.6"),
}
LAYER_CLASS = {"gcn": "GCNLayer", "sage": "SAGELayer", "gat": "GATLayer"}


def parameter_shapes(kind, variant, f, f_out):
    """The named parameters a layer must have, with their shapes."""
    if kind == "gcn":
        return {"lin.weight": (f_out, f)} | ({"bias": (f_out,)} if variant == "bias" else {})
    if kind == "sage":
        return {"lin_l.weight": (f_out, f), "lin_l.bias": (f_out,), "lin_r.weight": (f_out, f)}
    return {"lin.weight": (f_out, f), "att_src": (f_out,), "att_dst": (f_out,), "bias": (f_out,)}


def parameters(kind, variant, f, f_out, dtype, seed):
    """Non-trivial values for every parameter (biases away from 0, attention vectors of both signs)."""
    gen = torch.Generator().manual_seed(seed + 500)
    out = {}
    for name, shape in parameter_shapes(kind, variant, f, f_out).items():
        value = torch.randn(*shape, generator=gen, dtype=torch.float64)
        out[name] = (value / f ** 0.5 if name.endswith("weight") else value + 0.3).to(dtype)
    return out


def describe(kind, variant, graph, dtype) -> str:
    args = LAYER_ARGS[(kind, variant)][1]
    return (f"{LAYER_CLASS[kind]}({graph.features}, {graph.out_features}{args}) in {str(dtype)[6:]} on the "
            f"{graph.name} graph (N = {graph.num_nodes}, E = {len(graph.edges)})")


# ---------------------------------------------------------------- naive oracles (float64, differentiable)

def incoming(graph, target, edges=None):
    """The sources j of every edge j -> target, duplicates repeated."""
    return [j for j, i in (graph.edges if edges is None else edges) if i == target]


def naive_aggregate(graph, x, aggr):
    rows = []
    for i in range(graph.num_nodes):
        messages = [x[j] for j in incoming(graph, i)]
        if not messages:
            rows.append(torch.zeros(x.shape[1], dtype=x.dtype))
        elif aggr == "sum":
            rows.append(torch.stack(messages).sum(0))
        elif aggr == "mean":
            rows.append(torch.stack(messages).sum(0) / len(messages))
        else:
            rows.append(torch.stack(messages).max(0).values)
    return torch.stack(rows)


def naive_norm(graph, add_self_loops, dtype=torch.float64):
    n = graph.num_nodes
    adjacency = [[0.0] * n for _ in range(n)]
    for j, i in graph.edges:
        adjacency[i][j] += 1.0
    if add_self_loops:
        for i in range(n):
            adjacency[i][i] += 1.0
    degree = [sum(row) for row in adjacency]
    out = [[adjacency[i][j] / (degree[i] * degree[j]) ** 0.5 if degree[i] > 0 and degree[j] > 0 else 0.0
            for j in range(n)] for i in range(n)]
    return torch.tensor(out, dtype=torch.float64).reshape(n, n).to(dtype)


def _linear(x, weight, bias=None):
    out = x @ weight.T
    return out if bias is None else out + bias


def naive_layer(kind, variant, graph, x, params, negative_slope=None):
    """The layer's output (and for GAT its edges and attention), from the formulas, in x's dtype (float64)."""
    if kind == "gcn":
        out = naive_norm(graph, True) @ _linear(x, params["lin.weight"])
        return out + params["bias"] if "bias" in params else out
    if kind == "sage":
        out = _linear(naive_aggregate(graph, x, "mean"), params["lin_l.weight"], params["lin_l.bias"])
        out = out + _linear(x, params["lin_r.weight"])
        if variant == "normalize":
            out = torch.stack([row / row.norm().clamp(min=1e-12) for row in out])
        return out
    slope = 0.6 if variant == "slope0.6" else 0.2
    edges = [(j, i) for j, i in graph.edges if j != i] + [(i, i) for i in range(graph.num_nodes)]
    h = _linear(x, params["lin.weight"])
    scores = [torch.nn.functional.leaky_relu(h[j] @ params["att_src"] + h[i] @ params["att_dst"], slope)
              for j, i in edges]
    alpha = [None] * len(edges)
    rows = []
    for i in range(graph.num_nodes):
        at_i = [k for k, (_, t) in enumerate(edges) if t == i]
        weights = torch.softmax(torch.stack([scores[k] for k in at_i]), dim=0)
        for k, w in zip(at_i, weights, strict=True):
            alpha[k] = w
        rows.append(sum(w * h[edges[k][0]] for k, w in zip(at_i, weights, strict=True)) + params["bias"])
    edge_index = torch.tensor(edges, dtype=torch.int64).reshape(-1, 2).T
    return torch.stack(rows), (edge_index, torch.stack(alpha))


def canonical(num_nodes, edges, alpha):
    """Edges and attention sorted by (target, source): the order a layer returns them in is free."""
    order = torch.argsort(edges[1] * num_nodes + edges[0], stable=True)
    return edges[:, order], alpha[order]


def oracle_gradients(fn, leaves, g):
    """d sum(fn(**leaves) * g) / d leaf for every leaf, in float64."""
    leaves = {k: v.detach().double().requires_grad_(True) for k, v in leaves.items()}
    total = (fn(**leaves) * g.double()).sum() + sum(0 * v.sum() for v in leaves.values())  # a graph without edges
    return dict(zip(leaves, torch.autograd.grad(total, list(leaves.values())), strict=True))


def gat_scale(graph, x, params, target=1000.0):
    """The factor that makes the largest |att_src . h[j] + att_dst . h[i]| over the edges used equal target."""
    h = _linear(x.double(), params["lin.weight"].double())
    edges = [(j, i) for j, i in graph.edges if j != i] + [(i, i) for i in range(graph.num_nodes)]
    raw = [abs(float(h[j] @ params["att_src"].double() + h[i] @ params["att_dst"].double())) for j, i in edges]
    return target / max(raw)
