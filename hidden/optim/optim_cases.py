"""Case tables and the seeded problem shared by the hidden optim tests (trusted side only).

The problem: three parameters of different shapes, A (3, 4) in group 0, C (2, 1, 3) and D (1,) in group 1 (the
group with its own hyper-parameters), each pulled towards its own target through a diagonal quadratic of its own
curvature (0.5 to 2.5) plus gradient noise. At step k the gradient of p is
    mask[k] * (curvature * (p - target) + noise[k]),
where mask holds exact zeros: a quarter of the entries at random, and two entries of A zero for the first 8
steps (so that a missing eps gives 0 / 0). D's grad is None for the first NONE_UNTIL steps (not zero: None),
so it must stay put and get no state until then; its step count then starts at 1.
"""
import torch

STEPS = 50
NONE_UNTIL = 12
RESUME_AT = 23
SHAPES = {"A": (3, 4), "C": (2, 1, 3), "D": (1,)}
GROUPS = (("A",), ("C", "D"))
DTYPES = [torch.float32, torch.float64]
# a scheduler's work, done by hand between steps: every group's lr times these factors from the step given on
LR_DROPS = ((20, 0.3), (40, 0.05))

# (id, constructor arguments, group 1's own hyper-parameters or None for one plain list of parameters, hint)
CONFIGS = {
    "SGD": [
        ("defaults", {}, None, "the defaults: lr=1e-3, momentum=0: p -= lr * p.grad"),
        ("lr", {"lr": 0.1}, {"lr": 0.03}, "p -= lr * p.grad, each group with its own group['lr']"),
        ("momentum", {"lr": 0.05, "momentum": 0.9}, {"momentum": 0.5},
         "buf = g at a parameter's first step, then buf = momentum * buf + g; p -= lr * buf"),
        ("dampening", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}, {"dampening": 0.6},
         "buf = g itself at a parameter's first step (no dampening there), then buf = momentum * buf + "
         "(1 - dampening) * g; p -= lr * buf"),
        ("nesterov", {"lr": 0.05, "momentum": 0.8, "nesterov": True}, {"momentum": 0.6},
         "Nesterov: after the buffer update, g = g + momentum * buf, and p -= lr * g"),
        ("weight_decay", {"lr": 0.1, "weight_decay": 0.1}, {"weight_decay": 0.3},
         "g = p.grad + weight_decay * p, then p -= lr * g"),
        ("together", {"lr": 0.04, "momentum": 0.9, "weight_decay": 0.05, "nesterov": True},
         {"lr": 0.02, "nesterov": False, "dampening": 0.2},
         "g = p.grad + weight_decay * p goes into the buffer; Nesterov in group 0, dampening in group 1"),
    ],
    "Adagrad": [
        ("defaults", {}, None, "the defaults: lr=1e-2, sum starts at 0, eps=1e-10 added after the square root"),
        ("lr", {"lr": 0.3}, {"lr": 0.1}, "sum += g * g; p -= lr * g / (sqrt(sum) + eps), each group's own lr"),
        ("lr_decay", {"lr": 0.3, "lr_decay": 0.05}, {"lr_decay": 0.2},
         "clr = lr / (1 + (t - 1) * lr_decay), t counting this parameter's steps from 1 (so clr = lr at t = 1)"),
        ("weight_decay", {"lr": 0.3, "weight_decay": 0.1}, {"weight_decay": 0.3},
         "g = p.grad + weight_decay * p before it enters the sum"),
        ("initial_accumulator", {"lr": 0.3, "initial_accumulator_value": 0.5}, {"lr": 0.1},
         "sum starts at initial_accumulator_value in every entry"),
        ("eps", {"lr": 0.3, "eps": 0.1}, {"eps": 0.5}, "p -= clr * g / (sqrt(sum) + eps): eps after the root"),
        ("together", {"lr": 0.3, "lr_decay": 0.02, "weight_decay": 0.05, "initial_accumulator_value": 0.2,
                      "eps": 1e-3}, {"lr": 0.2, "lr_decay": 0.1, "initial_accumulator_value": 2.0},
         "initial_accumulator_value is the optimiser's (the constructor's value, even for a group that sets "
         "its own), lr_decay the group's"),
    ],
    "RMSprop": [
        ("defaults", {}, None, "the defaults: lr=1e-2, alpha=0.99, eps=1e-8 after the root"),
        ("alpha", {"lr": 0.02, "alpha": 0.9}, {"alpha": 0.7},
         "sq = alpha * sq + (1 - alpha) * g * g; p -= lr * g / (sqrt(sq) + eps)"),
        ("eps", {"lr": 0.02, "eps": 0.1}, {"eps": 0.3}, "avg = sqrt(sq) + eps: eps added after the square root"),
        ("centered", {"lr": 0.01, "centered": True}, {"alpha": 0.9},
         "centered: ga = alpha * ga + (1 - alpha) * g and avg = sqrt(sq - ga * ga) + eps"),
        ("momentum", {"lr": 0.01, "momentum": 0.9}, {"momentum": 0.5},
         "buf = momentum * buf + g / avg (no lr inside the buffer), then p -= lr * buf"),
        ("weight_decay", {"lr": 0.02, "weight_decay": 0.1}, {"weight_decay": 0.3},
         "g = p.grad + weight_decay * p before it enters sq"),
        ("together", {"lr": 0.01, "alpha": 0.95, "eps": 1e-4, "weight_decay": 0.05, "momentum": 0.8,
                      "centered": True}, {"lr": 0.005, "momentum": 0.0, "centered": False},
         "centered with momentum and weight decay in group 0; plain in group 1"),
    ],
    "Adam": [
        ("defaults", {}, None, "the defaults: lr=1e-3, betas=(0.9, 0.999), eps=1e-8 after the root of v_hat"),
        ("betas", {"lr": 0.05, "betas": (0.8, 0.99)}, {"betas": (0.5, 0.9)},
         "m = b1 * m + (1 - b1) * g, v = b2 * v + (1 - b2) * g * g, both bias-corrected with this parameter's "
         "own t: p -= lr * (m / (1 - b1 ** t)) / (sqrt(v / (1 - b2 ** t)) + eps)"),
        ("beta1_zero", {"lr": 0.05, "betas": (0.0, 0.99)}, {"lr": 0.02}, "b1 = 0 is allowed: m = g"),
        ("eps", {"lr": 0.05, "eps": 0.1}, {"eps": 0.5},
         "eps is added after the square root of the bias-corrected v: sqrt(v / (1 - b2 ** t)) + eps"),
        ("weight_decay", {"lr": 0.05, "weight_decay": 0.1}, {"weight_decay": 0.5},
         "Adam's weight decay is L2: g = p.grad + weight_decay * p enters m and v (AdamW's is the decoupled one)"),
        ("amsgrad", {"lr": 0.05, "amsgrad": True}, {"betas": (0.9, 0.9)},
         "amsgrad: vmax = max(vmax, v) of the raw v, then bias-correct vmax: sqrt(vmax / (1 - b2 ** t)) + eps"),
        ("together", {"lr": 0.03, "betas": (0.85, 0.95), "eps": 1e-3, "weight_decay": 0.05, "amsgrad": True},
         {"betas": (0.7, 0.9), "weight_decay": 0.2, "amsgrad": False},
         "every hyper-parameter at once, group 1 with its own betas, weight_decay and amsgrad"),
    ],
    "AdamW": [
        ("defaults", {}, None, "the defaults: lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2 (not 0)"),
        ("betas", {"lr": 0.05, "betas": (0.8, 0.99)}, {"betas": (0.5, 0.9)},
         "p *= 1 - lr * weight_decay, then Adam's bias-corrected update with each group's betas"),
        ("weight_decay", {"lr": 0.05, "weight_decay": 0.2}, {"weight_decay": 0.5},
         "decoupled: p *= 1 - lr * weight_decay first; the gradient in m and v is p.grad alone"),
        ("no_decay", {"lr": 0.05, "weight_decay": 0.0}, {"weight_decay": 0.1}, "weight_decay=0: plain Adam"),
        ("eps", {"lr": 0.05, "eps": 0.1}, {"eps": 0.5}, "eps after the square root of the bias-corrected v"),
        ("amsgrad", {"lr": 0.05, "amsgrad": True}, {"betas": (0.9, 0.9)},
         "amsgrad: vmax = max(vmax, v) of the raw v, then bias-correct vmax"),
        ("together", {"lr": 0.03, "betas": (0.85, 0.95), "eps": 1e-3, "weight_decay": 0.1, "amsgrad": True},
         {"lr": 0.01, "weight_decay": 0.3, "amsgrad": False},
         "every hyper-parameter at once, group 1 with its own lr, weight_decay and amsgrad"),
    ],
}
OPTIMIZERS = list(CONFIGS)

