"""Variant of gan_generator_saturating: the generator minimises mean log(1 - D(G(z))).

Written with the BCE as t * softplus(-l) + (1 - t) * softplus(l), every mean as sum / numel,
and the penalty's norms by torch.linalg.vector_norm over flatten(1), unlike the catalogue's
clamp/log1p BCE, .mean() and reshape(n, -1).norm(2, dim=1)."""
import torch
import torch.nn.functional as F


def _mean(t):
    return t.sum() / t.numel()


def _bce_with_logits(logits, target):
    return target * F.softplus(-logits) + (1 - target) * F.softplus(logits)


def discriminator_loss(logits_real, logits_fake, real_label=1.0):
    return _mean(_bce_with_logits(logits_real, real_label)) + _mean(_bce_with_logits(logits_fake, 0.0))


def generator_loss(logits_fake):
    return _mean(F.logsigmoid(-logits_fake))


def ls_discriminator_loss(scores_real, scores_fake):
    return 0.5 * _mean((scores_real - 1).square()) + 0.5 * _mean(scores_fake.square())


def ls_generator_loss(scores_fake):
    return 0.5 * _mean((scores_fake - 1).square())


def wgan_critic_loss(scores_real, scores_fake):
    return _mean(scores_fake) - _mean(scores_real)


def wgan_generator_loss(scores_fake):
    return -_mean(scores_fake)


def gradient_penalty(critic, real, fake, alpha=None):
    n = real.shape[0]
    if alpha is None:
        alpha = torch.rand((n,) + (1,) * (real.dim() - 1), dtype=real.dtype, device=real.device)  # (N, 1, ..., 1)
    x_hat = torch.lerp(fake, real, alpha)  # (N, ...)
    if not x_hat.requires_grad:
        x_hat.requires_grad_(True)
    out = critic(x_hat)  # (N,) or (N, 1)
    (g,) = torch.autograd.grad(out.sum(), x_hat, create_graph=True)  # (N, ...)
    norms = torch.linalg.vector_norm(g.flatten(start_dim=1), dim=1)  # (N,)
    return _mean((norms - 1).square())
