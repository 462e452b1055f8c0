"""Hidden tests of batchnorm.py as a torch.nn.Module: Parameters and buffers, initial values, .double() and
.to(), state_dict round trips with torch.nn.BatchNorm2d, and running statistics without autograd history."""
import pytest
import torch
from bn_cases import MODULE_CASES, case_id, describe, inputs

HINT_REGISTER = ("weight and bias are torch.nn.Parameter (learnable, in named_parameters()); running_mean and "
                 "running_var are buffers (self.register_buffer(name, tensor)), not Parameters and not plain "
                 "attributes, so that state_dict(), .to() and .double() handle them as torch.nn.BatchNorm2d does")
HINT_HISTORY = ("update the running statistics under torch.no_grad() (or from .detach()ed batch statistics): "
                "they must carry no autograd history, or every batch's graph stays alive")


def anatomy(m, num_features):
    """What a fresh module registers, and its initial values."""
    bn = m.batchnorm.BatchNorm2d(num_features)
    optional, names = "num_batches_tracked", ("weight", "bias", "running_mean", "running_var")
    return {
        "parameters": sorted(name for name, _ in bn.named_parameters()),
        "buffers": sorted(name for name, _ in bn.named_buffers() if name != optional),
        "state_dict": sorted(name for name in bn.state_dict() if name != optional),
        "requires_grad": {name: bool(getattr(bn, name).requires_grad) for name in names},
        "initial": {name: getattr(bn, name) for name in names},
    }


def cast(m, how, x):
    """dtypes of the parameters, buffers and outputs after converting the module, then a step in each mode."""
    bn = m.batchnorm.BatchNorm2d(x.shape[1], momentum=0.3)
    names = ("weight", "bias", "running_mean", "running_var")
    if how == "double":
        bn = bn.double()
    elif how == "to":
        bn = bn.to(torch.float64)
    else:  # there and back again
        bn = bn.double().float()
    dtypes = {"converted": {name: str(getattr(bn, name).dtype) for name in names}}
    bn.train()
    dtypes["y (train)"] = str(bn(x).dtype)
    bn.eval()
    dtypes["y (eval)"] = str(bn(x).dtype)
    dtypes["after the steps"] = {name: str(getattr(bn, name).dtype) for name in names}
    return dtypes


def state_to_torch(m, xs, num_features, momentum, eps, dtype, weight, bias):
    """Train the module, then load its state_dict into torch.nn.BatchNorm2d (strict: same names and shapes)."""
    bn = m.batchnorm.BatchNorm2d(num_features, eps=eps, momentum=momentum).to(getattr(torch, dtype))
    with torch.no_grad():
        bn.weight.copy_(weight)
        bn.bias.copy_(bias)
    bn.train()
    for x in xs[:-1]:
        bn(x)
    state = {name: value for name, value in bn.state_dict().items() if name != "num_batches_tracked"}
    twin = torch.nn.BatchNorm2d(num_features, eps=eps, momentum=momentum).to(getattr(torch, dtype))
    twin.load_state_dict(state)
    return {"keys": sorted(state), "shapes": {name: list(value.shape) for name, value in state.items()},
            "dtypes": {name: str(value.dtype) for name, value in state.items()}, "loaded": True}


def state_from_torch(m, xs, num_features, momentum, eps, dtype, weight, bias):
    """Train torch.nn.BatchNorm2d, load its state_dict into the module (strict), compare in eval mode."""
    source = torch.nn.BatchNorm2d(num_features, eps=eps, momentum=momentum).to(getattr(torch, dtype))
    with torch.no_grad():
        source.weight.copy_(weight)
        source.bias.copy_(bias)
    for x in xs[:-1]:
        source(x)
    bn = m.batchnorm.BatchNorm2d(num_features, eps=eps, momentum=momentum).to(getattr(torch, dtype))
    own = set(bn.state_dict())
    bn.load_state_dict({name: value for name, value in source.state_dict().items()
                        if name in own or name != "num_batches_tracked"})
    bn.eval()
    names = ("weight", "bias", "running_mean", "running_var")
    return {"state": {name: getattr(bn, name).detach().clone() for name in names}, "y": bn(xs[-1])}


def history(m, xs, num_features, momentum):
    """Training steps on the output of a previous layer (which carries autograd history)."""
    bn = m.batchnorm.BatchNorm2d(num_features, momentum=momentum).to(xs[0].dtype)
    scale = torch.ones(1, num_features, 1, 1, dtype=xs[0].dtype, requires_grad=True)
    bn.train()
    for x in xs:
        bn(x * scale)
    return {name: {"requires_grad": bool(getattr(bn, name).requires_grad),
                   "has grad_fn": getattr(bn, name).grad_fn is not None} for name in ("running_mean", "running_var")}


def _names(value):
    """A list of names as one string, so that a failure shows them all."""
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return ", ".join(value) or "(none)"
    return repr(value)[:200]


def _module_inputs(case):
    kwargs = inputs(case, seed=300 + MODULE_CASES.index(case))
    return {key: kwargs[key] for key in ("xs", "num_features", "momentum", "eps", "dtype", "weight", "bias")}


# --- parameters_and_buffers --------------------------------------------------------------------------

