"""Correct: BCE via F.logsigmoid; the norm as the square root of a sum of squares; x_hat keeps the graph of its inputs."""
import torch
import torch.nn.functional as F


def _bce(logits, target):
    return -(target * F.logsigmoid(logits) + (1 - target) * F.logsigmoid(-logits))


def discriminator_loss(logits_real, logits_fake, real_label=1.0):
    n_real, n_fake = logits_real.numel(), logits_fake.numel()
    return _bce(logits_real, real_label).sum() / n_real + _bce(logits_fake, 0.0).sum() / n_fake


def generator_loss(logits_fake):
    return -F.logsigmoid(logits_fake).mean()


def ls_discriminator_loss(scores_real, scores_fake):
    return 0.5 * F.mse_loss(scores_real, torch.ones_like(scores_real)) + 0.5 * scores_fake.pow(2).mean()


def ls_generator_loss(scores_fake):
    return 0.5 * F.mse_loss(scores_fake, torch.ones_like(scores_fake))


def wgan_critic_loss(scores_real, scores_fake):
    return torch.mean(scores_fake) + torch.mean(-scores_real)


def wgan_generator_loss(scores_fake):
    return -1.0 * scores_fake.mean()


def gradient_penalty(critic, real, fake, alpha=None):
    if alpha is None:
        shape = [real.size(0)] + [1] * (real.dim() - 1)
        alpha = torch.rand(shape, dtype=real.dtype, device=real.device)
    x_hat = torch.lerp(fake, real, alpha)  # fake + alpha * (real - fake)
    if not x_hat.requires_grad:
        x_hat.requires_grad_()
    scores = critic(x_hat).reshape(-1)
    grad = torch.autograd.grad(scores, x_hat, torch.ones_like(scores), create_graph=True)[0]
    dims = list(range(1, grad.dim()))
    norms = torch.sqrt(torch.sum(grad ** 2, dim=dims))
    return ((norms - 1.0) ** 2).mean()
