"""See your transformer learn: `python demo.py` (about 20 seconds on a laptop CPU).

The task: reverse a sequence of 8 random digits (synthetic, nothing is downloaded). Each digit is embedded,
your sinusoidal_positional_encoding is added, two of your TransformerEncoderLayers attend, and a linear layer
reads out one digit per position; position i must find the digit at position 7 - i, which only attention over
the positions can do. Guessing gets a digit right 10% of the time and a whole sequence almost never; a working
encoder gets close to 100% of whole sequences. If it does not, run pytest first. The attention maps of both
layers before and after training are saved to demo_attention.png.
"""
import argparse
import math
import sys
import time
import traceback
from pathlib import Path

import torch
from torch import nn

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import attention  # noqa: E402  (your files, next to this one)
import transformer  # noqa: E402

DIGITS, LENGTH, D_MODEL, HEADS, LAYERS, BATCH = 10, 8, 32, 2, 2, 64


def batch(size, generator):
    """Digit sequences (size, LENGTH) and their reversals, the targets."""
    digits = torch.randint(0, DIGITS, (size, LENGTH), generator=generator)
    return digits, digits.flip(1)


class Reverser(nn.Module):
    """Embedding + your positional encoding -> your encoder layers -> one digit per position."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(DIGITS, D_MODEL)
        self.register_buffer("pe", attention.sinusoidal_positional_encoding(LENGTH, D_MODEL))
        self.layers = nn.ModuleList(transformer.TransformerEncoderLayer(D_MODEL, HEADS, dim_feedforward=64,
                                                                        dropout=0.0) for _ in range(LAYERS))
        self.readout = nn.Linear(D_MODEL, DIGITS)

    def forward(self, digits):
        x = self.embed(digits) + self.pe  # (N, L, E)
        for layer in self.layers:
            x = layer(x)
        return self.readout(x)  # (N, L, DIGITS)

    def attention_maps(self, digits):
        """Each layer's attention weights, averaged over the heads: LAYERS tensors of shape (N, L, L)."""
        maps = []
        with torch.no_grad():
            x = self.embed(digits) + self.pe
            for layer in self.layers:
                maps.append(layer.self_attn(x, x, x)[1])  # post-norm: the layer attends over its input
                x = layer(x)
        return maps


def train(model, steps, generator, log=print):
    """Adam on fresh batches; returns the per-step losses."""
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    log(f"Reverse {LENGTH} random digits, batches of {BATCH}, {steps} Adam steps; guessing scores a loss of "
        f"{math.log(DIGITS):.2f} and 10% of the digits")
    report, total, hits, losses = max(steps // 10, 1), 0.0, 0, []
    for step in range(1, steps + 1):
        digits, target = batch(BATCH, generator)
        scores = model(digits)
        loss = nn.functional.cross_entropy(scores.reshape(-1, DIGITS), target.reshape(-1))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
        total, hits = total + losses[-1], hits + int((scores.argmax(-1) == target).sum())
        if step % report == 0:
            right = 100 * hits / (report * BATCH * LENGTH)
            log(f"  step {step:4d}  loss {total / report:6.3f}  digits right {right:5.1f}%")
            total, hits = 0.0, 0
    return losses


def evaluate(model, generator, size=2000):
    """The fraction of fresh sequences reversed without a single wrong digit."""
    model.eval()
    with torch.no_grad():
        digits, target = batch(size, generator)
        right = (model(digits).argmax(-1) == target).all(dim=1)
    model.train()
    return float(right.float().mean())


def plot_maps(before, after):
    """A figure of each layer's attention (query position down, key position across) before and after training."""
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(2, LAYERS, figsize=(4 * LAYERS, 7.5), squeeze=False)
    for row, (maps, when) in enumerate(((before, "before"), (after, "after"))):
        for k, weights in enumerate(maps):
            axes[row, k].imshow(weights, cmap="viridis", vmin=0, vmax=1)
            axes[row, k].set(title=f"layer {k + 1} attention, {when} training", xlabel="key position",
                             ylabel="query position")
    figure.tight_layout()
    return figure


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=250, help="Adam steps (default 250)")
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    torch.set_num_threads(1)  # a model this small runs faster on one thread than on several waiting for each other
    generator = torch.Generator().manual_seed(0)
    started = time.monotonic()
    try:
        model = Reverser()
        probe, _ = batch(1, generator)
        before = [maps[0] for maps in model.attention_maps(probe)]
        train(model, args.steps, generator)
        accuracy = evaluate(model, generator)
        after = [maps[0] for maps in model.attention_maps(probe)]
    except NotImplementedError as error:
        frame = traceback.extract_tb(error.__traceback__)[-1]
        sys.exit(f"demo.py stopped: {frame.name} in {Path(frame.filename).name} (line {frame.lineno}) is not "
                 f"implemented yet. Fill it in (pytest tells you when it is right) and run the demo again.")
    import matplotlib
    matplotlib.use("Agg")
    plot_maps(before, after).savefig(HERE / "demo_attention.png")
    verdict = "your transformer reverses" if accuracy > 0.95 else "not learned yet: check your layers with pytest"
    print(f"sequences reversed without an error, of 2000 new ones: {100 * accuracy:.1f}%: {verdict} "
          f"({time.monotonic() - started:.0f} s); attention maps in demo_attention.png")


if __name__ == "__main__":
    main()
