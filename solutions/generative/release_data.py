"""Public test data, computed from the reference at release time (not released itself).

Prints one JSON object: small seeded cases with the reference's outputs, float64 as exact floats.
"""
import json

import torch
from gan import (
    discriminator_loss,
    generator_loss,
    gradient_penalty,
    ls_discriminator_loss,
    ls_generator_loss,
    wgan_critic_loss,
    wgan_generator_loss,
)
from vae import kl_divergence, reparameterize, vae_loss

F64 = torch.float64


def uniform(gen, shape, low, high):
    return low + (high - low) * torch.rand(*shape, generator=gen, dtype=F64)


def vae_cases():
    gen = torch.Generator().manual_seed(0)
    mu = torch.randn(3, 4, generator=gen, dtype=F64)
    logvar = uniform(gen, (3, 4), -3.0, 2.0)
    eps = torch.randn(3, 4, generator=gen, dtype=F64)
    # non-square images (N, C, H, W), a few logits at +-100 where the target disagrees
    logits = 3 * torch.randn(2, 1, 3, 5, generator=gen, dtype=F64)
    logits[0, 0, 0, :2] = torch.tensor([100.0, -100.0], dtype=F64)
    x = torch.rand(2, 1, 3, 5, generator=gen, dtype=F64)
    x[0, 0, 0, :2] = torch.tensor([0.0, 1.0], dtype=F64)
    mu2, logvar2 = torch.randn(2, 3, generator=gen, dtype=F64), uniform(gen, (2, 3), -3.0, 2.0)
    return {
        "mu": mu.tolist(), "logvar": logvar.tolist(), "eps": eps.tolist(),
        "z": reparameterize(mu, logvar, eps).tolist(), "kl": kl_divergence(mu, logvar).tolist(),
        "logits": logits.tolist(), "x": x.tolist(), "mu2": mu2.tolist(), "logvar2": logvar2.tolist(),
        "loss_beta1": vae_loss(logits, x, mu2, logvar2).item(),
        "loss_beta2": vae_loss(logits, x, mu2, logvar2, beta=2.0).item(),
    }


def gan_cases():
    gen = torch.Generator().manual_seed(1)
    real = 2 * torch.randn(4, 1, generator=gen, dtype=F64)
    fake = 2 * torch.randn(5, 1, generator=gen, dtype=F64)
    real[0, 0], fake[0, 0] = -100.0, 100.0  # the discriminator is confidently wrong on one of each
    sr, sf = torch.randn(6, generator=gen, dtype=F64), torch.randn(6, generator=gen, dtype=F64) - 1.5
    # a tanh critic given by its weights, and (N, C, H, W) samples
    w1, w2 = torch.randn(12, 5, generator=gen, dtype=F64), torch.randn(5, generator=gen, dtype=F64)
    x_real, x_fake = torch.randn(3, 1, 3, 4, generator=gen, dtype=F64), torch.randn(3, 1, 3, 4, generator=gen,
                                                                                         dtype=F64)
    alpha = torch.rand(3, 1, 1, 1, generator=gen, dtype=F64)

    def critic(v):
        return torch.tanh(v.flatten(1) @ w1) @ w2

    return {
        "logits_real": real.tolist(), "logits_fake": fake.tolist(),
        "d_loss": discriminator_loss(real, fake).item(), "d_loss_smooth": discriminator_loss(real, fake, 0.9).item(),
        "g_loss": generator_loss(fake).item(),
        "scores_real": sr.tolist(), "scores_fake": sf.tolist(),
        "ls_d": ls_discriminator_loss(sr, sf).item(), "ls_g": ls_generator_loss(sf).item(),
        "wgan_c": wgan_critic_loss(sr, sf).item(), "wgan_g": wgan_generator_loss(sf).item(),
        "w1": w1.tolist(), "w2": w2.tolist(), "x_real": x_real.tolist(), "x_fake": x_fake.tolist(),
        "alpha": alpha.tolist(), "penalty": gradient_penalty(critic, x_real, x_fake, alpha).item(),
    }


if __name__ == "__main__":
    print(json.dumps({"vae": vae_cases(), "gan": gan_cases()}))
