"""Two mistakes: block_relu_before_sum and count_tensors_not_scalars.

Written with the layers walked by name: ResidualBlock's forward runs the (conv, bn) pairs of its residual
branch in a loop over ("conv1", "bn1"), ("conv2", "bn2") with getattr and torch.nn.functional.relu between
them; the projection is decided by a `_needs_projection` helper; count_parameters is a loop that adds numel
over named_parameters(), unlike the catalogue's one-line chains."""
import torch.nn.functional as F
from torch import nn


def _needs_projection(in_channels, out_channels, stride):
    return stride != 1 or in_channels != out_channels


class ResidualBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        projection = None
        if _needs_projection(in_channels, out_channels, stride):
            projection = nn.Sequential(nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False),
                                       nn.BatchNorm2d(out_channels))
        self.downsample = projection

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)  # (N, C_out, H_out, W_out)
        out = x
        for step, (conv, norm) in enumerate((("conv1", "bn1"), ("conv2", "bn2"))):
            out = getattr(self, norm)(getattr(self, conv)(out))
            out = F.relu(out)
        return out + identity


class DepthwiseSeparableConv2d(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, padding=1, bias=True):
        super().__init__()
        self.depthwise = nn.Conv2d(in_channels, in_channels, kernel_size=kernel_size, stride=stride,
                                   padding=padding, groups=in_channels, bias=bias)
        self.pointwise = nn.Conv2d(in_channels, out_channels, kernel_size=1, bias=bias)

    def forward(self, x):
        filtered = self.depthwise(x)  # (N, C_in, H_out, W_out)
        return self.pointwise(filtered)  # (N, C_out, H_out, W_out)


def count_parameters(module):
    total = 0
    for _, parameter in module.named_parameters():
        if parameter.requires_grad:
            total += 1
    return total
