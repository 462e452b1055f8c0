"""Hidden tests of GCNLayer, SAGELayer and GATLayer, against the contract's formulas written out node by node in
float64 (gnn_cases.naive_layer) with the same parameter values, on every kind of graph in gnn_cases.GRAPHS:
outputs in float32 and float64, gradients into x and every parameter, GAT's attention (compared after sorting
the edges, whose order is free) and GAT on features large enough that an unshifted softmax overflows; then
the modules' parameter names, shapes, initial biases and .double()."""
import pytest
import torch
from gnn_cases import (
    DTYPES,
    GRAPHS,
    LAYER_ARGS,
    LAYER_CLASS,
    canonical,
    describe,
    features,
    gat_scale,
    naive_layer,
    oracle_gradients,
    parameter_shapes,
    parameters,
    upstream,
)

HINT = {
    "gcn": ("out = A_norm @ lin(x) + bias, A_norm = gcn_normalized_adjacency(edge_index, N, add_self_loops=True) "
            "computed in x's dtype (pass dtype=x.dtype: a float32 A_norm converted to float64 is not accurate "
            "enough), the bias added after the propagation, none when bias=False"),
    "sage": ("out[i] = lin_l(mean over the edges j -> i of x[j]) + lin_r(x[i]): lin_l (with its bias) on the "
             "neighbours' mean, lin_r (no bias) on the node itself, a node without incoming edges has mean 0; "
             "with normalize=True each ROW divided by max(its L2 norm, 1e-12)"),
    "gat": ("remove every self-loop of edge_index, add one per node; h = lin(x); e_ji = leaky_relu(att_src . h[j] "
            "+ att_dst . h[i], negative_slope) for each edge j -> i; alpha = softmax of e over the edges INTO each "
            "target i (subtract each target's largest score first); out[i] = sum over j -> i of alpha_ji * h[j] "
            "+ bias"),
}
HINT_GRAD = "keep everything differentiable (no .detach(), .item(), .numpy() or torch.no_grad()); "
HINT_PARAMETERS = {
    "gcn": "self.lin = torch.nn.Linear(F, F_out, bias=False) and self.bias (F_out,) zeros, or None without bias",
    "sage": "self.lin_l = torch.nn.Linear(F, F_out) (with bias) and self.lin_r = torch.nn.Linear(F, F_out, "
            "bias=False)",
    "gat": "self.lin = torch.nn.Linear(F, F_out, bias=False); att_src, att_dst and bias are Parameters of shape "
           "(F_out,), bias zeros",
}
PART = {"gcn": "gcn_layer", "sage": "sage_layer", "gat": "gat_layer"}
KINDS = {kind: [variant for k, variant in LAYER_ARGS if k == kind] for kind in LAYER_CLASS}


def _cases(kind, dtypes, flip):
    """(kind, variant, graph, dtype): every graph, the two variants taking turns."""
    return [(kind, KINDS[kind][(n + flip) % 2], graph, dtype) for n, graph in enumerate(GRAPHS) for dtype in dtypes]


VALUE_CASES = [case for kind in LAYER_CLASS for case in _cases(kind, DTYPES, 0)]
GRAD_CASES = [case for kind in LAYER_CLASS for case in _cases(kind, [torch.float64], 1)] + [
    (kind, KINDS[kind][0], GRAPHS[n], torch.float32) for kind in LAYER_CLASS for n in (0, 8)]
ATTENTION_CASES = _cases("gat", [torch.float64], 1)
LARGE_CASES = [("gat", variant, GRAPHS[n], dtype) for n in (0, 8) for variant in KINDS["gat"] for dtype in DTYPES]
ANATOMY_CASES = [(kind, variant, f, f_out) for kind in LAYER_CLASS for variant in KINDS[kind]
                 for f, f_out in ((3, 5), (1, 1))]


def case_id(case) -> str:
    kind, variant, graph, dtype = case
    return f"{kind}-{variant}-{graph.name}-{str(dtype)[6:]}"


def _marked(cases):
    """The cases as pytest params marked with the part of their layer."""
    return [pytest.param(case, marks=pytest.mark.part(PART[case[0]]), id=case_id(case)) for case in cases]


# ---------------------------------------------------------------- scenarios (run in the worker and here)
# One per class, so that a forbidden API in one layer costs only the tests of the layers that reach it; they
# share their body because a scenario travels to the worker as its own source.
# mode: "out" (the output and the inputs afterwards), "grad" (the gradients of sum(out * grad_out) into x and
# every parameter), "attention" (GAT's output, edges and alpha), "anatomy" (the parameters of a new layer).

