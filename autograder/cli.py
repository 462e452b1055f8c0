"""The `autograder` command: a thin shell over release, grade and validate."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console

from autograder import config

EPILOG = {
    "release": "example: autograder release convolution",
    "grade": "example: autograder grade convolution alice.zip bob/ --out results   or   autograder grade "
             "convolution --course",
    "collect": "example: autograder collect convolution submissions.zip --roster students.csv",
    "validate": "example: autograder validate convolution   or   autograder validate convolution --mutants "
                "--sample 30",
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
    grade.add_argument("submissions", nargs="*", type=Path, metavar="SUBMISSION")
    grade.add_argument("--out", type=Path, help="folder for NAME/results.json, feedback and CSV")
    grade.add_argument("--course", action="store_true",
                       help="grade every submitted/STUDENT/NAME of the course (the folder of grading.toml) into "
                            "its gradebook, feedback/ and exports/")
    grade.add_argument("--jobs", type=int, default=None, help="submissions graded in parallel (default: config)")
    collect = sub.add_parser("collect", help="place an LMS bulk download (Canvas, Moodle) or a folder of "
                                             "per-student folders under submitted/STUDENT/NAME",
                             epilog=EPILOG["collect"])
    collect.add_argument("assignment")
    collect.add_argument("source", type=Path, metavar="ARCHIVE_OR_FOLDER")
    collect.add_argument("--roster", type=Path, help="a CSV with an 'id' column: students not on it are reported")
    validate = sub.add_parser("validate", help="prove the grader fair: reference, stubs, wrong and correct "
                                               "implementations", epilog=EPILOG["validate"])
    validate.add_argument("assignment")
    validate.add_argument("--jobs", type=int, default=None, help="submissions graded in parallel")
    validate.add_argument("--mutants", action="store_true",
                          help="grade mutants of the reference instead: each must lose points or be recorded as "
                               "equivalent in hidden/NAME/mutants.toml")
    validate.add_argument("--sample", type=int, default=None, metavar="N",
                          help="with --mutants: grade a seeded sample of N mutants (default: all)")
    validate.add_argument("--seed", type=int, default=0, help="with --mutants --sample: the sample's seed")
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
        if args.command == "collect":
            return _collect(assignment, args, course.root, console)
        if args.command == "grade":
            from autograder import report
            from autograder.grade import grade
            if args.course == bool(args.submissions) or bool(args.out) == args.course:
                raise config.ConfigError("give either SUBMISSION... --out DIR, or --course (no submissions, no --out).")
            if args.course:
                from autograder.course import grade_course
                results = grade_course(assignment, course.root, jobs)
                where = (f"{course.root}/autograded/STUDENT/{assignment.name}/, feedback/, gradebook.db and "
                         f"exports/{assignment.name}-*.csv")
            else:
                results = grade(assignment, args.submissions, args.out, jobs)
                where = f"{args.out}/NAME/results.json, feedback.txt; {args.out}/grades.csv"
            report.print_table(results, f"{assignment.name}: {len(results)} submissions", console)
            console.print(f"results in {where}")
            broken = [r.submission for r in results if r.error or r.grader_errors]
            if broken:
                console.print(f"[red]grading failed for {', '.join(broken)}: see their feedback.txt[/red]")
                return 1
            return 0
        if args.mutants:
            from autograder.mutants import validate_mutants
            return 0 if validate_mutants(assignment, jobs, console, args.sample, args.seed) else 1
        if args.sample is not None:
            raise config.ConfigError("--sample only goes with --mutants.")
        from autograder.validate import validate
        return 0 if validate(assignment, jobs, console) else 1
    except config.ConfigError as error:  # release errors included
        print(f"autograder: {error}", file=sys.stderr)
        return 2


def _collect(assignment, args, course: Path, console: Console) -> int:
    import csv

    from autograder.collect import collect
    roster = None
    if args.roster:
        try:
            with args.roster.open(newline="") as stream:
                roster = {row["id"].strip() for row in csv.DictReader(stream)}
        except (OSError, KeyError) as error:
            raise config.ConfigError(f"{args.roster} could not be read as a CSV with an 'id' column ({error}); "
                                     f"fix the roster.") from None
    found = collect(assignment, args.source, course, roster)
    console.print(f"collected {len(found.placed)} submissions of {assignment.name} into "
                  f"{course}/submitted/STUDENT/{assignment.name}/")
    for problem in found.problems:
        console.print(f"[yellow]not placed[/yellow]: {problem}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
