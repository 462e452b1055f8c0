"""Similarity: which pairs of students handed in files that are too alike.

copydetect's winnowing (the algorithm MOSS uses) fingerprints each declared file after tokenising it
(names, literals and comments normalised away, so renaming variables changes nothing), with the
released stub of that file as boilerplate, so starter code never counts. A file is compared only with
the files of the same name of other students (never two files of one student) and of earlier terms'
submissions given as references (which are not compared with each other). A pair of students is
flagged when one of its files is at least `threshold` similar (copydetect's share of a file's
normalised code found in the other) and the shared code is at least `min_overlap` long (in copydetect's
unit, characters of normalised code, about 30 a line): a tiny file, or one short idiom, matches
anything and never counts. Settings: [NAME.similarity] in grading.toml.

Written: reports/NAME-similarity.html (flagged pairs only, each file's copied code truncated to
`context_chars`) and reports/NAME-similarity.json.
"""
from __future__ import annotations

import html
import itertools
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from copydetect import CodeFingerprint, compare_files
from rich.console import Console
from rich.table import Table

from autograder.config import Assignment, ConfigError, Similarity

WINDOW = 6  # copydetect's default: guarantee 30 tokens - noise 25 tokens + 1
SHOWN = 100  # pairs shown with their code in the HTML report; the others get one table row each


@dataclass
class FileMatch:
    file: str
    similarity: float  # the larger of the two shares
    overlap: int  # characters of the first file's normalised code found in the second
    excerpts: tuple[str, str] = ("", "")


@dataclass
class Pair:
    a: str
    b: str
    files: list[FileMatch] = field(default_factory=list)

    @property
    def similarity(self) -> float:
        return max(f.similarity for f in self.files)


def _fingerprint(path: Path, boilerplate: list[int], settings: Similarity) -> CodeFingerprint | None:
    try:
        fp = CodeFingerprint(str(path), settings.kgram, WINDOW, boilerplate=boilerplate, encoding="utf-8")
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return fp if fp.token_coverage >= settings.min_overlap else None  # tiny: would match anything


def _excerpt(fp: CodeFingerprint, slices, limit: int) -> str:
    parts = [fp.raw_code[int(start):int(end)] for start, end in zip(*slices, strict=True)]
    text = "\n...\n".join(parts)
    return text if len(text) <= limit else text[:limit] + "\n... (truncated)"


def compare(assignment: Assignment, students: dict[str, Path], references: dict[str, Path] | None = None,
            settings: Similarity | None = None) -> list[Pair]:
    """Flagged pairs, most similar first. `students` and `references`: name -> folder of declared files."""
    settings = settings or assignment.similarity
    references = references or {}
    pairs: dict[tuple[str, str], Pair] = {}
    for file in assignment.files:
        stub = assignment.release_dir / file
        boilerplate = sorted(CodeFingerprint(str(stub), settings.kgram, WINDOW).hashes) if stub.is_file() else []
        prints = {}
        for name, folder in {**students, **references}.items():
            if (folder / file).is_file() and (fp := _fingerprint(folder / file, boilerplate, settings)):
                prints[name] = fp
        owners: dict[int, list[str]] = {}
        for name, fp in prints.items():
            for h in fp.hashes:
                owners.setdefault(h, []).append(name)
        shared: dict[tuple[str, str], int] = {}
        for names in owners.values():
            for a, b in itertools.combinations(sorted(names), 2):
                if a in students or b in students:
                    shared[(a, b)] = shared.get((a, b), 0) + 1
        for (a, b), count in shared.items():
            if count < settings.threshold * min(len(prints[a].hashes), len(prints[b].hashes)) / 2:
                continue  # cannot reach the threshold: copydetect's exact comparison skipped
            overlap, (share_a, share_b), slices = compare_files(prints[a], prints[b])
            similarity = float(max(share_a, share_b))
            if similarity >= settings.threshold and overlap >= settings.min_overlap:
                excerpts = (_excerpt(prints[a], slices[0], settings.context_chars),
                            _excerpt(prints[b], slices[1], settings.context_chars))
                pairs.setdefault((a, b), Pair(a, b)).files.append(
                    FileMatch(file, round(similarity, 3), int(overlap), excerpts))
    return sorted(pairs.values(), key=lambda p: (-p.similarity, p.a, p.b))


