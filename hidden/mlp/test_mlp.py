"""Hidden tests of mlp.py. Linear layers, softmax and cross-entropy against torch.nn.functional and its
autograd; dropout and the initialisations by statistics of many draws (each within five standard errors, or a
Kolmogorov-Smirnov distance far beyond chance), never by one seed's values; two_layer_net's loss and gradients
against torch's autograd through the same network, for every activation.

The random scenarios seed torch themselves, so that grading is repeatable; the thresholds hold for any seed.
"""
import math

import pytest
import torch

DTYPES = [torch.float32, torch.float64]
F = torch.nn.functional

# linear: (N, I, O, with bias); N = 1, I = 1, O = 1 each once; I == O once (a missing transpose runs there)
LINEAR_CASES = [(4, 3, 5, True), (1, 3, 2, True), (3, 1, 4, True), (2, 4, 1, True), (5, 3, 3, False),
                (3, 6, 2, False)]
# softmax: (shape, dim, scale of the logits)
SOFTMAX_CASES = [((4, 7), -1, 3.0), ((4, 7), 0, 3.0), ((2, 3, 5), 1, 3.0), ((1, 1), -1, 3.0), ((6,), 0, 3.0),
                 ((3, 5), -1, 1e4), ((5, 4), 1, 100.0)]
# cross-entropy: (N, C, scale of the logits); scale 100 and 1e4 overflow exp, and underflow softmax to 0
CE_CASES = [(5, 4, 2.0), (1, 3, 2.0), (7, 2, 2.0), (6, 10, 2.0), (4, 5, 100.0), (3, 6, 1e4)]
DROP_PS = [0.2, 0.5, 0.9]
DROP_SHAPE = (200, 120)
XAVIER_CASES = [(300, 200, None), (60, 700, 1.0), (400, 120, 2.5), (150, 150, 0.5)]  # (fan_out, fan_in, gain)
GAINS = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3.0, "relu": math.sqrt(2.0),
         "leaky_relu": math.sqrt(2.0 / (1.0 + 0.01 ** 2))}
KAIMING_CASES = [(300, 200, None), (80, 600, "relu"), (400, 150, "tanh"), (200, 300, "linear"),
                 (250, 250, "sigmoid"), (300, 100, "leaky_relu")]
NET_CASES = [(8, 5, 6, 3), (1, 4, 3, 2), (6, 1, 1, 10)]  # (N, I, H, C): N = 1, then I = H = 1 with many classes
NET_ACTIVATIONS = ["relu", "sigmoid", "tanh", "leaky_relu", "gelu", "silu"]

HINT_LINEAR = ("out = x @ weight.T + bias: weight is (O, I), torch.nn.Linear's layout; add the bias only when it "
               "is given")
HINT_LINEAR_BACK = {
    "grad_x": "grad_x = grad_out @ weight, shape (N, I)",
    "grad_weight": "grad_weight = grad_out.T @ x, shape (O, I) like weight (not x.T @ grad_out, which is (I, O))",
    "grad_bias": "grad_bias = grad_out.sum(dim=0), shape (O,): summed over the batch, not averaged, no keepdim",
}
HINT_SOFTMAX = ("probs = exp(logits - max) / sum(exp(logits - max)) along dim (max with keepdim=True): without "
                "subtracting the max, exp overflows to inf and inf / inf is nan")
HINT_CE = ("loss = mean over the batch of logsumexp(logits[n]) - logits[n, target[n]], a 0-dim tensor of the logits' "
           "dtype; logsumexp = max + log(sum(exp(logits - max))): log(softmax) gives log(0) = -inf for large logits")
HINT_CE_BACK = ("grad_logits = (softmax(logits, dim=1) - one_hot(target)) / N: the 1 / N comes from the mean over the "
                "batch; subtract the max inside softmax")
HINT_DROP = ("inverted dropout: keep each element independently with probability 1 - p (p is the DROP probability), "
             "mask = keep / (1 - p), out = x * mask; draw fresh at every call (no reseeding), one draw per element")
HINT_INIT_DTYPE = "draw with torch.rand/torch.randn without a dtype: the weight gets torch's default dtype"


# ---------------------------------------------------------------- scenarios (run in the worker and here)

