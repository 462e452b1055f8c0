"""Hidden tests of batchnorm.py: sequences of training and eval steps, as a user runs them.

Each sequence runs once on the student's module (in the worker), on the reference and on
torch.nn.BatchNorm2d (here, the oracle); each part compares one thing: the training outputs, running_mean,
running_var, the eval outputs (against torch applied to the student's own statistics, so that a wrong
running update costs only its own part), and the gradients.
"""
import pytest
import torch
from bn_cases import (
    EVAL_CASES,
    GRAD_CASES,
    ORACLE_IDS,
    ORACLES,
    SEQUENCES,
    Case,
    case_id,
    describe,
    inputs,
    n_per_channel,
    step_names,
)

from autograder.checks import CheckFailure

HINT_TRAIN = ("in training mode each channel is normalised with the mean and the BIASED variance (divide by "
              "n = N*H*W, not n - 1) of the batch, taken over N, H and W together: y[:, c] = weight[c] * "
              "(x[:, c] - mean[c]) / sqrt(var[c] + eps) + bias[c], eps inside the square root")
HINT_INPUT = "BatchNorm2d modified its input in place (x -= ... ?); compute on new tensors and leave x alone"


def hint_running_mean(case: Case) -> str:
    momentum = 0.1 if case.momentum is None else case.momentum
    return (f"after each training step running_mean <- (1 - momentum) * running_mean + momentum * batch mean, "
            f"here momentum = {momentum} (the weight of the NEW value, torch's convention); running_mean starts "
            f"at zeros and eval steps leave it alone")


def hint_running_var(case: Case) -> str:
    momentum = 0.1 if case.momentum is None else case.momentum
    n = n_per_channel(case)
    return (f"after each training step running_var <- (1 - momentum) * running_var + momentum * UNBIASED batch "
            f"variance (divide by n - 1 = {n - 1}, n = N*H*W), here momentum = {momentum} (the weight of the NEW "
            f"value); running_var starts at ones and eval steps leave it alone")


def hint_eval(case: Case) -> str:
    return ("in eval mode y[:, c] = weight[c] * (x[:, c] - running_mean[c]) / sqrt(running_var[c] + eps) + "
            "bias[c], with the running statistics as they are (not the batch's), eps inside the square root")


HINT_GRAD = {
    "grad_x": "dL/dx flows through x_hat AND through the batch mean and variance in training mode (do not "
              "detach them); in eval mode only through x_hat, with the running statistics as constants",
    "grad_weight": "dL/dweight[c] sums g * x_hat over N, H and W; weight must be a Parameter that y depends on",
    "grad_bias": "dL/dbias[c] sums g over N, H and W; bias must be a Parameter that y depends on",
}


def play(m, impl, xs, script, num_features, eps, momentum, dtype, weight, bias, running_mean, running_var,
         grads_out):
    """Build a BatchNorm2d, then one forward (and a backward of sum(y * g)) per letter of script."""
    options = {key: value for key, value in (("eps", eps), ("momentum", momentum)) if value is not None}
    if impl == "torch":
        bn = torch.nn.BatchNorm2d(num_features, **options)
    else:
        bn = m.batchnorm.BatchNorm2d(num_features, **options)
    bn = bn.to(getattr(torch, dtype))
    with torch.no_grad():
        for name, value in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                            ("running_var", running_var)):
            if value is not None:
                getattr(bn, name).copy_(value)
    out = {"start": {name: getattr(bn, name).detach().clone()
                     for name in ("weight", "bias", "running_mean", "running_var")}}
    for key in ("y", "running_mean", "running_var", "grad_x", "grad_weight", "grad_bias"):
        out[key] = []
    for k, mode in enumerate(script):
        bn.train(mode == "T")
        x = xs[k]
        if grads_out is not None:
            x.requires_grad_(True)
            bn.weight.grad = None
            bn.bias.grad = None
        y = bn(x)
        if grads_out is not None:
            (y * grads_out[k]).sum().backward()
            for key, tensor in (("grad_x", x), ("grad_weight", bn.weight), ("grad_bias", bn.bias)):
                out[key].append(None if tensor.grad is None else tensor.grad.clone())
        out["y"].append(y)
        out["running_mean"].append(bn.running_mean.detach().clone())
        out["running_var"].append(bn.running_var.detach().clone())
    out["xs"] = xs
    return out


