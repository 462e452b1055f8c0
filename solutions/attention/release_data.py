"""Public test data, computed from the reference at release time (not released itself).

Prints one JSON object: one seeded scaled_dot_product_attention case with a bool mask (torch does not return
the weights, so these come from the reference), float64 as exact floats.
"""
import json

import torch
from attention import scaled_dot_product_attention

L, S, E, EV = 3, 4, 5, 2  # all different, so that a swapped axis shows


def case(seed=0):
    gen = torch.Generator().manual_seed(seed)
    q, k = torch.randn(L, E, generator=gen, dtype=torch.float64), torch.randn(S, E, generator=gen, dtype=torch.float64)
    v = torch.randn(S, EV, generator=gen, dtype=torch.float64)
    allowed = torch.tensor([[True, False, True, False], [False, True, True, True], [True, True, False, False]])
    out, weights = scaled_dot_product_attention(q, k, v, attn_mask=allowed)
    return {"q": q.tolist(), "k": k.tolist(), "v": v.tolist(), "attn_mask": allowed.tolist(), "out": out.tolist(),
            "weights": weights.tolist()}


if __name__ == "__main__":
    print(json.dumps({"masked": case()}))
