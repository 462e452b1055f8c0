"""Hidden tests of transformer.py: TransformerEncoderLayer against torch.nn.TransformerEncoderLayer(batch_first=True)
with the same weights (run here, the oracle): training mode with dropout 0, eval mode with dropout > 0, the
three dropout modules one at a time (p = 1 is deterministic), the dropout statistics (draw-independent: the
mean of many draws within 5 standard errors), gradients, state_dicts both ways, and causal_mask.

TransformerEncoderLayer uses the submission's own MultiHeadAttention, so a wrong attention.py costs points here
too (the catalogue says where)."""
import pytest
import torch
from attn_cases import ENCODER_CASES, ENCODER_GRAD_CASES, Encoder, case_id, encoder_call, encoder_inputs

HINT_LAYER = ("post-norm: x = norm1(x + sa(x)); x = norm2(x + ff(x)); norm_first: x = x + sa(norm1(x)); "
              "x = x + ff(norm2(x)); sa(x) = dropout1(self_attn(x, x, x, attn_mask=src_mask, key_padding_mask="
              "src_key_padding_mask)[0]), ff(x) = dropout2(linear2(dropout(activation(linear1(x))))); gelu is the "
              "exact (erf) one; nothing is dropped in eval mode")
HINT_DROPOUT = ("three nn.Dropout modules, as torch's layer: `dropout` on the feed-forward hidden layer (after the "
                "activation), `dropout1` on the attention branch and `dropout2` on the feed-forward branch, each "
                "before its residual addition; use the modules themselves (self.dropout1(...)), so that their p and "
                "the train/eval mode apply")


def encoder(m, impl, state, config, src, options, train, grad_out, p=None):
    """Build the layer, load the state, set the dropout modules' p if given, run it once in the given mode."""
    if impl == "torch":
        layer = torch.nn.TransformerEncoderLayer(batch_first=True, **config)
        layer.self_attn.dropout = 0.0  # torch's layer also drops attention weights; this contract does not
    else:
        layer = m.transformer.TransformerEncoderLayer(**config)
    layer = layer.to(src.dtype)
    layer.load_state_dict(state)
    for name, value in (p or {}).items():
        getattr(layer, name).p = value
    layer.train(train)
    if grad_out is not None:
        src = src.clone().requires_grad_(True)
    out = layer(src, **options)
    result = {"out": out.detach() if isinstance(out, torch.Tensor) else out}
    if grad_out is not None:
        names = sorted(name for name, _ in layer.named_parameters())
        parameters = dict(layer.named_parameters())
        grads = torch.autograd.grad((out * grad_out).sum(), [src] + [parameters[n] for n in names], allow_unused=True)
        result["grad_src"] = grads[0]
        result["parameter_grads"] = dict(zip(names, grads[1:], strict=True))
    return result


def draws(m, state, config, src, options, p, copies):
    """The mean and standard error over `copies` independent draws of the layer's training output (each copy a
    batch row of the same input), and whether two calls on the same input differ."""
    layer = m.transformer.TransformerEncoderLayer(**config).to(src.dtype)
    layer.load_state_dict(state)
    for name, value in p.items():
        getattr(layer, name).p = value
    layer.train()
    with torch.no_grad():
        out = layer(src.expand(copies, *src.shape[1:]), **options)  # (copies, L, E)
        again = layer(src.expand(64, *src.shape[1:]), **options)  # (64, L, E): a batch of 64 draws, twice
        once = layer(src.expand(64, *src.shape[1:]), **options)
    return {"mean": out.mean(dim=0), "standard error": out.std(dim=0) / copies ** 0.5,
            "two calls differ": not bool(torch.equal(again, once))}


def anatomy(m, config):
    layer = m.transformer.TransformerEncoderLayer(**config)
    return {name: list(value.shape) for name, value in layer.state_dict().items()}


def state_into_torch(m, state, config, src):
    layer = m.transformer.TransformerEncoderLayer(**config).double()
    layer.load_state_dict(state)
    twin = torch.nn.TransformerEncoderLayer(batch_first=True, **config).double()
    twin.load_state_dict(layer.state_dict())
    twin.eval()
    return twin(src).detach()


def mask(m, size):
    return m.transformer.causal_mask(size)


def _inputs(case, grad=False):
    table = ENCODER_GRAD_CASES if grad else ENCODER_CASES
    return encoder_inputs(case, (7000 if grad else 6000) + table.index(case), grad=grad)


# --- encoder_layer -----------------------------------------------------------------------------------

