"""Public test data, computed from the reference at release time (not released itself).

Prints one JSON object: one seeded two-layer network (float64, as exact floats) and, for each activation, the
reference's two_layer_net loss and gradients on it. The other public tests compare with torch directly.
"""
import json

import torch
from mlp import ACTIVATIONS, two_layer_net

N, I, H, C = 6, 4, 5, 3  # all different, so that a swapped axis or a missing transpose shows


def case(seed=0):
    gen = torch.Generator().manual_seed(seed)
    rand = lambda *shape: torch.randn(*shape, generator=gen, dtype=torch.float64)  # noqa: E731
    inputs = {"x": rand(N, I), "w1": rand(H, I) / I ** 0.5, "b1": 0.3 * rand(H), "w2": rand(C, H) / H ** 0.5,
              "b2": 0.3 * rand(C), "target": torch.tensor([0, 2, 1, 1, 0, 2])}
    expected = {}
    for name in ACTIVATIONS:
        loss, grads = two_layer_net(**inputs, activation=name)
        expected[name] = {"loss": loss.item(), "grads": {k: v.tolist() for k, v in grads.items()}}
    return {"inputs": {k: v.tolist() for k, v in inputs.items()}, "expected": expected}


if __name__ == "__main__":
    print(json.dumps({"net": case()}))
