"""Graph neural network layers from scatter operations up: message passing, GCN, GraphSAGE and GAT.

Conventions (torch_geometric's; graph courses and libraries differ, so read them):
- Shapes: N nodes (num_nodes), E edges, F input features (in_channels), F_out output features
  (out_channels).
- x: (N, F) node features, float32 or float64; node n is row x[n].
- edge_index: (2, E) int64. Column e is one edge j -> i with j = edge_index[0, e] the SOURCE and
  i = edge_index[1, e] the TARGET: the message x[j] flows from j to i and is aggregated at i.
  Edges are directed (an undirected graph lists both j -> i and i -> j), may come in any order, and a
  duplicate edge is a separate message (counted twice). A self-loop i -> i is an ordinary edge unless a
  layer says otherwise. E may be 0.
- A node without incoming edges receives nothing: its aggregate is 0 (for "max" too).
- Outputs keep the dtype of x; inputs are never modified. Gradients come from autograd: keep everything
  differentiable with respect to x and every parameter (no .detach(), .item(), .numpy(), torch.no_grad()).

Forbidden here: torch_geometric, torch_scatter, torch_sparse, dgl (importing any of them).
Allowed: everything in torch: indexing, index_add, scatter_add, scatter_reduce, bincount, torch.sparse,
torch.nn.functional (leaky_relu, normalize, ...) and torch.nn.Linear included.
"""
import torch
from torch import nn

AGGREGATIONS = ("sum", "mean", "max")


def message_passing(x, edge_index, aggr="sum"):
    """Aggregate at every node the features of its in-neighbours: one round of message passing.

    Args:
        x:          (N, F) node features.
        edge_index: (2, E) int64; row 0 the sources j, row 1 the targets i (messages flow j -> i).
        aggr:       "sum", "mean" or "max" (exactly these names; "add" and anything else: ValueError).

    Returns:
        out: (N, F), the dtype of x: out[i] = AGG over the edges j -> i of x[j], feature by feature
             (sum; mean = sum / number of edges j -> i; max = the largest), duplicate edges counted
             each time; out[i] = 0 where i has no incoming edge.
    """
    out = None
    # YOUR CODE HERE
    raise NotImplementedError()
    return out


def gcn_normalized_adjacency(edge_index, num_nodes, add_self_loops=True, dtype=None):
    """The symmetrically normalised adjacency matrix of a GCN layer (Kipf and Welling, 2017), dense.

    Args:
        edge_index:     (2, E) int64; row 0 the sources j, row 1 the targets i.
        num_nodes:      N.
        add_self_loops: add the identity to A first (A + I, see below).
        dtype:          the dtype of the result; None: torch's default dtype (torch.get_default_dtype()).

    Returns:
        (N, N): with A[i, j] = the number of edges j -> i (rows are TARGETS, columns SOURCES; duplicates
        add up), then A = A + I with add_self_loops (literally: an existing self-loop i -> i makes
        A[i, i] = 2; torch_geometric's add_remaining_self_loops would leave it at 1), deg[i] = sum over j
        of A[i, j] (the in-degree, self-loop included),
            out[i, j] = A[i, j] / sqrt(deg[i] * deg[j]),   and 0 wherever deg[i] or deg[j] is 0.
    """
    out = None
    # YOUR CODE HERE
    raise NotImplementedError()
    return out


class GCNLayer(nn.Module):
    """A graph convolution: out = A_norm @ (x @ W.T) + bias, A_norm = gcn_normalized_adjacency with self-loops."""

    def __init__(self, in_channels, out_channels, bias=True):
        """Create the parameters.

        Args:
            in_channels:  F.
            out_channels: F_out.
            bias:         whether to learn a bias.

        Creates:
            self.lin:  torch.nn.Linear(F, F_out, bias=False): weight (F_out, F), torch's initialisation.
            self.bias: (F_out,) torch.nn.Parameter of zeros, or None without bias (register it as None:
                       self.register_parameter("bias", None)).
        """
        super().__init__()
        # YOUR CODE HERE
        raise NotImplementedError()

    def forward(self, x, edge_index):
        """Args: x (N, F) in the module's dtype; edge_index (2, E) int64.

        Returns:
            (N, F_out), the dtype of x: A_norm @ lin(x) + bias (no bias when it is None), where A_norm =
            gcn_normalized_adjacency(edge_index, N, add_self_loops=True) computed in x's dtype (a float64
            x gets a float64 A_norm, not a float32 one converted). The bias is added after the propagation.
        """
        out = None
        # YOUR CODE HERE
        raise NotImplementedError()
        return out


