"""Hidden tests of SGD, Adagrad, RMSprop, Adam and AdamW: 50 steps on the seeded problem of optim_cases,
step by step against torch.optim's own optimiser built with the same arguments (the same scenario runs
with m.optim = torch.optim), parameter by parameter, in float64 (and in float32 for the defaults and for all
arguments together).

Besides one trajectory per configuration: the learning rate changed between steps (as a scheduler does), a
state_dict saved mid-run and loaded into a fresh optimiser on fresh parameters, a closure, no autograd history
in the parameters or the state, and the ValueErrors of the constructor.
"""
import types

import pytest
import torch
from optim_cases import (
    ARGUMENTS,
    CONFIGS,
    DTYPES,
    LR_DROPS,
    NONE_UNTIL,
    OPTIMIZERS,
    RESUME_AT,
    SHAPES,
    arguments_id,
    call,
    config_id,
    inputs,
)

TORCH = types.SimpleNamespace(optim=torch.optim)
HINT_NONE = (f"D's grad is None for the first {NONE_UNTIL} steps: skip it (no update, no weight decay, no state), "
             f"and count its steps from its first real gradient")
HINT_GROUPS = "read every hyper-parameter from the group being updated (group['lr'], ...), not from self.defaults"


# ---------------------------------------------------------------- scenarios (run in the worker and here)

def trajectory(m, name, kwargs, layout, steps, none_until, lr_drops, resume_at, closure, start, target,
               curvature, noise, mask):
    """`steps` steps of the optimiser m.optim.<name>; the parameters after each step, and more (see below)."""
    import copy

    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in kwargs.items()}
    params = {k: v.clone().requires_grad_(True) for k, v in start.items()}

    def build(params):
        if layout is None:
            return getattr(m.optim, name)(list(params.values()), **kwargs)
        groups = [dict({"params": [params[k] for k in names]},
                       **{k: tuple(v) if isinstance(v, list) else v for k, v in own.items()})
                  for names, own in layout]
        return getattr(m.optim, name)(groups, **kwargs)

    def active(step):
        return [k for k in params if k != "D" or step >= none_until]

    optimizer = build(params)
    base_lrs = [group["lr"] for group in optimizer.param_groups]
    path = {k: [v.detach().clone()] for k, v in params.items()}
    losses = []
    for step in range(steps):
        if resume_at is not None and step == resume_at:
            saved = copy.deepcopy(optimizer.state_dict())
            params = {k: v.detach().clone().requires_grad_(True) for k, v in params.items()}
            optimizer = build(params)
            optimizer.load_state_dict(saved)
        for at, factor in lr_drops:
            if step == at:
                for group, lr in zip(optimizer.param_groups, base_lrs, strict=True):
                    group["lr"] = lr * factor

        def loss_of(step=step, params=params):
            total = 0.0
            for k in active(step):
                p = params[k]
                total = total + (mask[k][step] * (0.5 * curvature[k] * (p - target[k]) ** 2
                                                  + noise[k][step] * p)).sum()
            return total

        if closure:
            def compute(step=step, optimizer=optimizer):
                optimizer.zero_grad()
                loss = loss_of(step)
                loss.backward()
                return loss
            returned = optimizer.step(compute)
            losses.append(returned.detach().clone() if isinstance(returned, torch.Tensor) else returned)
        else:
            optimizer.zero_grad()
            with torch.no_grad():
                for k in active(step):
                    p = params[k]
                    p.grad = mask[k][step] * (curvature[k] * (p - target[k]) + noise[k][step])
            optimizer.step()
        for k, v in params.items():
            path[k].append(v.detach().clone())
    history = [k for k, v in params.items() if v.grad_fn is not None or not v.is_leaf or not v.requires_grad]
    history += [f"{type(v).__name__} under key {key!r}" for s in optimizer.state.values() for key, v in s.items()
                if isinstance(v, torch.Tensor) and v.requires_grad]
    return {"path": {k: torch.stack(v) for k, v in path.items()}, "losses": losses, "history": history}


def construct(m, name, kwargs):
    """The name of the exception that m.optim.<name>([p], **kwargs) raises, or 'no error'."""
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in kwargs.items()}
    try:
        getattr(m.optim, name)([torch.zeros(3, requires_grad=True)], **kwargs)
    except Exception as error:  # noqa: BLE001 - which exception is what we grade
        if type(error).__name__ == "NotImplementedError":
            raise
        return type(error).__name__
    return "no error"


# ---------------------------------------------------------------- oracles (run here only)

def torch_trajectory(m, **case):
    return trajectory(TORCH, **case)


def torch_construct(m, **case):
    return construct(TORCH, **case)


# ---------------------------------------------------------------- tests

def each_optimizer(table=None, select=lambda rows: rows):
    """pytest.params (name, row) over the optimisers, each marked with its part."""
    out = []
    for name in OPTIMIZERS:
        for row in select((table or CONFIGS)[name]):
            row_id = config_id(row) if table is None else arguments_id(row)
            out.append(pytest.param(name, row, marks=pytest.mark.part(name.lower()), id=f"{name}-{row_id}"))
    return out