def gcn(m, args, params, x, edge_index, grad_out, mode):
    layer = m.gnn.GCNLayer(x.shape[1], *args)
    if mode == "anatomy":
        named = dict(layer.named_parameters())
        bias = None if layer.bias is None else layer.bias.detach().clone()  # before .double() converts it
        return {"names": ", ".join(sorted(named)) or "(none)", "shapes": {k: list(p.shape) for k, p in named.items()},
                "requires_grad": all(p.requires_grad for p in named.values()), "biases": {"bias": bias},
                "dtypes after .double()": sorted({str(p.dtype) for p in layer.double().parameters()})}
    layer = layer.to(x.dtype)
    with torch.no_grad():
        for name, value in params.items():
            layer.get_parameter(name).copy_(value)
    if mode == "out":
        return {"out": layer(x, edge_index), "x": x, "edge_index": edge_index}
    leaf = x.clone().requires_grad_(True)
    (layer(leaf, edge_index) * grad_out).sum().backward()
    return {"x": leaf.grad} | {name: layer.get_parameter(name).grad for name in params}


def sage(m, args, params, x, edge_index, grad_out, mode):
    layer = m.gnn.SAGELayer(x.shape[1], *args)
    if mode == "anatomy":
        named = dict(layer.named_parameters())
        return {"names": ", ".join(sorted(named)) or "(none)", "shapes": {k: list(p.shape) for k, p in named.items()},
                "requires_grad": all(p.requires_grad for p in named.values()), "biases": {},
                "dtypes after .double()": sorted({str(p.dtype) for p in layer.double().parameters()})}
    layer = layer.to(x.dtype)
    with torch.no_grad():
        for name, value in params.items():
            layer.get_parameter(name).copy_(value)
    if mode == "out":
        return {"out": layer(x, edge_index), "x": x, "edge_index": edge_index}
    leaf = x.clone().requires_grad_(True)
    (layer(leaf, edge_index) * grad_out).sum().backward()
    return {"x": leaf.grad} | {name: layer.get_parameter(name).grad for name in params}


def gat(m, args, params, x, edge_index, grad_out, mode):
    layer = m.gnn.GATLayer(x.shape[1], *args)
    if mode == "anatomy":
        named = dict(layer.named_parameters())
        bias = None if layer.bias is None else layer.bias.detach().clone()  # before .double() converts it
        return {"names": ", ".join(sorted(named)) or "(none)", "shapes": {k: list(p.shape) for k, p in named.items()},
                "requires_grad": all(p.requires_grad for p in named.values()), "biases": {"bias": bias},
                "dtypes after .double()": sorted({str(p.dtype) for p in layer.double().parameters()})}
    layer = layer.to(x.dtype)
    with torch.no_grad():
        for name, value in params.items():
            layer.get_parameter(name).copy_(value)
    if mode == "attention":
        out, (edges, alpha) = layer(x, edge_index, return_attention=True)
        return {"out": out, "edges": edges, "alpha": alpha}
    if mode == "out":
        return {"out": layer(x, edge_index), "x": x, "edge_index": edge_index}
    leaf = x.clone().requires_grad_(True)
    (layer(leaf, edge_index) * grad_out).sum().backward()
    return {"x": leaf.grad} | {name: layer.get_parameter(name).grad for name in params}


SCENARIOS = {"gcn": gcn, "sage": sage, "gat": gat}


def _inputs(case, seed, mode="out", scale=1.0):
    kind, variant, graph, dtype = case
    params = parameters(kind, variant, graph.features, graph.out_features, dtype, seed)
    x = features(graph, dtype, seed, scale)
    g = upstream(graph, graph.out_features, dtype, seed) if mode == "grad" else None
    return {"args": (graph.out_features, *LAYER_ARGS[(kind, variant)][0]), "params": params, "x": x,
            "edge_index": graph.edge_index(), "grad_out": g, "mode": mode}


def _expected(case, inputs):
    kind, variant, graph, dtype = case
    params = {name: value.double() for name, value in inputs["params"].items()}
    result = naive_layer(kind, variant, graph, inputs["x"].double(), params)
    out = result[0] if kind == "gat" else result
    return out.to(dtype), result


# ---------------------------------------------------------------- outputs and gradients

@pytest.mark.parametrize("case", _marked(VALUE_CASES))
def test_layer_output(grader, case):
    kind, variant, graph, dtype = case
    inputs = _inputs(case, seed=VALUE_CASES.index(case))
    got = grader.student(SCENARIOS[kind], **inputs)
    grader.check(got["out"], _expected(case, inputs)[0], f"output of {describe(*case)}", hint=HINT[kind])
    grader.check(got["x"], inputs["x"], "x after the forward", hint="do not modify x in place")
    grader.check(got["edge_index"], inputs["edge_index"], "edge_index after the forward",
                 hint="do not modify edge_index in place (for GAT: build a new tensor with the self-loops)")


