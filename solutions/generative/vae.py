"""The three pieces of a variational autoencoder's training objective, from scratch.

Conventions:
- mu and logvar are (N, D): the encoder's mean and LOG-variance of q(z | x) = N(mu, diag(exp(logvar))).
  The standard deviation is std = exp(0.5 * logvar) (not exp(logvar), not logvar).
- recon_logits and x have the same shape (N, ...), e.g. (N, C, H, W) images or (N, P) flat vectors:
  recon_logits are LOGITS (any real number; sigmoid(recon_logits) is the Bernoulli mean), x are targets
  in [0, 1].
- BCE(l, t) = -[t * log(sigmoid(l)) + (1 - t) * log(1 - sigmoid(l))], elementwise; it must stay finite and
  accurate for |l| up to 100 in float32 and float64 (log(sigmoid(l)) overflows: rewrite it first).
- Outputs keep the dtype of the inputs (float32 or float64); inputs are never modified.

Forbidden here: torch.distributions. Allowed: everything else.
"""
import torch
import torch.nn.functional as F


def reparameterize(mu, logvar, eps=None):
    """Draw z ~ N(mu, diag(exp(logvar))) with the reparameterization trick.

    Args:
        mu:     (N, D) means.
        logvar: (N, D) log-variances.
        eps:    (N, D) standard-normal noise, or None: then draw it with torch.randn_like(mu).

    Returns:
        z: (N, D), z = mu + exp(0.5 * logvar) * eps, differentiable with respect to mu and logvar
           (eps is a constant; do not detach anything).
    """
    z = None
    ### BEGIN SOLUTION
    if eps is None:
        eps = torch.randn_like(mu)  # fresh N(0, 1) noise, one value per element
    std = torch.exp(0.5 * logvar)  # (N, D)
    z = mu + std * eps  # (N, D)
    ### END SOLUTION
    return z


def kl_divergence(mu, logvar):
    """KL(N(mu, diag(exp(logvar))) || N(0, I)) of each sample, in closed form.

    Args:
        mu:     (N, D) means.
        logvar: (N, D) log-variances.

    Returns:
        kl: (N,), kl[n] = -0.5 * sum over d of (1 + logvar[n, d] - mu[n, d]**2 - exp(logvar[n, d]))
            (summed over D, one value per sample, not reduced over the batch).
    """
    kl = None
    ### BEGIN SOLUTION
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)  # (N,)
    ### END SOLUTION
    return kl


def vae_loss(recon_logits, x, mu, logvar, beta=1.0):
    """The negative ELBO of a Bernoulli-decoder VAE (beta-VAE when beta != 1), averaged over the batch.

    Args:
        recon_logits: (N, ...) decoder LOGITS, the same shape as x.
        x:            (N, ...) targets in [0, 1].
        mu:           (N, D) encoder means.
        logvar:       (N, D) encoder log-variances.
        beta:         float >= 0, the weight of the KL term only (not of the reconstruction term).

    Returns:
        loss: a scalar (0-dim tensor), loss = mean over n of (recon[n] + beta * kl[n]), where
              recon[n] = sum of BCE(recon_logits[n], x[n]) over ALL non-batch dims (a sum, not a mean) and
              kl[n] = kl_divergence(mu, logvar)[n]. Finite for |recon_logits| up to 100.
    """
    loss = None
    ### BEGIN SOLUTION
    n = x.shape[0]
    # BCE with logits, rewritten so nothing overflows: softplus(l) - t * l = max(l, 0) - t * l + log1p(exp(-|l|))
    bce = recon_logits.clamp(min=0) - recon_logits * x + torch.log1p(torch.exp(-recon_logits.abs()))
    recon = bce.reshape(n, -1).sum(dim=1)  # (N,): summed over every non-batch dim
    loss = (recon + beta * kl_divergence(mu, logvar)).mean()  # mean over the batch
    ### END SOLUTION
    return loss