def linear(m, x, weight, bias, grad_out):
    if bias is None:
        out = m.mlp.linear_forward(x, weight)
    else:
        out = m.mlp.linear_forward(x, weight, bias)
    grads = m.mlp.linear_backward(grad_out, x, weight)
    return {"out": out, "grads": grads, "after": {"x": x, "weight": weight, "bias": bias, "grad_out": grad_out}}


def softmax(m, logits, dim):
    return {"probs": m.mlp.softmax(logits, dim=dim), "logits": logits}


def softmax_default_dim(m, logits):
    return m.mlp.softmax(logits)


def cross_entropy(m, logits, target):
    return {"loss": m.mlp.cross_entropy_forward(logits, target),
            "grad_logits": m.mlp.cross_entropy_backward(logits, target), "logits": logits, "target": target}


def dropout_draws(m, x, p):
    torch.manual_seed(1234)
    out, mask = m.mlp.dropout_forward(x, p)
    again_out, again_mask = m.mlp.dropout_forward(x, p=p, training=True)
    return {"out": out, "mask": mask, "again_mask": again_mask, "x": x}


def dropout_fixed(m, x, p, training):
    if p is None:
        return m.mlp.dropout_forward(x)
    if training is None:
        return m.mlp.dropout_forward(x, p)
    return m.mlp.dropout_forward(x, p=p, training=training)


def dropout_errors(m, x, p, training):
    try:
        m.mlp.dropout_forward(x, p=p, training=training)
        return "nothing"
    except Exception as error:  # noqa: BLE001 - which exception is what the test checks
        return type(error).__name__


def dropout_backward(m, grad_out, mask):
    return {"grad_x": m.mlp.dropout_backward(grad_out, mask), "grad_out": grad_out, "mask": mask}


def xavier_draws(m, fan_out, fan_in, gain, default_dtype):
    torch.manual_seed(4321)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, default_dtype))  # a dtype's name: a dtype cannot be sent
    try:
        if gain is None:
            return m.mlp.xavier_uniform(fan_out, fan_in)
        return m.mlp.xavier_uniform(fan_out, fan_in, gain=gain)
    finally:
        torch.set_default_dtype(previous)


def kaiming_draws(m, fan_out, fan_in, nonlinearity, default_dtype):
    torch.manual_seed(8765)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, default_dtype))  # a dtype's name: a dtype cannot be sent
    try:
        if nonlinearity is None:
            return m.mlp.kaiming_normal(fan_out, fan_in)
        return m.mlp.kaiming_normal(fan_out, fan_in, nonlinearity=nonlinearity)
    finally:
        torch.set_default_dtype(previous)


def kaiming_errors(m, nonlinearity):
    try:
        m.mlp.kaiming_normal(4, 3, nonlinearity=nonlinearity)
        return "nothing"
    except Exception as error:  # noqa: BLE001 - which exception is what the test checks
        return type(error).__name__


def net(m, x, target, w1, b1, w2, b2, activation):
    loss, grads = m.mlp.two_layer_net(x, target, w1, b1, w2, b2, activation=activation)
    return {"loss": loss, "grads": grads, "after": {"x": x, "target": target, "w1": w1, "b1": b1, "w2": w2, "b2": b2}}


def net_default(m, x, target, w1, b1, w2, b2):
    return m.mlp.two_layer_net(x, target, w1, b1, w2, b2)


# ---------------------------------------------------------------- oracles (run here only)

def torch_linear(m, x, weight, bias, grad_out):
    leaves = [t.clone().requires_grad_(True) for t in (x, weight, torch.zeros_like(weight[:, 0]) if bias is None
                                                       else bias)]
    out = F.linear(leaves[0], leaves[1], leaves[2] if bias is not None else None)
    (out * grad_out).sum().backward()
    return {"out": out.detach(), "grads": (leaves[0].grad, leaves[1].grad,
                                           grad_out.sum(dim=0) if bias is None else leaves[2].grad)}


def torch_cross_entropy(m, logits, target):
    leaf = logits.clone().requires_grad_(True)
    loss = F.cross_entropy(leaf, target)
    loss.backward()
    return {"loss": loss.detach(), "grad_logits": leaf.grad}


