"""Hidden tests of vae.py.

Deterministic functions are compared with the reference AND with an oracle computed here (torch's own
BCE-with-logits, torch.distributions' KL, autograd through them). The random path of reparameterize
(eps=None) is graded only by what holds whatever the draw: statistics over many draws with tolerances of
five standard errors, the gradient structure, and agreement with the explicit-eps path.
Logits are never exactly 0 nor in (15, 40) in gradient tests: max(l, 0) has no derivative at 0, and softplus
switches to its linear branch above 20; both are correct implementations.
"""
import math

import pytest
import torch
import torch.nn.functional as F

DTYPES = [torch.float32, torch.float64]
HINT_STD = ("logvar is the LOG-variance: std = exp(0.5 * logvar); z = mu + std * eps with the eps you are given "
            "(draw one with torch.randn_like(mu) only when eps is None)")
HINT_REPARAM_GRAD = ("z = mu + exp(0.5 * logvar) * eps must stay differentiable: dz/dmu = 1 and dz/dlogvar = "
                     "0.5 * exp(0.5 * logvar) * eps; do not detach mu, logvar or std")
HINT_KL = ("kl[n] = -0.5 * sum over d of (1 + logvar - mu**2 - exp(logvar)): one value per sample, shape (N,), "
           "summed (not averaged) over D, not reduced over the batch")
HINT_LOSS = ("loss = mean over the batch of [sum over ALL non-batch dims of BCE(recon_logits, x) + beta * kl], "
             "beta on the KL only; BCE(l, t) = softplus(l) - t * l, written so that it is finite for |l| = 100 "
             "in float32 too (not log(sigmoid(l)))")


# ---------------------------------------------------------------- inputs (judge side)

def _gen(seed):
    return torch.Generator().manual_seed(seed)


def mu_logvar(n, d, dtype, seed, mu_scale=1.0):
    """mu ~ N(0, mu_scale^2) and logvar uniform in [-3, 2], so that exp(logvar) and exp(logvar / 2) differ."""
    gen = _gen(seed)
    mu = mu_scale * torch.randn(n, d, generator=gen, dtype=torch.float64)
    logvar = -3.0 + 5.0 * torch.rand(n, d, generator=gen, dtype=torch.float64)
    return mu.to(dtype), logvar.to(dtype)


def images(shape, dtype, seed, big, binary):
    """recon_logits and targets x of `shape`; with `big`, some logits at +-100 and +-50 where x disagrees."""
    gen = _gen(seed)
    logits = 4 * torch.randn(*shape, generator=gen, dtype=torch.float64)
    logits = torch.where(logits.abs() < 1e-3, torch.full_like(logits, 0.5), logits)  # never exactly 0
    x = torch.rand(*shape, generator=gen, dtype=torch.float64)
    if binary:
        x = (x > 0.5).double()
    if big:
        flat_l, flat_x = logits.view(-1), x.view(-1)
        picks = torch.randperm(flat_l.numel(), generator=gen)[:4]
        flat_l[picks] = torch.tensor([100.0, -100.0, 50.0, -100.0], dtype=torch.float64)[:len(picks)]
        flat_x[picks] = torch.tensor([0.0, 1.0, 0.0, 0.3], dtype=torch.float64)[:len(picks)]
    return logits.to(dtype), x.to(dtype)


# ---------------------------------------------------------------- reparameterize, eps given

REPARAM_CASES = [(1, 1), (4, 3), (16, 8), (5, 2)]


def reparam_given_eps(m, mu, logvar, eps, upstream):
    mu, logvar = mu.clone().requires_grad_(True), logvar.clone().requires_grad_(True)
    kept = eps.clone()
    z = m.vae.reparameterize(mu, logvar, eps)
    grad_mu = grad_logvar = None
    if isinstance(z, torch.Tensor) and z.requires_grad and z.shape == upstream.shape:
        z.backward(upstream)
        grad_mu, grad_logvar = mu.grad, logvar.grad
    return {"z": z.detach() if isinstance(z, torch.Tensor) else z, "grad_mu": grad_mu, "grad_logvar": grad_logvar,
            "eps_unchanged": bool(torch.equal(kept, eps))}


