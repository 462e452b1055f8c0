"""Public tests for vae.py: run `pytest` in this folder. The hidden tests check much more."""
import json
from pathlib import Path

import pytest
import torch
from _checks import check
from vae import kl_divergence, reparameterize, vae_loss

DATA = json.loads((Path(__file__).parent / "public_data.json").read_text())
TOL = DATA["tolerance"]
CASE = DATA["vae"]
HINT_STD = "logvar is the LOG-variance: std = exp(0.5 * logvar), not exp(logvar); z = mu + std * eps"
HINT_RECON = ("sum the BCE over every non-batch dim (C, H and W here), then take the mean over the batch; "
              "beta multiplies the KL term only")
HINT_STABLE = ("log(sigmoid(l)) and log(1 - sigmoid(l)) give -inf or nan for large |l|; rewrite the BCE "
               "with softplus: BCE(l, t) = softplus(l) - t * l, and softplus(l) = max(l, 0) + log1p(exp(-|l|))")


def tensor(key, dtype=torch.float64):
    return torch.tensor(CASE[key], dtype=dtype)


def test_reparameterize_with_given_eps():
    got = reparameterize(tensor("mu"), tensor("logvar"), tensor("eps"))
    check(got, tensor("z"), "reparameterize(mu, logvar, eps)", tol=TOL, hint=HINT_STD)


def test_reparameterize_draws_standard_normal_noise():
    torch.manual_seed(0)
    mu, logvar = tensor("mu")[:1].expand(4000, -1), tensor("logvar")[:1].expand(4000, -1)
    draws = reparameterize(mu, logvar)
    check(draws.shape, mu.shape, "reparameterize(mu, logvar).shape", hint="z has the shape of mu")
    noise = (draws - mu) / torch.exp(0.5 * logvar)  # should be N(0, 1), independently per element
    zeros, ones = torch.zeros(4, dtype=noise.dtype), torch.ones(4, dtype=noise.dtype)
    check(noise.mean(dim=0), zeros, "mean of (z - mu) / exp(0.5 * logvar) over 4000 draws", tol=(0.0, 0.1),
          hint="with eps=None draw eps with torch.randn_like(mu): standard normal (mean 0, std 1)")
    check(noise.std(dim=0), ones, "std of (z - mu) / exp(0.5 * logvar) over 4000 draws", tol=(0.0, 0.1),
          hint="with eps=None draw eps with torch.randn_like(mu) (not torch.rand), and std = exp(0.5 * logvar)")


def test_reparameterize_is_differentiable():
    mu, logvar = tensor("mu").requires_grad_(), tensor("logvar").requires_grad_()
    z = reparameterize(mu, logvar, tensor("eps"))
    check(z.requires_grad, True, "z.requires_grad when mu and logvar require grad",
          hint="do not detach anything and do not go through .numpy() or .item()")
    weights = torch.arange(12.0, dtype=z.dtype).reshape(3, 4)
    (z * weights).sum().backward()
    check(logvar.grad, 0.5 * weights * torch.exp(0.5 * tensor("logvar")) * tensor("eps"), "dL/dlogvar", tol=TOL,
          hint="dz/dlogvar = 0.5 * exp(0.5 * logvar) * eps when std = exp(0.5 * logvar)")


def test_kl_divergence():
    got = kl_divergence(tensor("mu"), tensor("logvar"))
    check(got, tensor("kl"), "kl_divergence(mu, logvar)", tol=TOL,
          hint="one value per sample, shape (N,): -0.5 * (1 + logvar - mu**2 - exp(logvar)) summed over D "
               "(a sum, not a mean; not reduced over the batch)")


@pytest.mark.parametrize("beta", [None, 2.0], ids=["default_beta", "beta2"])
def test_vae_loss_on_images(beta):
    args = (tensor("logits"), tensor("x"), tensor("mu2"), tensor("logvar2"))
    got = vae_loss(*args) if beta is None else vae_loss(*args, beta=beta)
    want = CASE["loss_beta1"] if beta is None else CASE["loss_beta2"]
    check(got, torch.tensor(want, dtype=torch.float64), f"vae_loss on (2, 1, 3, 5) images, beta={beta or 1.0}",
          tol=TOL, hint=HINT_RECON)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
def test_vae_loss_stays_finite_for_large_logits(dtype):
    logits = torch.tensor([[100.0, -100.0, 0.0]], dtype=dtype)
    x = torch.tensor([[0.0, 1.0, 1.0]], dtype=dtype)
    got = vae_loss(logits, x, torch.zeros(1, 2, dtype=dtype), torch.zeros(1, 2, dtype=dtype))
    # BCE(100, 0) = BCE(-100, 1) = 100 (to float precision), BCE(0, 1) = log 2, and KL(N(0, 1) || N(0, 1)) = 0
    check(got, torch.tensor(200.0 + 0.6931471805599453, dtype=dtype), "vae_loss with logits +-100", tol=TOL,
          hint=HINT_STABLE)
