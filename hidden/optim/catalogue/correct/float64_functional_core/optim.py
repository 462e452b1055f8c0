"""Correct: one pure function per update rule on float64 copies (parameter, gradient and state in, new
parameter and new state out), the classes only validate, collect and write back in the parameter's own dtype;
the step count an int64 tensor in the state; AdamW a sibling of Adam sharing the same function; schedules in
closed form with numpy-free integer arithmetic."""
import math

import torch
from torch.optim import Optimizer


def sgd_rule(p, g, buf, lr, momentum, dampening, weight_decay, nesterov):
    g = g + weight_decay * p
    if momentum == 0:
        return p - lr * g, None
    buf = g if buf is None else momentum * buf + (1 - dampening) * g
    direction = g + momentum * buf if nesterov else buf
    return p - lr * direction, buf


def adagrad_rule(p, g, total, t, lr, lr_decay, weight_decay, eps):
    g = g + weight_decay * p
    total = total + g.square()
    return p - lr / (1 + (t - 1) * lr_decay) * g / (total.sqrt() + eps), total


def rmsprop_rule(p, g, sq, ga, buf, lr, alpha, eps, weight_decay, momentum, centered):
    g = g + weight_decay * p
    sq = alpha * sq + (1 - alpha) * g.square()
    if centered:
        ga = alpha * ga + (1 - alpha) * g
        avg = (sq - ga.square()).sqrt() + eps
    else:
        avg = sq.sqrt() + eps
    if momentum > 0:
        buf = momentum * buf + g / avg
        return p - lr * buf, sq, ga, buf
    return p - lr * g / avg, sq, ga, buf


def adam_rule(p, g, m, v, vmax, t, lr, betas, eps, weight_decay, amsgrad, decoupled):
    b1, b2 = betas
    if decoupled:
        p = p * (1 - lr * weight_decay)
    else:
        g = g + weight_decay * p
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g.square()
    vmax = torch.maximum(vmax, v) if amsgrad else vmax
    second = vmax if amsgrad else v
    p = p - lr * (m / (1 - b1 ** t)) / ((second / (1 - b2 ** t)).sqrt() + eps)
    return p, m, v, vmax


def _negative(**values):
    for name, value in values.items():
        if value < 0:
            raise ValueError(f"Invalid {name}: {value}")


class _Base(Optimizer):
    """Collects (p, float64 gradient, float64 state) for every parameter with a gradient."""

    names = ()

    def _state64(self, p):
        state = self.state[p]
        if not state:
            state["t"] = torch.zeros((), dtype=torch.int64)
            for name in self.names:
                state[name] = self._initial(p)
        state["t"] = state["t"] + 1
        return int(state["t"]), [state[name].double() for name in self.names]

    def _initial(self, p):
        return torch.zeros_like(p)

    def _write(self, p, new_p, new_state):
        p.copy_(new_p.to(p.dtype))
        for name, value in zip(self.names, new_state, strict=True):
            if value is not None:
                self.state[p][name] = value.to(p.dtype)

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            hyper = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                if p.grad is not None:
                    t, state = self._state64(p)
                    new_p, *new_state = self._rule(p.double(), p.grad.double(), state, t, hyper)
                    self._write(p, new_p, new_state)
        return loss


class SGD(_Base):
    names = ("buf",)

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False):
        _negative(lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov))

    def _state64(self, p):
        t, (buf,) = super()._state64(p)
        return t, [None if t == 1 else buf]

    def _rule(self, p, g, state, t, h):
        return sgd_rule(p, g, state[0], h["lr"], h["momentum"], h["dampening"], h["weight_decay"], h["nesterov"])

    def _write(self, p, new_p, new_state):
        super()._write(p, new_p, [torch.zeros_like(p) if new_state[0] is None else new_state[0]])


class Adagrad(_Base):
    names = ("sum",)

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10):
        _negative(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                  initial_accumulator_value=initial_accumulator_value, eps=eps)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps))

    def _initial(self, p):
        return torch.full_like(p, self.defaults["initial_accumulator_value"])

    def _rule(self, p, g, state, t, h):
        return adagrad_rule(p, g, state[0], t, h["lr"], h["lr_decay"], h["weight_decay"], h["eps"])


class RMSprop(_Base):
    names = ("sq", "ga", "buf")

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False):
        _negative(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered))

    def _rule(self, p, g, state, t, h):
        return rmsprop_rule(p, g, *state, h["lr"], h["alpha"], h["eps"], h["weight_decay"], h["momentum"],
                            h["centered"])


class Adam(_Base):
    names = ("m", "v", "vmax")
    decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False):
        _negative(lr=lr, eps=eps, weight_decay=weight_decay)
        if not all(0.0 <= b < 1.0 for b in betas):
            raise ValueError(f"Invalid betas: {betas}")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad))

    def _rule(self, p, g, state, t, h):
        return adam_rule(p, g, *state, t, h["lr"], h["betas"], h["eps"], h["weight_decay"], h["amsgrad"],
                         self.decoupled)


class AdamW(_Base):
    names = ("m", "v", "vmax")
    decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False):
        _negative(lr=lr, eps=eps, weight_decay=weight_decay)
        if not all(0.0 <= b < 1.0 for b in betas):
            raise ValueError(f"Invalid betas: {betas}")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad))

    _rule = Adam._rule


def step_lr(step, base_lr, step_size, gamma=0.1):
    drops = 0
    while (drops + 1) * step_size <= step:
        drops += 1
    return base_lr * gamma ** drops


def warmup_cosine_lr(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    if step < 0 or warmup_steps > total_steps:
        raise ValueError("need step >= 0 and warmup_steps <= total_steps")
    if step < warmup_steps:
        return base_lr / warmup_steps * (step + 1)
    span = max(1, total_steps - warmup_steps)
    done = min(step - warmup_steps, span)
    return min_lr + (base_lr - min_lr) * 0.5 * (1.0 + math.cos(math.pi * done / span))
