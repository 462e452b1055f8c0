"""The `autograder` command: a thin shell over release, grade and validate."""
from __future__ import annotations

import argparse
import json
import os
import signal
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
    "merge": "example: autograder merge shards/1 shards/2 shards/3 --out results   or   autograder merge shards/* "
             "--course",
    "gradescope": "example: autograder gradescope convolution --out convolution-gradescope.zip",
    "report": "example: autograder report convolution   (after autograder grade convolution --course)",
    "similarity": "example: autograder similarity convolution   or   autograder similarity convolution "
                  "alice/ bob/ --reference last-term/",
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
    grade.add_argument("--force", action="store_true",
                       help="regrade everything (default: skip submissions whose results are up to date)")
    grade.add_argument("--only", nargs="+", metavar="NAME", help="regrade only these submissions (or students)")
    grade.add_argument("--shard", metavar="K/N", help="grade the K-th of N shares into --out; then autograder merge")
    collect = sub.add_parser("collect", help="place an LMS bulk download (Canvas, Moodle) or a folder of "
                                             "per-student folders under submitted/STUDENT/NAME",
                             epilog=EPILOG["collect"])
    collect.add_argument("assignment")
    collect.add_argument("source", type=Path, metavar="ARCHIVE_OR_FOLDER")
    collect.add_argument("--roster", type=Path,
                         help="the class list as the LMS exports it (Canvas gradebook, Moodle grading worksheet or "
                              "participants) or a CSV with an 'id' column: students not on it are reported, names "
                              "and SIS ids go to the grade files")
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
    validate.add_argument("--only", action="append", default=None, metavar="ID",
                          help="with --mutants: grade only this mutant (repeatable): re-check a survivor after a "
                               "new test")
    merge = sub.add_parser("merge", help="combine the --out folders of grade --shard K/N runs into one run's "
                                         "results", epilog=EPILOG["merge"])
    merge.add_argument("shards", nargs="+", type=Path, metavar="SHARD_OUT")
    merge.add_argument("--out", type=Path, help="folder for NAME/results.json, feedback and grades.csv")
    merge.add_argument("--course", action="store_true",
                       help="write into the course (autograded/, feedback/, gradebook.db, exports/)")
    gradescope = sub.add_parser("gradescope", help="build the Gradescope autograder zip (setup.sh, run_autograder, "
                                                   "the hidden suite and the reference)", epilog=EPILOG["gradescope"])
    gradescope.add_argument("assignment")
    gradescope.add_argument("--out", type=Path, default=None, help="the zip to write (default: NAME-gradescope.zip)")
    report = sub.add_parser("report", help="the class report of a graded course: reports/NAME.html, .json, .csv",
                            epilog=EPILOG["report"])
    report.add_argument("assignment")
    similarity = sub.add_parser("similarity", help="flag pairs of students whose files are too alike (copydetect, "
                                                   "the released stubs as boilerplate)", epilog=EPILOG["similarity"])
    similarity.add_argument("assignment")
    similarity.add_argument("folders", nargs="*", type=Path, metavar="STUDENT_FOLDER",
                            help="one folder per student (default: the course's submitted/*/NAME)")
    similarity.add_argument("--reference", type=Path, action="append", default=[], metavar="FOLDER",
                            help="earlier terms' submissions: a folder of per-student folders (repeatable)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    console = Console(width=None if sys.stdout.isatty() else 160)  # logs and CI get the whole table
    try:
        course = config.load(args.config)
        if args.command == "merge":
            return _merge(args, course, console)
        assignment = course.assignment(args.assignment)
        jobs = getattr(args, "jobs", None) or course.jobs
        if args.command == "release":
            from autograder.release import release
            files = release(assignment)
            console.print(f"released {assignment.name}: {len(files)} files in {assignment.release_dir}, "
                          f"no solution or hidden test leaked")
            return 0
        if args.command == "gradescope":
            from autograder.gradescope import build
            zipped = build(assignment, course.path, args.out or Path(f"{assignment.name}-gradescope.zip"))
            console.print(f"wrote {zipped}: upload it as the autograder of {assignment.name} on Gradescope")
            return 0
        if args.command == "collect":
            return _collect(assignment, args, course.root, console)
        if args.command == "grade":
            return _grade(assignment, args, course, jobs, console)
        if args.command == "report":
            from autograder import classreport
            results = classreport.course_results(assignment, course.root)
            if not results:
                raise config.ConfigError(f"{course.root / 'autograded'} holds no STUDENT/{assignment.name}/"
                                         f"results.json; run autograder grade {assignment.name} --course first.")
            previous = course.root / "reports" / f"{assignment.name}.json"  # grading's wall time, if known
            seconds = (json.loads(previous.read_text())["grading_seconds"] if previous.is_file()
                       else sum(r.seconds for r in results))
            paths = classreport.write(assignment, course.root / "reports", results, seconds)
            console.print(f"class report of {assignment.name}: {', '.join(str(p) for p in paths)}")
            return 0
        if args.command == "similarity":
            from autograder import similarity
            return similarity.main(assignment=assignment, course=course.root, folders=args.folders,
                                   references=args.reference, console=console)
        if args.mutants:
            from autograder.mutants import validate_mutants
            return 0 if validate_mutants(assignment, jobs, console, args.sample, args.seed, args.only) else 1
        if args.sample is not None or args.only:
            raise config.ConfigError("--sample and --only only go with --mutants.")
        from autograder.validate import validate
        return 0 if validate(assignment, jobs, console) else 1
    except config.ConfigError as error:  # release errors included
        print(f"autograder: {error}", file=sys.stderr)
        return 2


def _grade(assignment, args, course: config.Config, jobs: int, console: Console) -> int:
    from autograder import report
    from autograder.grade import FolderSink, Interrupted, Summary, grade
    shard_of = None
    if args.shard:
        from autograder import shard
        shard_of = shard.parse(args.shard)
    if args.course == bool(args.submissions) or (bool(args.out) == args.course and not (args.course and shard_of)):
        raise config.ConfigError("give either SUBMISSION... --out DIR, or --course (no submissions; --out DIR "
                                 "only with --shard).")
    summary = Summary()
    options = {"force": args.force, "only": args.only, "shard_of": shard_of, "summary": summary, "progress": True}
    try:
        if args.course:
            from autograder.course import grade_course
            if args.out:
                options["sink"] = FolderSink(args.out)
            results = grade_course(assignment, course.root, jobs, **options)
            where = (f"{args.out}/STUDENT/ (merge the shards with autograder merge ... --course)" if args.out else
                     f"{course.root}/autograded/STUDENT/{assignment.name}/, feedback/, gradebook.db and "
                     f"exports/{assignment.name}-*.csv; class report in reports/{assignment.name}.html")
        else:
            results = grade(assignment, args.submissions, args.out, jobs, **options)
            where = f"{args.out}/NAME/results.json, feedback.txt; {args.out}/grades.csv"
    except Interrupted as stop:
        done = stop.summary
        print(f"autograder: interrupted by {stop}: {done.graded} of {done.total - done.skipped} submissions "
              f"graded before it (their results are written; {done.skipped} were up to date); rerun the same "
              f"command to grade the rest.", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        signal.signal(stop.signum, signal.SIG_DFL)  # end as the signal ends a process: at once (no slow
        os.kill(os.getpid(), stop.signum)  # interpreter teardown), and the caller sees which signal it was
        return 128 + stop.signum
    report.print_table(results, f"{assignment.name}: {len(results)} submissions", console)
    console.print(f"results in {where}")
    console.print(f"{summary.graded} graded, {summary.skipped} skipped (up to date), {summary.failed} failed"
                  + (f", {summary.left} not graded (not in --only)" if summary.left else ""))
    broken = [r.submission for r in results if r.error or r.grader_errors]
    if broken:
        console.print(f"[red]grading failed for {', '.join(broken)}: see their feedback.txt[/red]")
        return 1
    return 0


def _merge(args, course: config.Config, console: Console) -> int:
    from autograder import report, shard
    from autograder.grade import FolderSink
    if bool(args.out) == args.course:
        raise config.ConfigError("give either --out DIR or --course to autograder merge.")
    assignment, results, marks = shard.collect(course, args.shards)
    if args.course:
        from autograder.course import CourseSink
        sink, where = CourseSink(assignment, course.root), f"{course.root}/autograded/, gradebook.db, exports/"
    else:
        sink, where = FolderSink(args.out), f"{args.out}/NAME/results.json, feedback.txt; {args.out}/grades.csv"
    shard.merge(sink, results, marks)
    report.print_table(results, f"{assignment.name}: {len(results)} submissions from {len(args.shards)} shards",
                       console)
    console.print(f"merged into {where}")
    return 0


def _collect(assignment, args, course: Path, console: Console) -> int:
    from autograder import roster
    from autograder.collect import collect
    found = collect(assignment, args.source, course, roster.read(args.roster) if args.roster else None)
    console.print(f"collected {len(found.placed)} submissions of {assignment.name} into "
                  f"{course}/submitted/STUDENT/{assignment.name}/"
                  + (f"; {len(found.missing)} students on the roster handed in nothing" if args.roster else ""))
    for problem in found.problems:
        console.print(f"[yellow]not placed[/yellow]: {problem}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