def _compare(grader, got, want, what, hint):
    """Each parameter's path (step 0 is the start), then what else the scenario sent back."""
    __tracebackhide__ = True
    for k in SHAPES:
        grader.check(got["path"][k], want["path"][k],
                     f"parameter {k} {tuple(SHAPES[k])} after each step (axis 0: the step, 0 = the start) of {what}",
                     hint=hint)


def _together(name):
    return next(c for c in CONFIGS[name] if c[0] == "together")


FLOAT32_CONFIGS = ("defaults", "together")


def each_trajectory():
    """(name, config, dtype): every configuration in float64, the defaults and all arguments together in float32."""
    return [pytest.param(*p.values, dtype, marks=p.marks, id=f"{p.id}-{str(dtype).replace('torch.', '')}")
            for p in each_optimizer() for dtype in DTYPES
            if dtype == torch.float64 or p.values[1][0] in FLOAT32_CONFIGS]


@pytest.mark.parametrize(("name", "config", "dtype"), each_trajectory())
def test_trajectory(grader, name, config, dtype):
    case = inputs(name, config, dtype, seed=CONFIGS[name].index(config))
    want = grader.reference(torch_trajectory, **case)
    got = grader.student(trajectory, **case)
    hint = f"{config[3]}; {HINT_GROUPS}; {HINT_NONE}"
    _compare(grader, got, want, f"{call(name, config)}, {dtype}", hint)


@pytest.mark.parametrize(("name", "config"), each_optimizer(select=lambda rows: [r for r in rows if
                                                                                 r[0] in ("together", "momentum",
                                                                                          "lr_decay")]))
def test_lr_changed_between_steps(grader, name, config):
    case = inputs(name, config, torch.float64, seed=20, lr_drops=LR_DROPS)
    want = grader.reference(torch_trajectory, **case)
    got = grader.student(trajectory, **case)
    drops = ", ".join(f"x{factor} from step {at}" for at, factor in LR_DROPS)
    hint = (f"{config[3]}; read group['lr'] at every step (a scheduler changes it between steps); where there "
            f"is a momentum buffer, torch keeps the learning rate out of it and multiplies the whole buffer by "
            f"the current lr")
    _compare(grader, got, want, f"{call(name, config)}, float64, every group's lr changed ({drops})", hint)


@pytest.mark.parametrize(("name", "config"), each_optimizer(select=lambda rows: [r for r in rows
                                                                                 if r[0] == "together"]))
def test_state_dict_resume(grader, name, config):
    dtype = torch.float64
    case = inputs(name, config, dtype, seed=30, lr_drops=LR_DROPS[:1], resume_at=RESUME_AT)
    want = grader.reference(torch_trajectory, **case)
    got = grader.student(trajectory, **case)
    hint = ("keep every piece of state (buffers, running averages, the step count) in self.state[p], nowhere else "
            "(not on self, not in a dict of your own, not in a global counter): state_dict() saves only "
            "self.state and self.param_groups, and load_state_dict() restores them")
    _compare(grader, got, want, f"{call(name, config)}, {dtype}, its state_dict() after {RESUME_AT} steps loaded "
                                f"into a fresh optimiser on fresh parameters that continues the run", hint)


@pytest.mark.parametrize(("name", "config"), each_optimizer(select=lambda rows: [r for r in rows
                                                                                 if r[0] == "together"]))
def test_closure(grader, name, config):
    case = inputs(name, config, torch.float64, seed=40, closure=True)
    want = grader.reference(torch_trajectory, **case)
    got = grader.student(trajectory, **case)
    what = f"{call(name, config)}.step(closure), float64"
    hint = ("step(closure) runs under torch.no_grad(): call the closure inside `with torch.enable_grad():` before "
            "the update (it sets the gradients) and return the loss it returns")
    grader.check(got["losses"], want["losses"], f"the losses that step(closure) returned, step by step, of {what}",
                 hint=hint)
    _compare(grader, got, want, what, hint)


@pytest.mark.parametrize(("name", "config"), each_optimizer(select=lambda rows: [r for r in rows
                                                                                 if r[0] == "together"]))
def test_no_autograd_history(grader, name, config):
    case = inputs(name, config, torch.float64, seed=CONFIGS[name].index(config))  # test_trajectory's call, cached
    want = grader.reference(torch_trajectory, **case)
    got = grader.student(trajectory, **case)
    grader.check(got["history"], want["history"],
                 f"parameters that are no longer leaves requiring grad, and state tensors that require grad, after "
                 f"50 steps of {call(name, config)}",
                 hint="update the parameters in place under torch.no_grad() (p.add_(...)), never p = p - ..., and "
                      "compute the state under torch.no_grad() too: nothing you store in self.state may require grad")


@pytest.mark.parametrize(("name", "kwargs"), each_optimizer(ARGUMENTS))
def test_constructor_arguments(grader, name, kwargs):
    want = grader.reference(torch_construct, name=name, kwargs=kwargs)
    got = grader.student(construct, name=name, kwargs=kwargs)
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    grader.check(got, want, f"what {name}([p], {args}) raises",
                 hint="raise ValueError as torch does: lr, eps, momentum, weight_decay, alpha, lr_decay and "
                      "initial_accumulator_value below 0 (0 itself is allowed), a beta outside [0, 1) (0 allowed, "
                      "1 not), nesterov=True without momentum > 0 and dampening == 0")
