"""Public tests for optim.py: run `pytest` in this folder. The hidden tests check much more (60 steps of every
configuration, float32 and float64, parameters without gradients, resumed runs, closures, ...).

The oracle is torch.optim itself: each test runs your optimiser and torch's on the same small problem and
compares the parameters after every step.
"""
import math

import pytest
import torch
from _checks import check
from optim import SGD, Adagrad, Adam, AdamW, RMSprop, step_lr, warmup_cosine_lr

TOL = {"float64": (1e-7, 1e-10)}
STEPS = 8


def problem(seed=0):
    """Two parameters (a (3, 2) matrix and a (4,) vector) and the gradient function of a noisy quadratic."""
    generator = torch.Generator().manual_seed(seed)
    start = [torch.randn(shape, generator=generator, dtype=torch.float64) for shape in ((3, 2), (4,))]
    curvature = [0.5 + 2 * torch.rand(p.shape, generator=generator, dtype=torch.float64) for p in start]
    noise = [0.3 * torch.randn(STEPS, *p.shape, generator=generator, dtype=torch.float64) for p in start]
    return start, lambda step, params: [c * p + n[step] for c, p, n in zip(curvature, params, noise, strict=True)]


def run(cls, groups=None, steps=STEPS, lr_at=None, skip_second_until=0, **kwargs):
    """The parameters after each step, (steps + 1, ...) per parameter, under optimiser cls(params, **kwargs).

    groups: None for one list of parameters, else the second parameter's group's own hyper-parameters.
    lr_at: (step, new_lr) to set every group's lr to new_lr from that step on, as a scheduler would.
    skip_second_until: the second parameter's grad is None before this step.
    """
    start, gradient = problem()
    params = [p.clone().requires_grad_(True) for p in start]
    arg = params if groups is None else [{"params": [params[0]]}, {"params": [params[1]], **groups}]
    opt = cls(arg, **kwargs)
    path = [[p.detach().clone()] for p in params]
    for k in range(steps):
        if lr_at is not None and k == lr_at[0]:
            for group in opt.param_groups:
                group["lr"] = lr_at[1]
        opt.zero_grad()
        with torch.no_grad():
            for i, g in enumerate(gradient(k, params)):
                if i == 0 or k >= skip_second_until:
                    params[i].grad = g
        opt.step()
        for trail, p in zip(path, params, strict=True):
            trail.append(p.detach().clone())
    return [torch.stack(trail) for trail in path]


def compare(mine, theirs, call, hint=None, **options):
    """Your optimiser against torch's on the same problem; hint defaults to the class's update rule."""
    got, want = run(mine, **options), run(theirs, **options)
    for name, g, w in zip(("the (3, 2) parameter", "the (4,) parameter"), got, want, strict=True):
        check(g, w, f"{name} after each step (axis 0: the step, 0 = the start) of {call}", tol=TOL,
              hint=hint or HINTS[mine.__name__])


HINTS = {
    "SGD": "g = p.grad + weight_decay * p; buf = g at the FIRST step (no dampening there), then buf = momentum * "
           "buf + (1 - dampening) * g; Nesterov: g = g + momentum * buf, else g = buf; p -= lr * g",
    "Adagrad": "sum starts at initial_accumulator_value; clr = lr / (1 + (t - 1) * lr_decay); sum += g * g; "
               "p -= clr * g / (sqrt(sum) + eps)",
    "RMSprop": "sq = alpha * sq + (1 - alpha) * g * g; centered: subtract ga * ga under the root; avg = sqrt(...) + "
               "eps; with momentum buf = momentum * buf + g / avg and p -= lr * buf",
    "Adam": "m and v start at 0; p -= lr * (m / (1 - b1 ** t)) / (sqrt(v / (1 - b2 ** t)) + eps), t from 1",
    "AdamW": "first p *= 1 - lr * weight_decay, then Adam's update with p.grad alone (no weight_decay * p in m, v)",
}


def test_sgd_momentum_dampening_two_groups():
    compare(SGD, torch.optim.SGD, "SGD(groups, lr=0.1, momentum=0.9, dampening=0.2), the second group momentum=0.5",
            groups={"momentum": 0.5}, lr=0.1, momentum=0.9, dampening=0.2)


def test_sgd_nesterov_weight_decay():
    compare(SGD, torch.optim.SGD, "SGD(params, lr=0.05, momentum=0.8, weight_decay=0.1, nesterov=True)",
            lr=0.05, momentum=0.8, weight_decay=0.1, nesterov=True)


def test_sgd_momentum_reads_the_current_lr():
    compare(SGD, torch.optim.SGD, "SGD(params, lr=0.1, momentum=0.9), lr set to 0.01 from step 4 on",
            lr_at=(4, 0.01), lr=0.1, momentum=0.9,
            hint="read group['lr'] at every step, and keep lr out of the buffer: torch's buf = momentum * buf + g "
                 "and p -= lr * buf, not the textbook v = momentum * v + lr * g, p -= v (the same only while lr is "
                 "constant)")


def test_adagrad():
    compare(Adagrad, torch.optim.Adagrad, "Adagrad(params, lr=0.3, lr_decay=0.1, initial_accumulator_value=0.5)",
            lr=0.3, lr_decay=0.1, initial_accumulator_value=0.5)


def test_rmsprop_centered_momentum():
    compare(RMSprop, torch.optim.RMSprop, "RMSprop(params, lr=0.01, alpha=0.9, momentum=0.9, centered=True)",
            lr=0.01, alpha=0.9, momentum=0.9, centered=True)


