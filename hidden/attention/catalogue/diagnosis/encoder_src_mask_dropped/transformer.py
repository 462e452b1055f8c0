"""Variant of src_mask_ignored: src_mask never reaches self_attn.

Written as a loop over the (norm, branch) sublayer pairs, the masks passed to self_attn as one dict,
the activation a method (gelu written out), causal_mask by comparing positions, unlike the catalogue's
edits of the reference."""
import math

import torch
from attention import MultiHeadAttention
from torch import nn


def causal_mask(size):
    position = torch.arange(size)
    return position[:, None] < position[None, :]  # (L, L): key s > query l is NOT allowed


class TransformerEncoderLayer(nn.Module):
    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu", layer_norm_eps=1e-5,
                 norm_first=False):
        super().__init__()
        self.norm_first = norm_first
        self.activation = activation
        self.self_attn = MultiHeadAttention(d_model, nhead)
        self.linear1, self.linear2 = nn.Linear(d_model, dim_feedforward), nn.Linear(dim_feedforward, d_model)
        self.norm1, self.norm2 = (nn.LayerNorm(d_model, eps=layer_norm_eps) for _ in range(2))
        self.dropout, self.dropout1, self.dropout2 = (nn.Dropout(dropout) for _ in range(3))

    def _activate(self, h):
        if self.activation == "relu":
            return torch.relu(h)
        return 0.5 * h * (1 + torch.erf(h / math.sqrt(2)))  # the exact gelu

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        masks = {"key_padding_mask": src_key_padding_mask}

        def attention_branch(h):  # dropout1(self_attn(h, h, h))
            return self.dropout1(self.self_attn(h, h, h, need_weights=False, **masks)[0])

        def feed_forward_branch(h):  # dropout2(linear2(dropout(activation(linear1(h)))))
            return self.dropout2(self.linear2(self.dropout(self._activate(self.linear1(h)))))

        x = src
        for norm, branch in ((self.norm1, attention_branch), (self.norm2, feed_forward_branch)):
            x = x + branch(norm(x)) if self.norm_first else norm(x + branch(x))
        return x