def reparam_inputs(case, dtype, seed):
    n, d = case
    mu, logvar = mu_logvar(n, d, dtype, seed)
    gen = _gen(seed + 1)
    return {"mu": mu, "logvar": logvar, "eps": torch.randn(n, d, generator=gen, dtype=torch.float64).to(dtype),
            "upstream": torch.randn(n, d, generator=gen, dtype=torch.float64).to(dtype)}


@pytest.mark.part("reparameterize")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", REPARAM_CASES, ids=str)
def test_reparameterize_given_eps(grader, case, dtype):
    inputs = reparam_inputs(case, dtype, seed=10 + REPARAM_CASES.index(case))
    got, want = grader.run(reparam_given_eps, **inputs)
    call = f"reparameterize(mu, logvar, eps) with (N, D) = {case}"
    grader.check(got["z"], want["z"], call, hint=HINT_STD)
    oracle = inputs["mu"] + torch.exp(0.5 * inputs["logvar"]) * inputs["eps"]
    grader.check(got["z"], oracle, call, hint=HINT_STD)
    grader.check(got["eps_unchanged"], True, "eps after reparameterize", hint="do not modify eps in place")


@pytest.mark.part("reparameterize")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", REPARAM_CASES, ids=str)
def test_reparameterize_gradients(grader, case, dtype):
    inputs = reparam_inputs(case, dtype, seed=20 + REPARAM_CASES.index(case))
    got, want = grader.run(reparam_given_eps, **inputs)
    oracle = (inputs["upstream"], inputs["upstream"] * 0.5 * torch.exp(0.5 * inputs["logvar"]) * inputs["eps"])
    names = ("dL/dmu", "dL/dlogvar")
    grader.check((got["grad_mu"], got["grad_logvar"]), (want["grad_mu"], want["grad_logvar"]),
                 f"gradients of sum(upstream * reparameterize(mu, logvar, eps)), (N, D) = {case}", names=names,
                 hint=HINT_REPARAM_GRAD)
    grader.check((got["grad_mu"], got["grad_logvar"]), oracle, "gradients of reparameterize", names=names,
                 hint=HINT_REPARAM_GRAD)


# ---------------------------------------------------------------- reparameterize, eps drawn inside

DRAWS = 20000
DRAW_MU = [-2.0, 0.5, 3.0, 0.0]
DRAW_LOGVAR = [-3.0, -1.0, 0.7, 2.0]
HINT_DRAW = ("with eps=None draw eps = torch.randn_like(mu): standard normal, a fresh independent value for every "
             "element of every call (not torch.rand, not one value per row or per batch); then z = mu + "
             "exp(0.5 * logvar) * eps")


def reparam_draws(m, mu, logvar):
    torch.manual_seed(2024)
    first = m.vae.reparameterize(mu, logvar)
    second = m.vae.reparameterize(mu, logvar)
    return {"first": first, "second": second}


def draw_problems(result, mu, logvar):
    """What is wrong with two batches of draws of reparameterize(mu, logvar); [] when all is as it must be."""
    for key in ("first", "second"):
        z = result[key]
        if not isinstance(z, torch.Tensor):
            return [f"reparameterize(mu, logvar) returned {type(z).__name__}, expected a tensor"]
        if tuple(z.shape) != tuple(mu.shape):
            return [f"reparameterize(mu, logvar) has shape {tuple(z.shape)}, expected {tuple(mu.shape)}"]
    std = torch.exp(0.5 * logvar.double())
    eps = [(result[key].double() - mu.double()) / std for key in ("first", "second")]
    n = mu.shape[0]
    se = 1 / math.sqrt(n)
    problems = []
    if not all(torch.isfinite(e).all() for e in eps):
        return ["reparameterize(mu, logvar) returned non-finite values"]
    if (eps[0].std(dim=0) < 1e-6).any():
        return ["every row of z = reparameterize(mu, logvar) got the same noise (the rows of mu are equal, z's "
                "rows are too); draw one independent value per element, torch.randn_like(mu)"]
    within = 0.6826894921370859  # P(|eps| < 1) for a standard normal
    for d in range(mu.shape[1]):
        e = eps[0][:, d]
        checks = [
            ("mean of (z - mu) / exp(0.5 * logvar)", e.mean().item(), 0.0, 5 * se),
            ("std of (z - mu) / exp(0.5 * logvar)", e.std().item(), 1.0, 5 * se / math.sqrt(2)),
            ("fraction of |(z - mu) / exp(0.5 * logvar)| < 1", (e.abs() < 1).double().mean().item(), within,
             5 * math.sqrt(within * (1 - within) / n)),
        ]
        for what, value, target, tol in checks:
            if not abs(value - target) <= tol:
                problems.append(f"over {n} draws, column {d} (logvar = {logvar[0, d].item():g}): {what} is "
                                f"{value:.4g}, expected {target:.4g} +- {tol:.2g}")
    corr = torch.corrcoef(eps[0].T)
    off = (corr - torch.eye(corr.shape[0], dtype=corr.dtype)).abs().nan_to_num(nan=1.0).max().item()
    if off > 5 * se:
        problems.append(f"over {n} draws, the noise of different columns is correlated (|r| up to {off:.3g}); "
                        f"each element needs its own independent draw")
    again = torch.corrcoef(torch.stack([eps[0].reshape(-1), eps[1].reshape(-1)]))[0, 1].abs().nan_to_num(nan=1.0)
    if again.item() > 5 / math.sqrt(eps[0].numel()):
        problems.append(f"two calls of reparameterize(mu, logvar) drew correlated noise (r = {again.item():.3g}); "
                        f"draw fresh noise at every call and do not reseed")
    return problems