# constructor arguments, and whether torch accepts them
ARGUMENTS = {
    "SGD": [{"lr": -1e-3}, {"momentum": -0.1}, {"weight_decay": -1e-4}, {"nesterov": True},
            {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, {"lr": 0.0},
            {"nesterov": True, "momentum": 0.9}, {"dampening": 0.5}],
    "Adagrad": [{"lr": -1e-3}, {"lr_decay": -0.1}, {"weight_decay": -1e-4}, {"initial_accumulator_value": -0.1},
                {"eps": -1e-10}, {"lr": 0.0, "eps": 0.0}],
    "RMSprop": [{"lr": -1e-3}, {"eps": -1e-8}, {"momentum": -0.1}, {"weight_decay": -1e-4}, {"alpha": -0.1},
                {"lr": 0.0, "alpha": 0.0, "eps": 0.0}],
    "Adam": [{"lr": -1e-3}, {"eps": -1e-8}, {"betas": (1.0, 0.999)}, {"betas": (0.9, 1.0)},
             {"betas": (-0.1, 0.999)}, {"weight_decay": -1e-4}, {"lr": 0.0, "eps": 0.0, "betas": (0.0, 0.0)}],
}
ARGUMENTS["AdamW"] = ARGUMENTS["Adam"]


def config_id(config) -> str:
    return config[0]


def arguments_id(kwargs) -> str:
    return ",".join(f"{k}={v}" for k, v in kwargs.items()).replace(" ", "")


def call(name, config) -> str:
    """How the optimiser is built, for the messages."""
    _, kwargs, group1, _ = config
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    if group1 is None:
        return f"{name}([A, C, D]{', ' + args if args else ''})"
    own = ", ".join(f"{k!r}: {v!r}" for k, v in group1.items())
    return f"{name}([{{'params': [A]}}, {{'params': [C, D], {own}}}]{', ' + args if args else ''})"


def problem(dtype, seed):
    """The inputs of the trajectory scenario (see the module docstring), in dtype."""
    gen = torch.Generator().manual_seed(seed)
    draw = lambda *shape: torch.randn(*shape, generator=gen, dtype=torch.float64)  # noqa: E731
    out = {"start": {}, "target": {}, "curvature": {}, "noise": {}, "mask": {}}
    for name, shape in SHAPES.items():
        out["start"][name] = draw(*shape)
        out["target"][name] = draw(*shape)
        out["curvature"][name] = 0.5 + 2.0 * torch.rand(*shape, generator=gen, dtype=torch.float64)
        out["noise"][name] = 0.5 * draw(STEPS, *shape)
        mask = (torch.rand(STEPS, *shape, generator=gen, dtype=torch.float64) > 0.25).double()
        if name == "A":
            mask[:8, 0, :2] = 0.0
        out["mask"][name] = mask
    return {key: {k: v.to(dtype) for k, v in value.items()} for key, value in out.items()}


def inputs(name, config, dtype, seed, lr_drops=(), resume_at=None, closure=False):
    """Everything the trajectory scenario takes, for one optimiser and configuration."""
    _, kwargs, group1, _ = config
    layout = None if group1 is None else [[list(GROUPS[0]), {}], [list(GROUPS[1]), dict(group1)]]
    return {"name": name, "kwargs": dict(kwargs), "layout": layout, "steps": STEPS, "none_until": NONE_UNTIL,
            "lr_drops": [list(d) for d in lr_drops], "resume_at": resume_at, "closure": closure,
            **problem(dtype, seed)}
