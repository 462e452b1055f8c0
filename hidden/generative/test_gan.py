"""Hidden tests of gan.py.

Every loss is compared with the reference AND with an oracle computed here (torch's BCE-with-logits and
mse_loss, explicit means, autograd through them), values and gradients. gradient_penalty runs on a 2-layer
tanh critic whose weights are inputs; its oracle uses the critic's input gradient in closed form,
W1^T (w2 * (1 - tanh(h)^2)), so it shares no code path with torch.autograd.grad. With alpha drawn inside,
the critic records what it is called on, and the interpolation weights are recovered from it: one per
sample, in [0, 1], uniform over many samples (five standard errors), and the penalty must be the oracle's
at exactly those interpolates.
Logits are never exactly 0 nor in (15, 40): max(l, 0) has no derivative at 0, and softplus switches to its
linear branch above 20; both are correct implementations.
"""
import math

import pytest
import torch
import torch.nn.functional as F

DTYPES = [torch.float32, torch.float64]
HINT_BCE = ("BCE(l, t) = softplus(l) - t * l, finite for |l| = 100 in float32 too (not log(sigmoid(l)) or "
            "log(1 - sigmoid(l))); every loss is a mean over the batch")
HINT_D = ("discriminator_loss = mean BCE(logits_real, real_label) + mean BCE(logits_fake, 0): real_label (e.g. "
          "0.9) is the target of the REAL samples only, fakes keep target 0; " + HINT_BCE)
HINT_G = ("the non-saturating generator loss is mean BCE(logits_fake, 1) = mean -log(sigmoid(logits_fake)); "
          + HINT_BCE)
HINT_LS = ("ls_discriminator_loss = 0.5 * mean((scores_real - 1)**2) + 0.5 * mean(scores_fake**2), "
           "ls_generator_loss = 0.5 * mean((scores_fake - 1)**2): the generator's target is 1; means, not sums")
HINT_WGAN = ("the critic minimises mean(scores_fake) - mean(scores_real); the generator minimises "
             "-mean(scores_fake); means over each batch")
HINT_GP = ("x_hat = alpha * real + (1 - alpha) * fake; g = d critic(x_hat).sum() / d x_hat; penalty = mean over "
           "samples of (||g_n||_2 - 1)**2 with one norm per sample over all its non-batch dims (not one norm of the "
           "whole batch, not a squared norm)")
HINT_GP_GRAD = HINT_GP + "; call torch.autograd.grad(..., create_graph=True) so the penalty reaches the critic"


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def logits(shape, dtype, seed, big):
    """3 * N(0, 1) logits, never exactly 0; with `big`, the first ones are 100, -100 and 50."""
    gen = _gen(seed)
    values = 3 * torch.randn(*shape, generator=gen, dtype=torch.float64)
    values = torch.where(values.abs() < 1e-3, torch.full_like(values, 0.7), values)
    if big:
        flat = values.view(-1)
        extremes = torch.tensor([100.0, -100.0, 50.0], dtype=torch.float64)[:flat.numel()]
        flat[:len(extremes)] = extremes
    return values.to(dtype)


# ---------------------------------------------------------------- BCE losses

# (shape of logits_real, shape of logits_fake, real_label (None: the default), big logits)
BCE_CASES = [
    ((6,), (4,), None, True),
    ((5, 1), (5, 1), 0.9, True),
    ((1,), (1,), 0.8, False),
    ((8, 1), (3, 1), 1.0, True),
    ((7,), (9,), 0.9, False),
    ((4, 1), (6, 1), 0.9, True),
]


def bce_id(case):
    real, fake, label, big = case
    return f"real{real}-fake{fake}-label{label}" + ("-big" if big else "")


def d_loss(m, logits_real, logits_fake, real_label):
    real, fake = logits_real.clone().requires_grad_(True), logits_fake.clone().requires_grad_(True)
    if real_label is None:
        loss = m.gan.discriminator_loss(real, fake)
    else:
        loss = m.gan.discriminator_loss(real, fake, real_label)
    grads = [None, None]
    if isinstance(loss, torch.Tensor) and loss.requires_grad and loss.dim() == 0:
        loss.backward()
        grads = [real.grad, fake.grad]
    return {"loss": loss.detach() if isinstance(loss, torch.Tensor) else loss, "grads": grads}


