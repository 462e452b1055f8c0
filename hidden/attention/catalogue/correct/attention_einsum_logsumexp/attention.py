"""Correct: einsum scores, one bool "allowed" mask plus one float bias, weights = exp(scores - logsumexp),
one matmul for all three projections when query, key and value coincide; the encoding from exp/log in float32."""
import math

import torch
from torch import nn


def scaled_dot_product_attention(q, k, v, attn_mask=None, is_causal=False, scale=None):
    if is_causal and attn_mask is not None:
        raise ValueError("attn_mask and is_causal are exclusive")
    if scale is None:
        scale = q.shape[-1] ** -0.5
    scores = torch.einsum("...le,...se->...ls", q, k) * scale
    L, S = scores.shape[-2], scores.shape[-1]
    if is_causal:
        allowed = torch.arange(S)[None, :] <= torch.arange(L)[:, None]
        scores = torch.where(allowed, scores, torch.tensor(-math.inf, dtype=scores.dtype))
    elif attn_mask is not None and attn_mask.dtype == torch.bool:
        scores = torch.where(attn_mask, scores, torch.tensor(-math.inf, dtype=scores.dtype))
    elif attn_mask is not None:
        scores = scores + attn_mask
    weights = torch.exp(scores - torch.logsumexp(scores, dim=-1, keepdim=True))
    return torch.einsum("...ls,...sv->...lv", weights, v), weights


class MultiHeadAttention(nn.Module):
    def __init__(self, embed_dim, num_heads, bias=True):
        super().__init__()
        if embed_dim % num_heads:
            raise ValueError("num_heads must divide embed_dim")
        self.embed_dim, self.num_heads = embed_dim, num_heads
        self.in_proj_weight = nn.Parameter(nn.init.xavier_uniform_(torch.empty(3 * embed_dim, embed_dim)))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * embed_dim)) if bias else None
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True):
        N, L, E = query.shape
        S, H = key.shape[1], self.num_heads
        if query is key and key is value:
            q, k, v = nn.functional.linear(query, self.in_proj_weight, self.in_proj_bias).chunk(3, dim=-1)
        else:
            w = self.in_proj_weight.chunk(3)
            b = self.in_proj_bias.chunk(3) if self.in_proj_bias is not None else (None,) * 3
            q, k, v = (nn.functional.linear(x, wi, bi) for x, wi, bi in zip((query, key, value), w, b, strict=True))
        q = q.unflatten(-1, (H, E // H)).permute(0, 2, 1, 3)
        k = k.unflatten(-1, (H, E // H)).permute(0, 2, 1, 3)
        v = v.unflatten(-1, (H, E // H)).permute(0, 2, 1, 3)
        allowed = torch.ones(N, H, L, S, dtype=torch.bool)
        extra = torch.zeros(N, H, L, S, dtype=query.dtype)
        if attn_mask is not None:
            m = attn_mask.view(N, H, L, S) if attn_mask.dim() == 3 else attn_mask.expand(N, H, L, S)
            if m.dtype == torch.bool:
                allowed = allowed & ~m
            else:
                extra = extra + m
        if key_padding_mask is not None:
            m = key_padding_mask[:, None, None, :].expand(N, H, L, S)
            if m.dtype == torch.bool:
                allowed = allowed & ~m
            else:
                extra = extra + m
        extra = extra.masked_fill(~allowed, -math.inf)
        out, weights = scaled_dot_product_attention(q, k, v, attn_mask=extra)
        out = self.out_proj(out.permute(0, 2, 1, 3).flatten(2))
        if not need_weights:
            return out, None
        return out, weights.mean(1) if average_attn_weights else weights


def sinusoidal_positional_encoding(max_len, d_model):
    if d_model % 2:
        raise ValueError("d_model must be even")
    position = torch.arange(max_len, dtype=torch.float32).unsqueeze(1)
    div = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32) * (-math.log(10000.0) / d_model))
    pe = torch.zeros(max_len, d_model)
    pe[:, 0::2] = torch.sin(position * div)
    pe[:, 1::2] = torch.cos(position * div)
    return pe
