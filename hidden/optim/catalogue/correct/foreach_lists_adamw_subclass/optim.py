"""Correct: each group's parameters gathered into lists and updated with torch._foreach_* operations (the way
torch's multi-tensor implementations work), Python floats for the step counts, validation by a table of
limits; AdamW inherits Adam's step and only turns the decay decoupled; step_lr through math.pow and the warm-up
as a linear interpolation."""
import math

import torch
from torch.optim import Optimizer

LIMITS = {"lr": "learning rate", "eps": "epsilon value", "momentum": "momentum value",
          "weight_decay": "weight_decay value", "alpha": "alpha value", "lr_decay": "lr_decay value",
          "initial_accumulator_value": "initial_accumulator_value value"}


def _validate(**values):
    for key, value in values.items():
        if key == "betas":
            for i, beta in enumerate(value):
                if beta < 0.0 or beta >= 1.0:
                    raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        elif key in LIMITS and value < 0.0:
            raise ValueError(f"Invalid {LIMITS[key]}: {value}")


def _call(closure):
    if closure is None:
        return None
    with torch.enable_grad():
        return closure()


def _with_grads(group):
    return [p for p in group["params"] if p.grad is not None]


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False):
        _validate(lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening,
                                  "weight_decay": weight_decay, "nesterov": nesterov})

    @torch.no_grad()
    def step(self, closure=None):
        loss = _call(closure)
        for group in self.param_groups:
            params = _with_grads(group)
            if not params:
                continue
            grads = [p.grad for p in params]
            if group["weight_decay"] != 0:
                grads = torch._foreach_add(grads, params, alpha=group["weight_decay"])
            if group["momentum"] != 0:
                bufs = []
                for p, g in zip(params, grads, strict=True):
                    state = self.state[p]
                    if "buf" not in state:
                        state["buf"] = g.clone()
                        bufs.append(None)
                    else:
                        bufs.append(state["buf"])
                old = [b for b in bufs if b is not None]
                new = [g for g, b in zip(grads, bufs, strict=True) if b is not None]
                if old:
                    torch._foreach_mul_(old, group["momentum"])
                    torch._foreach_add_(old, new, alpha=1 - group["dampening"])
                bufs = [self.state[p]["buf"] for p in params]
                if group["nesterov"]:
                    grads = torch._foreach_add(grads, bufs, alpha=group["momentum"])
                else:
                    grads = bufs
            torch._foreach_add_(params, grads, alpha=-group["lr"])
        return loss


class Adagrad(Optimizer):
    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10):
        _validate(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                  initial_accumulator_value=initial_accumulator_value, eps=eps)
        super().__init__(params, {"lr": lr, "lr_decay": lr_decay, "weight_decay": weight_decay,
                                  "initial_accumulator_value": initial_accumulator_value, "eps": eps})
        self.initial = float(initial_accumulator_value)

    @torch.no_grad()
    def step(self, closure=None):
        loss = _call(closure)
        for group in self.param_groups:
            params = _with_grads(group)
            if not params:
                continue
            for p in params:
                state = self.state[p]
                if "sum" not in state:
                    state["sum"], state["steps"] = torch.full_like(p, self.initial), 0.0
                state["steps"] += 1.0
            grads = [p.grad for p in params]
            if group["weight_decay"] != 0:
                grads = torch._foreach_add(grads, params, alpha=group["weight_decay"])
            sums = [self.state[p]["sum"] for p in params]
            torch._foreach_addcmul_(sums, grads, grads)
            std = torch._foreach_sqrt(sums)
            torch._foreach_add_(std, group["eps"])
            clrs = [-group["lr"] / (1 + (self.state[p]["steps"] - 1) * group["lr_decay"]) for p in params]
            torch._foreach_addcdiv_(params, grads, std, clrs)
        return loss


