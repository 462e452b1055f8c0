"""nbgrader's configuration for this course (read by `nbgrader ...` run in this folder and by
`autograder release`): the source of each assignment is solutions/NAME, its release assignments/NAME,
and a post-convert hook makes `nbgrader generate_assignment NAME` release exactly what
`autograder release NAME` does (solutions cleared from the .py modules too, then a leak check)."""
import tomllib
from pathlib import Path

c = get_config()  # noqa: F821 - provided by nbgrader when it reads this file

c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", ".pytest_cache", "release_data.py"]
c.GenerateAssignment.post_convert_hook = "autograder.release.after_generate_assignment"

# nbgrader autograde would otherwise overwrite a student's .py files with the instructor's (nbgrader #940)
_grading = tomllib.loads((Path(__file__).parent / "grading.toml").read_text())
c.Autograde.exclude_overwriting = {name: table["files"] for name, table in _grading.items()
                                   if isinstance(table, dict) and "files" in table}
