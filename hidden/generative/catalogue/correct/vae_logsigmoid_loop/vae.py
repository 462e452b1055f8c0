"""Correct: BCE from logsigmoid of both signs, one sample at a time."""
import torch
import torch.nn.functional as F


def reparameterize(mu, logvar, eps=None):
    std = logvar.mul(0.5).exp()
    if eps is None:
        eps = torch.randn_like(std)
    return mu + eps * std


def kl_divergence(mu, logvar):
    rows = [-0.5 * (1 + lv - m ** 2 - lv.exp()).sum() for m, lv in zip(mu, logvar)]
    return torch.stack(rows)


def vae_loss(recon_logits, x, mu, logvar, beta=1.0):
    kl = kl_divergence(mu, logvar)
    losses = []
    for i in range(x.shape[0]):
        l, t = recon_logits[i], x[i]
        bce = -(t * F.logsigmoid(l) + (1 - t) * F.logsigmoid(-l))
        losses.append(bce.sum() + beta * kl[i])
    return torch.stack(losses).mean()
