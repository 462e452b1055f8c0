"""See your graph layers learn: `python demo.py` (a few seconds on a laptop CPU).

Semi-supervised node classification on a stochastic block model (synthetic, no download): 4 communities of 50
nodes, an edge between two nodes of the same community with probability 0.15 and of different ones with 0.01.
Each node's features are a noisy hint of its community (a linear classifier on them alone gets about half
right), and only 3 nodes per community are labelled. Two-layer networks of your GCNLayer, SAGELayer and
GATLayer are trained on those 12 labels with Adam, and scored on the 188 unlabelled nodes: averaging over the
neighbourhood removes the noise, so a working layer gets well above 90%. If it does not, run pytest first.
A figure of the learned embeddings and the training curves is saved as demo_gnn.png.
"""
import argparse
import sys
import time
import traceback
from pathlib import Path

import torch
from torch import nn

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import gnn  # noqa: E402  (your file, next to this one)

CLASSES, PER_CLASS, FEATURES, HIDDEN, LABELLED = 4, 50, 16, 16, 3
P_IN, P_OUT, NOISE = 0.15, 0.01, 2.5


def stochastic_block_model(generator):
    """(x (N, FEATURES), edge_index (2, E) undirected, labels (N,), the labelled mask (N,)), N = CLASSES * PER_CLASS."""
    labels = torch.arange(CLASSES).repeat_interleave(PER_CLASS)  # (N,)
    n = labels.numel()
    same = labels[:, None] == labels[None, :]  # (N, N)
    upper = torch.rand(n, n, generator=generator) < torch.where(same, P_IN, P_OUT)
    upper = torch.triu(upper, diagonal=1)  # one draw per pair, no self-loops
    j, i = torch.nonzero(upper | upper.T, as_tuple=True)
    edge_index = torch.stack([j, i])  # (2, E): both directions of every pair
    centres = torch.randn(CLASSES, FEATURES, generator=generator)  # (CLASSES, FEATURES)
    x = centres[labels] + NOISE * torch.randn(n, FEATURES, generator=generator)  # (N, FEATURES)
    labelled = torch.zeros(n, dtype=torch.bool)
    for c in range(CLASSES):
        members = torch.nonzero(labels == c).flatten()
        labelled[members[torch.randperm(PER_CLASS, generator=generator)[:LABELLED]]] = True
    return x, edge_index, labels, labelled


class TwoLayer(nn.Module):
    """dropout, layer(FEATURES -> HIDDEN), ReLU, dropout, layer(HIDDEN -> CLASSES), of one of your three classes."""

    def __init__(self, kind):
        super().__init__()
        layer = {"GCN": gnn.GCNLayer, "GraphSAGE": gnn.SAGELayer, "GAT": gnn.GATLayer}[kind]
        self.first, self.second = layer(FEATURES, HIDDEN), layer(HIDDEN, CLASSES)

    def embed(self, x, edge_index):
        """(N, HIDDEN) the hidden representation of every node."""
        return torch.relu(self.first(x, edge_index))

    def forward(self, x, edge_index):
        x = nn.functional.dropout(x, p=0.5, training=self.training)
        h = nn.functional.dropout(self.embed(x, edge_index), p=0.5, training=self.training)
        return self.second(h, edge_index)  # (N, CLASSES) scores


def train(kind, data, epochs=100, seed=0):
    """A TwoLayer of `kind` trained on the labelled nodes; returns it, its losses and its accuracies per epoch."""
    x, edge_index, labels, labelled = data
    torch.manual_seed(seed)
    model = TwoLayer(kind)
    optimiser = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
    losses, accuracies = [], []
    for _ in range(epochs):
        model.train()
        loss = nn.functional.cross_entropy(model(x, edge_index)[labelled], labels[labelled])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
        accuracies.append(accuracy(model, data))
    return model, losses, accuracies


def accuracy(model, data):
    """The fraction of the unlabelled nodes whose highest score is their community."""
    x, edge_index, labels, labelled = data
    model.eval()
    with torch.no_grad():
        predicted = model(x, edge_index).argmax(dim=1)
    return float((predicted == labels)[~labelled].float().mean())


def features_only(data, epochs=100):
    """The accuracy of a linear classifier on the features alone (no graph), on the same labels."""
    x, _, labels, labelled = data
    torch.manual_seed(0)
    model = nn.Linear(FEATURES, CLASSES)
    optimiser = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
    for _ in range(epochs):
        loss = nn.functional.cross_entropy(model(x[labelled]), labels[labelled])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    with torch.no_grad():
        return float((model(x).argmax(dim=1) == labels)[~labelled].float().mean())


def save_figure(results, data, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x, edge_index, labels, _ = data
    fig, axes = plt.subplots(1, len(results) + 1, figsize=(4 * (len(results) + 1), 3.6))
    for ax, (kind, (model, _, accuracies)) in zip(axes, results.items(), strict=False):
        with torch.no_grad():
            h = model.embed(x, edge_index)
        h = h - h.mean(dim=0)
        _, _, v = torch.linalg.svd(h, full_matrices=False)
        plane = h @ v[:2].T  # (N, 2): the two main directions of the hidden representation
        ax.scatter(plane[:, 0], plane[:, 1], c=labels, cmap="tab10", s=12, vmin=0, vmax=9)
        ax.set_title(f"{kind}: hidden layer, {100 * accuracies[-1]:.0f}% right")
        ax.set_xticks([])
        ax.set_yticks([])
    for kind, (_, losses, accuracies) in results.items():
        (line,) = axes[-1].plot(losses, label=f"{kind} loss")
        axes[-1].plot(accuracies, linestyle="--", color=line.get_color(), label=f"{kind} accuracy")
    axes[-1].set_xlabel("epoch")
    axes[-1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100, help="Adam steps per network (default 100)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # the graph is small: one thread is faster than several waiting for each other
    data = stochastic_block_model(torch.Generator().manual_seed(0))
    print(f"A stochastic block model: {data[0].shape[0]} nodes, {data[1].shape[1] // 2} undirected edges, "
          f"{CLASSES} communities, {int(data[3].sum())} labelled nodes; the features alone give "
          f"{100 * features_only(data):.1f}% on the unlabelled ones (guessing: {100 / CLASSES:.0f}%)")
    started, results = time.monotonic(), {}
    try:
        for kind in ("GCN", "GraphSAGE", "GAT"):
            results[kind] = train(kind, data, args.epochs)
            _, losses, accuracies = results[kind]
            print(f"  {kind:9s} loss {losses[0]:.3f} -> {losses[-1]:.3f}  accuracy on the unlabelled nodes: "
                  f"{100 * accuracies[-1]:.1f}%")
    except NotImplementedError as error:
        frame = traceback.extract_tb(error.__traceback__)[-1]
        sys.exit(f"demo.py stopped: {frame.name} in {Path(frame.filename).name} (line {frame.lineno}) is not "
                 f"implemented yet. Fill it in (pytest tells you when it is right) and run the demo again.")
    save_figure(results, data, HERE / "demo_gnn.png")
    worst = min(accuracies[-1] for _, _, accuracies in results.values())
    verdict = "your layers learn from the graph" if worst > 0.9 else "not learned yet: check your layers with pytest"
    print(f"{verdict} ({time.monotonic() - started:.0f} s); figure saved as demo_gnn.png")


if __name__ == "__main__":
    main()