@pytest.mark.part("reparameterize")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_reparameterize_draws_standard_normal_noise(grader, dtype):
    mu = torch.tensor([DRAW_MU], dtype=dtype).expand(DRAWS, -1).contiguous()
    logvar = torch.tensor([DRAW_LOGVAR], dtype=dtype).expand(DRAWS, -1).contiguous()
    got, want = grader.run(reparam_draws, mu=mu, logvar=logvar)
    mistakes = draw_problems(want, mu, logvar)
    if mistakes:
        raise RuntimeError(f"the reference fails its own statistics: {mistakes[0]}")
    mistakes = draw_problems(got, mu, logvar)
    if mistakes:
        grader.fail(mistakes[0], hint=HINT_DRAW)
    for key in ("first", "second"):
        grader.check(str(got[key].dtype), str(mu.dtype), "dtype of reparameterize(mu, logvar)",
                     hint="draw eps in mu's dtype (torch.randn_like(mu) does)")


def reparam_draws_backward(m, mu, logvar, upstream):
    torch.manual_seed(77)
    mu, logvar = mu.clone().requires_grad_(True), logvar.clone().requires_grad_(True)
    z = m.vae.reparameterize(mu, logvar)
    grad_mu = grad_logvar = None
    if isinstance(z, torch.Tensor) and z.requires_grad and z.shape == upstream.shape:
        z.backward(upstream)
        grad_mu, grad_logvar = mu.grad, logvar.grad
    return {"z": z.detach() if isinstance(z, torch.Tensor) else z, "grad_mu": grad_mu, "grad_logvar": grad_logvar}


@pytest.mark.part("reparameterize")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_reparameterize_draws_are_differentiable(grader, dtype):
    mu, logvar = mu_logvar(64, 5, dtype, seed=31)
    upstream = torch.randn(64, 5, generator=_gen(32), dtype=torch.float64).to(dtype)
    got, want = grader.run(reparam_draws_backward, mu=mu, logvar=logvar, upstream=upstream)
    z = got["z"]
    if not isinstance(z, torch.Tensor) or z.shape != mu.shape:
        grader.check(z, want["z"], "reparameterize(mu, logvar)", hint=HINT_DRAW)
    # whatever eps was drawn, dL/dmu = upstream and dL/dlogvar = upstream * 0.5 * (z - mu)
    grader.check((got["grad_mu"], got["grad_logvar"]), (upstream, upstream * 0.5 * (z - mu)),
                 "gradients of sum(upstream * reparameterize(mu, logvar)) with eps drawn inside",
                 names=("dL/dmu", "dL/dlogvar"), hint=HINT_REPARAM_GRAD + "; eps itself is a constant")


def reparam_draw_then_replay(m, mu, logvar):
    torch.manual_seed(5)
    z = m.vae.reparameterize(mu, logvar)
    eps = (z - mu) / torch.exp(0.5 * logvar)
    return {"z": z, "replayed": m.vae.reparameterize(mu, logvar, eps)}


