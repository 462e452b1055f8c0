"""The benchmark's batch through `nbgrader autograde`, on an equivalent notebook assignment (for
tests/benchmark.py): one solution cell holding the submission's modules, one autograded test cell per part
that runs that part's hidden tests (the same scenarios, parametrizations and checks) on the notebook's
functions and on the reference, and nbgrader's own time limit per cell (call_timeout_s)."""
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmark import CpuMeter
from helpers import ROOT

SHIM = '''
import copy, inspect, itertools, sys, types
sys.path[:0] = [{hidden!r}, {solutions!r}]
from autograder import checks
import importlib
_student = types.SimpleNamespace(**{{m: types.SimpleNamespace(**globals()) for m in {modules!r}}})
_reference = types.SimpleNamespace(**{{m: importlib.import_module(m) for m in {modules!r}}})
_tolerance = {tolerance!r}

class _Grader:
    def student(self, scenario, **inputs):
        return scenario(_student, **copy.deepcopy(inputs))
    def reference(self, scenario, **inputs):
        return scenario(_reference, **copy.deepcopy(inputs))
    def run(self, scenario, **inputs):
        want = self.reference(scenario, **inputs)
        return self.student(scenario, **inputs), want
    def fail(self, message, *, hint=""):
        raise AssertionError(message)
    def check(self, got, expected, name, *, hint="", names=None):
        checks.check(got, expected, name, tol=_tolerance, hint=hint, names=names)

def _run_part(part):
    failed = total = 0
    for module in {tests!r}:
        tests = importlib.import_module(module)
        for name, test in vars(tests).items():
            marks = getattr(test, "pytestmark", [])
            if not name.startswith("test_") or not any(m.name == "part" and m.args[0] == part for m in marks):
                continue
            axes = [[dict(zip([a.strip() for a in m.args[0].split(",")] if isinstance(m.args[0], str)
                                 else m.args[0], v if "," in str(m.args[0]) else (v,))) for v in m.args[1]]
                    for m in marks if m.name == "parametrize"]
            for combo in itertools.product(*axes):
                kwargs = {{k: v for d in combo for k, v in d.items()}}
                total += 1
                try:
                    test(_Grader(), **kwargs)
                except Exception:
                    failed += 1
    assert failed == 0, f"{{failed}} of {{total}} checks of {{part}} failed"
'''


def _cell(kind: str, source: str, grade_id: str, points: float = 0) -> dict:
    meta = {"grade": kind == "test", "solution": kind == "solution", "locked": kind != "solution",
            "grade_id": grade_id, "schema_version": 3}
    if kind == "test":
        meta["points"] = points
    return {"cell_type": "code", "execution_count": None, "metadata": {"nbgrader": meta}, "outputs": [],
            "source": source}


def _notebook(assignment) -> dict:
    tests = sorted(p.stem for p in assignment.hidden_dir.glob("test_*.py"))
    tolerance = {k: (t.rtol, t.atol) for k, t in assignment.tolerance.items()}
    solution = "\n\n".join((assignment.solution_dir / f).read_text() for f in assignment.files)
    cells = [_cell("solution", solution, "solution"),
             _cell("shim", SHIM.format(hidden=str(assignment.hidden_dir), solutions=str(assignment.solution_dir),
                                       modules=[Path(f).stem for f in assignment.files], tolerance=tolerance,
                                       tests=tests), "shim")]
    cells += [_cell("test", f"_run_part({part!r})", part, p.points) for part, p in assignment.parts.items()]
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                        "language": "python"}}, "nbformat": 4, "nbformat_minor": 5}


def grade_with_nbgrader(assignment, sources, folder: Path) -> tuple[float, float, str, dict[str, float]]:
    """Wall and CPU seconds of `nbgrader autograde` over the batch (release and submissions set up first),
    how CPU was measured, and the scores nbgrader gave."""
    name = "bench"
    (folder / "source" / name).mkdir(parents=True)
    (folder / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(folder)!r}\n"
        f"c.Execute.timeout = {int(assignment.limits.call_timeout_s)}\n"
        "c.Execute.interrupt_on_timeout = True\n")
    (folder / "source" / name / f"{name}.ipynb").write_text(json.dumps(_notebook(assignment)))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": str(ROOT)}
    nbgrader = [sys.executable, "-m", "nbgrader"]
    subprocess.run([*nbgrader, "generate_assignment", name, "--force"], cwd=folder, env=env, check=True,
                   capture_output=True)
    released = json.loads((folder / "release" / name / f"{name}.ipynb").read_text())
    for source in sources:
        notebook = json.loads(json.dumps(released))
        files = [source / f for f in assignment.files]
        notebook["cells"][0]["source"] = "\n\n".join(f.read_text() for f in files if f.exists())
        target = folder / "submitted" / source.name / name
        target.mkdir(parents=True)
        (target / f"{name}.ipynb").write_text(json.dumps(notebook))
    meter = CpuMeter()
    started = time.perf_counter()
    done, cpu = meter.run([*nbgrader, "autograde", name, "--force"], {**env, "PWD": str(folder)}, cwd=folder)
    wall = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"nbgrader autograde failed:\n{done.stderr[:6000]}")
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}") as book:
        scores = {s.student.id: s.score for s in book.assignment_submissions(name)}
    shutil.rmtree(folder / "autograded", ignore_errors=True)
    return wall, cpu, meter.how, scores
