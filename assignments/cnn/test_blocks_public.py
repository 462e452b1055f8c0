"""Public tests for blocks.py: run `pytest` in this folder. The hidden tests compare outputs, statistics and
gradients with a block built from torch.nn modules, in train and eval mode."""
import pytest
import torch
from _checks import check
from blocks import DepthwiseSeparableConv2d, ResidualBlock, count_parameters
from torch import nn

BN = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")
# torchvision.models.resnet.BasicBlock's state_dict keys
BASIC_BLOCK_KEYS = ["conv1.weight", *(f"bn1.{k}" for k in BN), "conv2.weight", *(f"bn2.{k}" for k in BN)]
DOWNSAMPLE_KEYS = ["downsample.0.weight", *(f"downsample.1.{k}" for k in BN)]


@pytest.mark.parametrize("args", [(4, 4, 1), (4, 8, 2), (4, 4, 2)], ids=["identity", "wider-stride2", "stride2"])
def test_residual_block_keys(args):
    keys = BASIC_BLOCK_KEYS + (DOWNSAMPLE_KEYS if args[2] != 1 or args[0] != args[1] else [])
    check(sorted(ResidualBlock(*args).state_dict()), sorted(keys), f"the state_dict keys of ResidualBlock{args}",
          hint="conv1, bn1, conv2, bn2 (convolutions without bias) and downsample = Sequential(Conv2d 1x1, "
               "BatchNorm2d) only when stride != 1 or in_channels != out_channels")


def test_residual_block_forward():
    torch.manual_seed(0)
    block = ResidualBlock(3, 5, stride=2).double().eval()
    x = torch.randn(2, 3, 7, 6, dtype=torch.float64)
    with torch.no_grad():
        shortcut = block.downsample(x)
        residual = block.bn2(block.conv2(torch.relu(block.bn1(block.conv1(x)))))
    check(block(x), torch.relu(residual + shortcut), "ResidualBlock(3, 5, stride=2)(x) in eval mode",
          tol=(1e-7, 1e-10), hint="relu(bn2(conv2(relu(bn1(conv1(x))))) + downsample(x)): add BEFORE the last ReLU")


def test_depthwise_separable_shapes():
    module = DepthwiseSeparableConv2d(6, 10, kernel_size=3, stride=2)
    shapes = {k: tuple(v.shape) for k, v in module.state_dict().items()}
    check(shapes, {"depthwise.weight": (6, 1, 3, 3), "depthwise.bias": (6,), "pointwise.weight": (10, 6, 1, 1),
                   "pointwise.bias": (10,)}, "the state_dict shapes of DepthwiseSeparableConv2d(6, 10, 3, 2)",
          hint="depthwise = Conv2d(C_in, C_in, k, stride, padding, groups=C_in); pointwise = Conv2d(C_in, C_out, 1)")
    check(tuple(module(torch.randn(1, 6, 9, 8)).shape), (1, 10, 5, 4), "the output shape for a (1, 6, 9, 8) input",
          hint="padding=1 by default, the stride on the depthwise convolution")


def test_count_parameters():
    shared = nn.Linear(4, 4)
    frozen = nn.Linear(4, 2).requires_grad_(False)
    model = nn.Sequential(shared, nn.BatchNorm1d(4), shared, frozen)
    check(count_parameters(model), 4 * 4 + 4 + 4 + 4, "count_parameters(Linear(4, 4) used twice, BatchNorm1d(4), "
          "frozen Linear(4, 2))", hint="trainable scalars only: a shared parameter once, no buffers, no frozen ones")