@pytest.mark.parametrize("case", _marked(GRAD_CASES))
def test_layer_gradients(grader, case):
    kind, variant, graph, dtype = case
    inputs = _inputs(case, seed=100 + GRAD_CASES.index(case), mode="grad")
    got = grader.student(SCENARIOS[kind], **inputs)

    def output(x, **params):
        result = naive_layer(kind, variant, graph, x, params)
        return result[0] if kind == "gat" else result

    want = oracle_gradients(output, {"x": inputs["x"]} | inputs["params"], inputs["grad_out"])
    grader.check(got, {name: value.to(dtype) for name, value in want.items()},
                 f"gradients of sum(out * g) through {describe(*case)}", hint=HINT_GRAD + HINT[kind])


@pytest.mark.part("gat_layer")
@pytest.mark.parametrize("case", ATTENTION_CASES, ids=case_id)
def test_gat_attention(grader, case):
    kind, variant, graph, dtype = case
    inputs = _inputs(case, seed=200 + ATTENTION_CASES.index(case), mode="attention")
    got = grader.student(gat, **inputs)
    want_edges, want_alpha = _expected(case, inputs)[1][1]
    call = f"layer(x, edge_index, return_attention=True) of {describe(*case)}"
    edges, alpha = got["edges"], got["alpha"]
    for name, value, shape in (("edges", edges, want_edges.shape), ("alpha", alpha, want_alpha.shape)):
        grader.check(type(value).__name__, "Tensor", f"{name} of {call}", hint="return (out, (edges, alpha))")
        grader.check(list(value.shape), list(shape), f"the shape of {name} of {call}",
                     hint="edges (2, E') are edge_index without its self-loops plus one self-loop per node; "
                          "alpha (E',) holds one weight per column of edges")
    grader.check(edges.dtype, torch.int64, f"edges.dtype of {call}", hint="edges are int64, as edge_index")
    got_edges, got_alpha = canonical(graph.num_nodes, edges, alpha)
    want_edges, want_alpha = canonical(graph.num_nodes, want_edges, want_alpha.to(dtype))
    grader.check(got_edges, want_edges, f"edges of {call}, sorted by (target, source)",
                 hint="remove EVERY self-loop of edge_index (a duplicated one too), then add one self-loop per node")
    grader.check(got_alpha, want_alpha, f"alpha of {call}, sorted with its edges by (target, source)",
                 hint="alpha[e] belongs to edges[:, e]; the weights of the edges into each target sum to 1; "
                      + HINT["gat"])


@pytest.mark.part("gat_layer")
@pytest.mark.parametrize("case", LARGE_CASES, ids=case_id)
def test_gat_large_scores(grader, case):
    kind, variant, graph, dtype = case
    seed = 300 + LARGE_CASES.index(case)
    base = _inputs(case, seed)
    scale = gat_scale(graph, base["x"], base["params"], target=1000.0)
    inputs = _inputs(case, seed, scale=scale)
    got = grader.student(gat, **inputs)
    grader.check(got["out"], _expected(case, inputs)[0], f"output of {describe(*case)} with x scaled so that the "
                 f"largest |score| is 1000", hint="softmax with exp(e - the largest e at the same target): exp(1000) "
                                                  "overflows, and a single maximum over ALL edges underflows at the "
                                                  "targets whose scores are all far below it; " + HINT["gat"])


# ---------------------------------------------------------------- parameters

@pytest.mark.part("parameters")
@pytest.mark.parametrize("case", ANATOMY_CASES, ids=lambda c: f"{c[0]}-{c[1]}-F{c[2]}-Fout{c[3]}")
def test_parameters(grader, case):
    kind, variant, f, f_out = case
    args, words = LAYER_ARGS[(kind, variant)]
    got = grader.student(SCENARIOS[kind], args=(f_out, *args), params={}, x=torch.zeros(2, f), edge_index=None,
                         grad_out=None, mode="anatomy")
    shapes = parameter_shapes(kind, variant, f, f_out)
    call = f"{LAYER_CLASS[kind]}({f}, {f_out}{words})"
    grader.check(got["names"], ", ".join(sorted(shapes)), f"the names in {call}.named_parameters()",
                 hint=HINT_PARAMETERS[kind])
    grader.check(got["shapes"], {name: list(shape) for name, shape in shapes.items()},
                 f"the parameter shapes of {call}", hint=HINT_PARAMETERS[kind])
    grader.check(got["requires_grad"], True, f"every parameter of {call} requires grad",
                 hint="create them as torch.nn.Parameter or torch.nn.Linear")
    if kind != "sage":
        bias = torch.zeros(f_out) if "bias" in shapes else None
        grader.check(got["biases"]["bias"], bias, f"{call}.bias when created", hint=HINT_PARAMETERS[kind])
    grader.check(got["dtypes after .double()"], ["torch.float64"], f"the parameter dtypes after {call}.double()",
                 hint="register every parameter (torch.nn.Parameter or a submodule), so that .double() converts it")
