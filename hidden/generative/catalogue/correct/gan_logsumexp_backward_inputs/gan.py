"""Correct: logsumexp BCE; the penalty's gradient by torch.autograd.backward(inputs=[x_hat], create_graph=True)
and x_hat.grad, flattened per sample; alpha by uniform_."""
import torch


def _softplus(x):
    return torch.logsumexp(torch.stack([torch.zeros_like(x), x]), dim=0)


def discriminator_loss(logits_real, logits_fake, real_label=1.0):
    real = real_label * _softplus(-logits_real) + (1 - real_label) * _softplus(logits_real)
    fake = _softplus(logits_fake)
    return real.mean() + fake.mean()


def generator_loss(logits_fake):
    return _softplus(-logits_fake).mean()


def ls_discriminator_loss(scores_real, scores_fake):
    return 0.5 * torch.mean((1 - scores_real) ** 2) + 0.5 * torch.mean((0 - scores_fake) ** 2)


def ls_generator_loss(scores_fake):
    return 0.5 * torch.mean((1 - scores_fake) ** 2)


def wgan_critic_loss(scores_real, scores_fake):
    return scores_fake.sum() / scores_fake.numel() - scores_real.sum() / scores_real.numel()


def wgan_generator_loss(scores_fake):
    return -scores_fake.sum() / scores_fake.numel()


def gradient_penalty(critic, real, fake, alpha=None):
    n = real.shape[0]
    if alpha is None:
        alpha = torch.empty((n,) + (1,) * (real.dim() - 1), dtype=real.dtype).uniform_(0, 1)
    x_hat = (fake + alpha * (real - fake)).detach().requires_grad_(True)
    torch.autograd.backward(critic(x_hat).sum(), inputs=[x_hat], create_graph=True)
    grad = x_hat.grad
    norms = grad.flatten(1).norm(dim=1)
    return torch.mean((norms - 1) ** 2)
