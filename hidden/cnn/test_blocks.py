"""Hidden tests of blocks.py. The oracle blocks are built here from torch.nn modules, with torchvision
BasicBlock's submodule names (torchvision is not needed): the same weights are loaded into the student's block
and into the oracle, which then run the same training steps and an eval step."""
import pytest
import torch
from cnn_cases import BLOCK_CASES, DTYPES, SEPARABLE_CASES, block_state

HINT_BLOCK = ("forward(x) = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)): conv1 3x3 with the stride and "
              "padding 1, conv2 3x3 stride 1 padding 1, both without bias; the shortcut is x itself, or "
              "downsample(x) = BatchNorm2d(Conv2d 1x1 with the stride, no bias) when stride != 1 or "
              "in_channels != out_channels; add BEFORE the last ReLU")
HINT_KEYS = ("name the submodules as torchvision's BasicBlock does: conv1, bn1, conv2, bn2, and downsample = "
             "nn.Sequential(Conv2d, BatchNorm2d) only when stride != 1 or in_channels != out_channels (else "
             "self.downsample = None); convolutions without bias")
HINT_SEPARABLE = ("depthwise = Conv2d(C_in, C_in, kernel_size, stride, padding, groups=C_in, bias=bias), then "
                  "pointwise = Conv2d(C_in, C_out, 1, bias=bias); forward = pointwise(depthwise(x))")
HINT_COUNT = ("sum p.numel() over module.parameters() with p.requires_grad: module.parameters() already lists a "
              "shared parameter once; buffers (running statistics) are not parameters")


def _dtype_id(dtype):
    return str(dtype).replace("torch.", "")


# ---------------------------------------------------------------- scenarios (run in the worker and here)

def play_block(m, impl, in_channels, out_channels, stride, dtype, state, xs, grads_out):
    """Build a block, load `state`, run two training steps (forward and backward of sum(y * g)) and one eval step."""
    nn = torch.nn
    if impl == "torch":  # the oracle: torchvision's BasicBlock, written with torch.nn modules
        class BasicBlock(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
                self.bn1 = nn.BatchNorm2d(out_channels)
                self.relu = nn.ReLU(inplace=True)
                self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
                self.bn2 = nn.BatchNorm2d(out_channels)
                self.downsample = None
                if stride != 1 or in_channels != out_channels:
                    self.downsample = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                                                    nn.BatchNorm2d(out_channels))

            def forward(self, x):
                identity = x if self.downsample is None else self.downsample(x)
                out = self.relu(self.bn1(self.conv1(x)))
                return self.relu(self.bn2(self.conv2(out)) + identity)

        block = BasicBlock()
    else:
        block = m.blocks.ResidualBlock(in_channels, out_channels, stride)
    block = block.to(getattr(torch, dtype))
    try:
        block.load_state_dict(state)
    except RuntimeError as error:
        return {"problem": str(error)[:500]}
    out = {"problem": None, "y": [], "grad_x": [], "grads": []}
    block.train()
    for x, g in zip(xs[:2], grads_out, strict=True):
        x = x.clone().requires_grad_(True)
        block.zero_grad()
        y = block(x)
        (y * g).sum().backward()
        out["y"].append(y.detach())
        out["grad_x"].append(x.grad)
        out["grads"].append({name: p.grad for name, p in block.named_parameters()})
    out["buffers"] = {name: b.clone() for name, b in block.named_buffers()}
    block.eval()
    with torch.no_grad():
        out["eval"] = block(xs[2])
    return out


def fresh_block(m, in_channels, out_channels, stride):
    """A freshly built ResidualBlock's state_dict: keys, shapes, values (stride None: left at its default)."""
    block = m.blocks.ResidualBlock(in_channels, out_channels) if stride is None else \
        m.blocks.ResidualBlock(in_channels, out_channels, stride)
    state = block.double().state_dict()
    return {"keys": sorted(state), "shapes": {k: list(v.shape) for k, v in state.items()}, "state": dict(state)}


def torch_block_state(m, in_channels, out_channels, stride, state):
    """The oracle BasicBlock's fresh state_dict (keys, shapes, values), or, given `state`, its state_dict after
    loading it strictly (a student's state_dict must load into torchvision's block as it is)."""
    nn = torch.nn
    block = nn.Module()
    block.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
    block.bn1 = nn.BatchNorm2d(out_channels)
    block.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
    block.bn2 = nn.BatchNorm2d(out_channels)
    block.downsample = None
    if stride != 1 or in_channels != out_channels:
        block.downsample = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                                         nn.BatchNorm2d(out_channels))
    block = block.double()
    if state is not None:
        block.load_state_dict(state)
    fresh = block.state_dict()
    return {"keys": sorted(fresh), "shapes": {k: list(v.shape) for k, v in fresh.items()}, "state": dict(fresh)}