def g_loss(m, logits_fake):
    fake = logits_fake.clone().requires_grad_(True)
    loss = m.gan.generator_loss(fake)
    grad = None
    if isinstance(loss, torch.Tensor) and loss.requires_grad and loss.dim() == 0:
        loss.backward()
        grad = fake.grad
    return {"loss": loss.detach() if isinstance(loss, torch.Tensor) else loss, "grad": grad}


def d_oracle(logits_real, logits_fake, real_label):
    real, fake = logits_real.clone().requires_grad_(True), logits_fake.clone().requires_grad_(True)
    label = 1.0 if real_label is None else real_label
    loss = (F.binary_cross_entropy_with_logits(real, torch.full_like(real, label))
            + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake)))
    loss.backward()
    return {"loss": loss.detach(), "grads": [real.grad, fake.grad]}


def g_oracle(logits_fake):
    fake = logits_fake.clone().requires_grad_(True)
    loss = F.binary_cross_entropy_with_logits(fake, torch.ones_like(fake))
    loss.backward()
    return {"loss": loss.detach(), "grad": fake.grad}


def bce_inputs(case, dtype, seed):
    real, fake, label, big = case
    return {"logits_real": -logits(real, dtype, seed, big), "logits_fake": logits(fake, dtype, seed + 1, big),
            "real_label": label}


def d_call(case):
    label = "" if case[2] is None else f", real_label={case[2]}"
    return f"discriminator_loss(logits_real{case[0]}, logits_fake{case[1]}{label})"


@pytest.mark.part("bce_gan_losses")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", BCE_CASES, ids=bce_id)
def test_discriminator_loss(grader, case, dtype):
    inputs = bce_inputs(case, dtype, seed=100 + BCE_CASES.index(case))
    got, want = grader.run(d_loss, **inputs)
    grader.check(got["loss"], want["loss"], d_call(case), hint=HINT_D)
    grader.check(got["loss"], d_oracle(**inputs)["loss"], d_call(case), hint=HINT_D)


@pytest.mark.part("bce_gan_losses")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", BCE_CASES, ids=bce_id)
def test_discriminator_loss_gradients(grader, case, dtype):
    inputs = bce_inputs(case, dtype, seed=110 + BCE_CASES.index(case))
    got, want = grader.run(d_loss, **inputs)
    names = ("dloss/dlogits_real", "dloss/dlogits_fake")
    hint = HINT_D + "; dloss/dlogits_real = (sigmoid(logits_real) - real_label) / N"
    grader.check(got["grads"], want["grads"], f"gradients of {d_call(case)}", names=names, hint=hint)
    grader.check(got["grads"], d_oracle(**inputs)["grads"], f"gradients of {d_call(case)}", names=names, hint=hint)


@pytest.mark.part("bce_gan_losses")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", BCE_CASES, ids=bce_id)
def test_generator_loss(grader, case, dtype):
    fake = bce_inputs(case, dtype, seed=120 + BCE_CASES.index(case))["logits_fake"]
    got, want = grader.run(g_loss, logits_fake=fake)
    oracle = g_oracle(fake)
    call = f"generator_loss(logits_fake{case[1]})"
    grader.check(got["loss"], want["loss"], call, hint=HINT_G)
    grader.check(got["loss"], oracle["loss"], call, hint=HINT_G)
    hint = HINT_G + "; dloss/dlogits_fake = (sigmoid(logits_fake) - 1) / N"
    grader.check(got["grad"], want["grad"], f"dloss/dlogits_fake of {call}", hint=hint)
    grader.check(got["grad"], oracle["grad"], f"dloss/dlogits_fake of {call}", hint=hint)


# ---------------------------------------------------------------- least-squares and WGAN losses

SCORE_CASES = [((6,), (4,)), ((5, 1), (5, 1)), ((1,), (1,)), ((8, 1), (3, 1)), ((7,), (9,))]


