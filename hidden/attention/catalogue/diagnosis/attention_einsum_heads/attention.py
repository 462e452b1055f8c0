"""A correct attention.py.

Written with einsum throughout: in_proj_weight viewed (3, H, D, E) and projected per head, every
mask folded into one additive (N, H, L, S) bias with torch.where, the heads merged by an einsum with
out_proj.weight viewed (E, H, D), the encoding from one column index, unlike the catalogue's edits of
the reference."""
import math

import torch
from torch import nn


def scaled_dot_product_attention(q, k, v, attn_mask=None, is_causal=False, scale=None):
    if attn_mask is not None and is_causal:
        raise ValueError("give attn_mask or is_causal=True, not both")
    length, source = q.size(-2), k.size(-2)
    factor = q.size(-1) ** -0.5 if scale is None else scale
    scores = torch.einsum("...le,...se->...ls", q, k) * factor  # (..., L, S)
    minus_inf = torch.tensor(float("-inf"), dtype=scores.dtype, device=scores.device)
    if is_causal:
        key, query = torch.arange(source, device=q.device), torch.arange(length, device=q.device)
        later = key[None, :] > query[:, None]  # (L, S): key s after query l
        scores = torch.where(later, minus_inf, scores)
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            scores = torch.where(attn_mask, scores, minus_inf)  # True = may attend
        else:
            scores = scores + attn_mask
    weights = scores.softmax(dim=-1)  # (..., L, S)
    out = torch.einsum("...ls,...sv->...lv", weights, v)  # (..., L, Ev)
    return out, weights


class MultiHeadAttention(nn.Module):
    def __init__(self, embed_dim, num_heads, bias=True):
        super().__init__()
        self.embed_dim, self.num_heads, self.head_dim = embed_dim, num_heads, embed_dim // num_heads
        if embed_dim % num_heads:
            raise ValueError(f"num_heads = {num_heads} does not divide embed_dim = {embed_dim}")
        self.in_proj_weight = nn.Parameter(nn.init.xavier_uniform_(torch.empty(3 * embed_dim, embed_dim)))
        if bias:
            self.in_proj_bias = nn.Parameter(torch.zeros(3 * embed_dim))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        if bias:
            with torch.no_grad():
                self.out_proj.bias.zero_()

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True):
        n, length, features = query.shape
        source = key.size(1)
        heads, dim = self.num_heads, self.head_dim
        blocks = self.in_proj_weight.view(3, heads, dim, features)  # (3, H, D, E): [W_q; W_k; W_v] split per head
        shifts = None if self.in_proj_bias is None else self.in_proj_bias.view(3, 1, heads, 1, dim)  # (3, 1, H, 1, D)

        def project(x, i):  # (N, T, E) -> (N, H, T, D)
            y = torch.einsum("nte,hde->nhtd", x, blocks[i])
            return y if shifts is None else y + shifts[i]

        q, k, v = project(query, 0), project(key, 1), project(value, 2)  # (N, H, L, D), (N, H, S, D) twice

        def additive(mask):  # True = NOT allowed -> -inf; a float mask as it is
            if mask.dtype == torch.bool:
                return torch.where(mask, -math.inf, 0.0).to(query.dtype)
            return mask.to(query.dtype)

        bias = query.new_zeros(n, heads, length, source)  # (N, H, L, S)
        if attn_mask is not None:
            extra = additive(attn_mask)
            if extra.dim() == 3:
                extra = extra.unflatten(0, (n, heads))  # (N * H, L, S) -> (N, H, L, S), entry n * H + h
            bias = bias + extra
        if key_padding_mask is not None:
            bias = bias + additive(key_padding_mask)[:, None, None, :]  # (N, S) -> (N, 1, 1, S)
        heads_out, weights = scaled_dot_product_attention(q, k, v, attn_mask=bias)  # (N, H, L, D), (N, H, L, S)
        merged = torch.einsum("nhld,ehd->nle", heads_out, self.out_proj.weight.view(features, heads, dim))  # (N, L, E)
        out = merged if self.out_proj.bias is None else merged + self.out_proj.bias
        if not need_weights:
            weights = None
        elif average_attn_weights:
            weights = weights.sum(dim=1) / heads  # (N, L, S)
        return out, weights


def sinusoidal_positional_encoding(max_len, d_model):
    if d_model % 2:
        raise ValueError(f"d_model = {d_model} must be even")
    column = torch.arange(d_model, dtype=torch.float64)  # (d_model,)
    rate = 10000.0 ** (-(column - column % 2) / d_model)  # columns 2i and 2i + 1 share a frequency
    angle = torch.arange(max_len, dtype=torch.float64)[:, None] * rate  # (P, d_model)
    pe = torch.where(column % 2 == 0, angle.sin(), angle.cos())  # sin on the even columns, cos on the odd
    return pe.to(torch.float32)
