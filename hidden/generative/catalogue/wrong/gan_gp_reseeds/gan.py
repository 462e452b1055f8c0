"""Mistake: reseeds the global generator (torch.manual_seed(0)) before drawing alpha, so every call draws the same weights."""
import torch


def _bce(logits, target):
    return torch.clamp(logits, min=0) - logits * target + torch.log1p(torch.exp(-torch.abs(logits)))


def discriminator_loss(logits_real, logits_fake, real_label=1.0):
    return _bce(logits_real, real_label).mean() + _bce(logits_fake, 0.0).mean()


def generator_loss(logits_fake):
    return _bce(logits_fake, 1.0).mean()


def ls_discriminator_loss(scores_real, scores_fake):
    return 0.5 * ((scores_real - 1) ** 2).mean() + 0.5 * (scores_fake ** 2).mean()


def ls_generator_loss(scores_fake):
    return 0.5 * ((scores_fake - 1) ** 2).mean()


def wgan_critic_loss(scores_real, scores_fake):
    return scores_fake.mean() - scores_real.mean()


def wgan_generator_loss(scores_fake):
    return -scores_fake.mean()


def gradient_penalty(critic, real, fake, alpha=None):
    n = real.shape[0]
    if alpha is None:
        torch.manual_seed(0)  # "for reproducibility"
        alpha = torch.rand((n,) + (1,) * (real.dim() - 1), dtype=real.dtype)
    x_hat = (alpha * real + (1 - alpha) * fake).detach().requires_grad_(True)
    scores = critic(x_hat)
    grad = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)[0]
    norms = grad.reshape(n, -1).norm(2, dim=1)
    return ((norms - 1) ** 2).mean()
