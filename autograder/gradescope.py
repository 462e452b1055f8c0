"""A Gradescope autograder from one command: `autograder gradescope NAME --out FILE.zip`.

The zip holds, at its root (Gradescope unpacks it to /autograder/source):

    setup.sh          run once, as root, when Gradescope builds the image: Python 3.11 beside the system's
                      python3, and a venv in /opt/autograder with exactly requirements.txt and the kit
    run_autograder    run as root in /autograder for each submission: `python -m autograder.gradescope`
    requirements.txt  the kit's grading dependencies, pinned to the versions of the building machine
    kit/              the autograder package and its pyproject.toml
    grading.toml, solutions/NAME/, hidden/NAME/ (without catalogue/): what grading reads

`run()` grades /autograder/submission with the hidden suite and always writes
/autograder/results/results.json: first a placeholder that says grading did not finish, then the
result; when grading itself fails, a visible "autograder failed" test with the reason.
"""
from __future__ import annotations

import argparse
import importlib.metadata
import json
import shutil
import sys
import traceback
import zipfile
from pathlib import Path

from packaging.requirements import Requirement

from autograder import config, late, report

TEMPLATES = Path(__file__).resolve().parent / "templates" / "gradescope"
GRADING_DEPENDENCIES = ("torch", "numpy", "pytest", "pytest-timeout", "rich", "packaging")
BUILD_TOOLS = ("pip", "setuptools", "wheel")
KIT_ROOT = Path(__file__).resolve().parents[1]
SKIPPED = shutil.ignore_patterns("__pycache__", "*.pyc", "catalogue")


def pinned_requirements(roots: tuple[str, ...] = GRADING_DEPENDENCIES) -> list[str]:
    """NAME==VERSION for `roots` and everything they need here, as installed in this environment."""
    pins, seen, todo = {}, set(), list(roots)
    while todo:
        name = todo.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        seen.add(key)
        try:
            distribution = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue  # a requirement of another platform or Python
        if key not in BUILD_TOOLS:  # the venv brings its own; a pin of this machine's would clash with torch's
            pins[key] = f"{distribution.metadata['Name']}=={distribution.version}"
        for line in distribution.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return sorted(pins.values(), key=str.lower)


def build(assignment: config.Assignment, config_path: Path, out: Path) -> Path:
    """Write the Gradescope autograder zip of `assignment` to `out`."""
    from autograder.grade import check_layout
    check_layout(assignment)
    if out.suffix != ".zip":
        raise config.ConfigError(f"--out {out} should name a .zip file (Gradescope uploads a zip), e.g. "
                                 f"{assignment.name}-gradescope.zip.")
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for script in ("setup.sh", "run_autograder"):
            text = (TEMPLATES / script).read_text().replace("@ASSIGNMENT@", assignment.name)
            info = zipfile.ZipInfo(script)
            info.external_attr = 0o100755 << 16  # executable, as Gradescope runs it
            archive.writestr(info, text)
        archive.writestr("requirements.txt", "\n".join(pinned_requirements()) + "\n")
        archive.write(KIT_ROOT / "pyproject.toml", "kit/pyproject.toml")
        archive.write(config_path, "grading.toml")
        for folder, target in [(Path(__file__).resolve().parent, "kit/autograder"),
                               (assignment.solution_dir, f"solutions/{assignment.name}"),
                               (assignment.hidden_dir, f"hidden/{assignment.name}")]:
            _add_tree(archive, folder, target)
    return out


def _add_tree(archive: zipfile.ZipFile, folder: Path, target: str) -> None:
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not SKIPPED(str(folder), list(relative.parts)):
            archive.write(path, f"{target}/{relative.as_posix()}")


def failure(assignment_name: str, reason: str) -> dict:
    """results.json for a submission that could not be graded: score 0 and a visible test that says why."""
    return {"score": 0.0, "output": f"{assignment_name}: the autograder failed; this is not your fault, tell your "
                                    f"instructor.", "visibility": "visible", "stdout_visibility": "hidden",
            "tests": [{"name": "autograder failed", "score": 0.0, "max_score": 0.0, "status": "failed",
                       "output": reason[-4000:], "visibility": "visible"}]}


def _write(path: Path, results: dict) -> None:
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(results, indent=2) + "\n")
    partial.replace(path)


def run(assignment_name: str, root: Path) -> int:
    """Grade root/submission (Gradescope's layout) into root/results/results.json, whatever happens."""
    results_path = root / "results" / "results.json"
    results_path.parent.mkdir(parents=True, exist_ok=True)
    _write(results_path, failure(assignment_name, "grading did not finish (the time limit, or memory?)"))
    try:
        from autograder import sandbox
        from autograder.grade import grade
        assignment = config.load(root / "source" / "grading.toml").assignment(assignment_name)
        sandbox.close_folders(root, [results_path.parent])  # submission_metadata.json and the results
        (result,) = grade(assignment, [root / "submission"], None, jobs=1, names=["submission"])
        metadata = root / "submission_metadata.json"
        if assignment.late and metadata.exists():  # its created_at against grading.toml's deadline
            result.late = late.assess_gradescope(assignment.late, metadata, result.score)
        results = report.gradescope(result)
        problem = result.error or "; ".join(t.message for t in result.grader_errors[:3])
        if problem:
            results["tests"].insert(0, failure(assignment_name, problem)["tests"][0])
        _write(results_path, results)
        print(report.feedback_text(result))
        return 0
    except Exception:  # noqa: BLE001 - a result must exist whatever went wrong
        reason = traceback.format_exc()
        print(reason, file=sys.stderr)
        _write(results_path, failure(assignment_name, reason.strip().splitlines()[-1]))
        return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.gradescope",
                                     description="Grade a Gradescope submission (what run_autograder calls).")
    parser.add_argument("assignment")
    parser.add_argument("--root", type=Path, default=Path("/autograder"), help="Gradescope's folder")
    args = parser.parse_args(argv)
    return run(args.assignment, args.root)


if __name__ == "__main__":
    sys.exit(main())