@pytest.mark.part("reparameterize")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_reparameterize_draw_agrees_with_given_eps(grader, dtype):
    mu, logvar = mu_logvar(6, 4, dtype, seed=41)
    got, _ = grader.run(reparam_draw_then_replay, mu=mu, logvar=logvar)
    grader.check(got["replayed"], got["z"], "reparameterize(mu, logvar, eps) with eps = (z - mu) / exp(0.5 * "
                 "logvar) recovered from z = reparameterize(mu, logvar)",
                 hint="both paths compute z = mu + exp(0.5 * logvar) * eps; only where eps comes from differs")


# ---------------------------------------------------------------- kl_divergence

KL_CASES = [(1, 1, 1.0), (4, 3, 1.0), (6, 10, 1.0), (3, 5, 4.0), (8, 2, 0.1)]  # (N, D, scale of mu)


def kl(m, mu, logvar, upstream):
    mu, logvar = mu.clone().requires_grad_(True), logvar.clone().requires_grad_(True)
    value = m.vae.kl_divergence(mu, logvar)
    grad_mu = grad_logvar = None
    if isinstance(value, torch.Tensor) and value.requires_grad and value.shape == upstream.shape:
        value.backward(upstream)
        grad_mu, grad_logvar = mu.grad, logvar.grad
    return {"kl": value.detach() if isinstance(value, torch.Tensor) else value, "grad_mu": grad_mu,
            "grad_logvar": grad_logvar}


def kl_oracle(mu, logvar, upstream):
    """torch.distributions' KL and autograd through it (judge side)."""
    mu, logvar = mu.clone().requires_grad_(True), logvar.clone().requires_grad_(True)
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    value = torch.distributions.kl_divergence(q, p).sum(dim=1)
    value.backward(upstream)
    return {"kl": value.detach(), "grad_mu": mu.grad, "grad_logvar": logvar.grad}


def kl_inputs(case, dtype, seed):
    n, d, scale = case
    mu, logvar = mu_logvar(n, d, dtype, seed, mu_scale=scale)
    return {"mu": mu, "logvar": logvar, "upstream": torch.randn(n, generator=_gen(seed + 1),
                                                               dtype=torch.float64).to(dtype)}


@pytest.mark.part("kl_divergence")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", KL_CASES, ids=str)
def test_kl_divergence(grader, case, dtype):
    inputs = kl_inputs(case, dtype, seed=50 + KL_CASES.index(case))
    got, want = grader.run(kl, **inputs)
    call = f"kl_divergence(mu, logvar) with (N, D) = {case[:2]}"
    grader.check(got["kl"], want["kl"], call, hint=HINT_KL)
    grader.check(got["kl"], kl_oracle(**inputs)["kl"], call, hint=HINT_KL)


@pytest.mark.part("kl_divergence")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", KL_CASES, ids=str)
def test_kl_divergence_gradients(grader, case, dtype):
    inputs = kl_inputs(case, dtype, seed=60 + KL_CASES.index(case))
    got, want = grader.run(kl, **inputs)
    oracle = kl_oracle(**inputs)
    names = ("dL/dmu", "dL/dlogvar")
    call = f"gradients of sum(upstream * kl_divergence(mu, logvar)), (N, D) = {case[:2]}"
    hint = HINT_KL + "; dkl/dmu = mu and dkl/dlogvar = 0.5 * (exp(logvar) - 1)"
    grader.check((got["grad_mu"], got["grad_logvar"]), (want["grad_mu"], want["grad_logvar"]), call, names=names,
                 hint=hint)
    grader.check((got["grad_mu"], got["grad_logvar"]), (oracle["grad_mu"], oracle["grad_logvar"]), call,
                 names=names, hint=hint)


# ---------------------------------------------------------------- vae_loss

# (shape of x, D, beta (None: the default), big logits, binary targets)
LOSS_CASES = [
    ((3, 2, 5, 4), 3, None, True, False),    # non-square images, default beta
    ((2, 1, 7, 3), 2, 0.5, True, True),      # binary pixels
    ((4, 12), 5, 4.0, False, False),         # flat vectors, beta-VAE
    ((1, 3, 2, 6), 4, 1.0, True, False),     # a batch of one
    ((5, 1, 3, 2), 2, 0.0, False, True),     # beta = 0: the reconstruction alone
    ((6, 2, 4, 3), 6, 2.5, True, True),
]


