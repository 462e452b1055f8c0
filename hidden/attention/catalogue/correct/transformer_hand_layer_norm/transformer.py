"""Correct: layer normalisation written out (biased variance, eps inside the square root) with the norm
modules' weight and bias, causal_mask as the complement of a lower triangle."""
import torch
from attention import MultiHeadAttention
from torch import nn


def causal_mask(size):
    return torch.ones(size, size).tril() == 0


def layer_norm(x, norm):
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + norm.eps) * norm.weight + norm.bias


class TransformerEncoderLayer(nn.Module):
    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu", layer_norm_eps=1e-5,
                 norm_first=False):
        super().__init__()
        self.self_attn = MultiHeadAttention(d_model, nhead)
        self.linear1, self.linear2 = nn.Linear(d_model, dim_feedforward), nn.Linear(dim_feedforward, d_model)
        self.norm1, self.norm2 = nn.LayerNorm(d_model, layer_norm_eps), nn.LayerNorm(d_model, layer_norm_eps)
        self.dropout, self.dropout1, self.dropout2 = nn.Dropout(dropout), nn.Dropout(dropout), nn.Dropout(dropout)
        self.norm_first, self.gelu = norm_first, activation == "gelu"

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        def sa(x):
            out, _ = self.self_attn(x, x, x, src_key_padding_mask, False, src_mask)
            return self.dropout1(out)

        def ff(x):
            h = self.linear1(x)
            h = nn.functional.gelu(h) if self.gelu else h.clamp(min=0)
            return self.dropout2(self.linear2(self.dropout(h)))

        if self.norm_first:
            x = src + sa(layer_norm(src, self.norm1))
            return x + ff(layer_norm(x, self.norm2))
        x = layer_norm(src + sa(src), self.norm1)
        return layer_norm(x + ff(x), self.norm2)