def torch_eval(m, x, eps, weight, bias, running_mean, running_var):
    """torch.nn.BatchNorm2d in eval mode with the given parameters and statistics (the oracle)."""
    bn = torch.nn.BatchNorm2d(x.shape[1], **({} if eps is None else {"eps": eps})).to(x.dtype)
    with torch.no_grad():
        bn.weight.copy_(weight)
        bn.bias.copy_(bias)
        bn.running_mean.copy_(running_mean)
        bn.running_var.copy_(running_var)
    bn.eval()
    return bn(x)


def _run(grader, table, case, oracle, grads=False):
    """(inputs, the student's result, the oracle's result or None) of one case of one table."""
    kwargs = inputs(case, seed=100 * (1 + [SEQUENCES, EVAL_CASES, GRAD_CASES].index(table)) + table.index(case),
                    grads=grads)
    got = grader.student(play, impl="module", **kwargs)
    want = None if oracle is None else grader.reference(play, impl=oracle, **kwargs)
    return kwargs, got, want


def _steps(case, mode):
    return [k for k, letter in enumerate(case.script) if letter == mode]


# --- training_output -------------------------------------------------------------------------------

@pytest.mark.part("training_output")
@pytest.mark.parametrize("oracle", ORACLES, ids=ORACLE_IDS)
@pytest.mark.parametrize("case", SEQUENCES, ids=case_id)
def test_training_output(grader, case, oracle):
    _, got, want = _run(grader, SEQUENCES, case, oracle)
    steps = _steps(case, "T")
    grader.check([got["y"][k] for k in steps], [want["y"][k] for k in steps], f"output of {describe(case)}",
                 hint=HINT_TRAIN, names=step_names(case, "y", steps))


@pytest.mark.part("training_output")
@pytest.mark.parametrize("case", SEQUENCES[2:6], ids=case_id)
def test_training_leaves_input_alone(grader, case):
    kwargs, got, _ = _run(grader, SEQUENCES, case, None)
    steps = _steps(case, "T")
    grader.check([got["xs"][k] for k in steps], [kwargs["xs"][k] for k in steps], "the inputs",
                 hint=HINT_INPUT, names=step_names(case, "x", steps))


# --- running_mean and running_var --------------------------------------------------------------------

@pytest.mark.part("running_mean")
@pytest.mark.parametrize("oracle", ORACLES, ids=ORACLE_IDS)
@pytest.mark.parametrize("case", SEQUENCES, ids=case_id)
def test_running_mean(grader, case, oracle):
    _, got, want = _run(grader, SEQUENCES, case, oracle)
    steps = range(len(case.script))
    grader.check(got["running_mean"], want["running_mean"], f"running_mean in {describe(case)}",
                 hint=hint_running_mean(case), names=step_names(case, "running_mean", steps))


@pytest.mark.part("running_var")
@pytest.mark.parametrize("oracle", ORACLES, ids=ORACLE_IDS)
@pytest.mark.parametrize("case", SEQUENCES, ids=case_id)
def test_running_var(grader, case, oracle):
    _, got, want = _run(grader, SEQUENCES, case, oracle)
    steps = range(len(case.script))
    grader.check(got["running_var"], want["running_var"], f"running_var in {describe(case)}",
                 hint=hint_running_var(case), names=step_names(case, "running_var", steps))


@pytest.mark.part("running_mean")
@pytest.mark.parametrize("case", EVAL_CASES, ids=case_id)
def test_eval_leaves_running_mean_alone(grader, case):
    kwargs, got, _ = _run(grader, EVAL_CASES, case, None)
    steps = range(len(case.script))
    grader.check(got["running_mean"], [kwargs["running_mean"]] * len(steps), "running_mean in eval mode",
                 hint="eval mode must not update running_mean; only training steps do",
                 names=step_names(case, "running_mean", steps))


