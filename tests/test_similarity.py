"""autograder.similarity on a handful of folders: what is flagged, what never is."""
import json
import shutil

from helpers import ROOT

from autograder.cli import main
from autograder.similarity import compare

CORRECT = ROOT / "hidden" / "convolution" / "catalogue" / "correct"
STUB = ROOT / "assignments" / "convolution"


def _student(folder, conv, rf=STUB):
    folder.mkdir(parents=True)
    shutil.copyfile(conv / "conv.py", folder / "conv.py")
    shutil.copyfile(rf / "receptive_field.py", folder / "receptive_field.py")
    return folder


def test_copies_flagged_stubs_and_tiny_matches_never(tmp_path, convolution):
    students = {
        "loops": _student(tmp_path / "loops", CORRECT / "conv_loops"),
        "unfold": _student(tmp_path / "unfold", CORRECT / "conv_unfold_fold"),
        "copy": _student(tmp_path / "copy", CORRECT / "conv_loops"),
        "stub1": _student(tmp_path / "stub1", STUB),
        "stub2": _student(tmp_path / "stub2", STUB),
    }
    tiny = "    return (size + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1\n"
    for name in ("stub1", "stub2"):  # the same one-liner: identical, but too short to count
        path = students[name] / "receptive_field.py"
        path.write_text(path.read_text().replace("    raise NotImplementedError()\n", tiny, 1))
    pairs = compare(convolution, students)
    assert [(p.a, p.b) for p in pairs] == [("copy", "loops")]
    assert [m.file for m in pairs[0].files] == ["conv.py"] and pairs[0].similarity == 1.0
    assert "for" in pairs[0].files[0].excerpts[0] and len(pairs[0].files[0].excerpts[0]) < 450  # truncated


def test_earlier_terms_as_references_through_the_cli(tmp_path, convolution):
    last_term = tmp_path / "2025"
    _student(last_term / "old_alice" / "convolution", CORRECT / "conv_as_strided_index_add")
    _student(last_term / "old_bob", CORRECT / "conv_as_strided_index_add")  # two references alike: not a pair
    mine = _student(tmp_path / "now" / "carol", CORRECT / "conv_as_strided_index_add")
    other = _student(tmp_path / "now" / "dave", CORRECT / "conv_loops")
    code = main(["--config", str(ROOT / "grading.toml"), "similarity", "convolution", str(mine), str(other),
                 "--reference", str(last_term)])
    report = ROOT / "reports" / "convolution-similarity.json"
    try:
        pairs = {(p["a"], p["b"]) for p in json.loads(report.read_text())}
    finally:
        shutil.rmtree(ROOT / "reports")
    assert code == 0 and pairs == {("2025/old_alice", "carol"), ("2025/old_bob", "carol")}
