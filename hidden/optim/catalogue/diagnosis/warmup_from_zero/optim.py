"""Variant of warmup_starts_at_zero: the warm-up starts at 0: base_lr * step / warmup_steps.

Written in the diagnosis set's style: one shared loop (_GradLoop.step) calls a per-parameter _update hook;
every state tensor is recomputed out of place in operator form (m = b1 * m + (1 - b1) * g) and stored back
into self.state[p]; Adam and AdamW in the paper's folded form (eps * sqrt(1 - b2 ** t)); the schedules by
divmod and an early return past the end."""
import math

import torch
from torch.optim import Optimizer


def _at_least_zero(**values):
    """ValueError for the first hyper-parameter below 0 (0 itself is allowed)."""
    for name, value in values.items():
        if value < 0.0:
            raise ValueError(f"Invalid {name} value: {value}")


def _betas_valid(betas):
    for index, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {index}: {beta}")


class _GradLoop(Optimizer):
    """The loop every optimiser here shares: the closure under enable_grad, then _update once per parameter that
    has a gradient, with its group and its self.state entry."""

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    self._update(group, p, p.grad, self.state[p])
        return loss

    def _update(self, group, p, grad, state):
        raise NotImplementedError


class SGD(_GradLoop):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False):
        _at_least_zero(lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and not (momentum > 0 and dampening == 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov))

    def _update(self, group, p, grad, state):
        lr, mu = group["lr"], group["momentum"]
        g = grad + group["weight_decay"] * p if group["weight_decay"] else grad
        direction = g
        if mu:
            previous = state.get("momentum_buffer")
            if previous is None:
                buf = g.clone()
            else:
                buf = mu * previous + (1 - group["dampening"]) * g
            state["momentum_buffer"] = buf
            direction = g + mu * buf if group["nesterov"] else buf
        p.sub_(lr * direction)


class Adagrad(_GradLoop):
    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10):
        _at_least_zero(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                       initial_accumulator_value=initial_accumulator_value, eps=eps)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps))

    def _update(self, group, p, grad, state):
        if "sum" not in state:
            state["t"] = 0
            state["sum"] = torch.full_like(p, self.defaults["initial_accumulator_value"])
        t = state["t"] = state["t"] + 1
        g = grad + group["weight_decay"] * p if group["weight_decay"] else grad
        total = state["sum"] + g * g
        state["sum"] = total
        clr = group["lr"] / (1 + (t - 1) * group["lr_decay"])
        p.sub_(clr * g / (total.sqrt() + group["eps"]))


class RMSprop(_GradLoop):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False):
        _at_least_zero(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered))

    def _update(self, group, p, grad, state):
        a = group["alpha"]
        g = grad + group["weight_decay"] * p if group["weight_decay"] else grad
        sq = a * state.get("square_avg", torch.zeros_like(p)) + (1 - a) * g * g
        state["square_avg"] = sq
        if group["centered"]:
            ga = a * state.get("grad_avg", torch.zeros_like(p)) + (1 - a) * g
            state["grad_avg"] = ga
            spread = sq - ga * ga
        else:
            spread = sq
        avg = spread.sqrt() + group["eps"]
        if group["momentum"] > 0:
            buf = group["momentum"] * state.get("momentum_buffer", torch.zeros_like(p)) + g / avg
            state["momentum_buffer"] = buf
            p.sub_(group["lr"] * buf)
        else:
            p.sub_(group["lr"] * g / avg)


class Adam(_GradLoop):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False):
        _at_least_zero(lr=lr, eps=eps)
        _betas_valid(betas)
        _at_least_zero(weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad))

    def _update(self, group, p, grad, state):
        b1, b2 = group["betas"]
        t = state["t"] = state.get("t", 0) + 1
        g = grad + group["weight_decay"] * p if group["weight_decay"] else grad
        m = b1 * state.get("m", torch.zeros_like(p)) + (1 - b1) * g
        v = b2 * state.get("v", torch.zeros_like(p)) + (1 - b2) * g * g
        state["m"], state["v"] = m, v
        if group["amsgrad"]:
            v = state["vmax"] = torch.maximum(state.get("vmax", torch.zeros_like(p)), v)
        root_c2 = math.sqrt(1 - b2 ** t)
        # the paper's folded form: lr * m_hat / (sqrt(v_hat) + eps) = lr * root_c2 / c1 * m / (sqrt(v) + eps * root_c2)
        p.sub_(group["lr"] * root_c2 / (1 - b1 ** t) * m / (v.sqrt() + group["eps"] * root_c2))


class AdamW(_GradLoop):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False):
        _at_least_zero(lr=lr, eps=eps)
        _betas_valid(betas)
        _at_least_zero(weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad))

    def _update(self, group, p, grad, state):
        b1, b2 = group["betas"]
        t = state["t"] = state.get("t", 0) + 1
        p.mul_(1 - group["lr"] * group["weight_decay"])
        m = b1 * state.get("m", torch.zeros_like(p)) + (1 - b1) * grad
        v = b2 * state.get("v", torch.zeros_like(p)) + (1 - b2) * grad * grad
        state["m"], state["v"] = m, v
        if group["amsgrad"]:
            v = state["vmax"] = torch.maximum(state.get("vmax", torch.zeros_like(p)), v)
        root_c2 = math.sqrt(1 - b2 ** t)
        p.sub_(group["lr"] * root_c2 / (1 - b1 ** t) * m / (v.sqrt() + group["eps"] * root_c2))


def step_lr(step, base_lr, step_size, gamma=0.1):
    drops, _ = divmod(step, step_size)
    return base_lr * gamma ** drops


def warmup_cosine_lr(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    if step < 0:
        raise ValueError(f"step must be >= 0, got {step}")
    if warmup_steps > total_steps:
        raise ValueError(f"warmup_steps ({warmup_steps}) must not exceed total_steps ({total_steps})")
    if step < warmup_steps:
        return step / warmup_steps * base_lr
    span = max(1, total_steps - warmup_steps)
    elapsed = step - warmup_steps
    if elapsed >= span:
        return min_lr
    return min_lr + (base_lr - min_lr) * (1 + math.cos(math.pi * elapsed / span)) / 2