def scores(case, dtype, seed):
    gen = _gen(seed)
    real = 1.5 + 2 * torch.randn(*case[0], generator=gen, dtype=torch.float64)
    fake = -1.0 + 2 * torch.randn(*case[1], generator=gen, dtype=torch.float64)
    return {"scores_real": real.to(dtype), "scores_fake": fake.to(dtype)}


def ls_pair(m, scores_real, scores_fake):
    real, fake = scores_real.clone().requires_grad_(True), scores_fake.clone().requires_grad_(True)
    loss_d, loss_g = m.gan.ls_discriminator_loss(real, fake), m.gan.ls_generator_loss(fake)
    grads_d, grad_g = [None, None], None
    if isinstance(loss_d, torch.Tensor) and loss_d.requires_grad and loss_d.dim() == 0:
        grads_d = list(torch.autograd.grad(loss_d, (real, fake), allow_unused=True))
    if isinstance(loss_g, torch.Tensor) and loss_g.requires_grad and loss_g.dim() == 0:
        (grad_g,) = torch.autograd.grad(loss_g, fake, allow_unused=True)
    return {"d": loss_d.detach() if isinstance(loss_d, torch.Tensor) else loss_d,
            "g": loss_g.detach() if isinstance(loss_g, torch.Tensor) else loss_g, "grads_d": grads_d, "grad_g": grad_g}


def wgan_pair(m, scores_real, scores_fake):
    real, fake = scores_real.clone().requires_grad_(True), scores_fake.clone().requires_grad_(True)
    loss_d, loss_g = m.gan.wgan_critic_loss(real, fake), m.gan.wgan_generator_loss(fake)
    grads_d, grad_g = [None, None], None
    if isinstance(loss_d, torch.Tensor) and loss_d.requires_grad and loss_d.dim() == 0:
        grads_d = list(torch.autograd.grad(loss_d, (real, fake), allow_unused=True))
    if isinstance(loss_g, torch.Tensor) and loss_g.requires_grad and loss_g.dim() == 0:
        (grad_g,) = torch.autograd.grad(loss_g, fake, allow_unused=True)
    return {"d": loss_d.detach() if isinstance(loss_d, torch.Tensor) else loss_d,
            "g": loss_g.detach() if isinstance(loss_g, torch.Tensor) else loss_g, "grads_d": grads_d, "grad_g": grad_g}


def two_player_oracle(scores_real, scores_fake, kind):
    real, fake = scores_real.clone().requires_grad_(True), scores_fake.clone().requires_grad_(True)
    if kind == "ls":
        loss_d = 0.5 * F.mse_loss(real, torch.ones_like(real)) + 0.5 * F.mse_loss(fake, torch.zeros_like(fake))
        loss_g = 0.5 * F.mse_loss(fake, torch.ones_like(fake))
    else:
        loss_d = fake.sum() / fake.numel() - real.sum() / real.numel()
        loss_g = -fake.sum() / fake.numel()
    return {"d": loss_d.detach(), "g": loss_g.detach(), "grads_d": list(torch.autograd.grad(loss_d, (real, fake))),
            "grad_g": torch.autograd.grad(loss_g, fake)[0]}


def compare_two_player(grader, case, dtype, kind, seed, gradients):
    inputs = scores(case, dtype, seed)
    got, want = grader.run(ls_pair if kind == "ls" else wgan_pair, **inputs)
    oracle = two_player_oracle(**inputs, kind=kind)
    d_name = "ls_discriminator_loss" if kind == "ls" else "wgan_critic_loss"
    g_name = f"{kind}_generator_loss"
    hint = HINT_LS if kind == "ls" else HINT_WGAN
    args = f"(scores_real{case[0]}, scores_fake{case[1]})"
    for expected in (want, oracle):
        if gradients:
            grader.check(got["grads_d"], expected["grads_d"], f"gradients of {d_name}{args}",
                         names=(f"d{d_name}/dscores_real", f"d{d_name}/dscores_fake"), hint=hint)
            grader.check(got["grad_g"], expected["grad_g"], f"d{g_name}/dscores_fake of {g_name}(scores_fake"
                         f"{case[1]})", hint=hint)
        else:
            grader.check(got["d"], expected["d"], f"{d_name}{args}", hint=hint)
            grader.check(got["g"], expected["g"], f"{g_name}(scores_fake{case[1]})", hint=hint)


