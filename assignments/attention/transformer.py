"""A transformer encoder layer from your own attention: a drop-in for torch.nn.TransformerEncoderLayer.

Axis alphabet: N batch, L sequence length, E = d_model features, F = dim_feedforward hidden features.
Batch-first: src is (N, L, E), as torch.nn.TransformerEncoderLayer(..., batch_first=True).

Conventions (the same as torch's layer):
- self_attn is YOUR MultiHeadAttention (from attention.py next to this file), called as
  self_attn(x, x, x, attn_mask=src_mask, key_padding_mask=src_key_padding_mask, need_weights=False).
  Masks keep nn.MultiheadAttention's polarity: a bool mask says True = NOT allowed to attend; a float mask
  is added to the scores.
- The feed-forward block is ff(x) = linear2(dropout(activation(linear1(x)))), activation "relu" or "gelu"
  (the exact, erf form of gelu).
- Post-norm (norm_first=False, the default): x = norm1(x + sa(x)); x = norm2(x + ff(x)).
  Pre-norm (norm_first=True):               x = x + sa(norm1(x)); x = x + ff(norm2(x)).
  where sa(x) = dropout1(self_attn(x, x, x, ...)[0]) and the feed-forward branch is dropout2(ff(x)).
- Dropout: three nn.Dropout(dropout) modules, `dropout` on the feed-forward hidden layer, `dropout1` and
  `dropout2` on the two residual branches; nothing else is dropped, and nothing at all in eval mode.
- Submodule names are torch's (self_attn, linear1, dropout, linear2, norm1, norm2, dropout1, dropout2), so
  that state_dict keys are torch's and state_dicts load both ways.

Forbidden here: torch.nn.TransformerEncoderLayer, TransformerEncoder, Transformer and the other
torch.nn.Transformer*, torch.nn.MultiheadAttention, torch.nn.functional.scaled_dot_product_attention and
multi_head_attention_forward, torch.ops, torch._C, torch._VF. Allowed: nn.Linear, nn.LayerNorm, nn.Dropout,
nn.functional.relu and gelu, everything else.
"""
import torch
from attention import MultiHeadAttention
from torch import nn


def causal_mask(size):
    """The mask that lets position l attend only to positions s <= l.

    Args:
        size: L.

    Returns:
        mask: (L, L) bool, True strictly ABOVE the diagonal (s > l: NOT allowed, nn.MultiheadAttention's
              polarity); where torch.nn.Transformer.generate_square_subsequent_mask puts -inf.
    """
    mask = None
    # YOUR CODE HERE
    raise NotImplementedError()
    return mask


class TransformerEncoderLayer(nn.Module):
    """Self-attention and a feed-forward block, each with a residual connection and a LayerNorm."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu", layer_norm_eps=1e-5,
                 norm_first=False):
        """Create the submodules with torch's names.

        Args:
            d_model:         E.
            nhead:           the heads of self_attn.
            dim_feedforward: F, the hidden features of the feed-forward block.
            dropout:         the probability of each of the three nn.Dropout modules.
            activation:      "relu" or "gelu".
            layer_norm_eps:  eps of norm1 and norm2.
            norm_first:      pre-norm (True) or post-norm (False).

        Creates:
            self.self_attn: MultiHeadAttention(E, nhead) (yours, with biases).
            self.linear1:   nn.Linear(E, F);  self.linear2: nn.Linear(F, E).
            self.norm1, self.norm2: nn.LayerNorm(E, eps=layer_norm_eps).
            self.dropout, self.dropout1, self.dropout2: nn.Dropout(dropout).
        """
        super().__init__()
        self.norm_first = norm_first
        self.activation = activation
        # YOUR CODE HERE
        raise NotImplementedError()

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        """One encoder layer.

        Args:
            src:                  (N, L, E).
            src_mask:             None, or (L, L) or (N * nhead, L, L): bool with True = NOT allowed, or float,
                                  added (as MultiHeadAttention's attn_mask).
            src_key_padding_mask: None, or (N, L): bool with True = ignore that position as a key, or float.
            is_causal:            a hint that src_mask is causal_mask(L) (it is given too, as in torch); you
                                  may ignore it.

        Returns:
            out: (N, L, E), post-norm x = norm1(x + sa(x)); x = norm2(x + ff(x)), or with norm_first
                 x = x + sa(norm1(x)); x = x + ff(norm2(x)) (the module docstring gives sa and ff).
        """
        out = None
        # YOUR CODE HERE
        raise NotImplementedError()
        return out