def separable(m, impl, in_channels, out_channels, kernel_size, stride, padding, bias, defaults, x, seed):
    """A DepthwiseSeparableConv2d (or the torch.nn oracle) with seeded weights: its keys, shapes and output."""
    nn = torch.nn
    if impl == "torch":
        module = nn.Module()
        module.depthwise = nn.Conv2d(in_channels, in_channels, kernel_size, stride, padding, groups=in_channels,
                                     bias=bias)
        module.pointwise = nn.Conv2d(in_channels, out_channels, 1, bias=bias)
    elif defaults:
        module = m.blocks.DepthwiseSeparableConv2d(in_channels, out_channels)
    else:
        module = m.blocks.DepthwiseSeparableConv2d(in_channels, out_channels, kernel_size, stride, padding, bias)
    module = module.double()
    state = module.state_dict()
    out = {"keys": sorted(state), "shapes": {k: list(v.shape) for k, v in state.items()}}
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name in out["keys"]:
            state[name].copy_(torch.randn(state[name].shape, generator=gen, dtype=torch.float64))
        out["y"] = module.pointwise(module.depthwise(x)) if impl == "torch" else module(x)
    return out


def count(m, which):
    """count_parameters of one of a few torch.nn modules."""
    nn = torch.nn
    if which == "conv_bn_stack":  # buffers beside parameters
        module = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Conv2d(8, 4, 1, bias=False))
    elif which == "shared_submodule":  # one Linear used twice
        linear = nn.Linear(5, 5)
        module = nn.Sequential(linear, nn.ReLU(), linear)
    elif which == "tied_weight":  # one Parameter held by two modules
        first, second = nn.Linear(4, 6), nn.Linear(4, 6)
        second.weight = first.weight
        module = nn.ModuleDict({"first": first, "second": second})
    elif which == "frozen_first_layer":
        module = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
        module[0].requires_grad_(False)
    elif which == "no_parameters":
        module = nn.Sequential(nn.ReLU(), nn.MaxPool2d(2))
    else:  # a scalar Parameter, a grouped convolution and a frozen bias
        module = nn.Module()
        module.scale = nn.Parameter(torch.tensor(1.5))
        module.body = nn.Conv2d(4, 6, 3, groups=2)
        module.body.bias.requires_grad_(False)
    return m.blocks.count_parameters(module)


COUNT_MODULES = ["conv_bn_stack", "shared_submodule", "tied_weight", "frozen_first_layer", "no_parameters",
                 "scalar_grouped_frozen_bias"]
# the trainable scalars of each, counted by hand
COUNT_EXPECTED = {"conv_bn_stack": 3 * 8 * 9 + 8 + 8 + 8 + 8 * 4, "shared_submodule": 25 + 5,
                  "tied_weight": 24 + 6 + 6, "frozen_first_layer": 4 * 2 + 2, "no_parameters": 0,
                  "scalar_grouped_frozen_bias": 1 + 6 * 2 * 9}


# ---------------------------------------------------------------- tests

def _block_inputs(case, dtype, seed):
    in_channels, out_channels, stride, (n, h, w) = case
    gen = torch.Generator().manual_seed(seed)
    h_out, w_out = (h - 1) // stride + 1, (w - 1) // stride + 1
    rand = lambda *s: torch.randn(*s, generator=gen, dtype=torch.float64).to(dtype)  # noqa: E731
    return {"in_channels": in_channels, "out_channels": out_channels, "stride": stride,
            "dtype": str(dtype).replace("torch.", ""), "state": block_state(in_channels, out_channels, stride,
                                                                              dtype, gen),
            "xs": [rand(n, in_channels, h, w) for _ in range(3)],
            "grads_out": [rand(n, out_channels, h_out, w_out) for _ in range(2)]}


def _block_call(case):
    in_channels, out_channels, stride, (n, h, w) = case
    return f"ResidualBlock({in_channels}, {out_channels}, stride={stride}) on x of shape {(n, in_channels, h, w)}"


@pytest.mark.part("residual_block")
@pytest.mark.parametrize("dtype", DTYPES, ids=_dtype_id)
@pytest.mark.parametrize("case", BLOCK_CASES, ids=str)
def test_residual_block(grader, case, dtype):
    inputs = _block_inputs(case, dtype, seed=BLOCK_CASES.index(case))
    got = grader.student(play_block, impl="module", **inputs)
    want = grader.reference(play_block, impl="torch", **inputs)
    call = _block_call(case)
    grader.check(got["problem"], None, f"load_state_dict of torchvision BasicBlock's keys into {call}",
                 hint=HINT_KEYS)
    grader.check(got["y"], want["y"], f"training-mode outputs of {call}", names=("step 1", "step 2"),
                 hint=HINT_BLOCK)
    grader.check(got["buffers"], want["buffers"], f"running statistics after two training steps of {call}",
                 hint="the BatchNorm2d layers update their running statistics in training mode; use one "
                      "BatchNorm2d per place (bn1, bn2, downsample.1), each called once per forward")
    grader.check(got["eval"], want["eval"], f"eval-mode output of {call}", hint=HINT_BLOCK)
    grader.check(got["grad_x"], want["grad_x"], f"dL/dx through {call}", names=("step 1", "step 2"),
                 hint=HINT_BLOCK)
    grader.check(got["grads"], want["grads"], f"parameter gradients through {call}", names=("step 1", "step 2"),
                 hint=HINT_BLOCK)


