"""Public test data, computed from the reference at release time (not released itself).

Prints one JSON object: small seeded float64 cases, the reference's outputs, running statistics and
gradients after each step, and what the most common slips would give instead (so that a public test
can name the slip a student made).
"""
import json

import torch
from batchnorm import BatchNorm2d

# (N, C, H, W), momentum (None: default), eps (None: default), steps (T: training, E: eval)
CASES = [
    ((2, 3, 2, 2), 0.3, None, "TTE"),
    ((1, 2, 2, 3), None, 0.5, "TTE"),
]


def make_case(shape, momentum, eps, script, seed):
    gen = torch.Generator().manual_seed(seed)
    n, c, h, w = shape
    scale = 0.5 + 2 * torch.rand(c, generator=gen, dtype=torch.float64)
    shift = 6 * torch.rand(c, generator=gen, dtype=torch.float64) - 3
    xs = [torch.randn(shape, generator=gen, dtype=torch.float64) * scale.view(1, c, 1, 1) + shift.view(1, c, 1, 1)
          for _ in script]
    weight = 0.5 + 1.5 * torch.rand(c, generator=gen, dtype=torch.float64)
    bias = torch.randn(c, generator=gen, dtype=torch.float64)
    gs = [torch.randn(shape, generator=gen, dtype=torch.float64) for _ in script]

    options = {key: value for key, value in (("eps", eps), ("momentum", momentum)) if value is not None}
    bn = BatchNorm2d(c, **options).double()
    with torch.no_grad():
        bn.weight.copy_(weight)
        bn.bias.copy_(bias)
    out = {"y": [], "running_mean": [], "running_var": [], "grad_x": [], "grad_weight": [], "grad_bias": []}
    for x, g, mode in zip(xs, gs, script, strict=True):
        bn.train(mode == "T")
        x = x.clone().requires_grad_(True)
        bn.weight.grad = bn.bias.grad = None
        y = bn(x)
        (y * g).sum().backward()
        for key, value in (("y", y), ("running_mean", bn.running_mean), ("running_var", bn.running_var),
                           ("grad_x", x.grad), ("grad_weight", bn.weight.grad), ("grad_bias", bn.bias.grad)):
            out[key].append(value.detach().tolist())
    return {"shape": list(shape), "momentum": momentum, "eps": eps, "script": script,
            "x": [x.tolist() for x in xs], "weight": weight.tolist(), "bias": bias.tolist(),
            "g": [g.tolist() for g in gs], **out, "slips": slips(xs, weight, bias, momentum, eps, script)}


def slips(xs, weight, bias, momentum, eps, script):
    """What the common slips give, written independently of the reference: {what: {slip: values}}."""
    momentum = 0.1 if momentum is None else momentum
    eps = 1e-5 if eps is None else eps
    c = xs[0].shape[1]

    def stats(x):
        values = x.transpose(0, 1).reshape(c, -1)
        return values.mean(1), values.var(1, correction=0), values.var(1, correction=1)

    def normalise(x, mean, denominator):
        return weight.view(1, c, 1, 1) * (x - mean.view(1, c, 1, 1)) / denominator.view(1, c, 1, 1) \
            + bias.view(1, c, 1, 1)

    def running(new_weight, biased, in_eval):
        mean_run, var_run = torch.zeros(c, dtype=torch.float64), torch.ones(c, dtype=torch.float64)
        means, variances = [], []
        for x, mode in zip(xs, script, strict=True):
            mean, var_biased, var_unbiased = stats(x)
            if mode == "T" or in_eval:
                mean_run = (1 - new_weight) * mean_run + new_weight * mean
                var_run = (1 - new_weight) * var_run + new_weight * (var_biased if biased else var_unbiased)
            means.append(mean_run.tolist())
            variances.append(var_run.tolist())
        return means, variances

    training = [x for x, mode in zip(xs, script, strict=True) if mode == "T"]
    evals = [x for x, mode in zip(xs, script, strict=True) if mode == "E"]
    flipped, biased, frozen, in_eval = (running(1 - momentum, False, False), running(momentum, True, False),
                                        running(0.0, False, False), running(momentum, False, True))
    return {
        "y (train)": {
            "normalising with the UNBIASED variance (divide by n - 1) in training mode":
                [normalise(x, stats(x)[0], (stats(x)[2] + eps).sqrt()).tolist() for x in training],
            "adding eps to the standard deviation (outside the square root)":
                [normalise(x, stats(x)[0], stats(x)[1].sqrt() + eps).tolist() for x in training],
        },
        "y (eval)": {
            "normalising with the batch statistics in eval mode":
                [normalise(x, stats(x)[0], (stats(x)[1] + eps).sqrt()).tolist() for x in evals],
        },
        "running_mean": {
            "the flipped momentum convention (here momentum is the weight of the NEW batch value)": flipped[0],
            "never updating the running statistics": frozen[0],
            "updating the running statistics in eval mode too": in_eval[0],
        },
        "running_var": {
            "the BIASED variance in the running update (it takes the unbiased one: divide by n - 1)": biased[1],
            "the flipped momentum convention (here momentum is the weight of the NEW batch value)": flipped[1],
            "never updating the running statistics": frozen[1],
            "updating the running statistics in eval mode too": in_eval[1],
        },
    }


if __name__ == "__main__":
    print(json.dumps({"cases": [make_case(*case, seed=i) for i, case in enumerate(CASES)]}))
