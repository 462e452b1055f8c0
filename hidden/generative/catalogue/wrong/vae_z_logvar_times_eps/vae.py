"""Mistake: z = mu + logvar * eps: multiplies the noise by the log-variance itself."""
import torch


def reparameterize(mu, logvar, eps=None):
    if eps is None:
        eps = torch.randn_like(mu)
    std = torch.exp(0.5 * logvar)
    return mu + logvar * eps


def kl_divergence(mu, logvar):
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)


def _bce(logits, targets):
    return torch.clamp(logits, min=0) - logits * targets + torch.log1p(torch.exp(-torch.abs(logits)))


def vae_loss(recon_logits, x, mu, logvar, beta=1.0):
    n = x.shape[0]
    recon = _bce(recon_logits, x).reshape(n, -1).sum(dim=1)
    kl = kl_divergence(mu, logvar)
    return (recon + beta * kl).mean()
