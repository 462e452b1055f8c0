"""Correct: nn.functional.layer_norm with the LayerNorm modules' parameters, the erf form of gelu written out,
causal_mask from comparing position indices."""
import math

import torch
from attention import MultiHeadAttention
from torch import nn


def causal_mask(size):
    positions = torch.arange(size)
    return positions[None, :] > positions[:, None]


class TransformerEncoderLayer(nn.Module):
    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu", layer_norm_eps=1e-5,
                 norm_first=False):
        super().__init__()
        self.norm_first, self.activation, self.eps = norm_first, activation, layer_norm_eps
        self.self_attn = MultiHeadAttention(d_model, nhead)
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.dropout = nn.Dropout(dropout)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.norm1 = nn.LayerNorm(d_model, eps=layer_norm_eps)
        self.norm2 = nn.LayerNorm(d_model, eps=layer_norm_eps)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)

    def _norm(self, norm, x):
        return nn.functional.layer_norm(x, norm.normalized_shape, norm.weight, norm.bias, self.eps)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        def act(x):
            return torch.relu(x) if self.activation == "relu" else 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))

        def attend(x):
            return self.dropout1(self.self_attn(x, x, x, key_padding_mask=src_key_padding_mask, need_weights=False,
                                                attn_mask=src_mask)[0])

        def feed(x):
            return self.dropout2(self.linear2(self.dropout(act(self.linear1(x)))))

        x = src
        if not self.norm_first:
            x = self._norm(self.norm1, x + attend(x))
            return self._norm(self.norm2, x + feed(x))
        x = x + attend(self._norm(self.norm1, x))
        return x + feed(self._norm(self.norm2, x))
