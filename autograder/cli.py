"""The `autograder` command: a thin shell over release, grade and validate."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console

from autograder import config

EPILOG = {
    "release": "example: autograder release convolution",
    "grade": "example: autograder grade convolution alice.zip bob/ --out results",
    "validate": "example: autograder validate convolution",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograder", description="Release, grade and validate assignments.")
    parser.add_argument("--config", type=Path, default=None,
                        help="grading.toml of the course (default: found from the current folder upwards)")
    sub = parser.add_subparsers(dest="command", required=True)
    release = sub.add_parser("release", help="regenerate assignments/NAME from solutions/NAME",
                             epilog=EPILOG["release"])
    release.add_argument("assignment")
    grade = sub.add_parser("grade", help="grade submissions (folders or .zip files) with the hidden tests",
                           epilog=EPILOG["grade"])
    grade.add_argument("assignment")
    grade.add_argument("submissions", nargs="+", type=Path, metavar="SUBMISSION")
    grade.add_argument("--out", type=Path, required=True, help="folder for NAME/results.json, feedback and CSV")
    grade.add_argument("--jobs", type=int, default=None, help="submissions graded in parallel (default: config)")
    validate = sub.add_parser("validate", help="prove the grader fair: reference, stubs, wrong and correct "
                                               "implementations", epilog=EPILOG["validate"])
    validate.add_argument("assignment")
    validate.add_argument("--jobs", type=int, default=None, help="submissions graded in parallel")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    console = Console(width=None if sys.stdout.isatty() else 160)  # logs and CI get the whole table
    try:
        course = config.load(args.config)
        assignment = course.assignment(args.assignment)
        jobs = getattr(args, "jobs", None) or course.jobs
        if args.command == "release":
            from autograder.release import release
            files = release(assignment)
            console.print(f"released {assignment.name}: {len(files)} files in {assignment.release_dir}, "
                          f"no solution or hidden test leaked")
            return 0
        if args.command == "grade":
            from autograder import report
            from autograder.grade import grade
            results = grade(assignment, args.submissions, args.out, jobs)
            report.print_table(results, f"{assignment.name}: {len(results)} submissions", console)
            console.print(f"results in {args.out}/NAME/results.json, feedback.txt; {args.out}/grades.csv")
            broken = [r.submission for r in results if r.error or r.grader_errors]
            if broken:
                console.print(f"[red]grading failed for {', '.join(broken)}: see their feedback.txt[/red]")
                return 1
            return 0
        from autograder.validate import validate
        return 0 if validate(assignment, jobs, console) else 1
    except config.ConfigError as error:  # release errors included
        print(f"autograder: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