class SAGELayer(nn.Module):
    """GraphSAGE with the mean aggregator (Hamilton et al., 2017), as torch_geometric's SAGEConv."""

    def __init__(self, in_channels, out_channels, normalize=False):
        """Create the parameters.

        Args:
            in_channels:  F.
            out_channels: F_out.
            normalize:    divide each output row by its L2 norm.

        Creates:
            self.lin_l: torch.nn.Linear(F, F_out) (with bias), applied to the neighbours' mean.
            self.lin_r: torch.nn.Linear(F, F_out, bias=False), applied to the node's own features.
            self.normalize: the flag.
        """
        super().__init__()
        self.normalize = normalize
        # YOUR CODE HERE
        raise NotImplementedError()

    def forward(self, x, edge_index):
        """Args: x (N, F) in the module's dtype; edge_index (2, E) int64.

        Returns:
            (N, F_out), the dtype of x: out[i] = lin_l(mean over the edges j -> i of x[j]) + lin_r(x[i]),
            the mean as message_passing(x, edge_index, "mean") (0 for a node without incoming edges, whose
            output is then lin_l's bias + lin_r(x[i])); with normalize, out[i] / max(||out[i]||_2, 1e-12),
            as torch.nn.functional.normalize(out, p=2, dim=-1, eps=1e-12).
        """
        out = None
        # YOUR CODE HERE
        raise NotImplementedError()
        return out


class GATLayer(nn.Module):
    """A graph attention layer with one head (Velickovic et al., 2018), as torch_geometric's GATConv(heads=1)."""

    def __init__(self, in_channels, out_channels, negative_slope=0.2):
        """Create the parameters.

        Args:
            in_channels:    F.
            out_channels:   F_out.
            negative_slope: the slope of the leaky ReLU for negative scores.

        Creates:
            self.lin:     torch.nn.Linear(F, F_out, bias=False).
            self.att_src: (F_out,) torch.nn.Parameter, the attention vector of the source j (any random start,
                          e.g. normal with std 1 / sqrt(F_out)).
            self.att_dst: (F_out,) torch.nn.Parameter, the attention vector of the target i (likewise).
            self.bias:    (F_out,) torch.nn.Parameter of zeros.
            self.negative_slope: the slope.
        """
        super().__init__()
        self.negative_slope = negative_slope
        # YOUR CODE HERE
        raise NotImplementedError()

    def forward(self, x, edge_index, return_attention=False):
        """Attention-weighted mean of the neighbours' transformed features, self included.

        Args:
            x:                (N, F) in the module's dtype.
            edge_index:       (2, E) int64; row 0 the sources j, row 1 the targets i.
            return_attention: also return the edges used and their attention weights.

        Returns:
            out (N, F_out), the dtype of x; with return_attention, (out, (edges, alpha)), where edges
            (2, E') int64 are the edges used and alpha (E',) their weights, alpha[e] the weight of edges[:, e]
            (the order of the columns is yours). The edges used: every self-loop of edge_index is removed
            (duplicates included), then one self-loop i -> i per node is added, so E' = (number of edges
            j -> i with j != i) + N. With h = lin(x) (N, F_out):
                e_ji     = leaky_relu(att_src . h[j] + att_dst . h[i], negative_slope)   for each edge j -> i
                alpha_ji = exp(e_ji) / sum over the edges k -> i of exp(e_ki)   (the softmax at the TARGET i,
                           a duplicate edge counted each time; finite for scores up to |1000|: subtract the
                           largest score at each target first)
                out[i]   = sum over the edges j -> i of alpha_ji * h[j] + bias
        """
        out = edges = alpha = None
        # YOUR CODE HERE
        raise NotImplementedError()
        if return_attention:
            return out, (edges, alpha)
        return out
