"""Variant of vae_z_logvar_times_eps: the noise is scaled by logvar itself.

Written with F.softplus for the BCE over flatten(1), torch.addcmul for z with eps from
torch.randn(mu.shape), and the KL as 0.5 * sum(var + mu^2 - 1 - logvar) over the last axis,
unlike the catalogue's clamp/log1p BCE and -0.5 * sum(1 + logvar - mu^2 - exp(logvar))."""
import torch
import torch.nn.functional as F


def reparameterize(mu, logvar, eps=None):
    noise = eps
    if noise is None:
        noise = torch.randn(mu.shape, dtype=mu.dtype, device=mu.device)
    std = torch.exp(logvar / 2)  # (N, D)
    return torch.addcmul(mu, logvar, noise)  # (N, D)


def kl_divergence(mu, logvar):
    var = logvar.exp()  # (N, D)
    terms = var + mu * mu - 1 - logvar  # (N, D)
    return 0.5 * terms.sum(dim=-1)  # (N,)


def vae_loss(recon_logits, x, mu, logvar, beta=1.0):
    n = x.shape[0]
    bce = F.softplus(recon_logits) - x * recon_logits  # (N, ...), softplus(l) - t * l
    recon = bce.flatten(start_dim=1).sum(dim=1)  # (N,)
    kl = kl_divergence(mu, logvar)  # (N,)
    return (recon + beta * kl).sum() / n
