"""Public tests for transformer.py: run `pytest` in this folder. The hidden tests check much more.

The oracle is torch.nn.TransformerEncoderLayer(..., batch_first=True) with the same weights. Your layer uses
your MultiHeadAttention: make test_attention_public.py pass first.
"""
import json
from pathlib import Path

import pytest
import torch
from _checks import check
from transformer import TransformerEncoderLayer, causal_mask

TOL = json.loads((Path(__file__).parent / "public_data.json").read_text())["tolerance"]


def _pair(**config):
    torch.manual_seed(2)
    theirs = torch.nn.TransformerEncoderLayer(batch_first=True, **config).double()
    mine = TransformerEncoderLayer(**config).double()
    mine.load_state_dict(theirs.state_dict())
    return mine, theirs


def test_causal_mask():
    check(causal_mask(4), torch.nn.Transformer.generate_square_subsequent_mask(4) == float("-inf"), "causal_mask(4)",
          hint="a bool tensor, True strictly above the diagonal (True = NOT allowed), not a float -inf mask")


def test_state_dict_is_torchs():
    mine = TransformerEncoderLayer(8, 2, dim_feedforward=16)
    theirs = torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True)
    check(sorted(mine.state_dict()), sorted(theirs.state_dict()), "keys of TransformerEncoderLayer(8, 2, 16)"
          ".state_dict()",
          hint="submodules self_attn, linear1, linear2, norm1, norm2 (and dropout, dropout1, dropout2)")


@pytest.mark.parametrize("norm_first, activation", [(False, "relu"), (True, "gelu")])
def test_against_torch(norm_first, activation):
    mine, theirs = _pair(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0, activation=activation,
                         norm_first=norm_first)
    src = torch.randn(2, 5, 8, dtype=torch.float64)
    mask = causal_mask(5) if norm_first else None
    check(mine(src, src_mask=mask), theirs(src, src_mask=mask), f"TransformerEncoderLayer(norm_first={norm_first}, "
          f"activation={activation!r}) output", tol=TOL,
          hint="post-norm: x = norm1(x + sa(x)); x = norm2(x + ff(x)); norm_first: x = x + sa(norm1(x)); "
               "x = x + ff(norm2(x))")


def test_eval_mode_drops_nothing():
    mine, theirs = _pair(d_model=8, nhead=2, dim_feedforward=16, dropout=0.5)
    mine.eval()
    theirs.eval()
    src = torch.randn(2, 5, 8, dtype=torch.float64)
    check(mine(src), theirs(src), "TransformerEncoderLayer(dropout=0.5) output in eval mode", tol=TOL,
          hint="use the nn.Dropout modules (self.dropout, self.dropout1, self.dropout2): they do nothing in eval mode")
