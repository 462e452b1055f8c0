"""Correct: softplus BCE, std as the square root of the variance, eps from torch.randn with mu's shape and dtype."""
import torch
import torch.nn.functional as F


def reparameterize(mu, logvar, eps=None):
    if eps is None:
        eps = torch.randn(mu.shape, dtype=mu.dtype, device=mu.device)
    return mu + torch.sqrt(torch.exp(logvar)) * eps


def kl_divergence(mu, logvar):
    var = torch.exp(logvar)
    return 0.5 * (mu * mu + var - 1.0 - logvar).sum(dim=-1)


def vae_loss(recon_logits, x, mu, logvar, beta=1.0):
    per_element = F.softplus(recon_logits) - x * recon_logits
    recon = per_element.flatten(start_dim=1).sum(dim=1)
    return torch.mean(recon + beta * kl_divergence(mu, logvar))