def loss_id(case):
    shape, d, beta, big, binary = case
    return f"x{shape}-D{d}-beta{beta}" + ("-big" if big else "") + ("-binary" if binary else "")


def vae_loss(m, recon_logits, x, mu, logvar, beta):
    leaves = [t.clone().requires_grad_(True) for t in (recon_logits, mu, logvar)]
    if beta is None:
        loss = m.vae.vae_loss(leaves[0], x, leaves[1], leaves[2])
    else:
        loss = m.vae.vae_loss(leaves[0], x, leaves[1], leaves[2], beta=beta)
    grads = [None, None, None]
    if isinstance(loss, torch.Tensor) and loss.requires_grad and loss.dim() == 0:
        loss.backward()
        grads = [t.grad for t in leaves]
    return {"loss": loss.detach() if isinstance(loss, torch.Tensor) else loss, "grads": grads}


def loss_oracle(recon_logits, x, mu, logvar, beta):
    """torch's BCE-with-logits and torch.distributions' KL, autograd through them (judge side)."""
    leaves = [t.clone().requires_grad_(True) for t in (recon_logits, mu, logvar)]
    recon = F.binary_cross_entropy_with_logits(leaves[0], x, reduction="none").flatten(1).sum(dim=1)
    q = torch.distributions.Normal(leaves[1], torch.exp(0.5 * leaves[2]))
    p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    kl_value = torch.distributions.kl_divergence(q, p).sum(dim=1)
    loss = (recon + (1.0 if beta is None else beta) * kl_value).mean()
    loss.backward()
    return {"loss": loss.detach(), "grads": [t.grad for t in leaves]}


def loss_inputs(case, dtype, seed):
    shape, d, beta, big, binary = case
    logits, x = images(shape, dtype, seed, big, binary)
    mu, logvar = mu_logvar(shape[0], d, dtype, seed + 1)
    return {"recon_logits": logits, "x": x, "mu": mu, "logvar": logvar, "beta": beta}


def loss_call(case):
    beta = "" if case[2] is None else f", beta={case[2]}"
    return f"vae_loss(recon_logits, x, mu, logvar{beta}) with x of shape {case[0]}"


@pytest.mark.part("vae_loss")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", LOSS_CASES, ids=loss_id)
def test_vae_loss(grader, case, dtype):
    inputs = loss_inputs(case, dtype, seed=70 + LOSS_CASES.index(case))
    got, want = grader.run(vae_loss, **inputs)
    grader.check(got["loss"], want["loss"], loss_call(case), hint=HINT_LOSS)
    grader.check(got["loss"], loss_oracle(**inputs)["loss"], loss_call(case), hint=HINT_LOSS)


GRAD_NAMES = ("dloss/drecon_logits", "dloss/dmu", "dloss/dlogvar")


@pytest.mark.part("vae_loss")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", LOSS_CASES, ids=loss_id)
def test_vae_loss_gradients(grader, case, dtype):
    inputs = loss_inputs(case, dtype, seed=80 + LOSS_CASES.index(case))
    got, want = grader.run(vae_loss, **inputs)
    call = f"gradients of {loss_call(case)}"
    hint = HINT_LOSS + "; dloss/drecon_logits = (sigmoid(recon_logits) - x) / N"
    grader.check(got["grads"], want["grads"], call, names=GRAD_NAMES, hint=hint)
    grader.check(got["grads"], loss_oracle(**inputs)["grads"], call, names=GRAD_NAMES, hint=hint)


def vae_loss_leaves_inputs(m, recon_logits, x, mu, logvar):
    kept = [t.clone() for t in (recon_logits, x, mu, logvar)]
    m.vae.vae_loss(recon_logits, x, mu, logvar, beta=2.0)
    return [bool(torch.equal(a, b)) for a, b in zip(kept, (recon_logits, x, mu, logvar), strict=True)]


@pytest.mark.part("vae_loss")
def test_vae_loss_leaves_inputs_alone(grader):
    inputs = loss_inputs(LOSS_CASES[0], torch.float64, seed=99)
    inputs.pop("beta")
    got = grader.student(vae_loss_leaves_inputs, **inputs)
    grader.check(got, [True] * 4, "inputs unchanged after vae_loss", names=("recon_logits", "x", "mu", "logvar"),
                 hint="vae_loss modified an input in place; compute on new tensors")
