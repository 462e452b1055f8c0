"""grading.toml, loaded into typed, frozen config objects.

Every key has a default and a description (the `help` metadata below); an unknown key is an
error that names the file and the key. The course layout is fixed relative to grading.toml:
solutions/NAME (instructor source), assignments/NAME (student release), hidden/NAME (hidden suites).
"""
from __future__ import annotations

import dataclasses
import datetime
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path


class ConfigError(Exception):
    """A problem in grading.toml or the course layout, worded for the instructor."""


@dataclass(frozen=True)
class Limits:
    call_timeout_s: float = field(default=10.0, metadata={"help": "wall-clock limit of one call into student code"})
    test_timeout_s: float = field(default=60.0, metadata={"help": "pytest-timeout backstop for one hidden test"})
    memory_mb: int = field(default=1024, metadata={"help": "memory a worker may allocate on top of torch itself"})
    max_output_mb: int = field(default=64, metadata={"help": "largest reply a worker may send back"})
    timeouts_before_skip: int = field(
        default=2, metadata={"help": "after this many timeouts in one part, its other tests fail at once"})


@dataclass(frozen=True)
class Tolerance:
    rtol: float = field(default=1e-5, metadata={"help": "relative tolerance, as in torch.allclose"})
    atol: float = field(default=1e-8, metadata={"help": "absolute tolerance, as in torch.allclose"})


VISIBILITY = ("hidden", "after_due_date", "after_published", "visible")  # Gradescope's, for a test or a result
OUTPUT_FORMATS = ("text", "html", "simple_format", "md", "ansi")


@dataclass(frozen=True)
class Part:
    name: str
    file: str = field(default="", metadata={"help": "the submission file this part grades"})
    points: float = field(default=0.0, metadata={"help": "points of the part, split evenly over its tests"})
    description: str = field(default="", metadata={"help": "one line shown to students in feedback"})
    number: str = field(default="", metadata={"help": "Gradescope number of the part; its tests are NUMBER.1, ..."})
    tags: tuple[str, ...] = field(default=(), metadata={"help": "Gradescope tags of the part's tests"})
    visibility: str = field(default="", metadata={
        "help": "Gradescope visibility of the part's tests (default: [NAME.gradescope] test_visibility)"})


@dataclass(frozen=True)
class Gradescope:
    visibility: str = field(default="visible", metadata={
        "help": "when students see the result, the total included: hidden, after_due_date, after_published, "
                "visible"})
    test_visibility: str = field(default="visible", metadata={"help": "when students see each test (same values)"})
    stdout_visibility: str = field(default="hidden", metadata={"help": "when students see run_autograder's output"})
    output_format: str = field(default="text", metadata={
        "help": "format of the outputs: text, html, simple_format, md, ansi"})


@dataclass(frozen=True)
class LatePolicy:
    due: datetime.datetime = field(
        default=datetime.datetime.max.replace(tzinfo=datetime.UTC),
        metadata={"help": "the deadline, a TOML date-time with its offset (2026-03-01T23:59:00+01:00)"})
    grace_minutes: float = field(default=0.0, metadata={"help": "minutes after the deadline that cost nothing"})
    percent: float = field(default=0.0, metadata={"help": "percent of the score lost per started hour or day"})
    per: str = field(default="day", metadata={"help": "the unit of lateness that percent applies to: hour or day"})
    max_percent: float = field(default=100.0, metadata={"help": "the most a late submission loses, in percent"})
    hard_deadline: datetime.datetime | None = field(
        default=None, metadata={"help": "after it a submission scores 0 (a date-time with its offset)"})
    extensions: dict[str, datetime.datetime] = field(
        default_factory=dict, metadata={"help": "per student id: their own deadline, or hours added to due"})


@dataclass(frozen=True)
class Similarity:
    threshold: float = field(default=0.6, metadata={"help": "a pair is flagged when a file is this similar (0..1)"})
    min_overlap: int = field(
        default=100, metadata={"help": "less shared code than this never counts (tiny files match anything); in "
                                       "characters of normalised code (copydetect's unit; a line is about 30)"})
    kgram: int = field(default=25, metadata={"help": "copydetect's k (noise_t): shorter matches are noise"})
    context_chars: int = field(default=400, metadata={"help": "characters of copied code shown per flagged file"})


@dataclass(frozen=True)
class Diagnosis:
    enabled: bool = field(default=True, metadata={
        "help": "name the catalogue mistake a failing part reproduces (autograder.diagnosis)"})
    tolerance_factor: float = field(default=10.0, metadata={
        "help": "a student's outputs reproduce a catalogue entry's within this many times the part's tolerance"})


