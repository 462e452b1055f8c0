"""Mistake: counts steps once per optimiser on self: a parameter whose grad was None for its first steps gets the
wrong bias corrections, and a resumed run starts counting again."""
import math

import torch
from torch.optim import Optimizer


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum (heavy ball or Nesterov), as torch.optim.SGD.

    Momentum form (textbooks differ): torch keeps a buffer of gradients, buf = momentum * buf + (1 - dampening) * g,
    and steps p -= lr * buf. Some textbooks write v = momentum * v + lr * g, p -= v instead: the two agree only
    while lr is constant; under a schedule the textbook buffer keeps the old learning rates inside it, torch's
    applies the current one to the whole buffer. Write torch's.

    Update of each parameter p (shape S) with gradient p.grad (shape S), per step:
        g = p.grad + weight_decay * p
        if momentum != 0: buf = g at the parameter's first step, else buf = momentum * buf + (1 - dampening) * g;
                          g = g + momentum * buf if nesterov else buf
        p -= lr * g
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov)
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss (None without one)."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad
                if group["weight_decay"] != 0:
                    g = g.add(p, alpha=group["weight_decay"])
                if momentum != 0:
                    state = self.state[p]
                    if "momentum_buffer" not in state:
                        buf = state["momentum_buffer"] = torch.clone(g).detach()
                    else:
                        buf = state["momentum_buffer"]
                        buf.mul_(momentum).add_(g, alpha=1 - dampening)
                    g = g.add(buf, alpha=momentum) if group["nesterov"] else buf
                p.add_(g, alpha=-lr)
        return loss


class Adagrad(Optimizer):
    """AdaGrad, as torch.optim.Adagrad: each entry's step shrinks with the sum of its squared gradients.

    State per parameter p (shape S): the step count t and sum (shape S), which starts at initial_accumulator_value
    everywhere. initial_accumulator_value belongs to the optimiser, as in torch: it is the constructor's value
    for every group, even one that sets its own (torch fills the sums once, with the constructor's value).
    lr_decay is read per group.

    Update per step, t counting this parameter's steps from 1:
        g = p.grad + weight_decay * p;  clr = lr / (1 + (t - 1) * lr_decay);  sum += g * g
        p -= clr * g / (sqrt(sum) + eps)          (eps added after the square root)
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if lr_decay < 0.0:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if initial_accumulator_value < 0.0:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if eps < 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps)
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss (None without one)."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["sum"] = torch.full_like(p, self.defaults["initial_accumulator_value"])
                state["step"] += 1
                g = p.grad
                if group["weight_decay"] != 0:
                    g = g.add(p, alpha=group["weight_decay"])
                clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
                state["sum"].addcmul_(g, g, value=1)
                std = state["sum"].sqrt().add_(group["eps"])
                p.addcdiv_(g, std, value=-clr)
        return loss


class RMSprop(Optimizer):
    """RMSProp, as torch.optim.RMSprop: steps scaled by a running root mean square of the gradients.

    State per parameter p (shape S): sq (shape S, zeros at first), and ga (shape S, zeros) when centered,
    buf (shape S, zeros) when momentum > 0. eps is added after the square root. With momentum, torch's buffer
    holds g / avg WITHOUT the learning rate (buf = momentum * buf + g / avg, then p -= lr * buf), so a changed
    lr applies to the whole buffer at once.

    Update per step:
        g = p.grad + weight_decay * p;  sq = alpha * sq + (1 - alpha) * g * g
        centered: ga = alpha * ga + (1 - alpha) * g and avg = sqrt(sq - ga * ga) + eps;  else avg = sqrt(sq) + eps
        momentum > 0: buf = momentum * buf + g / avg and p -= lr * buf;  else p -= lr * g / avg
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if eps < 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if alpha < 0.0:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum, centered=centered)
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss (None without one)."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            alpha = group["alpha"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["square_avg"] = torch.zeros_like(p)
                    state["grad_avg"] = torch.zeros_like(p)
                    state["momentum_buffer"] = torch.zeros_like(p)
                g = p.grad
                if group["weight_decay"] != 0:
                    g = g.add(p, alpha=group["weight_decay"])
                square_avg = state["square_avg"]
                square_avg.mul_(alpha).addcmul_(g, g, value=1 - alpha)
                if group["centered"]:
                    grad_avg = state["grad_avg"]
                    grad_avg.lerp_(g, 1 - alpha)
                    avg = square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
                else:
                    avg = square_avg.sqrt()
                avg = avg.add_(group["eps"])
                if group["momentum"] > 0:
                    buf = state["momentum_buffer"]
                    buf.mul_(group["momentum"]).addcdiv_(g, avg)
                    p.add_(buf, alpha=-group["lr"])
                else:
                    p.addcdiv_(g, avg, value=-group["lr"])
        return loss


