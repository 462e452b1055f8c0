"""Correct: torchvision's own style: one in-place ReLU module, `out += identity`; count_parameters walks
named_parameters() (which skips duplicates) and adds numel."""
import torch
from torch import nn


class ResidualBlock(nn.Module):
    expansion = 1

    def __init__(self, in_channels, out_channels, stride=1):
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
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)
        out = self.bn2(out)
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        out = self.relu(out)
        return out


class DepthwiseSeparableConv2d(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, padding=1, bias=True):
        super().__init__()
        self.add_module("depthwise", nn.Conv2d(in_channels, in_channels, kernel_size, stride, padding,
                                               groups=in_channels, bias=bias))
        self.add_module("pointwise", nn.Conv2d(in_channels, out_channels, 1, 1, 0, bias=bias))

    def forward(self, x):
        y = self.depthwise(x)
        return self.pointwise(y)


def count_parameters(module):
    total = 0
    for _, parameter in module.named_parameters():
        if parameter.requires_grad:
            total += parameter.numel()
    return total