@pytest.mark.part("ls_gan_losses")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", SCORE_CASES, ids=str)
def test_least_squares_losses(grader, case, dtype):
    compare_two_player(grader, case, dtype, "ls", seed=200 + SCORE_CASES.index(case), gradients=False)


@pytest.mark.part("ls_gan_losses")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", SCORE_CASES, ids=str)
def test_least_squares_gradients(grader, case, dtype):
    compare_two_player(grader, case, dtype, "ls", seed=210 + SCORE_CASES.index(case), gradients=True)


@pytest.mark.part("wgan_losses")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", SCORE_CASES, ids=str)
def test_wgan_losses(grader, case, dtype):
    compare_two_player(grader, case, dtype, "wgan", seed=300 + SCORE_CASES.index(case), gradients=False)


@pytest.mark.part("wgan_losses")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", SCORE_CASES, ids=str)
def test_wgan_gradients(grader, case, dtype):
    compare_two_player(grader, case, dtype, "wgan", seed=310 + SCORE_CASES.index(case), gradients=True)


# ---------------------------------------------------------------- gradient penalty

# (shape of the samples, hidden units of the critic, scale of its weights)
GP_CASES = [
    ((5, 2, 3, 4), 8, 2.0),   # non-square images
    ((6, 3), 4, 3.0),         # flat samples
    ((1, 1, 4, 2), 5, 2.0),   # a batch of one
    ((4, 3, 5, 2), 6, 1.5),
    ((7, 5), 3, 2.5),
]
GRAD_NAMES = ("dpenalty/dW1", "dpenalty/db1", "dpenalty/dW2")


def critic_params(features, hidden, scale, dtype, seed):
    gen = _gen(seed)
    w1 = scale * torch.randn(hidden, features, generator=gen, dtype=torch.float64) / math.sqrt(features)
    b1 = 0.5 * torch.randn(hidden, generator=gen, dtype=torch.float64)
    w2 = scale * torch.randn(1, hidden, generator=gen, dtype=torch.float64) / math.sqrt(hidden)
    b2 = torch.randn(1, generator=gen, dtype=torch.float64)
    return [t.to(dtype) for t in (w1, b1, w2, b2)]


def gp_inputs(case, dtype, seed, n=None):
    shape, hidden, scale = case
    shape = (n or shape[0],) + tuple(shape[1:])
    gen = _gen(seed)
    real = torch.randn(*shape, generator=gen, dtype=torch.float64)
    gap = (1 + torch.rand(*shape, generator=gen, dtype=torch.float64)) * torch.randn(*shape, generator=gen).sign()
    fake = real + torch.where(gap == 0, torch.ones_like(gap), gap)  # |real - fake| >= 1 everywhere
    alpha = torch.rand((shape[0],) + (1,) * (len(shape) - 1), generator=gen, dtype=torch.float64)
    features = math.prod(shape[1:])
    return {"real": real.to(dtype), "fake": fake.to(dtype), "alpha": alpha.to(dtype),
            "params": critic_params(features, hidden, scale, dtype, seed + 1)}


def penalty(m, real, fake, alpha, params):
    w1, b1, w2, b2 = params
    critic = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(w1.shape[1], w1.shape[0]), torch.nn.Tanh(),
                                 torch.nn.Linear(w1.shape[0], 1)).to(real.dtype)
    for weight, value in zip(critic.parameters(), params, strict=True):
        weight.data.copy_(value)
    kept = (real.clone(), fake.clone())
    gp = m.gan.gradient_penalty(critic, real, fake, alpha)
    grads = [None, None, None]
    if isinstance(gp, torch.Tensor) and gp.requires_grad and gp.dim() == 0:
        grads = list(torch.autograd.grad(gp, list(critic.parameters())[:3], allow_unused=True))
    return {"penalty": gp.detach() if isinstance(gp, torch.Tensor) else gp, "grads": grads,
            "unchanged": bool(torch.equal(kept[0], real) and torch.equal(kept[1], fake))}