@pytest.mark.part("running_var")
@pytest.mark.parametrize("case", EVAL_CASES, ids=case_id)
def test_eval_leaves_running_var_alone(grader, case):
    kwargs, got, _ = _run(grader, EVAL_CASES, case, None)
    steps = range(len(case.script))
    grader.check(got["running_var"], [kwargs["running_var"]] * len(steps), "running_var in eval mode",
                 hint="eval mode must not update running_var; only training steps do",
                 names=step_names(case, "running_var", steps))


# --- eval_output -------------------------------------------------------------------------------------

def _own_statistics(got, case, k):
    """The student's weight, bias and running statistics just before step k, checked to be (C,) tensors."""
    before = got["start"] if k == 0 else {"weight": got["start"]["weight"], "bias": got["start"]["bias"],
                                          "running_mean": got["running_mean"][k - 1],
                                          "running_var": got["running_var"][k - 1]}
    channels = case.shape[1]
    for name, value in before.items():
        if not isinstance(value, torch.Tensor) or tuple(value.shape) != (channels,):
            shape = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
            raise CheckFailure(f"{name} before step {k + 1} of {describe(case)} is {shape}, expected a tensor of "
                               f"shape ({channels},)\nHint: weight, bias, running_mean and running_var hold one "
                               f"value per channel")
    return before


OWN_STATISTICS = [pytest.param("SEQUENCES", case, id=case_id(case)) for case in SEQUENCES] + \
                 [pytest.param("EVAL_CASES", case, id=case_id(case)) for case in EVAL_CASES]


@pytest.mark.part("eval_output")
@pytest.mark.parametrize(("table", "case"), OWN_STATISTICS)
def test_eval_output_with_own_statistics(grader, table, case):
    table = {"SEQUENCES": SEQUENCES, "EVAL_CASES": EVAL_CASES}[table]
    kwargs, got, _ = _run(grader, table, case, None)
    steps = _steps(case, "E")
    want = [grader.reference(torch_eval, x=kwargs["xs"][k], eps=case.eps, **_own_statistics(got, case, k))
            for k in steps]
    grader.check([got["y"][k] for k in steps], want, f"eval output of {describe(case)}",
                 hint=hint_eval(case) + " (expected: torch.nn.BatchNorm2d in eval mode with YOUR weight, bias, "
                                        "running_mean and running_var as they were before that step, so only the "
                                        "eval formula is tested here)",
                 names=step_names(case, "y", steps))


@pytest.mark.part("eval_output")
@pytest.mark.parametrize("oracle", ORACLES, ids=ORACLE_IDS)
@pytest.mark.parametrize("case", EVAL_CASES, ids=case_id)
def test_eval_output_with_given_statistics(grader, case, oracle):
    _, got, want = _run(grader, EVAL_CASES, case, oracle)
    first = [_steps(case, "E")[0]]  # the later ones depend on whether eval left the statistics alone
    grader.check([got["y"][k] for k in first], [want["y"][k] for k in first],
                 f"eval output of {describe(case)} with running_mean and running_var set in place",
                 hint=hint_eval(case), names=step_names(case, "y", first))


@pytest.mark.part("eval_output")
@pytest.mark.parametrize("case", EVAL_CASES[:3], ids=case_id)
def test_eval_leaves_input_alone(grader, case):
    kwargs, got, _ = _run(grader, EVAL_CASES, case, None)
    steps = _steps(case, "E")
    grader.check([got["xs"][k] for k in steps], [kwargs["xs"][k] for k in steps], "the inputs",
                 hint=HINT_INPUT, names=step_names(case, "x", steps))


# --- gradients ---------------------------------------------------------------------------------------

@pytest.mark.part("gradients")
@pytest.mark.parametrize("grad", ["grad_x", "grad_weight", "grad_bias"])
@pytest.mark.parametrize("oracle", ORACLES, ids=ORACLE_IDS)
@pytest.mark.parametrize("case", GRAD_CASES, ids=case_id)
def test_gradients(grader, case, oracle, grad):
    _, got, want = _run(grader, GRAD_CASES, case, oracle, grads=True)
    steps = range(len(case.script))
    grader.check(got[grad], want[grad], f"{grad} of sum(y * g) in {describe(case)}", hint=HINT_GRAD[grad],
                 names=step_names(case, grad, steps))
