"""Hidden tests of step_lr (against torch.optim.lr_scheduler.StepLR, stepped epoch by epoch) and
warmup_cosine_lr (against the reference), on every step of each case from 0 to past the end, and the
ValueErrors of warmup_cosine_lr.
"""
import pytest
import torch

# (base_lr, step_size, gamma or None for the default 0.1)
STEP_CASES = [(0.1, 1, 0.5), (0.5, 3, 0.1), (1.0, 7, 0.9), (0.02, 10, None)]
# (base_lr, warmup_steps, total_steps, min_lr or None for the default 0.0)
COSINE_CASES = [
    (0.1, 5, 30, None),    # the usual shape
    (0.1, 0, 20, None),    # no warm-up: the cosine starts at step 0
    (1.0, 4, 12, 0.05),    # a floor
    (0.3, 1, 25, 0.0),     # one warm-up step: already base_lr at step 0
    (0.3, 3, 4, 0.01),     # a cosine of one step
    (0.3, 10, 10, 0.01),   # warm-up up to total_steps: no room for the cosine (max(1, 0) = 1)
]
PAST_THE_END = 6
# arguments of warmup_cosine_lr, and whether they are valid
COSINE_ARGUMENTS = [
    {"step": -1, "base_lr": 0.1, "warmup_steps": 2, "total_steps": 10},
    {"step": 3, "base_lr": 0.1, "warmup_steps": 11, "total_steps": 10},
    {"step": 0, "base_lr": 0.1, "warmup_steps": 0, "total_steps": 0},
    {"step": 40, "base_lr": 0.1, "warmup_steps": 10, "total_steps": 10},
]
HINT_STEP = ("step_lr(step, ...) = base_lr * gamma ** (step // step_size), integer division: steps 0 .. step_size - 1 "
             "get base_lr, the first drop is AT step == step_size (torch's StepLR after `step` scheduler steps)")
HINT_COSINE = ("step < warmup_steps: base_lr * (step + 1) / warmup_steps (never 0); then progress = min(1, (step - "
               "warmup_steps) / max(1, total_steps - warmup_steps)) and min_lr + 0.5 * (base_lr - min_lr) * (1 + "
               "cos(pi * progress)): base_lr at step == warmup_steps, min_lr from total_steps on (clamped, it does "
               "not rise again); warmup_steps == 0 starts the cosine at step 0")


# ---------------------------------------------------------------- scenarios (run in the worker and here)

def step_lrs(m, base_lr, step_size, gamma, steps):
    if gamma is None:
        return [m.optim.step_lr(step, base_lr, step_size) for step in range(steps)]
    return [m.optim.step_lr(step, base_lr, step_size, gamma) for step in range(steps)]


def cosine_lrs(m, base_lr, warmup_steps, total_steps, min_lr, steps):
    if min_lr is None:
        return [m.optim.warmup_cosine_lr(step, base_lr, warmup_steps, total_steps) for step in range(steps)]
    return [m.optim.warmup_cosine_lr(step, base_lr, warmup_steps, total_steps, min_lr) for step in range(steps)]


def cosine_raises(m, **kwargs):
    try:
        m.optim.warmup_cosine_lr(**kwargs)
    except Exception as error:  # noqa: BLE001 - which exception is what we grade
        if type(error).__name__ == "NotImplementedError":
            raise
        return type(error).__name__
    return "no error"


# ---------------------------------------------------------------- oracle (run here only)

def torch_step_lrs(m, base_lr, step_size, gamma, steps):
    """The lr of torch's StepLR at epochs 0 .. steps - 1."""
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=base_lr)
    extra = {} if gamma is None else {"gamma": gamma}
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size, **extra)
    lrs = []
    for _ in range(steps):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return lrs


# ---------------------------------------------------------------- tests

@pytest.mark.part("schedules")
@pytest.mark.parametrize("case", STEP_CASES, ids=str)
def test_step_lr(grader, case):
    base_lr, step_size, gamma = case
    steps = 5 * step_size + PAST_THE_END
    want = grader.reference(torch_step_lrs, base_lr=base_lr, step_size=step_size, gamma=gamma, steps=steps)
    got = grader.student(step_lrs, base_lr=base_lr, step_size=step_size, gamma=gamma, steps=steps)
    gamma_arg = "" if gamma is None else f", gamma={gamma}"
    grader.check(got, want, f"[step_lr(step, {base_lr}, {step_size}{gamma_arg}) for step in range({steps})]",
                 hint=HINT_STEP)


@pytest.mark.part("schedules")
@pytest.mark.parametrize("case", COSINE_CASES, ids=str)
def test_warmup_cosine_lr(grader, case):
    base_lr, warmup_steps, total_steps, min_lr = case
    steps = total_steps + PAST_THE_END
    got, want = grader.run(cosine_lrs, base_lr=base_lr, warmup_steps=warmup_steps, total_steps=total_steps,
                           min_lr=min_lr, steps=steps)
    min_arg = "" if min_lr is None else f", min_lr={min_lr}"
    grader.check(got, want, f"[warmup_cosine_lr(step, {base_lr}, {warmup_steps}, {total_steps}{min_arg}) for step "
                            f"in range({steps})]", hint=HINT_COSINE)


@pytest.mark.part("schedules")
@pytest.mark.parametrize("kwargs", COSINE_ARGUMENTS, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
def test_warmup_cosine_lr_arguments(grader, kwargs):
    got, want = grader.run(cosine_raises, **kwargs)
    args = ", ".join(f"{k}={v}" for k, v in kwargs.items())
    grader.check(got, want, f"what warmup_cosine_lr({args}) raises",
                 hint="raise ValueError for step < 0 and for warmup_steps > total_steps; warmup_steps == "
                      "total_steps (even 0) is valid, and so is any step past total_steps")