def penalty_at(x_hat, params):
    """The oracle: penalty and its parameter gradients at the interpolates x_hat, with the critic's input
    gradient in closed form, (w2 * (1 - tanh(h)**2)) @ W1 per sample."""
    w1, b1, w2, _ = (p.clone().requires_grad_(True) for p in params)
    flat = x_hat.reshape(x_hat.shape[0], -1)
    slope = 1 - torch.tanh(flat @ w1.T + b1) ** 2  # (N, hidden)
    g = (slope * w2) @ w1  # (N, features)
    gp = ((g.pow(2).sum(dim=1).sqrt() - 1) ** 2).mean()
    return {"penalty": gp.detach(), "grads": list(torch.autograd.grad(gp, (w1, b1, w2)))}


def gp_id(case):
    return f"x{case[0]}-hidden{case[1]}"


@pytest.mark.part("gradient_penalty")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", GP_CASES, ids=gp_id)
def test_gradient_penalty_given_alpha(grader, case, dtype):
    inputs = gp_inputs(case, dtype, seed=400 + 10 * GP_CASES.index(case))
    got, want = grader.run(penalty, **inputs)
    oracle = penalty_at(inputs["alpha"] * inputs["real"] + (1 - inputs["alpha"]) * inputs["fake"], inputs["params"])
    call = f"gradient_penalty(critic, real, fake, alpha) with samples of shape {case[0]}"
    grader.check(got["penalty"], want["penalty"], call, hint=HINT_GP)
    grader.check(got["penalty"], oracle["penalty"], call, hint=HINT_GP)
    grader.check(got["unchanged"], True, "real and fake after gradient_penalty", hint="do not modify them in place")


@pytest.mark.part("gradient_penalty")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", GP_CASES, ids=gp_id)
def test_gradient_penalty_reaches_the_critic(grader, case, dtype):
    inputs = gp_inputs(case, dtype, seed=500 + 10 * GP_CASES.index(case))
    got, want = grader.run(penalty, **inputs)
    oracle = penalty_at(inputs["alpha"] * inputs["real"] + (1 - inputs["alpha"]) * inputs["fake"], inputs["params"])
    call = f"gradients of gradient_penalty(critic, real, fake, alpha) wrt the critic's parameters, shape {case[0]}"
    grader.check(got["grads"], want["grads"], call, names=GRAD_NAMES, hint=HINT_GP_GRAD)
    grader.check(got["grads"], oracle["grads"], call, names=GRAD_NAMES, hint=HINT_GP_GRAD)


def penalty_random_alpha(m, real, fake, params):
    torch.manual_seed(11)
    w1, b1, w2, b2 = params
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(w1.shape[1], w1.shape[0]), torch.nn.Tanh(),
                              torch.nn.Linear(w1.shape[0], 1)).to(real.dtype)
    for weight, value in zip(net.parameters(), params, strict=True):
        weight.data.copy_(value)
    seen = []

    class Recording(torch.nn.Module):
        def __init__(self, inner):
            torch.nn.Module.__init__(self)
            self.inner = inner

        def forward(self, samples):
            seen.append(samples.detach().clone())
            return self.inner(samples)

    gp = m.gan.gradient_penalty(Recording(net), real, fake)
    grads = [None, None, None]
    if isinstance(gp, torch.Tensor) and gp.requires_grad and gp.dim() == 0:
        grads = list(torch.autograd.grad(gp, list(net.parameters())[:3], allow_unused=True))
    return {"penalty": gp.detach() if isinstance(gp, torch.Tensor) else gp, "grads": grads, "seen": seen}


