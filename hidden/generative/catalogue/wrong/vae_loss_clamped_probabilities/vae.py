"""Mistake: clamps sigmoid(logits) to [1e-7, 1 - 1e-7] before the log: finite but wrong at large |logits|."""
import torch


def reparameterize(mu, logvar, eps=None):
    if eps is None:
        eps = torch.randn_like(mu)
    std = torch.exp(0.5 * logvar)
    return mu + std * eps


def kl_divergence(mu, logvar):
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)


def _bce(logits, targets):
    p = torch.sigmoid(logits).clamp(1e-7, 1 - 1e-7)
    return -(targets * torch.log(p) + (1 - targets) * torch.log(1 - p))


def vae_loss(recon_logits, x, mu, logvar, beta=1.0):
    n = x.shape[0]
    recon = _bce(recon_logits, x).reshape(n, -1).sum(dim=1)
    kl = kl_divergence(mu, logvar)
    return (recon + beta * kl).mean()
