"""Hidden tests of message_passing and gcn_normalized_adjacency, against the contract's formulas written out
edge by edge in float64 (gnn_cases.naive_aggregate, naive_norm), on every kind of graph in gnn_cases.GRAPHS."""
import pytest
import torch
from gnn_cases import AGGRS, DTYPES, GRAPHS, features, graph_id, naive_aggregate, naive_norm, oracle_gradients, upstream

HINT_DIRECTION = ("edge_index[0] holds the sources j and edge_index[1] the targets i: the message x[j] is "
                  "aggregated at i (out[i] gathers over the edges INTO i)")
HINT_AGGR = {
    "sum": f"out[i] = sum of x[j] over the edges j -> i, a duplicate edge counted each time, 0 without incoming "
           f"edges; add the messages up (index_add / scatter_add), do not overwrite them; {HINT_DIRECTION}",
    "mean": f"out[i] = the sum over the edges j -> i divided by their number (the in-degree, duplicates counted); "
            f"a node without incoming edges gets 0, not 0 / 0 = nan; {HINT_DIRECTION}",
    "max": f"out[i] = the largest x[j] over the edges j -> i, feature by feature, even when all of them are "
           f"negative (do not start the maximum from 0), and 0 where i has no incoming edge (not -inf); "
           f"{HINT_DIRECTION}",
}
HINT_NORM = ("A[i, j] = the number of edges j -> i (rows are targets; duplicates add up), A + I with self-loops "
             "(an existing self-loop makes A[i, i] = 2), deg[i] = sum over j of A[i, j], out[i, j] = A[i, j] / "
             "sqrt(deg[i] * deg[j]), and 0 where a degree is 0 (not nan)")
BAD_AGGRS = ["add", "min", "Sum"]


# ---------------------------------------------------------------- scenarios (run in the worker and here)

def aggregate(m, x, edge_index, aggr, grad_out):
    if aggr is None:
        out = m.gnn.message_passing(x, edge_index)
    elif grad_out is None:
        out = m.gnn.message_passing(x, edge_index, aggr)
    else:
        leaf = x.clone().requires_grad_(True)
        out = m.gnn.message_passing(leaf, edge_index, aggr)
        ((out * grad_out).sum() + 0 * leaf.sum()).backward()  # an output without edges may not depend on x
        return {"grad_x": leaf.grad}
    return {"out": out, "x": x, "edge_index": edge_index}


def aggregate_bad(m, x, edge_index, aggr):
    try:
        m.gnn.message_passing(x, edge_index, aggr)
    except ValueError:
        return "raises ValueError"
    return "returns"


def norm(m, edge_index, num_nodes, add_self_loops, default_dtype):
    previous = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, default_dtype))
    try:
        if add_self_loops is None:
            return m.gnn.gcn_normalized_adjacency(edge_index, num_nodes)
        return m.gnn.gcn_normalized_adjacency(edge_index, num_nodes, add_self_loops=add_self_loops)
    finally:
        torch.set_default_dtype(previous)


# ---------------------------------------------------------------- message_passing

def _call(graph, aggr, dtype):
    return (f"message_passing(x, edge_index, {aggr!r}) in {str(dtype)[6:]} on the {graph.name} graph "
            f"(N = {graph.num_nodes}, E = {len(graph.edges)})")


@pytest.mark.part("message_passing")
@pytest.mark.parametrize("aggr", AGGRS)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("graph", GRAPHS, ids=graph_id)
def test_message_passing(grader, graph, dtype, aggr):
    x = features(graph, dtype, seed=GRAPHS.index(graph))
    got = grader.student(aggregate, x=x, edge_index=graph.edge_index(), aggr=aggr, grad_out=None)["out"]
    want = naive_aggregate(graph, x.double(), aggr).to(dtype)
    grader.check(got, want, _call(graph, aggr, dtype), hint=HINT_AGGR[aggr])


