"""Late policy: from a submission time and [NAME.late] in grading.toml to a penalty.

A submission after its deadline (the student's extension, if any) plus the grace period loses
`percent` of its score per started hour or day, at most `max_percent`; after `hard_deadline` it
loses everything. The penalty is in points, as nbgrader's gradebook keeps it (`late_submission_penalty`);
the final score is the raw score minus the penalty.

Submission times come from nbgrader's timestamp.txt (written by `autograder collect`) or from
Gradescope's submission_metadata.json (`created_at`).
"""
from __future__ import annotations

import datetime
import json
import math
from dataclasses import dataclass
from pathlib import Path

from dateutil.parser import parse

from autograder.config import ConfigError, LatePolicy

UNIT_SECONDS = {"hour": 3600, "day": 86400}


@dataclass(frozen=True)
class Late:
    """How late one submission was and what it costs."""
    submitted: datetime.datetime
    due: datetime.datetime  # the student's deadline, extension included
    seconds_late: float  # after the deadline, grace not subtracted (0 when on time)
    units: int  # started hours or days counted against the submission (after the grace period)
    percent: float  # of the raw score
    penalty: float  # points
    hard: bool  # after the hard deadline

    def describe(self, per: str) -> str:
        if self.seconds_late <= 0:
            return "on time"
        late = _duration(self.seconds_late)
        if self.hard:
            return f"submitted {late} late, after the hard deadline: the score is 0"
        if self.percent == 0:
            return f"submitted {late} late, within the grace period: no penalty"
        return (f"submitted {late} late ({self.units} started {per}{'s' if self.units > 1 else ''}): "
                f"-{self.percent:g} % = -{self.penalty:g} points")


def _duration(seconds: float) -> str:
    minutes = math.ceil(seconds / 60)
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    return " ".join(f"{n} {u}" for n, u in ((days, "d"), (hours, "h"), (minutes, "min")) if n) or "0 min"


def deadline(policy: LatePolicy, student: str) -> datetime.datetime:
    return policy.extensions.get(student, policy.due)


def assess(policy: LatePolicy, student: str, submitted: datetime.datetime, raw_score: float) -> Late:
    """The lateness and penalty of a submission by `student` at `submitted` (aware, or naive UTC)."""
    if submitted.tzinfo is None:
        submitted = submitted.replace(tzinfo=datetime.UTC)
    due = deadline(policy, student)
    seconds = max(0.0, (submitted - due).total_seconds())
    counted = seconds - policy.grace_minutes * 60
    units = math.ceil(counted / UNIT_SECONDS[policy.per]) if counted > 0 else 0
    hard = policy.hard_deadline is not None and submitted > max(policy.hard_deadline, due)
    percent = 100.0 if hard else min(policy.max_percent, units * policy.percent)
    penalty = round(raw_score * percent / 100, 4)
    return Late(submitted, due, seconds, units, percent, penalty, hard)


def submitted_at(folder: Path) -> datetime.datetime | None:
    """The time in an nbgrader timestamp.txt in `folder` (as UTC), or None if there is none."""
    stamp = folder / "timestamp.txt"
    if not stamp.is_file():
        return None
    text = stamp.read_text().strip()
    try:
        moment = parse(text.removesuffix(" UTC").removesuffix("Z"))  # dateutil reads a bare "UTC" as local time
    except (ValueError, OverflowError):
        raise ConfigError(f"{stamp}: '{text}' is not a date and time; write it as nbgrader does "
                          f"(2026-03-01 12:00:00.000000 UTC) or collect again.") from None
    return moment.astimezone(datetime.UTC) if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def gradescope_submission(metadata: Path) -> tuple[datetime.datetime, list[str]]:
    """(submission time, the submitters' ids and emails) from Gradescope's submission_metadata.json."""
    try:
        data = json.loads(metadata.read_text())
        when = datetime.datetime.fromisoformat(data["created_at"])
        users = [str(u[key]) for u in data.get("users", []) for key in ("id", "email", "sid") if u.get(key)]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ConfigError(f"{metadata} is not Gradescope's submission_metadata.json ({error}); "
                          f"check the path (/autograder/submission_metadata.json).") from None
    return (when if when.tzinfo else when.replace(tzinfo=datetime.UTC)), users


def assess_gradescope(policy: LatePolicy, metadata: Path, raw_score: float) -> Late:
    """The penalty of a Gradescope submission: its created_at against grading.toml's deadline, with the
    extension of whichever submitter (Gradescope id, email or SID) has one."""
    when, users = gradescope_submission(metadata)
    student = next((u for u in users if u in policy.extensions), users[0] if users else "")
    return assess(policy, student, when, raw_score)
