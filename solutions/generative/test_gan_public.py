"""Public tests for gan.py: run `pytest` in this folder. The hidden tests check much more."""
import json
from pathlib import Path

import pytest
import torch
from _checks import check
from gan import (
    discriminator_loss,
    generator_loss,
    gradient_penalty,
    ls_discriminator_loss,
    ls_generator_loss,
    wgan_critic_loss,
    wgan_generator_loss,
)

DATA = json.loads((Path(__file__).parent / "public_data.json").read_text())
TOL = DATA["tolerance"]
CASE = DATA["gan"]
HINT_STABLE = ("log(sigmoid(l)) and log(1 - sigmoid(l)) give -inf or nan for large |l|; rewrite the BCE "
               "with softplus: BCE(l, t) = softplus(l) - t * l, and softplus(l) = max(l, 0) + log1p(exp(-|l|))")
HINT_MEAN = "every loss is a mean over the batch, not a sum"


def tensor(key, dtype=torch.float64):
    return torch.tensor(CASE[key], dtype=dtype)


def scalar(value, dtype=torch.float64):
    return torch.tensor(value, dtype=dtype)


@pytest.mark.parametrize("real_label", [None, 0.9], ids=["default_label", "smoothed"])
def test_discriminator_loss(real_label):
    real, fake = tensor("logits_real"), tensor("logits_fake")
    got = discriminator_loss(real, fake) if real_label is None else discriminator_loss(real, fake, real_label)
    want = CASE["d_loss"] if real_label is None else CASE["d_loss_smooth"]
    check(got, scalar(want), f"discriminator_loss(logits_real, logits_fake, real_label={real_label or 1.0})",
          tol=TOL, hint="mean BCE(logits_real, real_label) + mean BCE(logits_fake, 0): real_label is the target "
                        "of the real samples only; " + HINT_STABLE)


def test_generator_loss_is_non_saturating():
    got = generator_loss(tensor("logits_fake"))
    check(got, scalar(CASE["g_loss"]), "generator_loss(logits_fake)", tol=TOL,
          hint="the non-saturating loss is mean BCE(logits_fake, 1) = mean -log(sigmoid(logits_fake)), a "
               "positive number; not the saturating mean log(1 - sigmoid(logits_fake))")


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
def test_bce_losses_stay_finite_for_large_logits(dtype):
    big = torch.tensor([100.0, -100.0], dtype=dtype)
    got = (discriminator_loss(-big, big), generator_loss(-big))
    # BCE(-100, 1) = BCE(100, 0) = 100 and BCE(100, 1) = BCE(-100, 0) = 0 (to float precision)
    check(got, (scalar(100.0, dtype), scalar(50.0, dtype)), "(discriminator_loss, generator_loss) at logits +-100",
          names=("discriminator_loss", "generator_loss"), tol=TOL, hint=HINT_STABLE)


def test_least_squares_losses():
    sr, sf = tensor("scores_real"), tensor("scores_fake")
    got = (ls_discriminator_loss(sr, sf), ls_generator_loss(sf))
    check(got, (scalar(CASE["ls_d"]), scalar(CASE["ls_g"])), "least-squares losses", tol=TOL,
          names=("ls_discriminator_loss", "ls_generator_loss"),
          hint="0.5 * mean((scores_real - 1)**2) + 0.5 * mean(scores_fake**2) for the discriminator, "
               "0.5 * mean((scores_fake - 1)**2) for the generator (target 1); " + HINT_MEAN)


def test_wgan_losses_signs():
    sr, sf = tensor("scores_real"), tensor("scores_fake")
    got = (wgan_critic_loss(sr, sf), wgan_generator_loss(sf))
    check(got, (scalar(CASE["wgan_c"]), scalar(CASE["wgan_g"])), "WGAN losses", tol=TOL,
          names=("wgan_critic_loss", "wgan_generator_loss"),
          hint="each player MINIMISES its loss: the critic mean(scores_fake) - mean(scores_real) (it pushes real "
               "scores up), the generator -mean(scores_fake); " + HINT_MEAN)


def test_gradient_penalty_of_a_linear_critic():
    weights = torch.tensor([[0.5], [-1.0], [2.0], [0.0], [1.5], [-0.5]], dtype=torch.float64)
    linear = lambda v: v.flatten(1) @ weights  # noqa: E731  its gradient is `weights` for every sample
    real, fake = torch.randn(4, 2, 3, dtype=torch.float64), torch.randn(4, 2, 3, dtype=torch.float64)
    got = gradient_penalty(linear, real, fake)
    check(got, (weights.norm() - 1) ** 2, "gradient_penalty(linear critic, real, fake)", tol=TOL,
          hint="the gradient of a linear critic is its weight vector for every sample: the penalty is "
               "(||w|| - 1)**2, the norm taken per sample over all non-batch dims and averaged over the samples")


def test_gradient_penalty_with_given_alpha():
    w1, w2 = tensor("w1"), tensor("w2")
    critic = lambda v: torch.tanh(v.flatten(1) @ w1) @ w2  # noqa: E731
    got = gradient_penalty(critic, tensor("x_real"), tensor("x_fake"), tensor("alpha"))
    check(got, scalar(CASE["penalty"]), "gradient_penalty(critic, real, fake, alpha)", tol=TOL,
          hint="x_hat = alpha * real + (1 - alpha) * fake; penalty = mean over samples of (||g_n|| - 1)**2, "
               "g = d critic(x_hat).sum() / d x_hat, one norm per sample (not over the whole batch, not squared)")


def test_gradient_penalty_reaches_the_critic():
    weights = torch.tensor([[0.5], [-1.0], [2.0]], dtype=torch.float64, requires_grad=True)
    critic = lambda v: torch.tanh(v @ weights)  # noqa: E731
    real, fake = torch.randn(5, 3, dtype=torch.float64), torch.randn(5, 3, dtype=torch.float64)
    penalty = gradient_penalty(critic, real, fake)
    check(penalty.requires_grad, True, "gradient_penalty(...).requires_grad for a critic with parameters",
          hint="call torch.autograd.grad(..., create_graph=True) so that the penalty can be backpropagated "
               "into the critic's parameters")
