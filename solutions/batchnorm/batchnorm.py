"""Batch normalisation for images, from scratch: a drop-in for torch.nn.BatchNorm2d.

Shapes: x and y are (N, C, H, W); weight, bias, running_mean and running_var are (C,), C = num_features.
For each channel c the statistics are taken over the N * H * W values x[:, c, :, :]; n = N * H * W.

Conventions (the same as torch.nn.BatchNorm2d; courses and libraries differ, so read them):
- Training mode (self.training is True, after .train()):
      mean[c] = sum of x[:, c] / n
      var[c]  = sum of (x[:, c] - mean[c])**2 / n            the BIASED variance (divide by n)
      y[:, c] = weight[c] * (x[:, c] - mean[c]) / sqrt(var[c] + eps) + bias[c]   (eps inside the sqrt)
  and then, with no autograd history (under torch.no_grad() or with .detach()):
      running_mean <- (1 - momentum) * running_mean + momentum * mean
      running_var  <- (1 - momentum) * running_var  + momentum * var * n / (n - 1)
  The running variance uses the UNBIASED variance (divide by n - 1). momentum is the weight of the NEW
  batch statistic (Keras and some textbooks use the opposite convention: not here).
- Eval mode (after .eval()): the same formula for y with running_mean and running_var in place of the
  batch's mean and var; nothing is updated.
- weight (ones) and bias (zeros) are learnable parameters (torch.nn.Parameter): gradients reach x, weight
  and bias through autograd. running_mean (zeros) and running_var (ones) are buffers
  (self.register_buffer), so that state_dict(), .to(...) and .double() treat them as torch's module does.
  A num_batches_tracked buffer is optional; momentum=None is not required.
- y keeps the dtype of x (float32 or float64); the input x is never modified.

Forbidden here: torch.nn.functional.batch_norm/instance_norm/group_norm/layer_norm, torch.batch_norm,
torch.native_batch_norm, torch.nn.BatchNorm1d/2d/3d and the other torch.nn.*Norm* modules, torch.ops,
torch._C, torch._VF. Allowed: everything else, autograd and torch.no_grad included.
"""
import torch


class BatchNorm2d(torch.nn.Module):
    """Batch normalisation over (N, H, W) for each of the C channels of an (N, C, H, W) input."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        """Store the settings; create the parameters and the buffers.

        Args:
            num_features: C, the number of channels of the inputs.
            eps:          added to the variance inside the square root.
            momentum:     the weight of the new batch statistic in the running averages.

        Creates:
            self.weight:       (C,) torch.nn.Parameter, ones.
            self.bias:         (C,) torch.nn.Parameter, zeros.
            self.running_mean: (C,) buffer (self.register_buffer), zeros.
            self.running_var:  (C,) buffer (self.register_buffer), ones.
        """
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        ### BEGIN SOLUTION
        self.weight = torch.nn.Parameter(torch.ones(num_features))
        self.bias = torch.nn.Parameter(torch.zeros(num_features))
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))
        ### END SOLUTION

    def forward(self, x):
        """Normalise x with the batch statistics (training) or the running ones (eval).

        Args:
            x: (N, C, H, W) input, float32 or float64 (the dtype of the module's parameters).

        Returns:
            y: (N, C, H, W), the dtype of x, where
               y[:, c] = weight[c] * (x[:, c] - mean[c]) / sqrt(var[c] + eps) + bias[c];
               mean and var are the batch's (biased var, over N, H, W) in training mode, and
               running_mean and running_var in eval mode. In training mode the running statistics
               are updated as the module docstring says (unbiased variance, no autograd history).
        """
        y = None
        ### BEGIN SOLUTION
        per_channel = (1, -1, 1, 1)  # (C,) -> (1, C, 1, 1), broadcast over N, H, W
        if self.training:
            n = x.numel() // x.shape[1]
            mean = x.mean(dim=(0, 2, 3))  # (C,)
            var = x.var(dim=(0, 2, 3), unbiased=False)  # (C,) biased: divides by n
            with torch.no_grad():
                self.running_mean.mul_(1 - self.momentum).add_(self.momentum * mean)
                self.running_var.mul_(1 - self.momentum).add_(self.momentum * var * n / (n - 1))
        else:
            mean, var = self.running_mean, self.running_var
        x_hat = (x - mean.reshape(per_channel)) / torch.sqrt(var.reshape(per_channel) + self.eps)
        y = self.weight.reshape(per_channel) * x_hat + self.bias.reshape(per_channel)
        ### END SOLUTION
        return y
