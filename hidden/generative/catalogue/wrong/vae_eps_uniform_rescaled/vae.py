"""Mistake: draws eps as (rand - 0.5) * sqrt(12): mean 0 and std 1, but uniform, not normal."""
import torch


def reparameterize(mu, logvar, eps=None):
    if eps is None:
        eps = (torch.rand_like(mu) - 0.5) * 12 ** 0.5
    std = torch.exp(0.5 * logvar)
    return mu + std * eps


def kl_divergence(mu, logvar):
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)


def _bce(logits, targets):
    return torch.clamp(logits, min=0) - logits * targets + torch.log1p(torch.exp(-torch.abs(logits)))


def vae_loss(recon_logits, x, mu, logvar, beta=1.0):
    n = x.shape[0]
    recon = _bce(recon_logits, x).reshape(n, -1).sum(dim=1)
    kl = kl_divergence(mu, logvar)
    return (recon + beta * kl).mean()