def torch_net(m, x, target, w1, b1, w2, b2, activation):
    act = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "leaky_relu": F.leaky_relu,
           "gelu": F.gelu, "silu": F.silu}[activation]
    leaves = {k: v.clone().requires_grad_(True) for k, v in (("w1", w1), ("b1", b1), ("w2", w2), ("b2", b2))}
    loss = F.cross_entropy(F.linear(act(F.linear(x, leaves["w1"], leaves["b1"])), leaves["w2"], leaves["b2"]), target)
    loss.backward()
    return {"loss": loss.detach(), "grads": {k: v.grad for k, v in leaves.items()}}


# ---------------------------------------------------------------- inputs

def _gen(seed):
    return torch.Generator().manual_seed(seed)


def linear_inputs(case, dtype, seed):
    n, i, o, with_bias = case
    gen = _gen(seed)
    rand = lambda *shape: torch.randn(*shape, generator=gen, dtype=torch.float64).to(dtype)  # noqa: E731
    return {"x": rand(n, i), "weight": rand(o, i), "bias": rand(o) + 0.5 if with_bias else None,
            "grad_out": rand(n, o)}


def ce_inputs(case, dtype, seed):
    n, c, scale = case
    gen = _gen(seed)
    logits = scale * torch.randn(n, c, generator=gen, dtype=torch.float64)
    target = torch.randint(0, c, (n,), generator=gen)
    target[: min(n, c)] = torch.randperm(c, generator=gen)[: min(n, c)]  # several classes, never all the same
    return {"logits": logits.to(dtype), "target": target}


def net_inputs(case, dtype, seed):
    n, i, h, c = case
    gen = _gen(seed)
    rand = lambda *shape: torch.randn(*shape, generator=gen, dtype=torch.float64)  # noqa: E731
    out = {"x": rand(n, i), "w1": rand(h, i) / math.sqrt(i), "b1": 0.3 * rand(h), "w2": rand(c, h) / math.sqrt(h),
           "b2": 0.3 * rand(c)}
    out = {k: v.to(dtype) for k, v in out.items()}
    out["target"] = torch.randint(0, c, (n,), generator=gen)
    return out


def linear_id(case):
    n, i, o, with_bias = case
    return f"N{n}-I{i}-O{o}-{'bias' if with_bias else 'nobias'}"


# ---------------------------------------------------------------- linear

@pytest.mark.part("linear")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", LINEAR_CASES, ids=linear_id)
def test_linear_forward(grader, case, dtype):
    inputs = linear_inputs(case, dtype, seed=LINEAR_CASES.index(case))
    want = grader.reference(torch_linear, **inputs)
    got = grader.student(linear, **inputs)
    n, i, o, with_bias = case
    call = f"linear_forward(x, weight{', bias' if with_bias else ''}) with (N, I, O) = ({n}, {i}, {o}), {dtype}"
    grader.check(got["out"], want["out"], call, hint=HINT_LINEAR)


@pytest.mark.part("linear")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", LINEAR_CASES, ids=linear_id)
def test_linear_backward(grader, case, dtype):
    inputs = linear_inputs(case, dtype, seed=LINEAR_CASES.index(case))
    want = grader.reference(torch_linear, **inputs)
    got = grader.student(linear, **inputs)
    n, i, o, _ = case
    call = f"linear_backward(grad_out, x, weight) with (N, I, O) = ({n}, {i}, {o}), {dtype}"
    names = tuple(HINT_LINEAR_BACK)
    if not isinstance(got["grads"], (tuple, list)) or len(got["grads"]) != 3:
        grader.check(got["grads"], want["grads"], call, names=names, hint="return (grad_x, grad_weight, grad_bias)")
    for k, name in enumerate(names):
        grader.check(got["grads"][k], want["grads"][k], f"{name} of {call}", hint=HINT_LINEAR_BACK[name])


@pytest.mark.part("linear")
def test_linear_leaves_inputs_alone(grader):
    inputs = linear_inputs(LINEAR_CASES[0], torch.float64, seed=30)
    got = grader.student(linear, **inputs)
    for name in ("x", "weight", "bias", "grad_out"):
        grader.check(got["after"][name], inputs[name], f"{name} after linear_forward and linear_backward",
                     hint="compute new tensors (out = out + bias, not out += bias on a view of an input)")


# ---------------------------------------------------------------- softmax