@pytest.mark.part("residual_block_state_dict")
@pytest.mark.parametrize("case", BLOCK_CASES[:4], ids=str)
def test_residual_block_state_dict(grader, case):
    in_channels, out_channels, stride, _ = case
    args = {"in_channels": in_channels, "out_channels": out_channels, "stride": stride}
    got = grader.student(fresh_block, **args)
    want = grader.reference(torch_block_state, **args, state=None)
    call = f"ResidualBlock({in_channels}, {out_channels}, stride={stride}).state_dict()"
    grader.check(got["keys"], want["keys"], f"the keys of {call}", hint=HINT_KEYS)
    grader.check(got["shapes"], want["shapes"], f"the shapes in {call}", hint=HINT_KEYS)
    batchnorm = [k for k in want["keys"] if not k.endswith(".weight") or k.startswith("bn") or ".1." in k]
    grader.check({k: got["state"][k] for k in batchnorm}, {k: want["state"][k] for k in batchnorm},
                 f"the BatchNorm2d entries of a fresh {call}",
                 hint="bn1, bn2 and downsample.1 are torch.nn.BatchNorm2d(out_channels) as they come: weight ones, "
                      "bias zeros, running_mean zeros, running_var ones, num_batches_tracked 0")
    loaded = grader.reference(torch_block_state, **args, state=got["state"])
    grader.check(loaded["state"], got["state"], f"torchvision's block after load_state_dict({call})", hint=HINT_KEYS)


@pytest.mark.part("depthwise_separable")
@pytest.mark.parametrize("case", [*SEPARABLE_CASES, "defaults"], ids=str)
def test_depthwise_separable(grader, case):
    defaults = case == "defaults"
    in_channels, out_channels, kernel_size, stride, padding, bias = (3, 4, 3, 1, 1, True) if defaults else case
    gen = torch.Generator().manual_seed(30 + (len(SEPARABLE_CASES) if defaults else SEPARABLE_CASES.index(case)))
    inputs = {"in_channels": in_channels, "out_channels": out_channels, "kernel_size": kernel_size,
              "stride": stride, "padding": padding, "bias": bias, "defaults": defaults, "seed": 7,
              "x": torch.randn(2, in_channels, 7, 6, generator=gen, dtype=torch.float64)}
    got = grader.student(separable, impl="module", **inputs)
    want = grader.reference(separable, impl="torch", **inputs)
    call = (f"DepthwiseSeparableConv2d({in_channels}, {out_channels})" if defaults else
            f"DepthwiseSeparableConv2d({in_channels}, {out_channels}, kernel_size={kernel_size}, stride={stride}, "
            f"padding={padding}, bias={bias})")
    grader.check(got["keys"], want["keys"], f"the state_dict keys of {call}", hint=HINT_SEPARABLE)
    grader.check(got["shapes"], want["shapes"], f"the state_dict shapes of {call}",
                 hint=HINT_SEPARABLE + "; depthwise.weight is (C_in, 1, K, K) with groups=C_in")
    grader.check(got["y"], want["y"], f"the output of {call} with seeded weights", hint=HINT_SEPARABLE)


@pytest.mark.part("count_parameters")
@pytest.mark.parametrize("which", COUNT_MODULES)
def test_count_parameters(grader, which):
    got, want = grader.run(count, which=which)
    assert want == COUNT_EXPECTED[which], f"the reference counts {want} for {which}"
    grader.check(got, want, f"count_parameters of the {which.replace('_', ' ')} module", hint=HINT_COUNT)


@pytest.mark.part("residual_block_state_dict")
def test_residual_block_default_stride_is_1(grader):
    got = grader.student(fresh_block, in_channels=3, out_channels=3, stride=None)
    want = grader.reference(torch_block_state, in_channels=3, out_channels=3, stride=1, state=None)
    call = "ResidualBlock(3, 3).state_dict(), stride left out"
    grader.check((got["keys"], got["shapes"]), (want["keys"], want["shapes"]), f"the keys and shapes of {call}",
                 names=("keys", "shapes"), hint="stride defaults to 1: with in_channels == out_channels and stride 1 "
                                                "the block has no downsample branch, the identity is added as it is")
