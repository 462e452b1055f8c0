"""Public tests for gnn.py: run `pytest` in this folder. The hidden tests check much more.

The message-passing tests use a graph small enough to check by hand; the layer tests use the expected values of
one seeded graph in public_data.json (a directed graph with a duplicate edge, a self-loop and a node without
incoming edges).
"""
import json
from pathlib import Path

import pytest
import torch
from _checks import check
from gnn import GATLayer, GCNLayer, SAGELayer, gcn_normalized_adjacency, message_passing

DATA = json.loads((Path(__file__).parent / "public_data.json").read_text())
TOL = DATA["tolerance"]
GRAPH = DATA["graph"]
F, F_OUT = 3, 2
LAYERS = {"gcn": (GCNLayer, {}), "sage": (SAGELayer, {}), "sage_normalize": (SAGELayer, {"normalize": True}),
          "gat": (GATLayer, {})}
HINT_LAYER = {
    "gcn": "out = A_norm @ lin(x) + bias, with A_norm = gcn_normalized_adjacency(edge_index, N) (self-loops added)",
    "sage": "out[i] = lin_l(mean of x[j] over the edges j -> i) + lin_r(x[i]): lin_l on the neighbours, lin_r on "
            "the node itself",
    "sage_normalize": "with normalize=True, divide each ROW of lin_l(mean) + lin_r(x) by its L2 norm",
    "gat": "drop the existing self-loops, add one per node; alpha = softmax over the edges INTO each target of "
           "leaky_relu(att_src . h[j] + att_dst . h[i]); out[i] = sum of alpha_ji * h[j] + bias",
}

# By hand: 3 nodes, edges 0 -> 1, 2 -> 1, 1 -> 0, and 0 -> 1 again; node 2 has no incoming edge.
TINY_EDGES = torch.tensor([[0, 2, 1, 0], [1, 1, 0, 1]])  # row 0 the sources j, row 1 the targets i
TINY_X = torch.tensor([[1.0, -2.0], [10.0, -20.0], [100.0, -200.0]], dtype=torch.float64)
TINY = {  # out[i] over the messages x[j] of the edges j -> i
    "sum": [[10.0, -20.0], [102.0, -204.0], [0.0, 0.0]],   # node 1: x[0] + x[2] + x[0]
    "mean": [[10.0, -20.0], [34.0, -68.0], [0.0, 0.0]],    # node 1: (x[0] + x[2] + x[0]) / 3
    "max": [[10.0, -20.0], [100.0, -2.0], [0.0, 0.0]],     # node 1: max(1, 100, 1), max(-2, -200, -2)
}
HINT_TINY = {
    "sum": "messages flow from edge_index[0] (source j) to edge_index[1] (target i): out[i] sums x[j] over the "
           "edges INTO i; a duplicate edge counts twice; a node without incoming edges gets 0",
    "mean": "the mean divides the sum by the number of edges into i (3 for node 1 here, the duplicate counted); "
            "a node without incoming edges gets 0, not nan",
    "max": "the maximum is taken feature by feature over the messages, also when they are all negative (do not "
           "start it at 0), and is 0 for a node without incoming edges (not -inf)",
}


def edge_index():
    return torch.tensor(GRAPH["edges"]).T  # (2, E)


def given(value, dtype=torch.float64):
    return torch.tensor(value, dtype=dtype)


def layer(name, dtype=torch.float64):
    """The layer with the parameter values of public_data.json."""
    cls, options = LAYERS[name]
    module = cls(F, F_OUT, **options).to(dtype)
    check(sorted(dict(module.named_parameters())), sorted(GRAPH["layers"][name]), f"the parameter names of "
          f"{cls.__name__}", hint="see the __init__ docstring: the names, shapes and whether each Linear has a bias")
    with torch.no_grad():
        for key, value in GRAPH["layers"][name].items():
            module.get_parameter(key).copy_(given(value, dtype))
    return module


@pytest.mark.parametrize("aggr", ["sum", "mean", "max"])
def test_message_passing_by_hand(aggr):
    check(message_passing(TINY_X, TINY_EDGES, aggr), given(TINY[aggr]), f"message_passing(x, edge_index, {aggr!r}) "
          f"on 0 -> 1, 2 -> 1, 1 -> 0, 0 -> 1", tol=TOL, hint=HINT_TINY[aggr])


