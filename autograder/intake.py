"""Taking in one submission: a folder or a .zip, of which only the declared files are kept.

The files may sit at the top level or under one folder (as when a student zips the folder itself).
Nothing else of the submission is looked at, so a conftest.py, pytest.ini, sitecustomize.py or any
extra module it carries never reaches pytest or the worker. Symbolic links are refused, and sizes
are capped before reading.
"""
from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

MAX_FILE_BYTES = 1 << 20
IGNORED_FOLDERS = ("__MACOSX", ".git", "__pycache__", ".ipynb_checkpoints")


def submission_name(source: Path) -> str:
    """The name results are filed under: the folder's or zip's base name without extension."""
    return source.name[:-4] if source.suffix.lower() == ".zip" else source.name


def _from_folder(source: Path, files: tuple[str, ...]) -> tuple[dict[str, bytes], dict[str, str]]:
    base = source
    if not any((source / f).exists() or (source / f).is_symlink() for f in files):
        folders = [p for p in source.iterdir() if p.is_dir() and p.name not in IGNORED_FOLDERS]
        if len(folders) == 1:
            base = folders[0]
    found, problems = {}, {}
    for name in files:
        path = base / name
        if path.is_symlink():
            problems[name] = f"{name} is a symbolic link; submit the file itself"
        elif not path.exists():
            continue
        elif not path.is_file():
            problems[name] = f"{name} is not a regular file"
        elif path.stat().st_size > MAX_FILE_BYTES:
            problems[name] = f"{name} is larger than {MAX_FILE_BYTES >> 10} KiB"
        else:
            found[name] = path.read_bytes()
    return found, problems


def _from_zip(source: Path, files: tuple[str, ...]) -> tuple[dict[str, bytes], dict[str, str]]:
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as error:
        reason = f"{source.name} could not be read as a zip file ({error}); zip the folder again"
        return {}, {name: reason for name in files}
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()
                   and not set(PurePosixPath(m.filename).parts) & set(IGNORED_FOLDERS)]
        by_path = {PurePosixPath(m.filename): m for m in members}
        tops = {p.parts[0] for p in by_path if len(p.parts) > 1}
        prefix = PurePosixPath()
        if not any(PurePosixPath(f) in by_path for f in files) and len(tops) == 1:
            prefix = PurePosixPath(tops.pop())
        found, problems = {}, {}
        for name in files:
            member = by_path.get(prefix / name)
            if member is None:
                continue
            if member.file_size > MAX_FILE_BYTES:
                problems[name] = f"{name} is larger than {MAX_FILE_BYTES >> 10} KiB"
                continue
            try:
                with archive.open(member) as stream:
                    found[name] = stream.read(MAX_FILE_BYTES + 1)[:MAX_FILE_BYTES]
            except (zipfile.BadZipFile, OSError, RuntimeError, ValueError) as error:
                problems[name] = f"{name} could not be extracted from {source.name} ({error})"
    return found, problems


def read(source: Path, files: tuple[str, ...]) -> tuple[dict[str, bytes], dict[str, str]]:
    """The declared files of `source` ({file name: bytes}) and {file name: why it could not be taken}."""
    return _from_folder(source, files) if source.is_dir() else _from_zip(source, files)


def take_in(source: Path, files: tuple[str, ...], scratch: Path) -> dict[str, str]:
    """Copy the declared files of `source` into `scratch`; return {module name: why it is unavailable}."""
    found, problems = read(source, files)
    scratch.mkdir(parents=True, exist_ok=True)
    for name, data in found.items():
        (scratch / name).write_bytes(data)
    for name in files:
        if name not in found and name not in problems:
            problems[name] = f"{name} is missing from the submission (expected at its top level)"
    return {Path(name).stem: reason for name, reason in problems.items()}
