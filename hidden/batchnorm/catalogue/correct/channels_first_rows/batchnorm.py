"""Correct: permute + reshape to (C, n) rows; biased variance of each row, corrected by n / (n - 1) for the running variance; buffers reassigned out of place from detached values; a num_batches_tracked buffer as torch has"""
import torch


class BatchNorm2d(torch.nn.Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.weight = torch.nn.Parameter(torch.ones(num_features))
        self.bias = torch.nn.Parameter(torch.zeros(num_features))
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))
        self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))

    def forward(self, x):
        N, C, H, W = x.shape
        rows = x.permute(1, 0, 2, 3).reshape(C, -1)  # (C, n)
        if self.training:
            n = rows.shape[1]
            mean = rows.mean(dim=1)
            var = ((rows - mean[:, None]) ** 2).mean(dim=1)
            self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * mean.detach()
            self.running_var = (1 - self.momentum) * self.running_var + self.momentum * var.detach() * n / (n - 1)
            self.num_batches_tracked += 1
        else:
            mean, var = self.running_mean, self.running_var
        rows_hat = (rows - mean[:, None]) / (var[:, None] + self.eps).sqrt()
        out = self.weight[:, None] * rows_hat + self.bias[:, None]
        return out.reshape(C, N, H, W).permute(1, 0, 2, 3)
