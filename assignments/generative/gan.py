"""GAN losses from scratch: the original (BCE) GAN, least-squares GAN, and WGAN with gradient penalty.

Conventions:
- Every loss returns a scalar (0-dim tensor) in the dtype of its inputs, a MEAN over the batch (never a sum).
- logits_* are the discriminator's raw outputs, LOGITS (any real number, D(x) = sigmoid(logits)), of shape
  (N,) or (N, 1); scores_* are the raw outputs of an LSGAN discriminator or a WGAN critic, also (N,) or (N, 1).
- BCE(l, t) = -[t * log(sigmoid(l)) + (1 - t) * log(1 - sigmoid(l))], elementwise; it must stay finite and
  accurate for |l| up to 100 in float32 and float64 (log(sigmoid(l)) overflows: rewrite it first).
- Each loss is the one its player MINIMISES: the discriminator/critic losses for the discriminator's step,
  the generator losses for the generator's step.
- Inputs are never modified.

Forbidden here: torch.nn.functional.binary_cross_entropy(_with_logits), torch.nn.BCELoss,
torch.nn.BCEWithLogitsLoss, torch.binary_cross_entropy_with_logits. Allowed: everything else,
torch.autograd.grad included (gradient_penalty needs it), and F.softplus / F.logsigmoid.
"""
import torch
import torch.nn.functional as F


def _bce_with_logits(logits, target):
    """Elementwise BCE(logits, target), target a number or a tensor broadcastable to logits; same shape as logits.

    A helper for the losses below; you may write it, or compute the BCE another way.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def discriminator_loss(logits_real, logits_fake, real_label=1.0):
    """The discriminator's loss of the original GAN (with optional one-sided label smoothing).

    Args:
        logits_real: (N,) or (N, 1) logits of the discriminator on real samples.
        logits_fake: (M,) or (M, 1) logits on generated samples.
        real_label:  float in (0, 1], the target of the REAL samples only (e.g. 0.9 smooths it); the fake
                     samples' target is always 0.

    Returns:
        loss: scalar, mean of BCE(logits_real, real_label) + mean of BCE(logits_fake, 0).
    """
    loss = None
    # YOUR CODE HERE
    raise NotImplementedError()
    return loss


def generator_loss(logits_fake):
    """The generator's non-saturating loss of the original GAN.

    Args:
        logits_fake: (N,) or (N, 1) logits of the discriminator on generated samples.

    Returns:
        loss: scalar, mean of BCE(logits_fake, 1) = mean of -log(sigmoid(logits_fake))
              (the non-saturating loss, not the saturating mean of log(1 - sigmoid(logits_fake))).
    """
    loss = None
    # YOUR CODE HERE
    raise NotImplementedError()
    return loss


def ls_discriminator_loss(scores_real, scores_fake):
    """The least-squares GAN discriminator's loss (targets 1 for real, 0 for fake).

    Args:
        scores_real: (N,) or (N, 1) discriminator outputs on real samples (no sigmoid).
        scores_fake: (M,) or (M, 1) discriminator outputs on generated samples.

    Returns:
        loss: scalar, 0.5 * mean((scores_real - 1)**2) + 0.5 * mean(scores_fake**2).
    """
    loss = None
    # YOUR CODE HERE
    raise NotImplementedError()
    return loss


def ls_generator_loss(scores_fake):
    """The least-squares GAN generator's loss (target 1 for its samples).

    Args:
        scores_fake: (N,) or (N, 1) discriminator outputs on generated samples.

    Returns:
        loss: scalar, 0.5 * mean((scores_fake - 1)**2).
    """
    loss = None
    # YOUR CODE HERE
    raise NotImplementedError()
    return loss


def wgan_critic_loss(scores_real, scores_fake):
    """The WGAN critic's loss: the critic MINIMISES it, i.e. it pushes real scores up and fake scores down.

    Args:
        scores_real: (N,) or (N, 1) critic scores of real samples.
        scores_fake: (M,) or (M, 1) critic scores of generated samples.

    Returns:
        loss: scalar, mean(scores_fake) - mean(scores_real) (fake minus real; no penalty added here).
    """
    loss = None
    # YOUR CODE HERE
    raise NotImplementedError()
    return loss


def wgan_generator_loss(scores_fake):
    """The WGAN generator's loss: the generator MINIMISES it, i.e. it pushes its samples' scores up.

    Args:
        scores_fake: (N,) or (N, 1) critic scores of generated samples.

    Returns:
        loss: scalar, -mean(scores_fake).
    """
    loss = None
    # YOUR CODE HERE
    raise NotImplementedError()
    return loss


def gradient_penalty(critic, real, fake, alpha=None):
    """WGAN-GP's gradient penalty on random interpolates of real and fake samples.

    Args:
        critic: a callable (e.g. a torch.nn.Module) mapping (N, ...) samples to (N,) or (N, 1) scores.
        real:   (N, ...) real samples, e.g. (N, C, H, W) or (N, D).
        fake:   (N, ...) generated samples, the same shape as real.
        alpha:  (N, 1, ..., 1) mixing weights (one per sample, real.dim() dims in all), or None: then draw
                them uniform in [0, 1) with torch.rand, one per sample, in real's dtype.

    Returns:
        penalty: scalar, the mean over the N samples of (||g_n||_2 - 1)**2, where
                 x_hat = alpha * real + (1 - alpha) * fake (critic called once, on x_hat),
                 g = d(critic(x_hat).sum()) / d(x_hat) and
                 ||g_n||_2 is the norm of sample n's gradient over ALL its non-batch dims (one norm per
                 sample). Built with create_graph=True, so that penalty.backward() reaches the critic's
                 parameters.
    """
    penalty = None
    # YOUR CODE HERE
    raise NotImplementedError()
    return penalty