def _student_folders(assignment: Assignment, folders: list[Path], course: Path) -> dict[str, Path]:
    if not folders:
        folders = sorted((course / "submitted").glob(f"*/{assignment.name}"))
        if not folders:
            raise ConfigError(f"{course / 'submitted'} holds no STUDENT/{assignment.name} folder; run autograder "
                              f"collect {assignment.name} first, or pass one folder per student.")
    found = {}
    for folder in folders:
        if not folder.is_dir():
            raise ConfigError(f"{folder} is not a folder; pass one folder of files per student.")
        found[folder.parent.name if folder.name == assignment.name else folder.name] = folder
    return found


def _reference_folders(assignment: Assignment, references: list[Path]) -> dict[str, Path]:
    found = {}
    for term in references:
        if not term.is_dir():
            raise ConfigError(f"{term} is not a folder; pass a folder of earlier per-student folders as --reference.")
        for folder in sorted(p for p in term.iterdir() if p.is_dir()):
            inner = folder / assignment.name
            found[f"{term.name}/{folder.name}"] = inner if inner.is_dir() else folder
    return found


def _rest(pairs: list[Pair]) -> str:
    if not pairs:
        return ""
    rows = "".join(f"<tr><td>{html.escape(p.a)}</td><td>{html.escape(p.b)}</td><td>{p.similarity:.0%}</td><td>"
                   f"{html.escape(', '.join(m.file for m in p.files))}</td></tr>" for p in pairs)
    return (f"\n<h2>{len(pairs)} more pairs (code not shown; see the JSON)</h2>\n<table><tr><th>student</th>"
            f"<th>student</th><th>similarity</th><th>files</th></tr>{rows}</table>")


def write_report(assignment: Assignment, pairs: list[Pair], folder: Path, compared: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    settings = assignment.similarity
    sections = []
    for pair in pairs[:SHOWN]:
        files = "".join(
            f"<h3>{html.escape(m.file)}: {m.similarity:.0%} similar, {m.overlap} shared</h3>"
            f"<div class='code'><pre>{html.escape(m.excerpts[0])}</pre><pre>{html.escape(m.excerpts[1])}</pre></div>"
            for m in pair.files)
        sections.append(f"<h2>{html.escape(pair.a)} and {html.escape(pair.b)}: {pair.similarity:.0%}</h2>{files}")
    text = (f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{html.escape(assignment.name)}: similarity"
            f"</title><style>body{{font-family:sans-serif}}.code{{display:flex;gap:1em}}pre{{background:#f4f4f4;"
            f"padding:4px;flex:1;overflow:auto;max-height:20em}}</style></head><body>\n<h1>{html.escape(assignment.name)}"
            f": {len(pairs)} pairs at or above {settings.threshold:.0%}</h1>\n<p>{compared} students compared, file "
            f"against file of the same name, the released stubs as boilerplate; a pair counts only with at least "
            f"{settings.min_overlap} characters of normalised code in common. Similar is not proof: read it.</p>\n"
            + "\n".join(sections) + _rest(pairs[SHOWN:]) + "\n</body></html>\n")
    page, data = folder / f"{assignment.name}-similarity.html", folder / f"{assignment.name}-similarity.json"
    page.write_text(text)
    data.write_text(json.dumps([{"a": p.a, "b": p.b, "similarity": p.similarity,
                                 "files": [{k: v for k, v in asdict(m).items() if k != "excerpts"} for m in p.files]}
                                for p in pairs], indent=1) + "\n")
    return [page, data]


def main(*, assignment: Assignment, course: Path, folders: list[Path], references: list[Path],
         console: Console) -> int:
    """`autograder similarity NAME [FOLDER...] [--reference TERM]`: print and write the flagged pairs."""
    started = time.monotonic()
    students = _student_folders(assignment, folders, course)
    pairs = compare(assignment, students, _reference_folders(assignment, references))
    paths = write_report(assignment, pairs, course / "reports", len(students))
    grid = Table(title=f"{assignment.name}: pairs at or above {assignment.similarity.threshold:.0%} similarity")
    for column in ("student", "student", "similarity", "files"):
        grid.add_column(column)
    for pair in pairs:
        grid.add_row(pair.a, pair.b, f"{pair.similarity:.0%}",
                     ", ".join(f"{m.file} {m.similarity:.0%} ({m.overlap} shared)" for m in pair.files))
    if pairs:
        console.print(grid)
    console.print(f"similarity: {len(students)} students, {len(pairs)} pairs flagged in "
                  f"{time.monotonic() - started:.1f} s; report in {paths[0]}")
    return 0
