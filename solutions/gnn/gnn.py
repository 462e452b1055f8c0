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
    ### BEGIN SOLUTION
    if aggr not in AGGREGATIONS:
        raise ValueError(f"aggr must be 'sum', 'mean' or 'max', got {aggr!r}")
    source, target = edge_index[0], edge_index[1]  # (E,), (E,)
    messages = x[source]  # (E, F): the message of each edge j -> i is x[j]
    index = target[:, None].expand_as(messages)  # (E, F): each message goes to row i
    zeros = x.new_zeros(x.shape)  # (N, F)
    if aggr == "max":
        out = zeros.scatter_reduce(0, index, messages, "amax", include_self=False)  # rows without edges stay 0
    else:
        out = zeros.scatter_add(0, index, messages)  # (N, F)
        if aggr == "mean":
            count = torch.bincount(target, minlength=x.shape[0]).clamp(min=1)  # (N,): in-degree, 1 where 0
            out = out / count.to(x.dtype)[:, None]
    ### END SOLUTION
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
    ### BEGIN SOLUTION
    dtype = torch.get_default_dtype() if dtype is None else dtype
    adjacency = torch.zeros(num_nodes, num_nodes, dtype=dtype)  # (N, N): rows targets i, columns sources j
    ones = torch.ones(edge_index.shape[1], dtype=dtype)  # (E,)
    adjacency = adjacency.index_put((edge_index[1], edge_index[0]), ones, accumulate=True)
    if add_self_loops:
        adjacency = adjacency + torch.eye(num_nodes, dtype=dtype)
    degree = adjacency.sum(dim=1)  # (N,)
    inv_sqrt = torch.where(degree > 0, degree.clamp(min=1).rsqrt(), torch.zeros_like(degree))  # (N,)
    out = inv_sqrt[:, None] * adjacency * inv_sqrt[None, :]  # (N, N)
    ### END SOLUTION
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
        ### BEGIN SOLUTION
        self.lin = nn.Linear(in_channels, out_channels, bias=False)
        if bias:
            self.bias = nn.Parameter(torch.zeros(out_channels))
        else:
            self.register_parameter("bias", None)
        ### END SOLUTION

    def forward(self, x, edge_index):
        """Args: x (N, F) in the module's dtype; edge_index (2, E) int64.

        Returns:
            (N, F_out), the dtype of x: A_norm @ lin(x) + bias (no bias when it is None), where A_norm =
            gcn_normalized_adjacency(edge_index, N, add_self_loops=True) computed in x's dtype (a float64
            x gets a float64 A_norm, not a float32 one converted). The bias is added after the propagation.
        """
        out = None
        ### BEGIN SOLUTION
        norm = gcn_normalized_adjacency(edge_index, x.shape[0], add_self_loops=True, dtype=x.dtype)  # (N, N)
        out = norm @ self.lin(x)  # (N, F_out)
        if self.bias is not None:
            out = out + self.bias
        ### END SOLUTION
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
        ### BEGIN SOLUTION
        self.lin_l = nn.Linear(in_channels, out_channels)
        self.lin_r = nn.Linear(in_channels, out_channels, bias=False)
        ### END SOLUTION

    def forward(self, x, edge_index):
        """Args: x (N, F) in the module's dtype; edge_index (2, E) int64.

        Returns:
            (N, F_out), the dtype of x: out[i] = lin_l(mean over the edges j -> i of x[j]) + lin_r(x[i]),
            the mean as message_passing(x, edge_index, "mean") (0 for a node without incoming edges, whose
            output is then lin_l's bias + lin_r(x[i])); with normalize, out[i] / max(||out[i]||_2, 1e-12),
            as torch.nn.functional.normalize(out, p=2, dim=-1, eps=1e-12).
        """
        out = None
        ### BEGIN SOLUTION
        neighbours = message_passing(x, edge_index, "mean")  # (N, F)
        out = self.lin_l(neighbours) + self.lin_r(x)  # (N, F_out)
        if self.normalize:
            out = nn.functional.normalize(out, p=2.0, dim=-1, eps=1e-12)
        ### END SOLUTION
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
        ### BEGIN SOLUTION
        self.lin = nn.Linear(in_channels, out_channels, bias=False)
        self.att_src = nn.Parameter(torch.randn(out_channels) / out_channels ** 0.5)
        self.att_dst = nn.Parameter(torch.randn(out_channels) / out_channels ** 0.5)
        self.bias = nn.Parameter(torch.zeros(out_channels))
        ### END SOLUTION

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
        ### BEGIN SOLUTION
        num_nodes = x.shape[0]
        keep = edge_index[0] != edge_index[1]  # (E,): drop the existing self-loops
        loops = torch.arange(num_nodes, dtype=edge_index.dtype)  # (N,)
        edges = torch.cat([edge_index[:, keep], torch.stack([loops, loops])], dim=1)  # (2, E')
        source, target = edges[0], edges[1]  # (E',), (E',)
        h = self.lin(x)  # (N, F_out)
        score_src, score_dst = h @ self.att_src, h @ self.att_dst  # (N,), (N,)
        scores = nn.functional.leaky_relu(score_src[source] + score_dst[target], self.negative_slope)  # (E',)
        largest = scores.new_full((num_nodes,), -torch.inf).scatter_reduce(0, target, scores.detach(), "amax")
        weights = torch.exp(scores - largest[target])  # (E',), each target's largest is exp(0) = 1
        total = weights.new_zeros(num_nodes).scatter_add(0, target, weights)  # (N,), at least 1
        alpha = weights / total[target]  # (E',)
        messages = alpha[:, None] * h[source]  # (E', F_out)
        out = h.new_zeros(h.shape).index_add(0, target, messages) + self.bias  # (N, F_out)
        ### END SOLUTION
        if return_attention:
            return out, (edges, alpha)
        return out