class Adam(Optimizer):
    """Adam, as torch.optim.Adam: bias-corrected running averages of the gradient and of its square.

    State per parameter p (shape S): its step count t, m and v (shape S, zeros at first), and vmax (shape S,
    zeros) with amsgrad. The bias corrections use this parameter's own t (from 1 at its first step); eps is
    added after the square root of the bias-corrected v; amsgrad keeps the running maximum of the raw v and
    bias-corrects that maximum. Weight decay is the L2 form (added to the gradient); for the decoupled form
    see AdamW.

    Update per step, with (b1, b2) = betas:
        g = p.grad + weight_decay * p;  m = b1 * m + (1 - b1) * g;  v = b2 * v + (1 - b2) * g * g
        amsgrad: vmax = max(vmax, v), used in place of v below
        p -= lr * (m / (1 - b1 ** t)) / (sqrt(v / (1 - b2 ** t)) + eps)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if eps < 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss (None without one)."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        self.t = getattr(self, "t", 0) + 1
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                    state["max_exp_avg_sq"] = torch.zeros_like(p)
                state["step"] += 1
                g = p.grad
                if group["weight_decay"] != 0:
                    g = g.add(p, alpha=group["weight_decay"])
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                exp_avg.lerp_(g, 1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                bias_correction1 = 1 - beta1 ** self.t
                bias_correction2_sqrt = math.sqrt(1 - beta2 ** self.t)
                if group["amsgrad"]:
                    torch.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
                    exp_avg_sq = state["max_exp_avg_sq"]
                denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(group["eps"])
                p.addcdiv_(exp_avg, denom, value=-group["lr"] / bias_correction1)
        return loss


class AdamW(Optimizer):
    """AdamW, as torch.optim.AdamW: Adam with decoupled weight decay (note the default weight_decay=1e-2).

    The decay shrinks the parameter itself, before and apart from the gradient statistics, so the gradient
    that enters m and v is p.grad alone (no weight_decay * p term). State and everything else as in Adam.

    Update per step, with (b1, b2) = betas:
        p *= 1 - lr * weight_decay;  g = p.grad;  m = b1 * m + (1 - b1) * g;  v = b2 * v + (1 - b2) * g * g
        amsgrad: vmax = max(vmax, v), used in place of v below
        p -= lr * (m / (1 - b1 ** t)) / (sqrt(v / (1 - b2 ** t)) + eps)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if eps < 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss (None without one)."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                    state["max_exp_avg_sq"] = torch.zeros_like(p)
                state["step"] += 1
                p.mul_(1 - group["lr"] * group["weight_decay"])
                g = p.grad
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                exp_avg.lerp_(g, 1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                bias_correction1 = 1 - beta1 ** state["step"]
                bias_correction2_sqrt = math.sqrt(1 - beta2 ** state["step"])
                if group["amsgrad"]:
                    torch.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
                    exp_avg_sq = state["max_exp_avg_sq"]
                denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(group["eps"])
                p.addcdiv_(exp_avg, denom, value=-group["lr"] / bias_correction1)
        return loss


def step_lr(step, base_lr, step_size, gamma=0.1):
    """The learning rate at `step` (0, 1, 2, ...) under step decay, as torch.optim.lr_scheduler.StepLR at
    epoch `step`: divided by 1 / gamma every step_size steps, the first drop at step == step_size.

    Args: step (int >= 0), base_lr (float), step_size (int >= 1), gamma (float). Returns a float.
    Formula: base_lr * gamma ** (step // step_size)   (integer division: steps 0 .. step_size - 1 get base_lr).
    """
    lr = None
    lr = base_lr * gamma ** (step // step_size)
    return lr


def warmup_cosine_lr(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    """The learning rate at `step` (0, 1, 2, ...) under a linear warm-up followed by a cosine decay to min_lr.

    Args: step (int), base_lr (float), warmup_steps (int >= 0), total_steps (int >= warmup_steps), min_lr (float).
    Returns a float:
        step < warmup_steps: base_lr * (step + 1) / warmup_steps   (step 0 already gets base_lr / warmup_steps,
                             never 0; the last warm-up step gets base_lr)
        otherwise:           progress = min(1, (step - warmup_steps) / max(1, total_steps - warmup_steps)),
                             min_lr + 0.5 * (base_lr - min_lr) * (1 + cos(pi * progress))
    So the cosine starts at base_lr at step == warmup_steps (at step 0 when warmup_steps == 0), reaches min_lr at
    step == total_steps and stays there after it.
    Raises ValueError for step < 0 or warmup_steps > total_steps.
    """
    lr = None
    if step < 0:
        raise ValueError(f"step must be >= 0, got {step}")
    if warmup_steps > total_steps:
        raise ValueError(f"warmup_steps ({warmup_steps}) must not exceed total_steps ({total_steps})")
    if step < warmup_steps:
        lr = base_lr * (step + 1) / warmup_steps
    else:
        progress = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))
        lr = min_lr + 0.5 * (base_lr - min_lr) * (1 + math.cos(math.pi * progress))
    return lr
