"""See your optimisers train a network: `python demo.py` (a few seconds on a laptop CPU).

A small network (64 -> 128 -> 10, ReLU) learns to read scikit-learn's bundled 8x8 handwritten digits (1797
images, nothing is downloaded), once with your Adam and once with your SGD with momentum, from the same
initial weights and on the same mini-batches. Guessing scores 10% and a loss of log(10) = 2.30; both optimisers
should pass 95% on the 450 test images. The loss curves are saved to demo_losses.png. If they do not learn, run
pytest first.
"""
import argparse
import math
import sys
import time
from pathlib import Path

import torch
from torch import nn

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import optim  # noqa: E402  (your file, next to this one)

TEST_SIZE, HIDDEN, BATCH = 450, 128, 32
OPTIMISERS = {  # name -> (your class, its arguments)
    "Adam": (lambda params: optim.Adam(params, lr=2e-3)),
    "SGD-momentum": (lambda params: optim.SGD(params, lr=0.05, momentum=0.9)),
}


def digits():
    """(x_train, y_train, x_test, y_test): pixels scaled to [0, 1], a fixed random split of 1347 / 450 images."""
    from sklearn.datasets import load_digits

    data = load_digits()
    x = torch.tensor(data.data, dtype=torch.float32) / 16.0  # (1797, 64)
    y = torch.tensor(data.target, dtype=torch.long)  # (1797,)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))
    test, train = order[:TEST_SIZE], order[TEST_SIZE:]
    return x[train], y[train], x[test], y[test]


def network(seed=0):
    """The 64 -> 128 -> 10 network, with weights drawn from `seed` (the same for every optimiser)."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(64, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, 10))


def accuracy(model, x, y):
    with torch.no_grad():
        return float((model(x).argmax(dim=1) == y).float().mean())


def train(model, optimiser, data, epochs, batch_size=BATCH, lr_at_step=None, seed=0):
    """Mini-batch training with cross-entropy; the loss of every step, and the test accuracy after each epoch.

    lr_at_step: an optional function step -> learning rate, set on every param group before each step.
    """
    x_train, y_train, x_test, y_test = data
    generator = torch.Generator().manual_seed(seed)
    losses, accuracies, step = [], [], 0
    for _ in range(epochs):
        for batch in torch.randperm(len(y_train), generator=generator).split(batch_size):
            if lr_at_step is not None:
                for group in optimiser.param_groups:
                    group["lr"] = lr_at_step(step)
            batch_loss = nn.functional.cross_entropy(model(x_train[batch]), y_train[batch])
            optimiser.zero_grad()
            batch_loss.backward()
            optimiser.step()
            losses.append(batch_loss.item())
            step += 1
        accuracies.append(accuracy(model, x_test, y_test))
    return losses, accuracies


def smooth(values, width=20):
    """Running mean over `width` steps, for readable loss curves."""
    means, total = [], 0.0
    for i, value in enumerate(values):
        total += value - (values[i - width] if i >= width else 0.0)
        means.append(total / min(i + 1, width))
    return means


def plot(curves, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for name, losses in curves.items():
        ax.plot(smooth(losses), label=name)
    ax.axhline(math.log(10), color="gray", linestyle=":", label="guessing, log(10)")
    ax.set(xlabel="step", ylabel="training loss (running mean of 20 steps)", yscale="log",
           title="Your optimisers on the digits")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15, help="passes over the training images (default 15)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # a small network: one thread is faster than several waiting for each other
    data = digits()
    started, curves, final = time.monotonic(), {}, {}
    try:
        for name, make in OPTIMISERS.items():
            model = network()
            losses, accuracies = train(model, make(model.parameters()), data, args.epochs)
            curves[name], final[name] = losses, accuracies[-1]
            print(f"{name:13s} first loss {losses[0]:.2f}  last epoch's loss {sum(losses[-42:]) / 42:.3f}  "
                  f"test accuracy {100 * accuracies[-1]:.1f}%")
    except NotImplementedError as error:
        tb = error.__traceback__
        while tb.tb_next is not None:
            tb = tb.tb_next
        owner = tb.tb_frame.f_code.co_qualname.split(".")[0]
        sys.exit(f"demo.py stopped: {owner} in {Path(tb.tb_frame.f_code.co_filename).name} (line {tb.tb_lineno}) "
                 f"is not implemented yet. Fill it in (pytest tells you when it is right) and run the demo again.")
    plot(curves, HERE / "demo_losses.png")
    verdict = "both learned" if min(final.values()) > 0.95 else "not learned yet: check your optimisers with pytest"
    print("test accuracy (guessing: 10%): " + ", ".join(f"{k} {100 * v:.1f}%" for k, v in final.items())
          + f": {verdict}; loss curves in demo_losses.png ({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