@pytest.mark.part("softmax")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", SOFTMAX_CASES, ids=str)
def test_softmax(grader, case, dtype):
    shape, dim, scale = case
    logits = (scale * torch.randn(*shape, generator=_gen(40 + SOFTMAX_CASES.index(case)),
                                  dtype=torch.float64)).to(dtype)
    got = grader.student(softmax, logits=logits, dim=dim)
    grader.check(got["probs"], torch.softmax(logits, dim=dim), f"softmax(logits, dim={dim}) with logits of shape "
                 f"{shape} up to {scale:g} in magnitude, {dtype}", hint=HINT_SOFTMAX)
    grader.check(got["logits"], logits, "logits after softmax", hint="do not subtract the max in place")


@pytest.mark.part("softmax")
def test_softmax_default_dim_is_last(grader):
    logits = torch.randn(3, 4, 5, generator=_gen(48), dtype=torch.float64)
    got = grader.student(softmax_default_dim, logits=logits)
    grader.check(got, torch.softmax(logits, dim=-1), "softmax(logits) of shape (3, 4, 5) (dim defaults to -1)",
                 hint="normalise along dim, the last one by default")


# ---------------------------------------------------------------- cross-entropy

@pytest.mark.part("cross_entropy")
@pytest.mark.parametrize("output", ["loss", "grad_logits"])
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", CE_CASES, ids=str)
def test_cross_entropy(grader, case, dtype, output):
    inputs = ce_inputs(case, dtype, seed=50 + CE_CASES.index(case))
    want = grader.reference(torch_cross_entropy, **inputs)
    got = grader.student(cross_entropy, **inputs)
    n, c, scale = case
    function = "cross_entropy_forward" if output == "loss" else "cross_entropy_backward"
    grader.check(got[output], want[output], f"{function}(logits, target) with (N, C) = ({n}, {c}), logits up to "
                 f"{scale:g}, {dtype}", hint=HINT_CE if output == "loss" else HINT_CE_BACK)


@pytest.mark.part("cross_entropy")
def test_cross_entropy_leaves_inputs_alone(grader):
    inputs = ce_inputs(CE_CASES[0], torch.float64, seed=59)
    got = grader.student(cross_entropy, **inputs)
    for name in ("logits", "target"):
        grader.check(got[name], inputs[name], f"{name} after cross_entropy_forward and cross_entropy_backward",
                     hint="build the one-hot matrix in a new tensor (torch.zeros_like(logits)), do not write into "
                          "logits")


# ---------------------------------------------------------------- dropout

def dropout_problems(result, x, p):
    """What is wrong with two training draws of dropout_forward(x, p); [] when all is as it must be."""
    out, mask, again = result["out"], result["mask"], result["again_mask"]
    for name, value in (("out", out), ("mask", mask), ("mask of a second call", again)):
        if not isinstance(value, torch.Tensor) or tuple(value.shape) != tuple(x.shape) or value.dtype != x.dtype:
            return [f"{name} should be a {x.dtype} tensor of shape {tuple(x.shape)} (the mask has x's dtype), got "
                    f"{getattr(value, 'dtype', type(value).__name__)} {tuple(getattr(value, 'shape', ()))}"]
    scale = 1.0 / (1.0 - p)
    kept = mask != 0
    off = (mask.double() - scale).abs() > 1e-6 * scale
    if (kept & off).any():
        value = mask[kept & off].flatten()[0].item()
        return [f"the mask holds {value:.6g}, expected only 0 and 1 / (1 - p) = {scale:.6g}"]
    if not torch.allclose(out.double(), x.double() * mask.double(), rtol=1e-6, atol=0.0):
        return ["out differs from x * mask: out must be x where kept, scaled by 1 / (1 - p), and 0 where dropped"]
    n = x.numel()
    dropped = (~kept).double().mean().item()
    se = math.sqrt(p * (1 - p) / n)
    if abs(dropped - p) > 5 * se:
        return [f"over {n} elements, a fraction {dropped:.4f} was dropped, expected p = {p} +- {5 * se:.4f} (p is the "
                f"probability of dropping, not of keeping)"]
    ratio = (out.double() / x.double()).mean().item()
    if abs(ratio - 1.0) > 5 * math.sqrt(p / (1 - p) / n):
        return [f"the mean of out / x is {ratio:.4f}, expected 1 (E[out] = x)"]
    flat = [kept.double().flatten(), (again != 0).double().flatten()]
    limit = 5 / math.sqrt(n)
    for what, a, b in (("two calls", flat[0], flat[1]),
                       ("neighbouring rows", kept[1:].double().flatten(), kept[:-1].double().flatten()),
                       ("neighbouring columns", kept[:, 1:].double().flatten(), kept[:, :-1].double().flatten())):
        r = torch.corrcoef(torch.stack([a, b]))[0, 1].nan_to_num(nan=1.0).abs().item()
        if r > limit:
            return [f"the masks of {what} are correlated (r = {r:.3g}); every element needs its own independent draw, "
                    f"fresh at every call (no torch.manual_seed inside, no mask shared across rows or columns)"]
    return []


