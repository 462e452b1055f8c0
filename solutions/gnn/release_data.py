"""Public test data, computed from the reference at release time (not released itself).

Prints one JSON object: one small seeded graph (directed, a duplicate edge, a self-loop, a node without incoming
edges), float64 features and layer parameters as exact floats, and the reference's normalised adjacency, layer
outputs, GAT attention (edges sorted by target, then source) and gradients of L = sum(out * grad_out) wrt x.
"""
import json

import torch
from gnn import GATLayer, GCNLayer, SAGELayer, gcn_normalized_adjacency

N, F, F_OUT = 5, 3, 2
# j -> i: 0 -> 1 twice (a duplicate), a self-loop at 2, node 4 has no incoming edge
EDGES = [(0, 1), (2, 1), (1, 2), (0, 1), (2, 2), (3, 0), (1, 3), (4, 3), (4, 0)]
LAYERS = {"gcn": (GCNLayer, {}), "sage": (SAGELayer, {}), "sage_normalize": (SAGELayer, {"normalize": True}),
          "gat": (GATLayer, {})}


def case(seed=0):
    gen = torch.Generator().manual_seed(seed)
    edge_index = torch.tensor(EDGES).T  # (2, E)
    x = torch.randn(N, F, generator=gen, dtype=torch.float64)
    grad_out = torch.randn(N, F_OUT, generator=gen, dtype=torch.float64)
    layers, expected = {}, {}
    for name, (cls, options) in LAYERS.items():
        layer = cls(F, F_OUT, **options).double()
        with torch.no_grad():
            for p in layer.parameters():
                p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64) * 0.7 + 0.2)
        leaf = x.clone().requires_grad_(True)
        out = layer(leaf, edge_index)
        (out * grad_out).sum().backward()
        layers[name] = {k: v.tolist() for k, v in layer.state_dict().items()}
        expected[name] = {"out": out.tolist(), "grad_x": leaf.grad.tolist()}
    gat = GATLayer(F, F_OUT).double()
    gat.load_state_dict({k: torch.tensor(v, dtype=torch.float64) for k, v in layers["gat"].items()})
    _, (edges, alpha) = gat(x, edge_index, return_attention=True)
    order = torch.argsort(edges[1] * N + edges[0], stable=True)
    expected["gat"] |= {"edges": edges[:, order].tolist(), "alpha": alpha[order].tolist()}
    expected["norm"] = gcn_normalized_adjacency(edge_index, N, dtype=torch.float64).tolist()
    expected["norm_no_loops"] = gcn_normalized_adjacency(edge_index, N, add_self_loops=False,
                                                         dtype=torch.float64).tolist()
    return {"edges": EDGES, "x": x.tolist(), "grad_out": grad_out.tolist(), "layers": layers, "expected": expected}


if __name__ == "__main__":
    print(json.dumps({"graph": case()}))
