"""Correct: the residual branch computed with explicit torch.relu calls and the shortcut as a separate method;
DepthwiseSeparableConv2d as an nn.Sequential subclass named depthwise, pointwise (its forward is Sequential's);
count_parameters deduplicates by data pointer and shape over named_parameters(remove_duplicate=False)."""
from collections import OrderedDict

import torch
from torch import nn


class ResidualBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, (3, 3), (stride, stride), (1, 1), bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels, eps=1e-5, momentum=0.1)
        self.conv2 = nn.Conv2d(out_channels, out_channels, (3, 3), (1, 1), (1, 1), bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels, eps=1e-5, momentum=0.1)
        if stride == 1 and in_channels == out_channels:
            self.downsample = None
        else:
            self.downsample = nn.Sequential()
            self.downsample.append(nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False))
            self.downsample.append(nn.BatchNorm2d(out_channels))

    def shortcut(self, x):
        return x if self.downsample is None else self.downsample(x)

    def forward(self, x):
        branch = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(branch + self.shortcut(x))


class DepthwiseSeparableConv2d(nn.Sequential):
    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, padding=1, bias=True):
        super().__init__(OrderedDict([
            ("depthwise", nn.Conv2d(in_channels, in_channels, kernel_size, stride=stride, padding=padding,
                                    groups=in_channels, bias=bias)),
            ("pointwise", nn.Conv2d(in_channels, out_channels, 1, bias=bias)),
        ]))


def count_parameters(module):
    seen = set()
    total = 0
    for _, p in module.named_parameters(remove_duplicate=False):
        key = (p.data_ptr(), tuple(p.shape))
        if p.requires_grad and key not in seen:
            seen.add(key)
            total += p.numel()
    return total