@pytest.mark.part("dropout")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("p", DROP_PS, ids=str)
def test_dropout_statistics(grader, p, dtype):
    x = (1.0 + torch.rand(*DROP_SHAPE, generator=_gen(60), dtype=torch.float64)).to(dtype)  # in [1, 2): never 0
    got, want = grader.run(dropout_draws, x=x, p=p)
    mistakes = dropout_problems(want, x, p)
    if mistakes:
        raise RuntimeError(f"the reference fails its own statistics: {mistakes[0]}")
    mistakes = dropout_problems(got, x, p)
    if mistakes:
        grader.fail(f"dropout_forward(x, p={p}) in training, x of shape {DROP_SHAPE}, {dtype}: {mistakes[0]}",
                    hint=HINT_DROP)
    grader.check(got["x"], x, f"x after dropout_forward(x, p={p})", hint="compute out = x * mask, a new tensor")


@pytest.mark.part("dropout")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("p, training", [(0.0, True), (1.0, True), (0.0, False), (0.3, False), (1.0, False),
                                         (0.5, None), (None, None)], ids=str)
def test_dropout_fixed_cases(grader, p, training, dtype):
    x = torch.randn(3, 4, 5, generator=_gen(61), dtype=torch.float64).to(dtype)
    if training is None:  # the default: training=True, so out = x * mask with a random mask (p=0.5 by default)
        call = "dropout_forward(x)" if p is None else f"dropout_forward(x, p={p})"
        hint = "p defaults to 0.5 and training to True" if p is None else "training defaults to True"
        got = grader.student(dropout_fixed, x=x, p=p, training=None)
        mask = got[1] if isinstance(got, (tuple, list)) and len(got) == 2 else None
        if not isinstance(mask, torch.Tensor) or mask.shape != x.shape:
            grader.check(got, (x, x), call, names=("out", "mask"), hint=HINT_DROP)
        grader.check(got[0], x * mask, f"out of {call} (training by default)",
                     hint=f"{hint}: drop at random unless training=False is passed")
        values = set(mask.double().unique().tolist())
        grader.check(values <= {0.0, 2.0} and len(values) == 2, True, f"the mask of {call} holds "
                     f"both 0 and 2 = 1 / (1 - 0.5), nothing else", hint=hint)
        return
    got = grader.student(dropout_fixed, x=x, p=p, training=training)
    drops_all = training and p == 1.0
    expected = (torch.zeros_like(x), torch.zeros_like(x)) if drops_all else (x, torch.ones_like(x))
    hint = ("p == 1 drops every element: out and mask all zeros (1 / (1 - p) would divide by zero)" if drops_all else
            "p == 0 keeps every element, and training=False (evaluation) does nothing: out equals x, mask all ones")
    grader.check(got, expected, f"dropout_forward(x, p={p}, training={training}), {dtype}", names=("out", "mask"),
                 hint=hint)


@pytest.mark.part("dropout")
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("p", [-0.1, 1.5], ids=str)
def test_dropout_rejects_p_outside_0_1(grader, p, training):
    got = grader.student(dropout_errors, x=torch.ones(2, 3), p=p, training=training)
    grader.check(got, "ValueError", f"the exception raised by dropout_forward(x, p={p}, training={training})",
                 hint="raise ValueError unless 0 <= p <= 1, before anything else and in evaluation too (as torch)")


@pytest.mark.part("dropout")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_dropout_backward(grader, dtype):
    gen = _gen(62)
    grad_out = torch.randn(6, 7, generator=gen, dtype=torch.float64).to(dtype)
    mask = ((torch.rand(6, 7, generator=gen) >= 0.25).double() / 0.75).to(dtype)
    got = grader.student(dropout_backward, grad_out=grad_out, mask=mask)
    grader.check(got["grad_x"], grad_out * mask, f"dropout_backward(grad_out, mask) with a mask of p = 0.25, {dtype}",
                 hint="grad_x = grad_out * mask: the mask already holds the 1 / (1 - p) scaling")
    for name, value in (("grad_out", grad_out), ("mask", mask)):
        grader.check(got[name], value, f"{name} after dropout_backward", hint="compute a new tensor")


