"""Public test data, computed from the reference at release time (not released itself).

Prints one JSON object: one seeded sequence, float64 as exact floats, with the reference's gates and cell step
at t = 0, its lstm_forward output and final state, and the gradients of
L = sum(output * grad_output) + sum(h_n * grad_h_n) + sum(c_n * grad_c_n).
"""
import json

import torch
from lstm import lstm_cell, lstm_forward, lstm_gates

T, N, I, H = 4, 3, 5, 2  # T != N and I != H, so that a swapped axis or a missing transpose shows


def case(seed=0):
    gen = torch.Generator().manual_seed(seed)
    rand = lambda *shape, scale=1.0: scale * torch.randn(*shape, generator=gen, dtype=torch.float64)  # noqa: E731
    block_scale = torch.tensor([0.7, 1.3, 0.9, 1.6], dtype=torch.float64).repeat_interleave(H)[:, None]
    tensors = {
        "x": rand(T, N, I), "h0": torch.tanh(rand(N, H, scale=2.0)), "c0": rand(N, H, scale=1.5),
        "weight_ih": rand(4 * H, I) * block_scale / I ** 0.5, "weight_hh": rand(4 * H, H) * block_scale / H ** 0.5,
        "bias_ih": rand(4 * H, scale=0.5) + 0.3, "bias_hh": rand(4 * H, scale=0.5) - 0.2,
        "grad_output": rand(T, N, H), "grad_h_n": rand(N, H), "grad_c_n": rand(N, H),
    }
    t = tensors
    weights = (t["weight_ih"], t["weight_hh"], t["bias_ih"], t["bias_hh"])
    gates = lstm_gates(t["x"][0], t["h0"], *weights)
    h1, c1 = lstm_cell(t["x"][0], t["h0"], t["c0"], *weights)
    leaves = {k: t[k].clone().requires_grad_(True) for k in ("x", "h0", "c0", "weight_ih", "weight_hh", "bias_ih",
                                                             "bias_hh")}
    output, (h_n, c_n) = lstm_forward(*leaves.values())
    loss = (output * t["grad_output"]).sum() + (h_n * t["grad_h_n"]).sum() + (c_n * t["grad_c_n"]).sum()
    loss.backward()
    expected = {"gates": [g.tolist() for g in gates], "h1": h1.tolist(), "c1": c1.tolist(),
                "output": output.tolist(), "h_n": h_n.tolist(), "c_n": c_n.tolist(),
                "grads": {k: v.grad.tolist() for k, v in leaves.items()}}
    return {"inputs": {k: v.tolist() for k, v in tensors.items()}, "expected": expected}


if __name__ == "__main__":
    print(json.dumps({"sequence": case()}))