def alpha_problems(result, real, fake):
    """(problems, x_hat): what is wrong with the interpolates the critic saw, and the interpolates."""
    seen = result["seen"]
    if not seen:
        return ["gradient_penalty never called the critic"], None
    x_hat = torch.cat([s.reshape(s.shape[0], -1) for s in seen]).double()
    n = real.shape[0]
    if x_hat.shape != (n, real[0].numel()):
        return [f"the critic was called on {len(seen)} batch(es) holding {tuple(x_hat.shape)} values in all; "
                f"call it once on the {n} interpolates x_hat, shape {tuple(real.shape)}"], None
    lo, hi = fake.reshape(n, -1).double(), real.reshape(n, -1).double()
    alpha = (x_hat - lo) / (hi - lo)  # (N, features): alpha_n repeated if x_hat = alpha * real + (1 - alpha) * fake
    per_sample = alpha.mean(dim=1)
    problems = []
    spread = (alpha.max(dim=1).values - alpha.min(dim=1).values).max().item()
    if not spread <= 1e-4:
        problems.append(f"the interpolation weight varies inside a sample (by up to {spread:.3g}): alpha must have "
                        f"shape (N, 1, ..., 1), one value per sample, the same for all its features")
    low, high = per_sample.min().item(), per_sample.max().item()
    if not (low >= -1e-5 and high <= 1 + 1e-5):
        problems.append(f"the interpolation weights range over [{low:.3g}, {high:.3g}], outside [0, 1]; "
                        f"draw alpha with torch.rand")
    if per_sample.std().item() < 1e-6:
        problems.append(f"all {n} samples were interpolated with the same weight {per_sample[0].item():.4g}; draw "
                        f"one alpha per sample, shape (N, 1, ..., 1)")
    checks = [
        ("mean", per_sample.mean().item(), 0.5, 5 * math.sqrt(1 / 12 / n)),
        ("std", per_sample.std().item(), math.sqrt(1 / 12), 5 * 0.129 / math.sqrt(n)),
        ("fraction below 0.25", (per_sample < 0.25).double().mean().item(), 0.25, 5 * math.sqrt(0.1875 / n)),
    ]
    for what, value, target, tol in checks:
        if not abs(value - target) <= tol:
            problems.append(f"over {n} samples, the {what} of the interpolation weights is {value:.4g}, expected "
                            f"{target:.4g} +- {tol:.2g} (uniform in [0, 1], one independent draw per sample)")
    return problems, x_hat.to(real.dtype).reshape(real.shape)


HINT_ALPHA = ("with alpha=None draw alpha = torch.rand(N, 1, ..., 1) (real.dim() dims, uniform in [0, 1), one per "
              "sample), then x_hat = alpha * real + (1 - alpha) * fake and call critic(x_hat) once")

RANDOM_ALPHA_CASES = [((4000, 3), 4, 3.0), ((64, 2, 3, 4), 8, 2.0)]


@pytest.mark.part("gradient_penalty")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", RANDOM_ALPHA_CASES, ids=gp_id)
def test_gradient_penalty_draws_alpha(grader, case, dtype):
    inputs = gp_inputs(case, dtype, seed=600 + RANDOM_ALPHA_CASES.index(case))
    inputs.pop("alpha")
    got, want = grader.run(penalty_random_alpha, **inputs)
    problems, _ = alpha_problems(want, inputs["real"], inputs["fake"])
    if problems:
        raise RuntimeError(f"the reference fails its own statistics: {problems[0]}")
    problems, x_hat = alpha_problems(got, inputs["real"], inputs["fake"])
    if problems:
        grader.fail(problems[0], hint=HINT_ALPHA)
    oracle = penalty_at(x_hat, inputs["params"])
    call = f"gradient_penalty(critic, real, fake) with alpha drawn inside, samples of shape {case[0]}"
    grader.check(got["penalty"], oracle["penalty"], f"{call}, compared with the penalty at the interpolates the "
                 f"critic was called on", hint=HINT_GP)
    grader.check(got["grads"], oracle["grads"], f"gradients of {call} wrt the critic's parameters", names=GRAD_NAMES,
                 hint=HINT_GP_GRAD)



def penalty_random_alpha_twice(m, real, fake, params):
    torch.manual_seed(13)  # once: the two calls must then draw independent weights
    w1, b1, w2, b2 = params
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(w1.shape[1], w1.shape[0]), torch.nn.Tanh(),
                              torch.nn.Linear(w1.shape[0], 1)).to(real.dtype)
    for weight, value in zip(net.parameters(), params, strict=True):
        weight.data.copy_(value)
    calls = []
    for _ in range(2):
        seen = []

        def recording(samples, seen=seen):
            seen.append(samples.detach().clone())
            return net(samples)

        gp = m.gan.gradient_penalty(recording, real, fake)
        calls.append({"penalty": gp.detach() if isinstance(gp, torch.Tensor) else gp, "seen": seen})
    return calls