# ---------------------------------------------------------------- initialisation

def ks_distance(values, cdf):
    """The Kolmogorov-Smirnov distance between the sample `values` and a distribution's CDF."""
    sorted_values = values.double().flatten().sort().values
    n = sorted_values.numel()
    theoretical = cdf(sorted_values)
    above = torch.arange(1, n + 1, dtype=torch.float64) / n - theoretical
    below = theoretical - torch.arange(0, n, dtype=torch.float64) / n
    return max(above.max().item(), below.max().item())


def init_problems(weight, shape, dtype, kind, scale):
    """What is wrong with draws of an initialisation; kind 'uniform' (scale: the bound a) or 'normal' (the std)."""
    if not isinstance(weight, torch.Tensor) or tuple(weight.shape) != shape:
        return [f"should be a tensor of shape {shape} = (fan_out, fan_in), torch.nn.Linear's layout, got "
                f"{type(weight).__name__} {tuple(getattr(weight, 'shape', ()))}"]
    if weight.dtype != dtype:
        return [f"has dtype {weight.dtype}, expected torch's default dtype {dtype}; {HINT_INIT_DTYPE}"]
    w = weight.double().flatten()
    n = w.numel()
    if not torch.isfinite(w).all():
        return ["contains non-finite values"]
    if kind == "uniform":
        variance, fourth = scale ** 2 / 3, scale ** 4 / 5
        if w.abs().max().item() > scale * (1 + 1e-6):
            return [f"has a value {w.abs().max().item():.5g} beyond the bound a = {scale:.5g} of U(-a, a)"]
        if w.abs().max().item() < scale * (1 - 20 / n):
            return [f"never comes near the bound a = {scale:.5g} of U(-a, a) (largest |value| "
                    f"{w.abs().max().item():.5g})"]
        cdf = lambda t: ((t + scale) / (2 * scale)).clamp(0, 1)  # noqa: E731
    else:
        variance, fourth = scale ** 2, 3 * scale ** 4
        cdf = lambda t: 0.5 * torch.erfc(-t / (scale * math.sqrt(2)))  # noqa: E731
    mean_tol = 5 * math.sqrt(variance / n)
    var_tol = 5 * math.sqrt((fourth - variance ** 2) / n)
    if abs(w.mean().item()) > mean_tol:
        return [f"has mean {w.mean().item():.4g} over {n} draws, expected 0 +- {mean_tol:.2g}"]
    if abs(w.var().item() - variance) > var_tol:
        return [f"has variance {w.var().item():.5g} over {n} draws, expected {variance:.5g} +- {var_tol:.2g}"]
    distance = ks_distance(w, cdf)
    if distance > 3 / math.sqrt(n):
        return [f"is not {'uniform' if kind == 'uniform' else 'normal'}: its Kolmogorov-Smirnov distance to "
                f"{'U(-a, a)' if kind == 'uniform' else 'N(0, std^2)'} is {distance:.3g} over {n} draws (chance "
                f"alone stays below {3 / math.sqrt(n):.2g})"]
    return []


def _init_test(grader, scenario, call, kind, scale, shape, default_dtype, hint, **inputs):
    __tracebackhide__ = True
    got, want = grader.run(scenario, **inputs, default_dtype=str(default_dtype).removeprefix("torch."))
    mistakes = init_problems(want, shape, default_dtype, kind, scale)
    if mistakes:
        raise RuntimeError(f"the reference fails its own statistics: {mistakes[0]}")
    mistakes = init_problems(got, shape, default_dtype, kind, scale)
    if mistakes:
        grader.fail(f"{call} {mistakes[0]}", hint=hint)


