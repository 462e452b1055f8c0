"""Correct: torch's binary_cross_entropy_with_logits (allowed in vae.py), eps by Tensor.normal_, KL in two sums."""
import torch
import torch.nn.functional as F


def reparameterize(mu, logvar, eps=None):
    if eps is None:
        eps = torch.empty_like(mu).normal_()
    return eps * (0.5 * logvar).exp() + mu


def kl_divergence(mu, logvar):
    return 0.5 * (mu.pow(2).sum(dim=1) + logvar.exp().sum(dim=1)) - 0.5 * (1 + logvar).sum(dim=1)


def vae_loss(recon_logits, x, mu, logvar, beta=1.0):
    bce = F.binary_cross_entropy_with_logits(recon_logits, x, reduction="none")
    dims = tuple(range(1, x.dim()))
    recon = bce.sum(dim=dims)
    kl = kl_divergence(mu, logvar)
    return recon.mean() + beta * kl.mean()