@pytest.mark.part("gradient_penalty")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", RANDOM_ALPHA_CASES, ids=gp_id)
def test_gradient_penalty_draws_fresh_alpha_each_call(grader, case, dtype):
    inputs = gp_inputs(case, dtype, seed=650 + RANDOM_ALPHA_CASES.index(case))
    inputs.pop("alpha")
    got, want = grader.run(penalty_random_alpha_twice, **inputs)
    real, fake = inputs["real"], inputs["fake"]
    for side, calls in (("reference", want), ("student", got)):
        weights = []
        for result in calls:
            problems, x_hat = alpha_problems(result, real, fake)
            if problems and side == "reference":
                raise RuntimeError(f"the reference fails its own statistics: {problems[0]}")
            if problems:
                grader.fail(problems[0], hint=HINT_ALPHA)
            n = real.shape[0]
            weights.append(((x_hat.reshape(n, -1).double() - fake.reshape(n, -1).double())
                            / (real.reshape(n, -1).double() - fake.reshape(n, -1).double())).mean(dim=1))
        r = torch.corrcoef(torch.stack(weights))[0, 1].abs().nan_to_num(nan=1.0).item()
        if r > 5 / math.sqrt(real.shape[0]) and side == "reference":
            raise RuntimeError(f"the reference fails its own statistics: two calls correlated, r = {r:.3g}")
        if r > 5 / math.sqrt(real.shape[0]):
            grader.fail(f"two calls of gradient_penalty(critic, real, fake) on the same {real.shape[0]} samples "
                        f"drew correlated interpolation weights (r = {r:.3g}, expected |r| <= "
                        f"{5 / math.sqrt(real.shape[0]):.2g}): each call must draw fresh alphas",
                        hint="draw alpha with torch.rand at every call; do not reseed (no torch.manual_seed) "
                             "and do not keep alpha from an earlier call")


def penalty_scores_of_shape_n(m, real, fake, alpha, params):
    w1, b1, w2, b2 = params
    critic = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(w1.shape[1], w1.shape[0]), torch.nn.Tanh(),
                                 torch.nn.Linear(w1.shape[0], 1), torch.nn.Flatten(0)).to(real.dtype)  # (N,) scores
    for weight, value in zip(critic.parameters(), params, strict=True):
        weight.data.copy_(value)
    gp = m.gan.gradient_penalty(critic, real, fake, alpha)
    grads = [None, None, None]
    if isinstance(gp, torch.Tensor) and gp.requires_grad and gp.dim() == 0:
        grads = list(torch.autograd.grad(gp, list(critic.parameters())[:3], allow_unused=True))
    return {"penalty": gp.detach() if isinstance(gp, torch.Tensor) else gp, "grads": grads}


@pytest.mark.part("gradient_penalty")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", GP_CASES, ids=gp_id)
def test_gradient_penalty_critic_scores_of_shape_n(grader, case, dtype):
    inputs = gp_inputs(case, dtype, seed=700 + 10 * GP_CASES.index(case))
    got, want = grader.run(penalty_scores_of_shape_n, **inputs)
    oracle = penalty_at(inputs["alpha"] * inputs["real"] + (1 - inputs["alpha"]) * inputs["fake"], inputs["params"])
    call = f"gradient_penalty(critic, real, fake, alpha) with a critic returning (N,) scores, samples {case[0]}"
    hint = HINT_GP_GRAD + "; the critic may return (N,) or (N, 1) scores: differentiate critic(x_hat).sum()"
    grader.check(got["penalty"], want["penalty"], call, hint=hint)
    grader.check(got["penalty"], oracle["penalty"], call, hint=hint)
    grader.check(got["grads"], oracle["grads"], f"gradients of {call} wrt the critic's parameters", names=GRAD_NAMES,
                 hint=hint)
