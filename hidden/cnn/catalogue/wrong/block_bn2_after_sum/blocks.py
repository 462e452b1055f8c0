# Wrong: adds the shortcut before bn2: relu(bn2(conv2(...) + shortcut)).
"""Building blocks of modern CNNs: ResNet's residual block, the depthwise separable convolution, parameter counts.

Conventions:
- Shapes: N batch, C_in and C_out channels, H and W the input's height and width, H_out and W_out the output's.
- ResidualBlock is ResNet's basic block with the submodule names of torchvision.models.resnet.BasicBlock, so
  that its state_dict has the same keys (conv1.weight, bn1.weight, bn1.bias, bn1.running_mean,
  bn1.running_var, bn1.num_batches_tracked, conv2.weight, bn2.*, and with a projection shortcut
  downsample.0.weight, downsample.1.*) and pretrained weights load into it:
    conv1 = Conv2d(C_in, C_out, 3, stride, padding=1, bias=False), bn1 = BatchNorm2d(C_out),
    conv2 = Conv2d(C_out, C_out, 3, 1, padding=1, bias=False), bn2 = BatchNorm2d(C_out),
    downsample = Sequential(Conv2d(C_in, C_out, 1, stride, bias=False), BatchNorm2d(C_out)) when stride != 1
    or C_in != C_out (the shapes of x and the residual differ), else None (the identity shortcut).
  forward(x) = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), shortcut = downsample or the identity:
  the sum comes BEFORE the last ReLU.
- DepthwiseSeparableConv2d (MobileNet's): `depthwise` = Conv2d(C_in, C_in, kernel_size, stride, padding,
  groups=C_in, bias=bias) filters each channel on its own, then `pointwise` = Conv2d(C_in, C_out, 1, bias=bias)
  mixes the channels; forward(x) = pointwise(depthwise(x)). Parameters: C_in*K*K + C_in*C_out (+ C_in + C_out
  biases) instead of a standard convolution's C_out*C_in*K*K (+ C_out).
- count_parameters counts trainable scalars: every element of every parameter with requires_grad=True,
  a parameter shared by two submodules counted once, buffers (running statistics) never.

Allowed here: torch.nn.Conv2d, BatchNorm2d, ReLU, Sequential and the rest of torch.nn.
"""
from torch import nn


class ResidualBlock(nn.Module):
    """ResNet's basic block, torchvision's BasicBlock names: (N, C_in, H, W) -> (N, C_out, H_out, W_out),
    H_out = floor((H - 1) / stride) + 1 (W_out alike)."""

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU()
        self.downsample = None
        if stride != 1 or in_channels != out_channels:
            self.downsample = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                                            nn.BatchNorm2d(out_channels))

    def forward(self, x):
        """x: (N, C_in, H, W) -> relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), (N, C_out, H_out, W_out)."""
        out = None
        residual = self.conv2(self.relu(self.bn1(self.conv1(x))))  # (N, C_out, H_out, W_out)
        shortcut = x if self.downsample is None else self.downsample(x)  # (N, C_out, H_out, W_out)
        out = self.relu(self.bn2(residual + shortcut))
        return out


class DepthwiseSeparableConv2d(nn.Module):
    """A depthwise then a pointwise convolution: (N, C_in, H, W) -> (N, C_out, H_out, W_out),
    H_out = floor((H + 2 * padding - kernel_size) / stride) + 1 (W_out alike)."""

    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, padding=1, bias=True):
        super().__init__()
        self.depthwise = nn.Conv2d(in_channels, in_channels, kernel_size, stride=stride, padding=padding,
                                   groups=in_channels, bias=bias)
        self.pointwise = nn.Conv2d(in_channels, out_channels, 1, bias=bias)

    def forward(self, x):
        """x: (N, C_in, H, W) -> pointwise(depthwise(x)), (N, C_out, H_out, W_out)."""
        out = None
        out = self.pointwise(self.depthwise(x))
        return out


def count_parameters(module):
    """The number of trainable scalars of `module` (an nn.Module): the sum of p.numel() over its parameters
    with requires_grad=True, each parameter counted once even when two submodules share it; buffers never count.

    Returns:
        an int.
    """
    count = None
    count = sum(p.numel() for p in module.parameters() if p.requires_grad)
    return count