@pytest.mark.part("encoder_layer")
@pytest.mark.parametrize("case", ENCODER_CASES, ids=case_id)
def test_forward_against_torch(grader, case):
    kwargs = _inputs(case)
    got = grader.student(encoder, impl="student", **kwargs)
    want = grader.reference(encoder, impl="torch", **kwargs)
    grader.check(got["out"], want["out"], f"output of {encoder_call(case)}", hint=HINT_LAYER)


# --- encoder_gradients -------------------------------------------------------------------------------

@pytest.mark.part("encoder_gradients")
@pytest.mark.parametrize("case", ENCODER_GRAD_CASES, ids=case_id)
def test_gradients_against_torch(grader, case):
    kwargs = _inputs(case, grad=True)
    got = grader.student(encoder, impl="student", **kwargs)
    want = grader.reference(encoder, impl="torch", **kwargs)
    grader.check(got["grad_src"], want["grad_src"], f"gradient wrt src of sum(out * g) through {encoder_call(case)}",
                 hint="let autograd do it: no .detach() between src and the output")
    grader.check(got["parameter_grads"], want["parameter_grads"], f"parameter gradients through {encoder_call(case)}",
                 hint="every parameter (self_attn's, linear1, linear2, norm1, norm2) must reach the output")


# --- encoder_dropout ---------------------------------------------------------------------------------

DROPPED = ["dropout", "dropout1", "dropout2"]
DROPOUT_CASES = [Encoder(2, 4, 6, 2, F=5, dropout=0.5), Encoder(2, 4, 6, 2, F=5, dropout=0.5, norm_first=True,
                                                                activation="gelu", padding="bool")]


@pytest.mark.part("encoder_dropout")
@pytest.mark.parametrize("which", DROPPED)
@pytest.mark.parametrize("case", DROPOUT_CASES, ids=case_id)
def test_one_dropout_module_drops_everything(grader, case, which):
    kwargs = encoder_inputs(case, 8000 + DROPOUT_CASES.index(case))
    p = {name: 1.0 if name == which else 0.0 for name in DROPPED}
    got = grader.student(encoder, impl="student", p=p, **kwargs)
    want = grader.reference(encoder, impl="torch", p=p, **kwargs)
    grader.check(got["out"], want["out"], f"training output of {encoder_call(case)} with {which}.p = 1 and the other "
                 f"two dropout modules' p = 0", hint=HINT_DROPOUT)


@pytest.mark.part("encoder_dropout")
@pytest.mark.parametrize("which", DROPPED)
def test_dropout_keeps_the_mean(grader, which):
    """Inverted dropout: the mean over many draws is the output with that module's p = 0 (norm_first, where the
    output is linear in what each module drops; the feed-forward branch zeroed for dropout1)."""
    case = Encoder(1, 3, 6, 2, F=5, dropout=0.5, norm_first=True)
    kwargs = encoder_inputs(case, 8100 + DROPPED.index(which))
    p = {"dropout": 0.0, "dropout1": 0.0, "dropout2": 0.0, which: 0.5}
    if which == "dropout1":
        p["dropout"] = 1.0  # ff = linear2.bias: the output stays linear in dropout1's draw
    got = grader.student(draws, state=kwargs["state"], config=kwargs["config"], src=kwargs["src"],
                         options=kwargs["options"], p=p, copies=4000)
    target = grader.reference(encoder, impl="torch", p=p | {which: 0.0}, **kwargs)["out"][0]
    grader.check(got["two calls differ"], True, f"whether two training calls of {encoder_call(case)} with "
                 f"{which}.p = 0.5 differ", hint="draw a fresh dropout mask at every call (nn.Dropout does)")
    mean, error = got["mean"], got["standard error"]
    if not isinstance(mean, torch.Tensor) or not isinstance(error, torch.Tensor) or mean.shape != target.shape:
        grader.fail(f"the training output of {encoder_call(case)} has the wrong shape", hint=HINT_DROPOUT)
    far = (mean - target).abs() > 5 * error + 1e-6
    if far.any():
        index = tuple(int(i) for i in far.nonzero()[0])
        grader.fail(f"the mean of 4000 training outputs of {encoder_call(case)} with {which}.p = 0.5 is "
                    f"{mean[index].item():.4f} at {index}, more than 5 standard errors "
                    f"({error[index].item():.2g}) from {target[index].item():.4f}, the output with {which}.p = 0",
                    hint="inverted dropout keeps the mean: kept values are scaled by 1 / (1 - p); " + HINT_DROPOUT)


# --- encoder_module ----------------------------------------------------------------------------------

MODULE_CONFIGS = [{"d_model": 8, "nhead": 2, "dim_feedforward": 16},
                  {"d_model": 6, "nhead": 3, "dim_feedforward": 5, "norm_first": True, "activation": "gelu"}]


