"""Wrong: torch's own layer under the contract's name (its state_dict keys are torch's, so only the forbidden-API
check stops it)."""
import torch
from torch import nn


def causal_mask(size):
    return torch.ones(size, size, dtype=torch.bool).triu(diagonal=1)


class TransformerEncoderLayer(nn.TransformerEncoderLayer):
    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu", layer_norm_eps=1e-5,
                 norm_first=False):
        super().__init__(d_model, nhead, dim_feedforward=dim_feedforward, dropout=dropout, activation=activation,
                         layer_norm_eps=layer_norm_eps, norm_first=norm_first, batch_first=True)
        self.self_attn.dropout = 0.0
