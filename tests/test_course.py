"""The course workflow end to end, on a class of 60: a Canvas gradebook export as the roster, a Canvas
bulk download of mixed submissions (correct, wrong, partial, stubs, late, a copied pair, a near-copy
with renamed variables, a zip, a broken zip, a double submission, a stranger, a stray file) and six
students who hand in nothing. It is collected into nbgrader's layout, graded into nbgrader's gradebook
with the late policy, exported for Canvas and Moodle, reported on, and checked for similarity."""
import ast
import csv
import datetime
import io
import json
import shutil
import subprocess
import zipfile

import matplotlib.image
import numpy
import pytest
from helpers import ROOT, SUBMISSIONS
from nbgrader.api import Gradebook
from nbgrader.plugins.export import CsvExportPlugin

from autograder import config, exports, roster
from autograder.cli import main
from autograder.collect import collect
from autograder.course import gradebook_url

EXAMPLES = SUBMISSIONS / "convolution" / "examples"
CATALOGUE = ROOT / "hidden" / "convolution" / "catalogue"
STUB = ROOT / "assignments" / "convolution"
REFERENCE = ROOT / "solutions" / "convolution"
IDS = [str(1001 + i) for i in range(60)]
FIRST = ["Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "John", "Radia", "Ken"]
LAST = ["Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth"]
NAMES = {sid: (FIRST[i % 10], f"{LAST[i % 6]}{i}") for i, sid in enumerate(IDS)}  # (first, last)
# Each non-stub file below is handed in by one student only, apart from the planted copies, so honest
# students stay below the similarity threshold (the catalogue's variants are written independently).
HANDED_IN = {  # student -> (conv.py, receptive_field.py)
    "1001": (CATALOGUE / "correct/conv_as_strided_index_add", CATALOGUE / "correct/rf_backward_recursion"),
    "1002": (CATALOGUE / "correct/conv_loops", CATALOGUE / "correct/rf_forward_jump"),
    "1003": (CATALOGUE / "correct/conv_shifted_slices_transposed", CATALOGUE / "correct/rf_interval_simulation"),
    "1004": (STUB, CATALOGUE / "correct/rf_prefix_products"),
    "1005": (STUB, REFERENCE),
    "1006": (CATALOGUE / "wrong/conv_output_ceil", CATALOGUE / "wrong/rf_output_size_assert_instead_of_valueerror"),
    **{sid: (STUB, STUB) for sid in IDS[16:52]},  # 36 untouched stubs
}
FORBIDDEN, CRASH = "1053", "1054"  # conv2d_forward through torch's own conv2d; os._exit in it
CHEATS = {FORBIDDEN: "    return torch.nn.functional.conv2d(x, weight, bias, stride=stride, padding=padding)\n",
          CRASH: "    import os\n    os._exit(3)\n"}
COPIES = {"1007": "1002", "1008": "1001"}  # 1007 hands in 1002's files; 1008 1001's with renamed variables
TINY = IDS[8:13]  # stubs with the same one-line conv_output_size: too short to count as copying
ONE_LINER = "    return (size + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1\n"
ZIPPER, BROKEN, TWICE = "1014", "1015", "1016"
MISSING = IDS[54:]
UTC = datetime.UTC
ON_TIME = datetime.datetime(2026, 3, 1, 20, 0, tzinfo=UTC)
DUE = datetime.datetime(2026, 3, 1, 22, 59, tzinfo=UTC)  # 23:59 at +01:00
SUBMITTED = {  # the times the bulk download's files carry
    "1001": DUE + datetime.timedelta(hours=35),  # has a 48 h extension: on time
    "1002": DUE + datetime.timedelta(minutes=5),  # within the 10 min grace
    "1003": DUE + datetime.timedelta(days=1, hours=2),  # 2 started days after the grace: -20 %
    "1005": DUE + datetime.timedelta(days=9),  # after the hard deadline: 0
    "1006": DUE + datetime.timedelta(hours=2),  # 1 started day: -10 %
    "1017": DUE + datetime.timedelta(days=5),  # a stub: 5 days (capped at 30 %) of 0
}
LATE_POLICY = """
[convolution.late]
due = 2026-03-01T23:59:00+01:00
grace_minutes = 10
percent = 10
per = "day"
max_percent = 30
hard_deadline = 2026-03-08T23:59:00+01:00

[convolution.late.extensions]
"1001" = 48
"""


def _rename_variables(source: str) -> str:
    """The near-copy: each function's local variables renamed (comments and layout lost too)."""
    tree = ast.parse(source)
    for function in [f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)]:
        arguments = {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}
        local = {n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        for node in ast.walk(function):
            if isinstance(node, ast.Name) and node.id in local - arguments:
                node.id = f"my_{node.id}"
    return ast.unparse(tree) + "\n"


def _files(student: str) -> dict[str, bytes]:
    if student in COPIES:
        original = _files(COPIES[student])
        if student == "1008":
            return {name: _rename_variables(data.decode()).encode() for name, data in original.items()}
        return original
    if student in CHEATS:
        conv = (STUB / "conv.py").read_text().replace("    raise NotImplementedError()\n", CHEATS[student], 1)
        return {"conv.py": conv.encode(), "receptive_field.py": (STUB / "receptive_field.py").read_bytes()}
    if student in TINY:
        stub = (STUB / "receptive_field.py").read_text().replace("    raise NotImplementedError()\n", ONE_LINER, 1)
        return {"conv.py": (STUB / "conv.py").read_bytes(), "receptive_field.py": stub.encode()}
    conv, rf = HANDED_IN[student]
    return {"conv.py": (conv / "conv.py").read_bytes(), "receptive_field.py": (rf / "receptive_field.py").read_bytes()}


def _canvas_prefix(student: str) -> str:
    first, last = NAMES[student]
    return (last + first).lower()


def _bulk_zip() -> bytes:
    """What Canvas's 'Download submissions' gives: lastfirst_[LATE_]USERID_FILEID_name, file times kept."""
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as bulk:
        file_id = 900

        def add(name: str, data: bytes, when: datetime.datetime = ON_TIME) -> None:
            bulk.writestr(zipfile.ZipInfo(name, date_time=when.timetuple()[:6]), data)

        for student in [*HANDED_IN, *COPIES, *TINY, *CHEATS]:
            late = "LATE_" if student == "1003" else ""
            for name, data in _files(student).items():
                file_id += 1
                upload = "conv-1.py" if student == "1004" and name == "conv.py" else name  # a resubmission
                add(f"{_canvas_prefix(student)}_{late}{student}_{file_id}_{upload}", data,
                    SUBMITTED.get(student, ON_TIME))
        per_student = io.BytesIO()  # a student who zipped the folder: accepted as one submission
        with zipfile.ZipFile(per_student, "w") as inner:
            for name in ("conv.py", "receptive_field.py"):
                inner.write(STUB / name, f"my_homework/{name}")
        add(f"{_canvas_prefix(ZIPPER)}_{ZIPPER}_990_homework.zip", per_student.getvalue())
        add(f"{_canvas_prefix(BROKEN)}_{BROKEN}_991_homework.zip", b"PK\x03\x04 not really a zip")
        for name in ("conv.py", "receptive_field.py"):  # someone not on the roster
            add(f"stranger_999_99{len(name)}_{name}", (EXAMPLES / "correct" / name).read_bytes())
        add(f"{_canvas_prefix(TWICE)}_{TWICE}_995_conv.py", (STUB / "conv.py").read_bytes())
        add(f"{_canvas_prefix(TWICE)}_{TWICE}_996_conv-1.py", (EXAMPLES / "buggy" / "conv.py").read_bytes())
        add(f"{_canvas_prefix(TWICE)}_{TWICE}_997_receptive_field.py", (STUB / "receptive_field.py").read_bytes())
        add("readme-from-the-lms.txt", b"downloaded from Canvas")
    return stream.getvalue()


def canvas_gradebook_export() -> str:
    """Canvas's Grades > Export, as it comes: quoted "Last, First" names, SIS columns, the assignments' columns
    with their ids, read-only totals, and the Points Possible row."""
    lines = ["Student,ID,SIS User ID,SIS Login ID,Section,convolution (4711),batchnorm (4712),Current Points,"
             "Final Points,Current Score,Final Score",
             "    Points Possible,,,,,100.00,100.00,(read only),(read only),(read only),(read only)"]
    for i, sid in enumerate(IDS):
        first, last = NAMES[sid]
        lines.append(f'"{last}, {first}",{sid},S2026{i:03d},{first.lower()}.{last.lower()},DL 2026 Section '
                     f'{"AB"[i % 2]},,,0.00,0.00,0.00,0.00')
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def course_dir(tmp_path_factory):
    """A fresh course folder with its own grading.toml (late policy added) and the released assignment."""
    root = tmp_path_factory.mktemp("course")
    (root / "grading.toml").write_text((ROOT / "grading.toml").read_text() + LATE_POLICY)
    for folder in ("solutions", "hidden"):
        (root / folder).symlink_to(ROOT / folder)
    assert main(["--config", str(root / "grading.toml"), "release", "convolution"]) == 0
    (root / "downloads").mkdir()
    (root / "downloads" / "submissions.zip").write_bytes(_bulk_zip())
    (root / "Grades-DL_2026.csv").write_text(canvas_gradebook_export())
    return root, config.load(root / "grading.toml").assignment("convolution")


@pytest.fixture(scope="module")
def collected(course_dir):
    root, convolution = course_dir
    return collect(convolution, root / "downloads" / "submissions.zip", root, roster.read(root / "Grades-DL_2026.csv"))


@pytest.fixture(scope="module")
def graded(course_dir, collected):
    root, _ = course_dir
    capture = io.StringIO()
    import contextlib
    with contextlib.redirect_stderr(capture), contextlib.redirect_stdout(capture):
        code = main(["--config", str(root / "grading.toml"), "grade", "convolution", "--course", "--jobs", "2"])
    return code, capture.getvalue()


@pytest.fixture(scope="module")
def scores(course_dir, graded):
    root, _ = course_dir
    return {r["student"]: r for r in csv.DictReader((root / "reports" / "convolution.csv").open())}


def test_collect_places_every_identifiable_submission(course_dir, collected):
    root, _ = course_dir
    placed = sorted([*HANDED_IN, *COPIES, *TINY, *CHEATS, ZIPPER])
    assert sorted(collected.placed) == placed
    assert sorted(collected.missing) == sorted([*MISSING, BROKEN, TWICE])
    for student in collected.placed:
        folder = root / "submitted" / student / "convolution"
        assert sorted(p.name for p in folder.glob("*.py")) == ["conv.py", "receptive_field.py"]
    assert (root / "submitted" / "1003" / "convolution" / "late.txt").exists()
    assert not (root / "submitted" / "1002" / "convolution" / "late.txt").exists()
    assert (root / "submitted" / "1003" / "convolution" / "timestamp.txt").read_text().startswith("2026-03-03 00:59")


@pytest.mark.parametrize("phrase", [
    "999: not on the roster", f"{TWICE}: two submissions of conv.py", f"_{BROKEN}_991_homework.zip ({BROKEN})",
    "readme-from-the-lms.txt: cannot tell whose file this is",
])
def test_collect_reports_what_it_cannot_place(collected, phrase):
    assert any(phrase in problem for problem in collected.problems), collected.problems


def test_collect_moodle_layout(tmp_path, convolution):
    moodle = tmp_path / "moodle"
    for student, folder in (("12345", EXAMPLES / "correct"), ("67890", EXAMPLES / "buggy")):
        target = moodle / f"Ada Lovelace_{student}_assignsubmission_file_"
        target.mkdir(parents=True)
        for name in convolution.files:
            shutil.copyfile(folder / name, target / name)
    found = collect(convolution, moodle, tmp_path / "course")
    assert sorted(found.placed) == ["12345", "67890"] and found.problems == []


def test_grading_is_quiet(graded):
    code, output = graded
    assert code == 0
    for noise in ("Warning", "warn(", "SAWarning", "alembic", "Traceback"):
        assert noise not in output.replace("workers are NOT sandboxed", ""), output[-3000:]


def test_late_policy_applied_exactly(scores):
    assert float(scores["1001"]["score"]) == 100 and float(scores["1001"]["late_submission_penalty"]) == 0
    assert float(scores["1002"]["score"]) == 100
    assert float(scores["1003"]["raw_score"]) == 100 and float(scores["1003"]["score"]) == 80
    assert float(scores["1005"]["raw_score"]) == 30 and float(scores["1005"]["score"]) == 0
    raw = float(scores["1006"]["raw_score"])
    assert 0 < raw < 100 and float(scores["1006"]["score"]) == pytest.approx(raw * 0.9, abs=1e-3)
    assert float(scores["1017"]["score"]) == 0
    assert {r for r, row in scores.items() if row["status"] == "no submission"} == {*MISSING, BROKEN, TWICE}


def test_feedback_shows_raw_penalty_and_final(course_dir, graded):
    root, _ = course_dir
    text = (root / "autograded" / "1003" / "convolution" / "feedback.txt").read_text()
    assert "convolution: 80 / 100 points" in text
    assert "raw score 100, penalty 20, final score 80" in text and "2 started days" in text
    assert "within the grace period" in (root / "feedback" / "1002" / "convolution" / "feedback.html").read_text()
    results = json.loads((root / "autograded" / "1005" / "convolution" / "results.json").read_text())
    assert results["score"] == 0 and "after the hard deadline" in results["output"]


def test_nbgrader_gradebook_and_its_export_agree(course_dir, graded, tmp_path):
    root, convolution = course_dir
    with Gradebook(gradebook_url(root)) as gradebook:
        submission = gradebook.find_submission("convolution", "1003")
        assert submission.score == pytest.approx(100) and submission.late_submission_penalty == pytest.approx(20)
        assert gradebook.find_submission("convolution", "1001").extension == datetime.timedelta(hours=48)
        assert gradebook.find_student("1001").last_name == NAMES["1001"][1]
        assert {n.name for n in gradebook.find_assignment("convolution").notebooks} == set(convolution.parts)
        plugin = CsvExportPlugin(to=str(tmp_path / "nbgrader.csv"))
        plugin.export(gradebook)
    rows = {r["student_id"]: r for r in csv.DictReader((tmp_path / "nbgrader.csv").open())}
    assert float(rows["1003"]["score"]) == pytest.approx(80) and float(rows["1003"]["late_submission_penalty"]) == 20
    assert float(rows[MISSING[0]]["score"]) == 0  # on the roster, no submission
    ours = {r["student_id"]: r for r in csv.DictReader((root / "exports" / "convolution-grades.csv").open())}
    assert list(ours["1003"]) == exports.NBGRADER_COLUMNS
    for sid in ("1001", "1003", "1005", "1006", MISSING[0]):
        assert float(ours[sid]["score"]) == pytest.approx(float(rows[sid]["score"]))


def test_canvas_file_imports_into_the_exported_gradebook(course_dir, graded, scores):
    root, _ = course_dir
    rows = list(csv.reader((root / "exports" / "convolution-canvas.csv").open()))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "convolution (4711)"]
    assert rows[1][0].strip() == "Points Possible" and rows[1][5] == "100"
    exported = {r["ID"]: r for r in csv.DictReader(io.StringIO(canvas_gradebook_export())) if r["ID"]}
    assert [r[1] for r in rows[2:]] == IDS  # every student, in the roster's order
    for row in rows[2:]:
        source = exported[row[1]]
        assert row[:5] == [source[k] for k in ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")]
        assert float(row[5]) == float(scores[row[1]]["score"])
    assert {r[1]: r[5] for r in rows[2:]}["1003"] == "80" and {r[1]: r[5] for r in rows[2:]}[MISSING[0]] == "0"


def test_moodle_file_has_the_worksheet_columns(course_dir, graded):
    root, _ = course_dir
    rows = list(csv.DictReader((root / "exports" / "convolution-moodle.csv").open()))
    assert list(rows[0]) == exports.MOODLE_COLUMNS
    by_id = {r["Identifier"]: r for r in rows}
    assert len(rows) == 60 and by_id["Participant 1003"]["Grade"] == "80"
    assert by_id[f"Participant {MISSING[0]}"]["Status"] == "No submission"
    assert "no submission" in by_id[f"Participant {MISSING[0]}"]["Feedback comments"]


def test_class_report(course_dir, graded):
    root, _ = course_dir
    page = (root / "reports" / "convolution.html").read_text()
    assert "data:image/png;base64," in page and "http" not in page.replace("http-equiv", "")
    summary = json.loads((root / "reports" / "convolution.json").read_text())
    assert summary["students"] == 60 and summary["handed_in"] == 52
    assert sorted(summary["missing"]) == sorted([*MISSING, BROKEN, TWICE])
    assert {x["student"] for x in summary["late"]} == {"1002", "1003", "1005", "1006", "1017"}  # 1001: extension
    # full marks in conv2d_forward: 1001-1003 and the two copies
    assert summary["parts"]["conv2d_forward"]["full_marks_share"] == pytest.approx(5 / 52, abs=1e-3)
    worst = summary["most_failed_tests"][0]  # among students whose code ran: not the stubs
    assert worst["test"].startswith("conv_output_size") and worst["students"] >= 5 and worst["of"] <= 13
    assert [i["student"] for i in summary["incidents"]["forbidden"]] == [FORBIDDEN]
    assert [i["student"] for i in summary["incidents"]["crash"]] == [CRASH]
    assert summary["incidents"]["timeout"] == []
    assert "1017" in page and "submitted 5 d late (5 started days): -30 % = -0 points" in page
    rebuilt = main(["--config", str(root / "grading.toml"), "report", "convolution"])
    assert rebuilt == 0 and json.loads((root / "reports" / "convolution.json").read_text())["scores"] == \
        summary["scores"]


def test_similarity_flags_the_copies_and_nothing_else(course_dir, graded):
    root, _ = course_dir
    assert main(["--config", str(root / "grading.toml"), "similarity", "convolution"]) == 0
    pairs = json.loads((root / "reports" / "convolution-similarity.json").read_text())
    assert {(p["a"], p["b"]) for p in pairs} == {("1002", "1007"), ("1001", "1008")}
    assert all(p["similarity"] >= 0.9 for p in pairs)
    page = (root / "reports" / "convolution-similarity.html").read_text()
    assert "1001 and 1008" in page and len(page) < 40_000


def test_grade_course_without_submissions_is_a_clear_error(tmp_path, capsys):
    shutil.copyfile(ROOT / "grading.toml", tmp_path / "grading.toml")
    for folder in ("solutions", "hidden"):
        (tmp_path / folder).symlink_to(ROOT / folder)
    assert main(["--config", str(tmp_path / "grading.toml"), "grade", "convolution", "--course"]) == 2
    assert "run autograder collect convolution first" in capsys.readouterr().err


def test_class_report_renders_in_headless_chromium(course_dir, graded, tmp_path):
    """The page as a browser shows it, offline: the embedded histogram's bars are on the screenshot."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        pytest.skip("no headless Chromium here (Debian: apt-get install chromium)")
    root, _ = course_dir
    shot, page = tmp_path / "report.png", (root / "reports" / "convolution.html").as_uri()
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--window-size=1000,1400", f"--screenshot={shot}", page],
                   check=True, capture_output=True, timeout=120)
    pixels = matplotlib.image.imread(shot)[..., :3]
    bar = numpy.array([0x4A, 0x7A, 0xB7]) / 255  # the histogram's colour
    assert (numpy.abs(pixels - bar).max(axis=-1) < 0.04).sum() > 500
