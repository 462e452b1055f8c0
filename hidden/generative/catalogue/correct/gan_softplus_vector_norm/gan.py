"""Correct: softplus BCE, torch.linalg.vector_norm over the non-batch dims, alpha by torch.rand with a view."""
import torch
import torch.nn.functional as F


def _bce(logits, target):
    return F.softplus(logits) - target * logits


def discriminator_loss(logits_real, logits_fake, real_label=1.0):
    return torch.mean(_bce(logits_real, real_label)) + torch.mean(F.softplus(logits_fake))


def generator_loss(logits_fake):
    return F.softplus(-logits_fake).mean()


def ls_discriminator_loss(scores_real, scores_fake):
    return ((scores_real - 1).square().mean() + scores_fake.square().mean()) / 2


def ls_generator_loss(scores_fake):
    return (scores_fake - 1).square().mean() / 2


def wgan_critic_loss(scores_real, scores_fake):
    return -(torch.mean(scores_real) - torch.mean(scores_fake))


def wgan_generator_loss(scores_fake):
    return torch.mean(-scores_fake)


def gradient_penalty(critic, real, fake, alpha=None):
    if alpha is None:
        alpha = torch.rand(real.shape[0], dtype=real.dtype, device=real.device)
        alpha = alpha.view(-1, *([1] * (real.dim() - 1)))
    x_hat = real * alpha + fake * (1 - alpha)
    x_hat = x_hat.detach().requires_grad_(True)
    out = critic(x_hat)
    (grad,) = torch.autograd.grad(out, x_hat, grad_outputs=torch.ones_like(out), create_graph=True)
    norms = torch.linalg.vector_norm(grad, ord=2, dim=tuple(range(1, grad.dim())))
    return (norms - 1).pow(2).mean()
