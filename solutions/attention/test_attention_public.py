"""Public tests for attention.py: run `pytest` in this folder. The hidden tests check much more.

The oracle is torch itself (torch.nn.functional.scaled_dot_product_attention, torch.nn.MultiheadAttention) with
the same inputs and weights; the weights of one masked case come from public_data.json.
"""
import json
import math
from pathlib import Path

import pytest
import torch
from _checks import check
from attention import MultiHeadAttention, scaled_dot_product_attention, sinusoidal_positional_encoding

DATA = json.loads((Path(__file__).parent / "public_data.json").read_text())
TOL = DATA["tolerance"]
GEN = torch.Generator().manual_seed(0)


def randn(*shape):
    return torch.randn(*shape, generator=GEN, dtype=torch.float64)


def test_sdpa_against_torch():
    q, k, v = randn(2, 3, 5), randn(2, 4, 5), randn(2, 4, 6)  # L = 3 != S = 4, E = 5 != Ev = 6
    out, weights = scaled_dot_product_attention(q, k, v)
    check(out, torch.nn.functional.scaled_dot_product_attention(q, k, v), "out of scaled_dot_product_attention",
          tol=TOL, hint="out = softmax(q @ k^T / sqrt(E)) @ v, E the features of q and k (not of v)")
    check(weights.sum(dim=-1), torch.ones(2, 3, dtype=torch.float64), "weights.sum(dim=-1)", tol=TOL,
          hint="weights sum to 1 over the keys (softmax over the last axis, S), not over the queries")


def test_sdpa_bool_mask_allows_where_true():
    case = DATA["masked"]
    q, k, v = (torch.tensor(case[key], dtype=torch.float64) for key in ("q", "k", "v"))
    out, weights = scaled_dot_product_attention(q, k, v, attn_mask=torch.tensor(case["attn_mask"]))
    hint = ("here a bool attn_mask says True = MAY attend: masked_fill the scores with -inf where the mask is "
            "False (nn.MultiheadAttention's masks say the opposite; not here)")
    check(weights, torch.tensor(case["weights"], dtype=torch.float64), "weights with a bool attn_mask", tol=TOL,
          hint=hint)
    check(out, torch.tensor(case["out"], dtype=torch.float64), "out with a bool attn_mask", tol=TOL, hint=hint)


def test_sdpa_causal_is_top_left_aligned():
    q, k, v = randn(2, 5), randn(3, 5), randn(3, 2)  # L = 2 < S = 3
    _, weights = scaled_dot_product_attention(q, k, v, is_causal=True)
    check(weights[0, 1:], torch.zeros(2, dtype=torch.float64), "weights[0, 1:] with is_causal=True, L=2, S=3",
          tol=TOL, hint="query l attends to keys s <= l, aligned at the top left: query 0 sees key 0 only")
    with pytest.raises(ValueError):
        scaled_dot_product_attention(q, k, v, attn_mask=torch.ones(2, 3, dtype=torch.bool), is_causal=True)


def _pair(embed_dim, num_heads, bias=True):
    torch.manual_seed(1)
    theirs = torch.nn.MultiheadAttention(embed_dim, num_heads, bias=bias, batch_first=True).double()
    with torch.no_grad():
        for p in theirs.parameters():
            p.normal_(0, 0.5)
    mine = MultiHeadAttention(embed_dim, num_heads, bias=bias).double()
    mine.load_state_dict(theirs.state_dict())
    return mine, theirs


def test_mha_state_dict_is_torchs():
    for bias in (True, False):
        mine = MultiHeadAttention(8, 2, bias=bias)
        theirs = torch.nn.MultiheadAttention(8, 2, bias=bias, batch_first=True)
        check(sorted(mine.state_dict()), sorted(theirs.state_dict()), f"keys of MultiHeadAttention(8, 2, bias={bias})"
              f".state_dict()", hint="in_proj_weight (3E, E), in_proj_bias (3E,) or None (register_parameter), "
              "out_proj = nn.Linear(E, E, bias=bias)")
    with pytest.raises(ValueError):
        MultiHeadAttention(6, 4)


@pytest.mark.parametrize("heads", [1, 2])
def test_mha_against_torch(heads):
    mine, theirs = _pair(8, heads)
    query, key = randn(2, 3, 8), randn(2, 5, 8)
    got, want = mine(query, key, key, average_attn_weights=False), theirs(query, key, key, average_attn_weights=False)
    check(got, want, f"MultiHeadAttention(8, {heads})(query (2, 3, 8), key = value (2, 5, 8))", tol=TOL,
          names=("out", "weights (per head)"), hint="project with the row blocks of in_proj_weight, split E into "
          "heads of D = E // H, attend per head with scale 1 / sqrt(D), concatenate, apply out_proj")


def test_mha_masks_block_where_true():
    mine, theirs = _pair(8, 2)
    x = randn(2, 4, 8)
    mask = torch.ones(4, 4, dtype=torch.bool).triu(1)
    padding = torch.tensor([[False, False, True, False], [False, False, False, True]])
    got = mine(x, x, x, attn_mask=mask, key_padding_mask=padding)
    want = theirs(x, x, x, attn_mask=mask, key_padding_mask=padding)
    check(got, want, "MultiHeadAttention with a bool attn_mask and key_padding_mask", tol=TOL, names=("out", "weights"),
          hint="MultiHeadAttention's bool masks say True = NOT allowed (the opposite of "
               "scaled_dot_product_attention's)")


def test_positional_encoding():
    pe = sinusoidal_positional_encoding(6, 4)
    want = torch.tensor([[f(p / 10000 ** (2 * (j // 2) / 4)) for j, f in enumerate([math.sin, math.cos] * 2)]
                         for p in range(6)], dtype=torch.float32)
    check(pe, want, "sinusoidal_positional_encoding(6, 4)", tol=TOL,
          hint="pe[p, 2i] = sin(p / 10000^(2i / d_model)), pe[p, 2i + 1] = cos(...): interleaved columns, float32")
    with pytest.raises(ValueError):
        sinusoidal_positional_encoding(6, 5)