@pytest.mark.part("initialisation")
@pytest.mark.parametrize("default_dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", XAVIER_CASES, ids=str)
def test_xavier_uniform(grader, case, default_dtype):
    fan_out, fan_in, gain = case
    bound = (1.0 if gain is None else gain) * math.sqrt(6.0 / (fan_in + fan_out))
    given = "" if gain is None else f", gain={gain}"
    _init_test(grader, xavier_draws, f"xavier_uniform({fan_out}, {fan_in}{given}) (default dtype {default_dtype})",
               "uniform", bound, (fan_out, fan_in), default_dtype,
               "weight ~ U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)): 2 * torch.rand(fan_out, fan_in) - 1, "
               "times a", fan_out=fan_out, fan_in=fan_in, gain=gain)


@pytest.mark.part("initialisation")
@pytest.mark.parametrize("default_dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", KAIMING_CASES, ids=str)
def test_kaiming_normal(grader, case, default_dtype):
    fan_out, fan_in, nonlinearity = case
    std = GAINS[nonlinearity or "relu"] / math.sqrt(fan_in)
    given = "" if nonlinearity is None else f", nonlinearity={nonlinearity!r}"
    _init_test(grader, kaiming_draws, f"kaiming_normal({fan_out}, {fan_in}{given}) (default dtype {default_dtype})",
               "normal", std, (fan_out, fan_in), default_dtype,
               "weight ~ N(0, std^2) with std = gain / sqrt(fan_in) (fan_in: the number of COLUMNS), gain from "
               "torch.nn.init.calculate_gain: relu sqrt(2), tanh 5/3, linear and sigmoid 1, leaky_relu "
               "sqrt(2 / (1 + 0.01^2)); torch.randn(fan_out, fan_in) * std",
               fan_out=fan_out, fan_in=fan_in, nonlinearity=nonlinearity)


@pytest.mark.part("initialisation")
@pytest.mark.parametrize("nonlinearity", ["gelu", "ReLU", "selu_"])
def test_kaiming_rejects_other_nonlinearities(grader, nonlinearity):
    got = grader.student(kaiming_errors, nonlinearity=nonlinearity)
    grader.check(got, "ValueError", f"the exception raised by kaiming_normal(4, 3, nonlinearity={nonlinearity!r})",
                 hint="nonlinearity is one of 'linear', 'sigmoid', 'tanh', 'relu', 'leaky_relu' (lower case); raise "
                      "ValueError for anything else instead of guessing a gain")


# ---------------------------------------------------------------- two_layer_net

@pytest.mark.part("two_layer_net")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("activation", NET_ACTIVATIONS)
@pytest.mark.parametrize("case", NET_CASES, ids=lambda c: "N{}-I{}-H{}-C{}".format(*c))
def test_two_layer_net(grader, case, activation, dtype):
    inputs = net_inputs(case, dtype, seed=70 + NET_CASES.index(case))
    want = grader.reference(torch_net, **inputs, activation=activation)
    got = grader.student(net, **inputs, activation=activation)
    call = (f"two_layer_net(x, target, w1, b1, w2, b2, activation={activation!r}) with (N, I, H, C) = {case}, "
            f"{dtype}")
    grader.check(got["loss"], want["loss"], f"loss of {call}",
                 hint="logits = linear(act(linear(x, w1, b1)), w2, b2), loss = cross_entropy_forward(logits, target)")
    grader.check(got["grads"], want["grads"], f"grads of {call}",
                 hint="backwards: grad_logits = cross_entropy_backward(logits, target); linear_backward(grad_logits, "
                      "h, w2) gives grad_h, grads['w2'], grads['b2']; grad_z = act_backward(grad_h, z) at the "
                      "PRE-activation z; linear_backward(grad_z, x, w1) gives grads['w1'], grads['b1']")


@pytest.mark.part("two_layer_net")
def test_two_layer_net_default_is_relu(grader):
    inputs = net_inputs(NET_CASES[0], torch.float64, seed=90)
    want = grader.reference(torch_net, **inputs, activation="relu")
    got = grader.student(net_default, **inputs)
    grader.check(got, (want["loss"], want["grads"]), "two_layer_net(x, target, w1, b1, w2, b2)",
                 names=("loss", "grads"), hint="activation defaults to 'relu'")


@pytest.mark.part("two_layer_net")
def test_two_layer_net_leaves_inputs_alone(grader):
    inputs = net_inputs(NET_CASES[0], torch.float64, seed=91)
    got = grader.student(net, **inputs, activation="tanh")
    for name, value in inputs.items():
        grader.check(got["after"][name], value, f"{name} after two_layer_net(..., activation='tanh')",
                     hint="compute new tensors; do not update the weights in place")
