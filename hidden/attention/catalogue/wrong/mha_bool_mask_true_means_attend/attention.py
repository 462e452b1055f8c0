"""Attention from scratch: scaled dot-product attention, multi-head attention, sinusoidal positional encoding.

Axis alphabet: N batch, H heads (num_heads), L queries (target length), S keys and values (source length),
E query/key features (embed_dim), Ev value features, D = E // H features per head, P positions.
"..." is any number of leading batch axes (none included), the same for q, k and v.

Conventions (read them: libraries and textbooks differ):
- scores = q @ k^T * scale, scale = 1 / sqrt(E) unless given; weights = softmax of the scores over the KEYS
  (the last axis, S): each query's weights sum to 1; out = weights @ v.
- MASK POLARITY DIFFERS BETWEEN THE TWO FUNCTIONS, as it does in torch:
    scaled_dot_product_attention: a bool attn_mask says True = MAY attend (as
        torch.nn.functional.scaled_dot_product_attention);
    MultiHeadAttention.forward: a bool attn_mask or key_padding_mask says True = NOT ALLOWED to attend
        (as torch.nn.MultiheadAttention).
  A float mask is ADDED to the scores in both (use -inf, or a large negative number, to forbid).
- is_causal: query l may attend to key s only when s <= l, aligned at the top left (row 0 sees key 0 only),
  also when L != S (torch's convention).
- MultiHeadAttention is batch-first: (N, L, E), as torch.nn.MultiheadAttention(..., batch_first=True).
  Its in_proj_weight stacks the query, key and value projections as row blocks [W_q; W_k; W_v], (3E, E);
  head h uses features h*D:(h+1)*D of each projection.
- Outputs keep the dtype of the inputs (float32 or float64); inputs are never modified.

Forbidden here: torch.nn.functional.scaled_dot_product_attention and multi_head_attention_forward,
torch.nn.MultiheadAttention, torch.nn.Transformer*, torch.nn.attention, torch._native_multi_head_attention and
the other private attention kernels, torch.ops, torch._C, torch._VF. Allowed: torch.softmax, matmul, einsum,
nn.Linear, nn.functional.linear, nn.init, everything else.
"""
import math

import torch
from torch import nn


def scaled_dot_product_attention(q, k, v, attn_mask=None, is_causal=False, scale=None):
    """Attention of each query over all keys: out = softmax(q @ k^T * scale + mask) @ v.

    Args:
        q:         (..., L, E) queries.
        k:         (..., S, E) keys.
        v:         (..., S, Ev) values.
        attn_mask: None, or a mask broadcastable to (..., L, S): bool with True = MAY attend (False: the score
                   becomes -inf), or float, ADDED to the scores.
        is_causal: if True, query l attends only to keys s <= l (top-left aligned when L != S).
                   Giving both attn_mask and is_causal=True raises ValueError.
        scale:     the factor of the scores; None means 1 / sqrt(E).

    Returns:
        out:     (..., L, Ev) = weights @ v.
        weights: (..., L, S) = softmax over S (the keys) of the masked, scaled scores; each row sums to 1.
    """
    out, weights = None, None
    if is_causal and attn_mask is not None:
        raise ValueError("scaled_dot_product_attention: give attn_mask or is_causal=True, not both")
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = q @ k.transpose(-2, -1) * scale  # (..., L, S)
    if is_causal:
        length, source = scores.shape[-2:]
        attn_mask = torch.ones(length, source, dtype=torch.bool, device=q.device).tril()  # (L, S)
    if attn_mask is not None and attn_mask.dtype == torch.bool:
        scores = scores.masked_fill(~attn_mask, float("-inf"))
    elif attn_mask is not None:
        scores = scores + attn_mask
    weights = torch.softmax(scores, dim=-1)  # (..., L, S)
    out = weights @ v  # (..., L, Ev)
    return out, weights