@pytest.mark.part("encoder_module")
@pytest.mark.parametrize("config", MODULE_CONFIGS, ids=["post-norm", "norm-first"])
def test_state_dict_keys(grader, config):
    got = grader.student(anatomy, config=config)
    want = {name: list(value.shape)
            for name, value in torch.nn.TransformerEncoderLayer(batch_first=True, **config).state_dict().items()}
    grader.check(sorted(got) if isinstance(got, dict) else got, sorted(want), "the keys of state_dict()",
                 hint="name the submodules as torch does: self_attn (your MultiHeadAttention), linear1, linear2, "
                      "norm1, norm2 (nn.LayerNorm), dropout, dropout1, dropout2")
    grader.check(got, want, "the shapes in state_dict()", hint="linear1 is nn.Linear(d_model, dim_feedforward), "
                 "linear2 nn.Linear(dim_feedforward, d_model), norm1 and norm2 nn.LayerNorm(d_model)")


@pytest.mark.part("encoder_module")
@pytest.mark.parametrize("case", [ENCODER_CASES[0], ENCODER_CASES[8]], ids=case_id)
def test_state_dict_into_torch(grader, case):
    kwargs = encoder_inputs(case, 8200)
    state = {name: value.double() for name, value in kwargs["state"].items()}
    src = kwargs["src"].double()
    got = grader.student(state_into_torch, state=state, config=kwargs["config"], src=src)
    twin = torch.nn.TransformerEncoderLayer(batch_first=True, **kwargs["config"]).double()
    twin.load_state_dict(state)
    twin.eval()
    grader.check(got, twin(src).detach(), "torch.nn.TransformerEncoderLayer after "
                 "load_state_dict(your_layer.state_dict())", hint="state_dict() must hold torch's keys with the values "
                 "the layer was loaded with")


def default_shapes(m):
    """The state_dict shapes of TransformerEncoderLayer(6, 2), every other argument left out (nothing run)."""
    layer = m.transformer.TransformerEncoderLayer(6, 2)
    return {name: list(value.shape) for name, value in layer.state_dict().items()}


def defaults(m, state, src):
    """TransformerEncoderLayer(d_model, nhead) with every other argument left out: its shapes, and its eval output
    once loaded with `state`."""
    layer = m.transformer.TransformerEncoderLayer(src.shape[-1], 2).double()
    shapes = {name: list(value.shape) for name, value in layer.state_dict().items()}
    layer.load_state_dict(state)
    layer.eval()
    return {"shapes": shapes, "out": layer(src).detach()}


def _defaults_case():
    """torch's TransformerEncoderLayer(6, 2) with its defaults, norms perturbed so that they count; a src."""
    torch.manual_seed(8300)
    twin = torch.nn.TransformerEncoderLayer(6, 2, batch_first=True).double()
    with torch.no_grad():
        for norm in (twin.norm1, twin.norm2):  # torch starts them at ones and zeros
            norm.weight.add_(0.3 * torch.randn_like(norm.weight))
            norm.bias.add_(0.3 * torch.randn_like(norm.bias))
    twin.eval()
    state = {name: value.clone() for name, value in twin.state_dict().items()}
    src = torch.randn(2, 4, 6, generator=torch.Generator().manual_seed(8301), dtype=torch.float64)
    return twin, state, src


HINT_DEFAULTS = ("the defaults are torch's: dim_feedforward=2048, dropout=0.1, activation='relu', layer_norm_eps=1e-5, "
                 "norm_first=False (post-norm)")


@pytest.mark.part("encoder_module")
def test_default_shapes_as_torch(grader):
    _, state, _ = _defaults_case()
    got = grader.student(default_shapes)
    grader.check(got, {name: list(value.shape) for name, value in state.items()},
                 "the shapes in TransformerEncoderLayer(6, 2).state_dict(), every other argument left out",
                 hint=HINT_DEFAULTS)


@pytest.mark.part("encoder_layer")
def test_default_output_as_torch(grader):
    twin, state, src = _defaults_case()
    got = grader.student(defaults, state=state, src=src)
    grader.check(got["out"], twin(src).detach(), "the eval-mode output of TransformerEncoderLayer(6, 2), every other "
                 "argument left out, loaded with torch's state", hint=HINT_DEFAULTS)


# --- causal_mask -------------------------------------------------------------------------------------

@pytest.mark.part("causal_mask")
@pytest.mark.parametrize("size", [1, 2, 3, 5, 8])
def test_causal_mask(grader, size):
    got = grader.student(mask, size=size)
    want = torch.nn.Transformer.generate_square_subsequent_mask(size) == float("-inf")
    grader.check(got, want, f"causal_mask({size})",
                 hint="a bool (L, L) tensor, True strictly above the diagonal (key s > query l: NOT allowed), "
                      "False on and below it")
