"""Correct: the formulas written out as in a textbook, out of place (every state entry replaced by a new tensor,
the parameter overwritten with copy_), bias-corrected m_hat and v_hat spelled out, the step count a float tensor
under the key "t"; Adagrad's sums made at construction as torch does; step_lr by repeated multiplication and the
cosine through cos^2(pi * progress / 2)."""
import math

import torch
from torch.optim import Optimizer


def _check(**values):
    for name, value in values.items():
        if value < 0:
            raise ValueError(f"Invalid {name} value: {value}")


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False):
        _check(lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and not (momentum > 0 and dampening == 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad + group["weight_decay"] * p
                if group["momentum"] != 0:
                    state = self.state[p]
                    if "buf" in state:
                        state["buf"] = group["momentum"] * state["buf"] + (1 - group["dampening"]) * g
                    else:
                        state["buf"] = g.clone()
                    g = g + group["momentum"] * state["buf"] if group["nesterov"] else state["buf"]
                p.copy_(p - group["lr"] * g)
        return loss


class Adagrad(Optimizer):
    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10):
        _check(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
               initial_accumulator_value=initial_accumulator_value, eps=eps)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps))
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p]["t"] = torch.tensor(0.0)
                self.state[p]["sum"] = torch.full_like(p, initial_accumulator_value)

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                state["t"] = state["t"] + 1
                t = state["t"].item()
                g = p.grad + group["weight_decay"] * p
                state["sum"] = state["sum"] + g * g
                clr = group["lr"] / (1 + (t - 1) * group["lr_decay"])
                p.copy_(p - clr * g / (torch.sqrt(state["sum"]) + group["eps"]))
        return loss


class RMSprop(Optimizer):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False):
        _check(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            a = group["alpha"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if "sq" not in state:
                    state["sq"], state["ga"], state["buf"] = (torch.zeros_like(p) for _ in range(3))
                g = p.grad + group["weight_decay"] * p
                state["sq"] = a * state["sq"] + (1 - a) * g * g
                if group["centered"]:
                    state["ga"] = a * state["ga"] + (1 - a) * g
                    avg = torch.sqrt(state["sq"] - state["ga"] ** 2) + group["eps"]
                else:
                    avg = torch.sqrt(state["sq"]) + group["eps"]
                if group["momentum"] > 0:
                    state["buf"] = group["momentum"] * state["buf"] + g / avg
                    p.copy_(p - group["lr"] * state["buf"])
                else:
                    p.copy_(p - group["lr"] * g / avg)
        return loss


class Adam(Optimizer):
    decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False):
        _check(lr=lr, eps=eps, weight_decay=weight_decay)
        for index, beta in enumerate(betas):
            if not (beta >= 0 and beta < 1):
                raise ValueError(f"Invalid beta parameter at index {index}: {beta}")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            b1, b2 = group["betas"]
            lr, wd = group["lr"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if "t" not in state:
                    state["t"] = torch.tensor(0.0)
                    state["m"], state["v"], state["vmax"] = (torch.zeros_like(p) for _ in range(3))
                state["t"] = state["t"] + 1
                t = state["t"].item()
                if self.decoupled:
                    p.copy_(p * (1 - lr * wd))
                    g = p.grad
                else:
                    g = p.grad + wd * p
                state["m"] = b1 * state["m"] + (1 - b1) * g
                state["v"] = b2 * state["v"] + (1 - b2) * g * g
                v = state["v"]
                if group["amsgrad"]:
                    state["vmax"] = torch.maximum(state["vmax"], v)
                    v = state["vmax"]
                m_hat = state["m"] / (1 - b1 ** t)
                v_hat = v / (1 - b2 ** t)
                p.copy_(p - lr * m_hat / (torch.sqrt(v_hat) + group["eps"]))
        return loss


class AdamW(Adam):
    decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)


def step_lr(step, base_lr, step_size, gamma=0.1):
    lr = base_lr
    for _ in range(step // step_size):
        lr *= gamma
    return lr


def warmup_cosine_lr(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    if step < 0 or warmup_steps > total_steps:
        raise ValueError(f"invalid step {step} or warmup_steps {warmup_steps} > total_steps {total_steps}")
    if step < warmup_steps:
        return base_lr * (step + 1) / warmup_steps
    progress = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))
    return min_lr + (base_lr - min_lr) * math.cos(math.pi * progress / 2) ** 2
