"""Correct: a loop over the heads, each calling scaled_dot_product_attention on 3-D slices; masks as a large
negative float; the encoding with math.sin and math.cos, entry by entry."""
import math

import torch
from torch import nn


def scaled_dot_product_attention(q, k, v, attn_mask=None, is_causal=False, scale=None):
    if attn_mask is not None and is_causal:
        raise ValueError("either attn_mask or is_causal")
    d = q.size(-1)
    s = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d) if scale is None else torch.matmul(q, k.transpose(-1, -2)) * scale
    if is_causal:
        attn_mask = torch.tril(torch.ones(q.size(-2), k.size(-2))).bool()
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            s = s.masked_fill(attn_mask.logical_not(), float("-inf"))
        else:
            s = s + attn_mask
    w = s.softmax(-1)
    return torch.matmul(w, v), w


class MultiHeadAttention(nn.Module):
    def __init__(self, embed_dim, num_heads, bias=True):
        super().__init__()
        if embed_dim % num_heads != 0:
            raise ValueError(f"{num_heads} heads do not divide {embed_dim}")
        self.embed_dim, self.num_heads, self.head_dim = embed_dim, num_heads, embed_dim // num_heads
        self.in_proj_weight = nn.Parameter(torch.empty(3 * embed_dim, embed_dim))
        nn.init.xavier_uniform_(self.in_proj_weight)
        if bias:
            self.in_proj_bias = nn.Parameter(torch.zeros(3 * embed_dim))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True):
        N, L, E = query.shape
        S, H, D = key.shape[1], self.num_heads, self.head_dim
        wq, wk, wv = self.in_proj_weight[:E], self.in_proj_weight[E:2 * E], self.in_proj_weight[2 * E:]
        q, k, v = query @ wq.T, key @ wk.T, value @ wv.T
        if self.in_proj_bias is not None:
            q = q + self.in_proj_bias[:E]
            k = k + self.in_proj_bias[E:2 * E]
            v = v + self.in_proj_bias[2 * E:]

        def as_float(mask):
            if mask.dtype == torch.bool:
                return torch.where(mask, torch.tensor(float("-inf"), dtype=query.dtype),
                                   torch.tensor(0.0, dtype=query.dtype))
            return mask.to(query.dtype)

        outs, weights = [], []
        for h in range(H):
            bias = torch.zeros(N, L, S, dtype=query.dtype)
            if attn_mask is not None:
                bias = bias + (as_float(attn_mask)[h::H] if attn_mask.dim() == 3 else as_float(attn_mask))
            if key_padding_mask is not None:
                bias = bias + as_float(key_padding_mask).unsqueeze(1)
            o, w = scaled_dot_product_attention(q[..., h * D:(h + 1) * D], k[..., h * D:(h + 1) * D],
                                                v[..., h * D:(h + 1) * D], attn_mask=bias)
            outs.append(o)
            weights.append(w)
        out = self.out_proj(torch.cat(outs, dim=-1))
        if not need_weights:
            return out, None
        stacked = torch.stack(weights, dim=1)
        return out, (sum(weights) / H if average_attn_weights else stacked)


def sinusoidal_positional_encoding(max_len, d_model):
    if d_model % 2 == 1:
        raise ValueError("odd d_model")
    rows = []
    for p in range(max_len):
        row = []
        for i in range(d_model // 2):
            angle = p / 10000 ** (2 * i / d_model)
            row += [math.sin(angle), math.cos(angle)]
        rows.append(row)
    return torch.tensor(rows, dtype=torch.float32).reshape(max_len, d_model)