def test_adam_bias_correction():
    compare(Adam, torch.optim.Adam, "Adam(params, lr=0.1)", lr=0.1)


def test_adam_amsgrad_l2_weight_decay_two_groups():
    compare(Adam, torch.optim.Adam, "Adam(groups, lr=0.05, betas=(0.8, 0.9), weight_decay=0.1, amsgrad=True), the "
            "second group betas=(0.5, 0.99)", groups={"betas": (0.5, 0.99)}, lr=0.05, betas=(0.8, 0.9),
            weight_decay=0.1, amsgrad=True)


def test_adam_skips_a_parameter_without_grad():
    compare(Adam, torch.optim.Adam, "Adam(params, lr=0.1, weight_decay=0.1), the second grad None for 3 steps",
            skip_second_until=3, lr=0.1, weight_decay=0.1,
            hint="a parameter whose grad is None is skipped (no update, no state) and its own step count t starts "
                 "at 1 at its first gradient: keep t in self.state[p], not one counter for the optimiser")


def test_adamw_decoupled_weight_decay():
    compare(AdamW, torch.optim.AdamW, "AdamW(params, lr=0.05, weight_decay=0.3)", lr=0.05, weight_decay=0.3)


def test_adamw_default_weight_decay():
    compare(AdamW, torch.optim.AdamW, "AdamW(params, lr=0.05)", lr=0.05,
            hint="AdamW's default weight_decay is 1e-2, not 0")


def test_state_dict_round_trip():
    start, gradient = problem(1)
    paths = []
    for resume in (False, True):
        params = [p.clone().requires_grad_(True) for p in start]
        opt = Adam(params, lr=0.1, amsgrad=True)
        for step in range(STEPS):
            if resume and step == STEPS // 2:
                saved_state = opt.state_dict()
                params = [p.detach().clone().requires_grad_(True) for p in params]
                opt = Adam(params, lr=0.1, amsgrad=True)
                opt.load_state_dict(saved_state)
            opt.zero_grad()
            with torch.no_grad():
                for p, g in zip(params, gradient(step, params), strict=True):
                    p.grad = g
            opt.step()
        paths.append([p.detach() for p in params])
    check(paths[1], paths[0], f"the parameters after {STEPS} Adam steps, state_dict() saved after {STEPS // 2} and "
                              f"loaded into a fresh Adam", tol=TOL, names=("(3, 2) parameter", "(4,) parameter"),
          hint="keep all state (m, v, vmax, the step count) in self.state[p]: state_dict() saves only self.state "
               "and self.param_groups")


def test_closure_is_run_with_gradients_and_its_loss_returned():
    p = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    opt = SGD([p], lr=0.1)

    def closure():
        opt.zero_grad()
        value = (p ** 2).sum()
        value.backward()
        return value

    loss = opt.step(closure)
    check(loss, torch.tensor(5.0, dtype=torch.float64), "what step(closure) returned", tol=TOL,
          hint="call the closure inside `with torch.enable_grad():` (step runs under no_grad) and return its loss")
    check(p.detach(), torch.tensor([0.8, -1.6], dtype=torch.float64), "p after step(closure)", tol=TOL,
          hint="the closure sets p.grad; update with it: p -= lr * p.grad")
    check(p.is_leaf and p.grad_fn is None, True, "p is still a leaf without history after the step",
          hint="update in place under torch.no_grad() (p.add_(...)), never p = p - ...")


@pytest.mark.parametrize(("cls", "kwargs"), [
    (SGD, {"lr": -0.1}), (SGD, {"momentum": 0.0, "nesterov": True}), (Adagrad, {"eps": -1.0}),
    (RMSprop, {"alpha": -0.5}), (Adam, {"betas": (0.9, 1.0)}), (AdamW, {"weight_decay": -0.1}),
], ids=lambda v: v.__name__ if isinstance(v, type) else ",".join(f"{k}={w}" for k, w in v.items()))
def test_invalid_arguments_raise_value_error(cls, kwargs):
    args = ", ".join(f"{key}={value}" for key, value in kwargs.items())
    try:
        cls([torch.zeros(2, requires_grad=True)], **kwargs)
    except ValueError:
        return
    check("no ValueError", "ValueError", f"{cls.__name__}([p], {args})",
          hint="raise ValueError for a negative lr, eps, momentum, weight_decay or alpha, a beta outside [0, 1), "
               "and nesterov=True without momentum > 0 and dampening == 0, as torch does")


def test_step_lr():
    got = [step_lr(step, 0.5, 3, gamma=0.1) for step in range(8)]
    want = [0.5, 0.5, 0.5, 0.05, 0.05, 0.05, 0.005, 0.005]
    check(got, want, "[step_lr(step, 0.5, 3, gamma=0.1) for step in range(8)]", tol=TOL,
          hint="base_lr * gamma ** (step // step_size): the first drop is AT step == step_size")


def test_warmup_cosine_lr():
    got = [warmup_cosine_lr(step, 1.0, 4, 12, min_lr=0.1) for step in (0, 3, 4, 8, 12, 20)]
    want = [0.25, 1.0, 1.0, 0.1 + 0.45 * (1 + math.cos(math.pi / 2)), 0.1, 0.1]
    check(got, want, "[warmup_cosine_lr(step, 1.0, 4, 12, min_lr=0.1) for step in (0, 3, 4, 8, 12, 20)]", tol=TOL,
          hint="warm-up base_lr * (step + 1) / warmup_steps; then min_lr + 0.5 * (base_lr - min_lr) * (1 + cos(pi * "
               "progress)), progress = min(1, (step - warmup_steps) / max(1, total_steps - warmup_steps))")