class MultiHeadAttention(nn.Module):
    """A drop-in for torch.nn.MultiheadAttention(embed_dim, num_heads, bias=bias, batch_first=True).

    Dropout 0, keys and values of embed_dim features (kdim = vdim = embed_dim), no bias_k/bias_v.
    """

    def __init__(self, embed_dim, num_heads, bias=True):
        """Create the parameters, named and shaped as torch's, so that state_dicts load both ways.

        Args:
            embed_dim: E, the features of queries, keys, values and the output.
            num_heads: H; must divide E (else ValueError), each head has D = E // H features.
            bias:      whether the input and output projections have biases.

        Creates:
            self.in_proj_weight: (3E, E) nn.Parameter, rows [W_q; W_k; W_v], xavier-uniform initialised.
            self.in_proj_bias:   (3E,) nn.Parameter of zeros, or None without bias
                                 (self.register_parameter("in_proj_bias", None)).
            self.out_proj:       nn.Linear(E, E, bias=bias), its bias zeros.
        """
        super().__init__()
        self.embed_dim, self.num_heads, self.head_dim = embed_dim, num_heads, embed_dim // num_heads
        if embed_dim % num_heads != 0:
            raise ValueError(f"MultiHeadAttention: num_heads = {num_heads} must divide embed_dim = {embed_dim}")
        self.in_proj_weight = nn.Parameter(torch.empty(3 * embed_dim, embed_dim))
        if bias:
            self.in_proj_bias = nn.Parameter(torch.zeros(3 * embed_dim))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        nn.init.xavier_uniform_(self.in_proj_weight)
        if bias:
            nn.init.zeros_(self.out_proj.bias)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True):
        """Multi-head attention of the queries over the keys and values.

        Args:
            query:            (N, L, E).
            key:              (N, S, E).
            value:            (N, S, E).
            key_padding_mask: None, or (N, S): bool with True = IGNORE that key (NOT allowed), or float, added
                              to the scores of that key for every query and head.
            need_weights:     whether to return the attention weights.
            attn_mask:        None, or (L, S) (the same for every sample and head) or (N * H, L, S) (entry
                              n * H + h for sample n, head h): bool with True = NOT ALLOWED to attend (the
                              opposite of scaled_dot_product_attention's bool mask), or float, added.
            average_attn_weights: weights averaged over the heads (True) or per head (False).

        Returns:
            out:     (N, L, E) = out_proj(concat over heads of attention(q_h, k_h, v_h)), where
                     [q | k | v] = [query W_q^T + b_q | key W_k^T + b_k | value W_v^T + b_v] and
                     head h takes features h*D:(h+1)*D.
            weights: (N, L, S) averaged over the heads, or (N, H, L, S) with average_attn_weights=False,
                     or None when need_weights is False.
        """
        out, weights = None, None
        n, length, features = query.shape
        source = key.shape[1]
        heads, dim = self.num_heads, self.head_dim

        def additive(mask):  # a True = NOT allowed bool mask as 0 / -inf; a float mask as it is
            if mask.dtype == torch.bool:
                return torch.zeros(mask.shape, dtype=query.dtype, device=query.device).masked_fill(~mask, -math.inf)
            return mask.to(query.dtype)

        w_q, w_k, w_v = self.in_proj_weight.chunk(3)  # (E, E) each
        b_q, b_k, b_v = (None, None, None) if self.in_proj_bias is None else self.in_proj_bias.chunk(3)
        q = nn.functional.linear(query, w_q, b_q).reshape(n, length, heads, dim).transpose(1, 2)  # (N, H, L, D)
        k = nn.functional.linear(key, w_k, b_k).reshape(n, source, heads, dim).transpose(1, 2)  # (N, H, S, D)
        v = nn.functional.linear(value, w_v, b_v).reshape(n, source, heads, dim).transpose(1, 2)  # (N, H, S, D)
        bias = torch.zeros(1, 1, 1, 1, dtype=q.dtype, device=q.device)  # broadcasts to (N, H, L, S)
        if attn_mask is not None:
            if attn_mask.dim() == 3:
                attn_mask = attn_mask.reshape(n, heads, length, source)  # (N * H, L, S) -> (N, H, L, S)
            bias = bias + additive(attn_mask)
        if key_padding_mask is not None:
            bias = bias + additive(key_padding_mask).reshape(n, 1, 1, source)  # (N, S) -> (N, 1, 1, S)
        heads_out, weights = scaled_dot_product_attention(q, k, v, attn_mask=bias)  # (N, H, L, D), (N, H, L, S)
        out = self.out_proj(heads_out.transpose(1, 2).reshape(n, length, features))  # (N, L, E)
        if not need_weights:
            weights = None
        elif average_attn_weights:
            weights = weights.mean(dim=1)  # (N, L, S)
        return out, weights


def sinusoidal_positional_encoding(max_len, d_model):
    """The sinusoidal positional encoding of "Attention is all you need".

    Args:
        max_len: P, the number of positions 0 .. P - 1.
        d_model: the features; must be even (else ValueError).

    Returns:
        pe: (P, d_model) float32 with pe[p, 2i] = sin(p / 10000^(2i / d_model)) and
            pe[p, 2i + 1] = cos(p / 10000^(2i / d_model)): sines on the EVEN columns, cosines on the ODD ones,
            interleaved (not two halves).
    """
    pe = None
    if d_model % 2 != 0:
        raise ValueError(f"sinusoidal_positional_encoding: d_model = {d_model} must be even")
    position = torch.arange(max_len, dtype=torch.float64)[:, None]  # (P, 1)
    frequency = 10000.0 ** (-torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)  # (d_model / 2,)
    angle = position * frequency  # (P, d_model / 2)
    pe = torch.stack((angle.sin(), angle.cos()), dim=-1).reshape(max_len, d_model).float()  # interleaved
    return pe