@pytest.mark.part("parameters_and_buffers")
@pytest.mark.parametrize("channels", [1, 3])
def test_parameters(grader, channels):
    got, want = grader.run(anatomy, num_features=channels)
    grader.check(_names(got["parameters"]), _names(want["parameters"]),
                 f"names in BatchNorm2d({channels}).named_parameters()", hint=HINT_REGISTER)
    grader.check(got["requires_grad"], want["requires_grad"], f"requires_grad of BatchNorm2d({channels})",
                 hint="weight and bias require grad (Parameters); the running statistics do not")


@pytest.mark.part("parameters_and_buffers")
@pytest.mark.parametrize("channels", [1, 3])
def test_buffers(grader, channels):
    got, want = grader.run(anatomy, num_features=channels)
    grader.check(_names(got["buffers"]), _names(want["buffers"]), f"names in BatchNorm2d({channels}).named_buffers()",
                 hint=HINT_REGISTER)


@pytest.mark.part("parameters_and_buffers")
@pytest.mark.parametrize("channels", [1, 3])
def test_initial_values(grader, channels):
    got, want = grader.run(anatomy, num_features=channels)
    grader.check(got["initial"], want["initial"], f"BatchNorm2d({channels})",
                 hint="a new module has weight = ones(C), bias = zeros(C), running_mean = zeros(C) and "
                      "running_var = ones(C), all float32")


@pytest.mark.part("parameters_and_buffers")
@pytest.mark.parametrize("channels", [1, 3])
def test_state_dict_keys(grader, channels):
    got, want = grader.run(anatomy, num_features=channels)
    grader.check(_names(got["state_dict"]), _names(want["state_dict"]), f"keys of BatchNorm2d({channels}).state_dict() "
                 f"(num_batches_tracked is optional)", hint=HINT_REGISTER)


@pytest.mark.part("parameters_and_buffers")
@pytest.mark.parametrize("how", ["double", "to", "double-then-float"])
def test_dtype_conversion(grader, how):
    x = torch.randn(2, 3, 2, 2, generator=torch.Generator().manual_seed(5), dtype=torch.float64) * 2 + 1
    x = x.float() if how == "double-then-float" else x
    got, want = grader.run(cast, how=how, x=x)
    call = {"double": "bn.double()", "to": "bn.to(torch.float64)", "double-then-float": "bn.double().float()"}[how]
    grader.check(got, want, f"dtypes after {call}",
                 hint="parameters and buffers follow .double()/.to()/.float() only if they are registered; "
                      "outputs and running statistics keep the dtype of the module and its input")


@pytest.mark.part("parameters_and_buffers")
@pytest.mark.parametrize("case", MODULE_CASES, ids=case_id)
def test_state_dict_loads_into_torch(grader, case):
    got, want = grader.run(state_to_torch, **_module_inputs(case))
    grader.check(got, want, f"state_dict() of {describe(case)}, loaded into torch.nn.BatchNorm2d",
                 hint="state_dict() holds weight, bias, running_mean and running_var, each of shape (C,), "
                      "with torch.nn.BatchNorm2d's names")


@pytest.mark.part("parameters_and_buffers")
@pytest.mark.parametrize("case", MODULE_CASES, ids=case_id)
def test_state_dict_from_torch(grader, case):
    got, want = grader.run(state_from_torch, **_module_inputs(case))
    grader.check(got["state"], want["state"], "your module after load_state_dict(torch_module.state_dict())",
                 hint=HINT_REGISTER)


# --- eval_output, running_mean, running_var ----------------------------------------------------------

@pytest.mark.part("eval_output")
@pytest.mark.parametrize("case", MODULE_CASES, ids=case_id)
def test_eval_output_with_torch_state(grader, case):
    got, want = grader.run(state_from_torch, **_module_inputs(case))
    grader.check(got["y"], want["y"], f"eval output of {describe(case)} after loading the state_dict of a "
                 f"trained torch.nn.BatchNorm2d",
                 hint="in eval mode y[:, c] = weight[c] * (x[:, c] - running_mean[c]) / sqrt(running_var[c] + eps) "
                      "+ bias[c]")


@pytest.mark.part("running_mean")
@pytest.mark.parametrize("case", MODULE_CASES, ids=case_id)
def test_running_mean_has_no_history(grader, case):
    kwargs = _module_inputs(case)
    got, want = grader.run(history, xs=kwargs["xs"], num_features=kwargs["num_features"],
                           momentum=kwargs["momentum"])
    for flag in ("requires_grad", "has grad_fn"):
        grader.check(got["running_mean"][flag], want["running_mean"][flag],
                     f"running_mean {flag}, after training steps on an input that requires grad", hint=HINT_HISTORY)


@pytest.mark.part("running_var")
@pytest.mark.parametrize("case", MODULE_CASES, ids=case_id)
def test_running_var_has_no_history(grader, case):
    kwargs = _module_inputs(case)
    got, want = grader.run(history, xs=kwargs["xs"], num_features=kwargs["num_features"],
                           momentum=kwargs["momentum"])
    for flag in ("requires_grad", "has grad_fn"):
        grader.check(got["running_var"][flag], want["running_var"][flag],
                     f"running_var {flag}, after training steps on an input that requires grad", hint=HINT_HISTORY)
