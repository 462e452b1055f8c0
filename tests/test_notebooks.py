"""Every assignment's notebook runs top to bottom (nbclient) in its released folder: on the reference
solution, and on the untouched stubs (where it says what is missing instead of failing)."""
import time

import nbclient
import nbformat
import pytest
from helpers import ASSIGNMENTS, ROOT, student_folder

from autograder import config

COURSE = config.load(ROOT / "grading.toml")
NOTEBOOKS = [(name, path.name) for name in ASSIGNMENTS
             for path in sorted(COURSE.assignment(name).release_dir.glob("*.ipynb"))]
TIME_LIMIT_S = 120


@pytest.mark.parametrize("with_reference", [True, False], ids=["reference", "stubs"])
@pytest.mark.parametrize("name, notebook", NOTEBOOKS)
def test_notebook_runs_top_to_bottom(name, notebook, with_reference, tmp_path):
    folder = student_folder(COURSE.assignment(name), tmp_path / name, with_reference)
    nb = nbformat.read(folder / notebook, as_version=4)
    started = time.monotonic()
    nbclient.NotebookClient(nb, timeout=TIME_LIMIT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}}).execute()
    assert time.monotonic() - started < TIME_LIMIT_S
    errors = [o for cell in nb.cells for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
    if not with_reference:
        text = "".join(o.get("text", "") for cell in nb.cells for o in cell.get("outputs", []))
        assert "not implemented yet" in text
