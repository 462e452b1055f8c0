"""The README stays true: CI runs its test command, and the commands it names exist."""
import re
import subprocess
import sys

import pytest
from helpers import ASSIGNMENTS, ROOT

from autograder import config, mutants

README = (ROOT / "README.md").read_text()
COMMANDS = re.findall(r"```bash\n(.+?)\n```", README, flags=re.S)


def test_ci_runs_the_readme_test_command():
    test_command = next(c for c in COMMANDS if "pytest" in c and "venv" in c)
    assert test_command in (ROOT / ".ci" / "run").read_text()


def test_demo_command_names_paths_that_exist():
    demo = next(c for c in COMMANDS if "autograder grade" in c)
    for path in re.findall(r"(?:tests|assignments)/[\w/]+", demo):
        assert (ROOT / path).exists(), path


def _table_rows() -> dict[str, dict[str, str]]:
    """The README's assignment table: {assignment: {column: cell}}."""
    lines = README.split("## Assignments", 1)[1].strip().splitlines()
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = {}
    for line in lines[2:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0].strip("`")] = dict(zip(header, cells, strict=True))
    return rows


@pytest.fixture(scope="module")
def collected() -> dict[str, str]:
    """pytest --collect-only of every hidden suite, all at once (each run imports torch): {assignment: output}."""
    suites = config.load(ROOT / "grading.toml").assignments
    runs = {name: subprocess.Popen([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                                    str(suites[name].hidden_dir)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True, cwd=ROOT) for name in ASSIGNMENTS}
    return {name: run.communicate()[0] for name, run in runs.items()}


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_assignment_table_counts_are_the_suites_own(name, collected):
    """Hidden tests as pytest collects them; mutants generated / killed / equivalent as mutants.toml has them
    (a full `validate --mutants` run kills every mutant not recorded as equivalent, or fails)."""
    assignment = config.load(ROOT / "grading.toml").assignments[name]
    row = _table_rows()[name]
    count = re.search(r"(\d+) tests? collected", collected[name])
    assert count, collected[name][-2000:]
    generated, equivalent = len(mutants.generate(assignment)), len(mutants.equivalents(assignment))
    assert row["hidden tests"] == count.group(1), f"README's {name} row: hidden tests is now {count.group(1)}"
    expected = f"{generated} / {generated - equivalent} / {equivalent}"
    assert row["mutants (generated / killed / equivalent)"] == expected, f"README's {name} row: mutants {expected}"
