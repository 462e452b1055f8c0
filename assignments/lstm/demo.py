"""See your LSTM learn: `python demo.py` (about 10 seconds on a laptop CPU).

The task needs memory: each sequence is 12 random tokens out of 8 (one-hot, no download, synthetic), and
at the end of the sequence the network must say which token came FIRST. Your lstm_forward, with weights
held as torch.nn.Parameter and a linear read-out of h_n, is trained with Adam on fresh random batches.
Guessing gives an accuracy of 1/8 = 12.5% and a loss of log(8) = 2.08; a working LSTM carries the first token
through its cell state and gets close to 100%. If it does not, run pytest first.
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

import lstm  # noqa: E402  (your file, next to this one)

TOKENS, LENGTH, HIDDEN, BATCH = 8, 12, 32, 64


def batch(size, generator):
    """Sequence-first one-hot inputs (LENGTH, size, TOKENS) and the targets: the first token of each sequence."""
    tokens = torch.randint(0, TOKENS, (LENGTH, size), generator=generator)
    return nn.functional.one_hot(tokens, TOKENS).float(), tokens[0]


class RememberFirst(nn.Module):
    """Your lstm_forward over the sequence, then a linear layer from the final hidden state to TOKENS scores."""

    def __init__(self):
        super().__init__()
        bound = 1 / math.sqrt(HIDDEN)  # torch.nn.LSTM's initialisation: uniform(-1/sqrt(H), 1/sqrt(H))
        uniform = lambda *shape: nn.Parameter(torch.empty(*shape).uniform_(-bound, bound))  # noqa: E731
        self.weight_ih, self.weight_hh = uniform(4 * HIDDEN, TOKENS), uniform(4 * HIDDEN, HIDDEN)
        self.bias_ih, self.bias_hh = uniform(4 * HIDDEN), uniform(4 * HIDDEN)
        with torch.no_grad():
            self.bias_hh[HIDDEN:2 * HIDDEN] += 1.0  # forget gate open at the start: a common trick that helps memory
        self.readout = nn.Linear(HIDDEN, TOKENS)

    def forward(self, x):
        zeros = x.new_zeros(x.shape[1], HIDDEN)
        _, (last_h, _) = lstm.lstm_forward(x, zeros, zeros, self.weight_ih, self.weight_hh, self.bias_ih,
                                           self.bias_hh)
        return self.readout(last_h)


def train(steps, generator):
    """A RememberFirst trained for `steps` Adam steps on fresh batches from `generator`, and its per-step losses."""
    model = RememberFirst()
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    print(f"Remember the first of {LENGTH} random tokens ({TOKENS} kinds), batches of {BATCH}, {steps} Adam steps; "
          f"guessing scores a loss of {math.log(TOKENS):.2f} and an accuracy of {100 / TOKENS:.1f}%")
    report, total, hits, losses = max(steps // 10, 1), 0.0, 0, []
    for step in range(1, steps + 1):
        x, first = batch(BATCH, generator)
        scores = model(x)
        loss = nn.functional.cross_entropy(scores, first)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
        total, hits = total + losses[-1], hits + int((scores.argmax(dim=1) == first).sum())
        if step % report == 0:
            print(f"  step {step:4d}  loss {total / report:6.3f}  accuracy {100 * hits / (report * BATCH):5.1f}%")
            total, hits = 0.0, 0
    return model, losses


def evaluate(model, generator, size=2000):
    with torch.no_grad():
        x, first = batch(size, generator)
        return float((model(x).argmax(dim=1) == first).float().mean())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=400, help="Adam steps (default 400)")
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    started = time.monotonic()
    try:
        model, _ = train(args.steps, generator)
        accuracy = evaluate(model, generator)
    except NotImplementedError as error:
        frame = traceback.extract_tb(error.__traceback__)[-1]
        sys.exit(f"demo.py stopped: {frame.name} in {Path(frame.filename).name} (line {frame.lineno}) is not "
                 f"implemented yet. Fill it in (pytest tells you when it is right) and run the demo again.")
    verdict = "your LSTM remembers" if accuracy > 0.9 else "not learned yet: check your LSTM with pytest"
    print(f"accuracy on 2000 new sequences: {100 * accuracy:.1f}% (guessing: {100 / TOKENS:.1f}%): {verdict} "
          f"({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
