"""Correct: explicit sums divided by n with keepdim broadcasting; biased variance as the mean of squared deviations; the unbiased one as their sum over n - 1"""
import torch


class BatchNorm2d(torch.nn.Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        super().__init__()
        self.eps, self.momentum = eps, momentum
        self.weight = torch.nn.Parameter(torch.ones(num_features))
        self.bias = torch.nn.Parameter(torch.zeros(num_features))
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))

    def forward(self, x):
        C = x.shape[1]
        if self.training:
            n = x.shape[0] * x.shape[2] * x.shape[3]
            mean = x.sum(dim=(0, 2, 3), keepdim=True) / n  # (1, C, 1, 1)
            squares = ((x - mean) ** 2).sum(dim=(0, 2, 3), keepdim=True)
            var = squares / n
            with torch.no_grad():
                m = self.momentum
                self.running_mean.copy_((1 - m) * self.running_mean + m * mean.view(C))
                self.running_var.copy_((1 - m) * self.running_var + m * squares.view(C) / (n - 1))
        else:
            mean = self.running_mean.view(1, C, 1, 1)
            var = self.running_var.view(1, C, 1, 1)
        inv_std = 1.0 / torch.sqrt(var + self.eps)
        return (x - mean) * inv_std * self.weight.view(1, C, 1, 1) + self.bias.view(1, C, 1, 1)
