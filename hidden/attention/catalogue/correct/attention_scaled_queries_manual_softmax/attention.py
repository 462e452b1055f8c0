"""Correct: the scale applied to q before the product, a hand-written max-subtracted softmax, one linear for
the stacked projections then three slices, masks folded into one additive tensor with finfo.min; the
encoding with pow in float32 and strided column writes."""
import torch
from torch import nn


def scaled_dot_product_attention(q, k, v, attn_mask=None, is_causal=False, scale=None):
    if is_causal and attn_mask is not None:
        raise ValueError("pass attn_mask or is_causal, not both")
    E = q.shape[-1]
    factor = scale if scale is not None else 1.0 / E ** 0.5
    scores = (q * factor) @ k.transpose(-2, -1)
    if is_causal:
        L, S = scores.shape[-2:]
        blocked = torch.ones(L, S, dtype=torch.bool).triu(1)
        scores = scores.masked_fill(blocked, float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            scores = scores.masked_fill(~attn_mask, float("-inf"))
        else:
            scores = scores + attn_mask
    shifted = scores - scores.amax(dim=-1, keepdim=True)
    e = shifted.exp()
    weights = e / e.sum(dim=-1, keepdim=True)
    return weights @ v, weights


class MultiHeadAttention(nn.Module):
    def __init__(self, embed_dim, num_heads, bias=True):
        super().__init__()
        if embed_dim % num_heads != 0:
            raise ValueError("embed_dim must be divisible by num_heads")
        self.num_heads = num_heads
        self.in_proj_weight = nn.Parameter(torch.empty(3 * embed_dim, embed_dim))
        self.register_parameter("in_proj_bias", nn.Parameter(torch.zeros(3 * embed_dim)) if bias else None)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        nn.init.xavier_uniform_(self.in_proj_weight)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True):
        N, L, E = query.shape
        S, H = key.shape[1], self.num_heads
        D = E // H
        b = self.in_proj_bias
        q = nn.functional.linear(query, self.in_proj_weight[:E], None if b is None else b[:E])
        k = nn.functional.linear(key, self.in_proj_weight[E:2 * E], None if b is None else b[E:2 * E])
        v = nn.functional.linear(value, self.in_proj_weight[2 * E:], None if b is None else b[2 * E:])
        q = q.view(N, L, H, D).transpose(1, 2).reshape(N * H, L, D)
        k = k.view(N, S, H, D).transpose(1, 2).reshape(N * H, S, D)
        v = v.view(N, S, H, D).transpose(1, 2).reshape(N * H, S, D)
        add = torch.zeros(N * H, L, S, dtype=query.dtype)
        low = torch.finfo(query.dtype).min
        if attn_mask is not None:
            m = attn_mask.expand(N * H, L, S)
            add = add.masked_fill(m, low) if m.dtype == torch.bool else add + m
        if key_padding_mask is not None:
            m = key_padding_mask.view(N, 1, 1, S).expand(N, H, L, S).reshape(N * H, L, S)
            add = add.masked_fill(m, low) if m.dtype == torch.bool else add + m
        out, weights = scaled_dot_product_attention(q, k, v, attn_mask=add)
        out = self.out_proj(out.view(N, H, L, D).transpose(1, 2).reshape(N, L, E))
        weights = weights.view(N, H, L, S)
        if not need_weights:
            weights = None
        elif average_attn_weights:
            weights = weights.mean(dim=1)
        return out, weights


def sinusoidal_positional_encoding(max_len, d_model):
    if d_model % 2 != 0:
        raise ValueError(f"d_model={d_model} is odd")
    pe = torch.empty(max_len, d_model, dtype=torch.float32)
    pos = torch.arange(max_len, dtype=torch.float32)[:, None]
    inv = torch.pow(torch.tensor(10000.0), -torch.arange(0, d_model, 2, dtype=torch.float32) / d_model)
    pe[:, ::2] = (pos * inv).sin()
    pe[:, 1::2] = (pos * inv).cos()
    return pe
