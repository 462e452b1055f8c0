"""See your backpropagation learn: `python demo.py` (a few seconds on a laptop CPU).

A two-layer network (64 pixels -> 64 hidden units -> 10 digits) is trained on scikit-learn's bundled 8x8
handwritten digits (1797 images, nothing downloaded) with plain minibatch SGD. Every gradient comes from your
two_layer_net: no autograd anywhere. The weights start from your kaiming_normal and xavier_uniform. Guessing
scores 10% and a loss of log(10) = 2.30; a correct implementation reaches about 96% on the 360 held-out digits.
A figure of the loss and accuracy curves is saved as demo_training.png. If it does not learn, run pytest first.
"""
import argparse
import sys
import time
import traceback
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import mlp  # noqa: E402  (your file, next to this one; it imports your activations.py)

HIDDEN, BATCH, LR, TEST_SIZE = 64, 64, 0.2, 360


def digits(generator):
    """(x_train, y_train, x_test, y_test): pixels scaled to [0, 1] (N, 64) float32, labels (N,) int64."""
    from sklearn.datasets import load_digits

    data = load_digits()
    x = torch.tensor(data.data, dtype=torch.float32) / 16.0
    y = torch.tensor(data.target, dtype=torch.int64)
    order = torch.randperm(len(y), generator=generator)
    test, train = order[:TEST_SIZE], order[TEST_SIZE:]
    return x[train], y[train], x[test], y[test]


def init_params(inputs, hidden, classes, activation="relu"):
    """w1 (H, I) by He initialisation for the activation, w2 (C, H) by Xavier, zero biases."""
    return {"w1": mlp.kaiming_normal(hidden, inputs, nonlinearity=activation if activation in mlp.GAINS else "relu"),
            "b1": torch.zeros(hidden), "w2": mlp.xavier_uniform(classes, hidden), "b2": torch.zeros(classes)}


def predict(params, x, activation="relu"):
    """The network's class scores (N, C), through your linear_forward and the activation's forward."""
    forward, _ = mlp.ACTIVATIONS[activation]
    hidden = forward(mlp.linear_forward(x, params["w1"], params["b1"]))
    return mlp.linear_forward(hidden, params["w2"], params["b2"])


def accuracy(params, x, y, activation="relu"):
    return float((predict(params, x, activation).argmax(dim=1) == y).float().mean())


def train(data, epochs, generator, activation="relu", lr=LR, log=print):
    """Minibatch SGD with your two_layer_net's gradients; returns the parameters and per-epoch history."""
    x_train, y_train, x_test, y_test = data
    params = init_params(x_train.shape[1], HIDDEN, 10, activation)
    history = {"loss": [], "train_accuracy": [], "test_accuracy": []}
    for epoch in range(1, epochs + 1):
        order = torch.randperm(len(y_train), generator=generator)
        total = 0.0
        for start in range(0, len(order), BATCH):
            batch = order[start:start + BATCH]
            loss, grads = mlp.two_layer_net(x_train[batch], y_train[batch], params["w1"], params["b1"],
                                            params["w2"], params["b2"], activation=activation)
            for name in params:
                params[name] = params[name] - lr * grads[name]
            total += loss.item() * len(batch)
        history["loss"].append(total / len(order))
        history["train_accuracy"].append(accuracy(params, x_train, y_train, activation))
        history["test_accuracy"].append(accuracy(params, x_test, y_test, activation))
        log(f"  epoch {epoch:3d}  loss {history['loss'][-1]:6.3f}  train {100 * history['train_accuracy'][-1]:5.1f}%"
            f"  test {100 * history['test_accuracy'][-1]:5.1f}%")
    return params, history


def save_figure(history, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
    epochs = range(1, len(history["loss"]) + 1)
    left.plot(epochs, history["loss"])
    left.set(xlabel="epoch", ylabel="training loss", title="cross-entropy")
    right.plot(epochs, [100 * a for a in history["train_accuracy"]], label="train")
    right.plot(epochs, [100 * a for a in history["test_accuracy"]], label="test")
    right.set(xlabel="epoch", ylabel="accuracy (%)", title="accuracy", ylim=(0, 100))
    right.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20, help="passes over the training digits (default 20)")
    parser.add_argument("--activation", default="relu", choices=sorted(mlp.ACTIVATIONS),
                        help="the hidden layer's activation (default relu)")
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    started = time.monotonic()
    data = digits(generator)
    print(f"{len(data[1])} training and {len(data[3])} test digits; a 64-{HIDDEN}-10 network with "
          f"{args.activation}, SGD with learning rate {LR}, batches of {BATCH}; guessing: loss 2.30, accuracy 10%")
    try:
        params, history = train(data, args.epochs, generator, args.activation)
    except NotImplementedError as error:
        frame = traceback.extract_tb(error.__traceback__)[-1]
        sys.exit(f"demo.py stopped: {frame.name} in {Path(frame.filename).name} (line {frame.lineno}) is not "
                 f"implemented yet. Fill it in (pytest tells you when it is right) and run the demo again.")
    save_figure(history, HERE / "demo_training.png")
    test_accuracy = history["test_accuracy"][-1]
    verdict = "your network learned" if test_accuracy > 0.9 else "not learned yet: check your code with pytest"
    print(f"test accuracy on {len(data[3])} held-out digits: {100 * test_accuracy:.1f}% (guessing: 10.0%): "
          f"{verdict} ({time.monotonic() - started:.0f} s); curves saved in demo_training.png")


if __name__ == "__main__":
    main()