@pytest.mark.part("message_passing")
@pytest.mark.parametrize("aggr", AGGRS)
@pytest.mark.parametrize("graph", GRAPHS, ids=graph_id)
def test_message_passing_gradient(grader, graph, aggr):
    x = features(graph, torch.float64, seed=20 + GRAPHS.index(graph))
    g = upstream(graph, graph.features, torch.float64, seed=GRAPHS.index(graph))
    got = grader.student(aggregate, x=x, edge_index=graph.edge_index(), aggr=aggr, grad_out=g)["grad_x"]
    want = oracle_gradients(lambda x: naive_aggregate(graph, x, aggr), {"x": x}, g)["x"]
    grader.check(got, want, f"d sum(out * g) / dx of {_call(graph, aggr, torch.float64)}",
                 hint=f"keep out differentiable in x (no .detach(), .item() or torch.no_grad()); {HINT_AGGR[aggr]}")


@pytest.mark.part("message_passing")
@pytest.mark.parametrize("graph", GRAPHS[:4:3], ids=graph_id)
def test_message_passing_default_is_sum(grader, graph):
    x = features(graph, torch.float64, seed=40)
    got = grader.student(aggregate, x=x, edge_index=graph.edge_index(), aggr=None, grad_out=None)
    grader.check(got["out"], naive_aggregate(graph, x, "sum"), f"message_passing(x, edge_index) on the {graph.name} "
                 f"graph", hint=f"aggr defaults to 'sum'; {HINT_AGGR['sum']}")
    grader.check(got["x"], x, "x after message_passing", hint="do not modify x in place: build a new tensor")
    grader.check(got["edge_index"], graph.edge_index(), "edge_index after message_passing",
                 hint="do not modify edge_index in place")


@pytest.mark.part("message_passing")
@pytest.mark.parametrize("aggr", BAD_AGGRS)
def test_message_passing_rejects_other_aggr(grader, aggr):
    graph = GRAPHS[0]
    got = grader.student(aggregate_bad, x=features(graph, torch.float32, seed=41), edge_index=graph.edge_index(),
                         aggr=aggr)
    grader.check(got, "raises ValueError", f"message_passing(x, edge_index, {aggr!r})",
                 hint="aggr is exactly 'sum', 'mean' or 'max'; anything else ('add', 'min', 'Sum') raises ValueError")


# ---------------------------------------------------------------- gcn_normalized_adjacency

@pytest.mark.part("gcn_normalized_adjacency")
@pytest.mark.parametrize("add_self_loops", [True, False, None], ids=["loops", "no-loops", "default"])
@pytest.mark.parametrize("graph", GRAPHS, ids=graph_id)
def test_gcn_normalized_adjacency(grader, graph, add_self_loops):
    got = grader.student(norm, edge_index=graph.edge_index(), num_nodes=graph.num_nodes,
                         add_self_loops=add_self_loops, default_dtype="float32")
    want = naive_norm(graph, add_self_loops is not False, torch.float32)
    args = "" if add_self_loops is None else f", add_self_loops={add_self_loops}"
    grader.check(got, want, f"gcn_normalized_adjacency(edge_index, {graph.num_nodes}{args}) on the {graph.name} graph "
                 f"(E = {len(graph.edges)})", hint=f"{HINT_NORM}; add_self_loops defaults to True")


@pytest.mark.part("gcn_normalized_adjacency")
@pytest.mark.parametrize("graph", GRAPHS[2::4], ids=graph_id)
def test_gcn_normalized_adjacency_default_dtype(grader, graph):
    got = grader.student(norm, edge_index=graph.edge_index(), num_nodes=graph.num_nodes, add_self_loops=True,
                         default_dtype="float64")
    grader.check(got, naive_norm(graph, True), f"gcn_normalized_adjacency(edge_index, {graph.num_nodes}) after "
                 f"torch.set_default_dtype(torch.float64), on the {graph.name} graph",
                 hint="with dtype=None the result has torch's default dtype, torch.get_default_dtype(), "
                      "which is not always float32")
