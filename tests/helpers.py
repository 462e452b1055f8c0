"""Paths and helpers shared by the kit's tests and tests/benchmark.py."""
import shutil
import subprocess
import sysconfig
from pathlib import Path

from autograder import config

ROOT = Path(__file__).resolve().parents[1]
SUBMISSIONS = ROOT / "tests" / "submissions"
ASSIGNMENTS = sorted(config.load(ROOT / "grading.toml").assignments)  # each one is released and validated

def compose(assignment: config.Assignment, fixture: Path, target: Path, base: str = "reference") -> Path:
    """A submission folder: the base's files (reference or released stubs), then the fixture's files.

    A fixture file NAME.append is appended to the base's NAME (to override one function, say);
    a fixture folder with a README and no declared file hands in only what it holds.
    """
    origin = assignment.solution_dir if base == "reference" else assignment.release_dir
    target.mkdir(parents=True)
    handed_in = {p.name.removesuffix(".append") for p in fixture.iterdir()} if fixture.is_dir() else set()
    only_fixture = (fixture / "README").exists()
    for file in assignment.files:
        if not only_fixture or file in handed_in:
            shutil.copyfile(origin / file, target / file)
    if fixture.is_dir():
        for path in fixture.iterdir():
            if path.name.endswith(".append"):
                name = path.name.removesuffix(".append")
                (target / name).write_text((target / name).read_text() + "\n\n" + path.read_text())
            elif path.name != "README":
                shutil.copyfile(path, target / path.name)
    return target


def student_folder(assignment: config.Assignment, target: Path, with_reference: bool) -> Path:
    """The release as a student has it, in `target` (which may exist, empty); with_reference, the reference's
    modules copied over the stubs."""
    shutil.copytree(assignment.release_dir, target, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)
    if with_reference:
        for file in assignment.files:
            shutil.copyfile(assignment.solution_dir / file, target / file)
    return target


def venv_over_this_one(python: Path, venv: Path) -> None:
    """A venv of `python` that sees this test environment's packages (a .pth file), so that an install script's
    pip finds every requirement satisfied offline (PIP_NO_INDEX); the script's own `python -m venv` keeps it."""
    subprocess.run([str(python), "-m", "venv", "--without-pip", str(venv)], check=True)
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = subprocess.run([str(venv / "bin" / "python"), "-c", purelib], capture_output=True, text=True, check=True)
    (Path(site.stdout.strip()) / "this-test.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
