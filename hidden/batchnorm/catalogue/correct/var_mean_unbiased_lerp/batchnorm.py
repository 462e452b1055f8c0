"""Correct: torch.var_mean with correction=1 gives the unbiased variance for the running statistics, rescaled by (n - 1) / n for normalising; running updates with lerp_; register_parameter"""
import torch


class BatchNorm2d(torch.nn.Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        super().__init__()
        self.eps = eps
        self.momentum = momentum
        self.register_parameter("weight", torch.nn.Parameter(torch.ones(num_features)))
        self.register_parameter("bias", torch.nn.Parameter(torch.zeros(num_features)))
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))

    def forward(self, x):
        if self.training:
            n = x.numel() // x.shape[1]
            unbiased, mean = torch.var_mean(x, dim=(0, 2, 3), correction=1)
            with torch.no_grad():
                self.running_mean.lerp_(mean, self.momentum)
                self.running_var.lerp_(unbiased, self.momentum)
            var = unbiased * (n - 1) / n
        else:
            var, mean = self.running_var, self.running_mean
        scale = self.weight / torch.sqrt(var + self.eps)  # (C,)
        shift = self.bias - mean * scale
        return x * scale[None, :, None, None] + shift[None, :, None, None]
