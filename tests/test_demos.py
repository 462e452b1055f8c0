"""Every released demo.py runs as a student runs it: on the reference it trains and shows it learned; on the
untouched stubs it stops with one line naming what to fill in, not a traceback."""
import re
import subprocess
import sys

import pytest
from helpers import ASSIGNMENTS, ROOT, student_folder

from autograder import config

COURSE = config.load(ROOT / "grading.toml")
DEMOS = [name for name in ASSIGNMENTS if (COURSE.assignment(name).release_dir / "demo.py").exists()]


def _run_demo(name, tmp_path, with_reference, *args):
    folder = student_folder(COURSE.assignment(name), tmp_path / name, with_reference)
    result = subprocess.run([sys.executable, "demo.py", *args], cwd=folder, capture_output=True, text=True,
                            timeout=300)
    return result, folder


@pytest.mark.parametrize("name", DEMOS)
def test_demo_on_the_stubs_names_what_to_fill_in(name, tmp_path):
    result, _ = _run_demo(name, tmp_path, with_reference=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.fullmatch(r"demo\.py stopped: \w+ in \w+\.py \(line \d+\) is not implemented yet\. .+\n",
                        result.stderr), result.stderr


def test_lstm_demo_learns_to_remember_the_first_token(tmp_path):
    result, _ = _run_demo("lstm", tmp_path, with_reference=True)
    assert result.returncode == 0, result.stderr
    losses = [float(v) for v in re.findall(r"loss +([\d.]+) +accuracy", result.stdout)]
    accuracy = float(re.search(r"accuracy on 2000 new sequences: ([\d.]+)%", result.stdout).group(1))
    assert len(losses) == 10 and losses[-1] < 0.25 * losses[0], result.stdout  # guessing: log(8) = 2.08
    assert accuracy > 90, result.stdout  # guessing: 12.5 %
    assert "your LSTM remembers" in result.stdout


def test_generative_demo_saves_its_samples(tmp_path):
    result, folder = _run_demo("generative", tmp_path, True, "--quick")
    assert result.returncode == 0, result.stderr
    png = folder / "demo_samples.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000, result.stdout


def test_mlp_demo_learns_the_digits(tmp_path):
    result, folder = _run_demo("mlp", tmp_path, with_reference=True)
    assert result.returncode == 0, result.stderr
    losses = [float(v) for v in re.findall(r"loss +([\d.]+) +train", result.stdout)]
    accuracy = float(re.search(r"test accuracy on 360 held-out digits: ([\d.]+)%", result.stdout).group(1))
    assert len(losses) == 20 and losses[-1] < 0.25 * losses[0], result.stdout  # guessing: log(10) = 2.30
    assert accuracy >= 95, result.stdout  # guessing: 10 %
    assert (folder / "demo_training.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_optim_demo_trains_the_digits_network_with_adam_and_sgd_momentum(tmp_path):
    result, folder = _run_demo("optim", tmp_path, with_reference=True)
    assert result.returncode == 0, result.stderr
    accuracies = dict(re.findall(r"(Adam|SGD-momentum) +first loss [\d.]+ .+ test accuracy ([\d.]+)%", result.stdout))
    first = [float(v) for v in re.findall(r"first loss ([\d.]+)", result.stdout)]
    last = [float(v) for v in re.findall(r"last epoch's loss ([\d.]+)", result.stdout)]
    assert set(accuracies) == {"Adam", "SGD-momentum"}, result.stdout
    assert all(float(v) >= 95 for v in accuracies.values()), result.stdout  # the bar; guessing: 10 %
    assert all(a < 0.1 * b for a, b in zip(last, first, strict=True)), result.stdout  # from about log(10) = 2.30
    png = folder / "demo_losses.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000, result.stdout


def test_cnn_demo_resnet_learns_the_digits(tmp_path):
    result, folder = _run_demo("cnn", tmp_path, with_reference=True)
    assert result.returncode == 0, result.stderr
    accuracy = float(re.search(r"ResNet test accuracy on 360 held-out digits: ([\d.]+)%", result.stdout).group(1))
    first, last = (float(v) for v in re.search(r"ResNet: \d+ parameters, loss ([\d.]+) -> ([\d.]+)",
                                               result.stdout).groups())
    assert accuracy >= 95 and last < 0.25 * first, result.stdout  # guessing: 10 %, a loss of log(10) = 2.3
    assert (folder / "demo_resnet.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", result.stdout


def test_attention_demo_learns_to_reverse(tmp_path):
    result, folder = _run_demo("attention", tmp_path, with_reference=True)
    assert result.returncode == 0, result.stderr
    losses = [float(v) for v in re.findall(r"loss +([\d.]+) +digits right", result.stdout)]
    accuracy = float(re.search(r"of 2000 new ones: ([\d.]+)%", result.stdout).group(1))
    assert len(losses) == 10 and losses[-1] < 0.1 * losses[0], result.stdout  # guessing: log(10) = 2.30
    assert accuracy >= 95, result.stdout  # guessing: 1e-8
    assert (folder / "demo_attention.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_gnn_demo_classifies_the_unlabelled_nodes(tmp_path):
    result, folder = _run_demo("gnn", tmp_path, with_reference=True)
    assert result.returncode == 0, result.stderr
    found = dict(re.findall(r"(GCN|GraphSAGE|GAT) +loss [\d.]+ -> [\d.]+ +accuracy on the unlabelled nodes: ([\d.]+)%",
                            result.stdout))
    assert sorted(found) == ["GAT", "GCN", "GraphSAGE"], result.stdout
    assert all(float(value) > 90 for value in found.values()), result.stdout  # guessing: 25 %, the features: ~60 %
    losses = re.findall(r"loss ([\d.]+) -> ([\d.]+)", result.stdout)
    assert all(float(last) < 0.5 * float(first) for first, last in losses), result.stdout
    assert (folder / "demo_gnn.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