def test_message_passing_names_are_sum_mean_max():
    check(message_passing(TINY_X, TINY_EDGES), given(TINY["sum"]), "message_passing(x, edge_index)", tol=TOL,
          hint="aggr defaults to 'sum'")
    with pytest.raises(ValueError):
        message_passing(TINY_X, TINY_EDGES, "add")  # torch_geometric's name; here only "sum", "mean", "max"


def test_gcn_normalized_adjacency():
    got = gcn_normalized_adjacency(edge_index(), 5, dtype=torch.float64)
    check(got, given(GRAPH["expected"]["norm"]), "gcn_normalized_adjacency(edge_index, 5)", tol=TOL,
          hint="A[i, j] counts the edges j -> i (rows are TARGETS, a duplicate counts twice), then A + I: the "
               "self-loop already at node 2 makes A[2, 2] = 2; out[i, j] = A[i, j] / sqrt(deg[i] * deg[j]) with "
               "deg[i] the row sum")
    got = gcn_normalized_adjacency(edge_index(), 5, add_self_loops=False, dtype=torch.float64)
    check(got, given(GRAPH["expected"]["norm_no_loops"]), "gcn_normalized_adjacency(edge_index, 5, "
          "add_self_loops=False)", tol=TOL, hint="node 4 has no incoming edge: deg[4] = 0, and its row and "
                                                 "column are 0, not nan")
    check(gcn_normalized_adjacency(edge_index(), 5).dtype, torch.get_default_dtype(), "the dtype with dtype=None",
          hint="dtype=None means torch.get_default_dtype()")


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=str)
def test_layer_output(name, dtype):
    got = layer(name, dtype)(given(GRAPH["x"], dtype), edge_index())
    check(got, given(GRAPH["expected"][name]["out"], dtype), f"output of {LAYERS[name][0].__name__} ({name})",
          tol=TOL, hint=HINT_LAYER[name])


@pytest.mark.parametrize("name", LAYERS)
def test_layer_gradient(name):
    x = given(GRAPH["x"]).requires_grad_(True)
    out = layer(name)(x, edge_index())
    check(out.requires_grad, True, "out.requires_grad when x requires grad",
          hint="keep the computation differentiable: no .detach(), .item(), .numpy() or torch.no_grad()")
    (out * given(GRAPH["grad_out"])).sum().backward()
    check(x.grad, given(GRAPH["expected"][name]["grad_x"]), f"d sum(out * grad_out) / dx through {name}", tol=TOL,
          hint=HINT_LAYER[name])


def test_gat_attention():
    out, (edges, alpha) = layer("gat")(given(GRAPH["x"]), edge_index(), return_attention=True)
    check(isinstance(edges, torch.Tensor) and isinstance(alpha, torch.Tensor), True, "edges and alpha are tensors",
          hint="with return_attention=True return (out, (edges, alpha))")
    order = torch.argsort(edges[1] * 5 + edges[0], stable=True)
    check(edges[:, order], torch.tensor(GRAPH["expected"]["gat"]["edges"]), "edges used, sorted by (target, source)",
          hint="remove the self-loop 2 -> 2 of edge_index, then add one self-loop per node: E' = 8 + 5 = 13")
    check(alpha[order], given(GRAPH["expected"]["gat"]["alpha"]), "alpha, sorted with its edges", tol=TOL,
          hint="alpha[e] is the weight of edges[:, e]; the weights of the edges INTO each target sum to 1")


@pytest.mark.parametrize("bias", [True, False])
def test_gcn_parameters(bias):
    module = GCNLayer(F, F_OUT, bias=bias)
    check({k: list(v.shape) for k, v in module.named_parameters()},
          {"lin.weight": [F_OUT, F]} | ({"bias": [F_OUT]} if bias else {}), f"GCNLayer({F}, {F_OUT}, bias={bias}) "
          f"parameter shapes", hint="self.lin = torch.nn.Linear(F, F_OUT, bias=False); self.bias a Parameter "
                                    "(F_out,), or registered as None with bias=False")
    initial = module.bias if module.bias is None else module.bias.detach()
    check(initial, torch.zeros(F_OUT) if bias else None, "GCNLayer's bias when created",
          hint="the bias starts at zeros; with bias=False it is None")