@dataclass(frozen=True)
class Assignment:
    name: str
    root: Path
    files: tuple[str, ...] = field(default=(), metadata={"help": "the files a submission must contain"})
    parts: dict[str, Part] = field(default_factory=dict, metadata={"help": "[NAME.parts.PART] tables"})
    tolerance: dict[str, Tolerance] = field(
        default_factory=dict, metadata={"help": "per dtype name (or default): rtol, atol"})
    forbidden: dict[str, tuple[str, ...]] = field(
        default_factory=dict, metadata={"help": "per file: dotted API names, * and Tensor.NAME allowed"})
    limits: Limits = field(default_factory=Limits, metadata={"help": "overrides of [limits] for this assignment"})
    show_hidden_details: bool = field(
        default=True, metadata={"help": "whether feedback shows the failure message of hidden tests"})
    gradescope: Gradescope = field(default_factory=Gradescope, metadata={
        "help": "[NAME.gradescope]: what students see on Gradescope, and when"})
    late: LatePolicy | None = field(default=None, metadata={"help": "[NAME.late]: deadline and penalty rule"})
    similarity: Similarity = field(default_factory=Similarity, metadata={"help": "[NAME.similarity] settings"})
    diagnosis: Diagnosis = field(default_factory=Diagnosis, metadata={"help": "[NAME.diagnosis] settings"})

    @property
    def solution_dir(self) -> Path:
        return self.root / "solutions" / self.name

    @property
    def release_dir(self) -> Path:
        return self.root / "assignments" / self.name

    @property
    def hidden_dir(self) -> Path:
        return self.root / "hidden" / self.name

    @property
    def max_score(self) -> float:
        return sum(part.points for part in self.parts.values())


@dataclass(frozen=True)
class Config:
    path: Path
    limits: Limits
    jobs: int
    assignments: dict[str, Assignment]

    @property
    def root(self) -> Path:
        return self.path.parent

    def assignment(self, name: str) -> Assignment:
        if name not in self.assignments:
            known = ", ".join(sorted(self.assignments)) or "none"
            raise ConfigError(f"{self.path}: there is no [{name}] table (assignments: {known}); "
                              f"add one or check the spelling.")
        return self.assignments[name]


def _fields(cls) -> dict[str, dataclasses.Field]:
    return {f.name: f for f in dataclasses.fields(cls) if f.name not in ("name", "root")}


def _check_keys(table: dict, cls, where: str, path: Path, extra: tuple[str, ...] = ()) -> None:
    known = set(_fields(cls)) | set(extra)
    for key in table:
        if key not in known:
            raise ConfigError(f"{path}: unknown key '{key}' in [{where}]; known keys: {', '.join(sorted(known))}.")


def _table(value, where: str, path: Path) -> dict:
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: [{where}] should be a table, got {value!r}; write it as [{where}] with keys.")
    return value