class RMSprop(Optimizer):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False):
        _validate(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        super().__init__(params, {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay,
                                  "momentum": momentum, "centered": centered})

    @torch.no_grad()
    def step(self, closure=None):
        loss = _call(closure)
        for group in self.param_groups:
            params = _with_grads(group)
            if not params:
                continue
            for p in params:
                if not self.state[p]:
                    self.state[p].update(sq=torch.zeros_like(p), ga=torch.zeros_like(p), buf=torch.zeros_like(p))
            grads = [p.grad for p in params]
            if group["weight_decay"] != 0:
                grads = torch._foreach_add(grads, params, alpha=group["weight_decay"])
            alpha = group["alpha"]
            sq = [self.state[p]["sq"] for p in params]
            torch._foreach_mul_(sq, alpha)
            torch._foreach_addcmul_(sq, grads, grads, value=1 - alpha)
            if group["centered"]:
                ga = [self.state[p]["ga"] for p in params]
                torch._foreach_lerp_(ga, grads, 1 - alpha)
                avg = torch._foreach_addcmul(sq, ga, ga, value=-1)
                torch._foreach_sqrt_(avg)
            else:
                avg = torch._foreach_sqrt(sq)
            torch._foreach_add_(avg, group["eps"])
            if group["momentum"] > 0:
                bufs = [self.state[p]["buf"] for p in params]
                torch._foreach_mul_(bufs, group["momentum"])
                torch._foreach_addcdiv_(bufs, grads, avg)
                torch._foreach_add_(params, bufs, alpha=-group["lr"])
            else:
                torch._foreach_addcdiv_(params, grads, avg, value=-group["lr"])
        return loss


class Adam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False):
        _validate(lr=lr, eps=eps, betas=betas, weight_decay=weight_decay)
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                                  "amsgrad": amsgrad})

    def _decay(self, group, params, grads):
        """Adam's L2 term: the gradients with weight_decay * p added."""
        if group["weight_decay"] == 0:
            return grads
        return torch._foreach_add(grads, params, alpha=group["weight_decay"])

    @torch.no_grad()
    def step(self, closure=None):
        loss = _call(closure)
        for group in self.param_groups:
            params = _with_grads(group)
            if not params:
                continue
            b1, b2 = group["betas"]
            for p in params:
                state = self.state[p]
                if not state:
                    state.update(t=0.0, m=torch.zeros_like(p), v=torch.zeros_like(p), vmax=torch.zeros_like(p))
                state["t"] += 1.0
            grads = self._decay(group, params, [p.grad for p in params])
            ms = [self.state[p]["m"] for p in params]
            vs = [self.state[p]["v"] for p in params]
            torch._foreach_lerp_(ms, grads, 1 - b1)
            torch._foreach_mul_(vs, b2)
            torch._foreach_addcmul_(vs, grads, grads, value=1 - b2)
            if group["amsgrad"]:
                vmaxs = [self.state[p]["vmax"] for p in params]
                torch._foreach_maximum_(vmaxs, vs)
                vs = vmaxs
            ts = [self.state[p]["t"] for p in params]
            denom = torch._foreach_sqrt(vs)
            torch._foreach_div_(denom, [math.sqrt(1 - b2 ** t) for t in ts])
            torch._foreach_add_(denom, group["eps"])
            torch._foreach_addcdiv_(params, ms, denom, [-group["lr"] / (1 - b1 ** t) for t in ts])
        return loss


class AdamW(Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)

    def _decay(self, group, params, grads):
        """AdamW's decoupled decay: the parameters shrink, the gradients stay as they are."""
        torch._foreach_mul_(params, 1 - group["lr"] * group["weight_decay"])
        return grads


def step_lr(step, base_lr, step_size, gamma=0.1):
    return base_lr * math.pow(gamma, math.floor(step / step_size))


def warmup_cosine_lr(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    if step < 0:
        raise ValueError("step must not be negative")
    if warmup_steps > total_steps:
        raise ValueError("warmup_steps must not exceed total_steps")
    if step < warmup_steps:
        fraction = (step + 1) / warmup_steps
        return (1 - fraction) * 0.0 + fraction * base_lr
    span = max(1, total_steps - warmup_steps)
    progress = min(step - warmup_steps, span) / span
    return min_lr + (base_lr - min_lr) * (1 + math.cos(math.pi * progress)) / 2
