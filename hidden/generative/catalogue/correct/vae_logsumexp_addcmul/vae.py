"""Correct: logsumexp BCE, addcmul for z, eps from torch.normal, KL by einsum."""
import torch


def reparameterize(mu, logvar, eps=None):
    if eps is None:
        eps = torch.normal(torch.zeros_like(mu), torch.ones_like(mu))
    return torch.addcmul(mu, torch.exp(logvar / 2), eps)


def kl_divergence(mu, logvar):
    ones = torch.ones(mu.shape[1], dtype=mu.dtype)
    return -0.5 * torch.einsum("nd,d->n", 1 + logvar - mu ** 2 - torch.exp(logvar), ones)


def vae_loss(recon_logits, x, mu, logvar, beta=1.0):
    zero = torch.zeros_like(recon_logits)
    log1p_exp = torch.logsumexp(torch.stack([zero, recon_logits]), dim=0)  # log(1 + e^l) = softplus(l)
    bce = log1p_exp - x * recon_logits
    n = recon_logits.shape[0]
    total = bce.reshape(n, -1).sum(1) + beta * kl_divergence(mu, logvar)
    return total.sum() / n