def _strings(value, where: str, path: Path, example: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{path}: {where} = {value!r} should be a list of strings, e.g. {example}.")
    return value


def _fits(value, default) -> bool:
    """Whether a TOML value may stand for a field whose default is `default` (bool, int, float or str)."""
    if isinstance(default, bool) or isinstance(value, bool):
        return type(value) is type(default)
    if isinstance(default, int):
        return isinstance(value, int) or isinstance(value, float) and value.is_integer()
    if isinstance(default, float):
        return isinstance(value, (int, float))
    if isinstance(default, tuple):
        return isinstance(value, list) and all(isinstance(item, str) for item in value)
    return isinstance(value, type(default))


def _build(cls, table, where: str, path: Path, **fixed):
    """Build a flat dataclass from a TOML table, checking key names and value types."""
    _check_keys(_table(table, where, path), cls, where, path)
    values = {}
    for name, fld in _fields(cls).items():
        if name in table:
            value, default = table[name], fld.default
            if not _fits(value, default):
                kind = "list of strings" if isinstance(default, tuple) else type(default).__name__
                raise ConfigError(f"{path}: [{where}] {name} = {value!r} should be a {kind} "
                                  f"({fld.metadata['help']}).")
            values[name] = type(default)(value)
    return cls(**fixed, **values)


def _choice(value: str, allowed: tuple[str, ...], where: str, path: Path) -> None:
    if value not in allowed:
        raise ConfigError(f"{path}: {where} = {value!r} is not one of {', '.join(a for a in allowed if a)}; "
                          f"pick one of them.")


def _moment(value, where: str, path: Path) -> datetime.datetime:
    if not isinstance(value, datetime.datetime) or value.tzinfo is None:
        raise ConfigError(f"{path}: {where} = {value!r} should be a date-time with its offset, e.g. "
                          f"2026-03-01T23:59:00+01:00 (without quotes).")
    return value


def _late(table, name: str, path: Path) -> LatePolicy:
    where = f"{name}.late"
    _check_keys(_table(table, where, path), LatePolicy, where, path)
    if "due" not in table:
        raise ConfigError(f"{path}: [{where}] needs due = 2026-03-01T23:59:00+01:00, the deadline with its offset.")
    due = _moment(table["due"], f"[{where}] due", path)
    hard = _moment(table["hard_deadline"], f"[{where}] hard_deadline", path) if "hard_deadline" in table else None
    extensions = {}
    for student, value in _table(table.get("extensions", {}), f"{where}.extensions", path).items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            extensions[str(student)] = due + datetime.timedelta(hours=value)
        else:
            extensions[str(student)] = _moment(value, f"[{where}.extensions] {student!r}", path)
    numbers = _build(LatePolicy, {k: v for k, v in table.items() if k not in ("due", "hard_deadline", "extensions")},
                     where, path)
    if numbers.per not in ("hour", "day"):
        raise ConfigError(f"{path}: [{where}] per = {numbers.per!r} should be \"hour\" or \"day\".")
    return dataclasses.replace(numbers, due=due, hard_deadline=hard, extensions=extensions)


def _assignment(name: str, table: dict, defaults: Limits, path: Path) -> Assignment:
    _check_keys(table, Assignment, name, path)
    files = _strings(table.get("files", []), f"[{name}] files", path, '["conv.py"]')
    if not files:
        raise ConfigError(f"{path}: [{name}] needs files = [\"module.py\", ...], the files a submission contains.")
    parts = {}
    for part_name, part_table in _table(table.get("parts", {}), f"{name}.parts", path).items():
        part = _build(Part, part_table, f"{name}.parts.{part_name}", path, name=part_name)
        if part.file not in files:
            raise ConfigError(f"{path}: [{name}.parts.{part_name}] file = {part.file!r} is not one of "
                              f"{name}.files {files}.")
        _choice(part.visibility, ("", *VISIBILITY), f"[{name}.parts.{part_name}] visibility", path)
        parts[part_name] = part
    if not parts:
        raise ConfigError(f"{path}: [{name}] has no [{name}.parts.PART] tables; each part needs file and points.")
    tolerance = {dtype: _build(Tolerance, tol, f"{name}.tolerance.{dtype}", path)
                 for dtype, tol in _table(table.get("tolerance", {}), f"{name}.tolerance", path).items()}
    forbidden = {}
    for file_name, apis in _table(table.get("forbidden", {}), f"{name}.forbidden", path).items():
        if file_name not in files:
            raise ConfigError(f"{path}: [{name}.forbidden] names {file_name!r}, which is not in {name}.files.")
        forbidden[file_name] = tuple(_strings(apis, f"[{name}.forbidden] {file_name!r}", path,
                                              '["torch.nn.functional.conv*"]'))
    show = table.get("show_hidden_details", True)
    if not isinstance(show, bool):
        raise ConfigError(f"{path}: [{name}] show_hidden_details = {show!r} should be true or false.")
    gradescope = _build(Gradescope, table.get("gradescope", {}), f"{name}.gradescope", path)
    for key in ("visibility", "test_visibility", "stdout_visibility"):
        _choice(getattr(gradescope, key), VISIBILITY, f"[{name}.gradescope] {key}", path)
    _choice(gradescope.output_format, OUTPUT_FORMATS, f"[{name}.gradescope] output_format", path)
    overrides = table.get("limits", {})
    parsed = _build(Limits, overrides, f"{name}.limits", path)
    limits = dataclasses.replace(defaults, **{key: getattr(parsed, key) for key in overrides})
    late = _late(table["late"], name, path) if "late" in table else None
    similarity = _build(Similarity, table.get("similarity", {}), f"{name}.similarity", path)
    diagnosis = _build(Diagnosis, table.get("diagnosis", {}), f"{name}.diagnosis", path)
    if diagnosis.tolerance_factor < 1:
        raise ConfigError(f"{path}: [{name}.diagnosis] tolerance_factor = {diagnosis.tolerance_factor:g} should be "
                          f">= 1 (a student's outputs are compared with a catalogue entry's at least as loosely as "
                          f"with the reference's).")
    return Assignment(name=name, root=path.parent, files=tuple(files), parts=parts, tolerance=tolerance,
                      forbidden=forbidden, limits=limits, show_hidden_details=show, gradescope=gradescope,
                      late=late, similarity=similarity, diagnosis=diagnosis)


def find_config(start: Path | None = None) -> Path:
    """The grading.toml in `start` (default: the current directory) or the nearest parent."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "grading.toml").is_file():
            return folder / "grading.toml"
    raise ConfigError(f"no grading.toml in {here} or its parents; run from the course folder or pass --config.")


def load(path: Path | str | None = None) -> Config:
    """Read grading.toml (found from the current directory when `path` is None)."""
    path = Path(path).resolve() if path else find_config()
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path} does not exist; pass the course's grading.toml with --config.") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML ({error}); fix the line it names.") from None
    top = data.pop("limits", {})
    limits = _build(Limits, top, "limits", path)
    jobs = data.pop("jobs", 0)
    if type(jobs) is not int or jobs < 0:
        raise ConfigError(f"{path}: jobs = {jobs!r} should be an int >= 0 (0: one per core).")
    assignments = {}
    for name, table in data.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: unknown top-level key '{name}'; known: limits, jobs, and one table "
                              f"per assignment.")
        assignments[name] = _assignment(name, table, limits, path)
    return Config(path=path, limits=limits, jobs=jobs or os.cpu_count() or 1, assignments=assignments)
