"""autograder.late and [NAME.late]: the penalty of a submission, computed by hand for each rule."""
import dataclasses
import datetime
import json

import pytest
from test_config import BASE, config_error, write

from autograder.config import load
from autograder.late import assess, assess_gradescope, submitted_at

CET = datetime.timezone(datetime.timedelta(hours=1))
POLICY = BASE + """
[a.late]
due = 2026-03-01T23:59:00+01:00
grace_minutes = 15
percent = 5
per = "hour"
max_percent = 40
hard_deadline = 2026-03-04T23:59:00+01:00

[a.late.extensions]
alice = 2026-03-03T12:00:00+01:00
bob = 24
"""


@pytest.fixture
def policy(tmp_path):
    return load(write(tmp_path, POLICY)).assignment("a").late


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=CET)


@pytest.mark.parametrize("when, percent", [
    (at(1, 23, 0), 0),  # before the deadline
    (at(2, 0, 14), 0),  # 15 min late: within the grace period
    (at(2, 0, 15), 5),  # 16 min late: 1 min after the grace, one started hour
    (at(2, 1, 14), 5),  # exactly one hour after the grace
    (at(2, 1, 15), 10),  # the second hour has started
    (at(2, 23, 59), 40),  # 24 hours: 24 * 5 % capped at 40 %
    (at(5, 0, 0), 100),  # after the hard deadline
])
def test_penalty_per_started_hour_with_grace_cap_and_hard_deadline(policy, when, percent):
    late = assess(policy, "carol", when, 60.0)
    assert late.percent == percent and late.penalty == pytest.approx(60 * percent / 100)
    assert late.hard == (percent == 100)


def test_extensions_as_a_date_or_as_hours(policy):
    assert assess(policy, "alice", at(3, 11, 0), 50).penalty == 0  # her own deadline is March 3, 12:00
    assert assess(policy, "alice", at(3, 13, 0), 50).percent == 5  # 1 h after it, 45 min after the grace
    assert assess(policy, "bob", at(2, 23, 0), 50).penalty == 0  # 24 h more
    assert assess(policy, "carol", at(2, 23, 0), 50).percent == 40


def test_per_day_and_naive_times_are_utc(tmp_path):
    text = BASE + '[a.late]\ndue = 2026-03-01T23:00:00+00:00\npercent = 10\nper = "day"\n'
    policy = load(write(tmp_path, text)).assignment("a").late
    assert assess(policy, "x", datetime.datetime(2026, 3, 2, 22, 59), 80).percent == 10  # naive: UTC
    assert assess(policy, "x", datetime.datetime(2026, 3, 3, 0, 0), 80).penalty == pytest.approx(16)
    assert assess(policy, "x", datetime.datetime(2026, 3, 12, 0, 0), 80).percent == 100  # default cap: 100 %


@pytest.mark.parametrize("table, phrase", [
    ("[a.late]\npercent = 5\n", "needs due = "),
    ('[a.late]\ndue = "2026-03-01"\n', "should be a date-time with its offset"),
    ("[a.late]\ndue = 2026-03-01T23:59:00\n", "should be a date-time with its offset"),
    ('[a.late]\ndue = 2026-03-01T23:59:00Z\nper = "week"\n', 'should be "hour" or "day"'),
    ("[a.late]\ndue = 2026-03-01T23:59:00Z\npenalty = 5\n", "unknown key 'penalty' in [a.late]"),
    ('[a.late]\ndue = 2026-03-01T23:59:00Z\n[a.late.extensions]\nbob = "tomorrow"\n', "[a.late.extensions] 'bob'"),
])
def test_late_table_errors_name_the_key(tmp_path, table, phrase):
    assert phrase in config_error(write(tmp_path, BASE + table))


def test_no_late_table_no_policy(tmp_path):
    assert load(write(tmp_path, BASE)).assignment("a").late is None


def test_gradescope_submission_metadata(policy, tmp_path):
    """The file Gradescope puts at /autograder/submission_metadata.json (its documented example's shape)."""
    metadata = tmp_path / "submission_metadata.json"
    metadata.write_text(json.dumps({
        "id": 123456, "created_at": "2026-03-02T01:30:00.365935+01:00",
        "assignment": {"due_date": "2026-03-01T23:59:00.000000+01:00", "group_size": None, "group_submission": False,
                       "id": 25828, "course_id": 1234, "late_due_date": None,
                       "release_date": "2026-02-20T00:00:00.000000+01:00", "title": "a", "total_points": "10.0"},
        "submission_method": "upload",
        "users": [{"email": "bob@example.com", "id": 1234, "name": "Bob"}],
        "previous_submissions": [],
    }))
    late = assess_gradescope(policy, metadata, 10.0)
    assert late.seconds_late == pytest.approx(91 * 60, abs=1) and late.percent == 10  # 76 min after the grace
    by_email = dataclasses.replace(policy, extensions={"bob@example.com": at(2, 12, 0)})
    assert assess_gradescope(by_email, metadata, 10.0).penalty == 0


def test_timestamp_txt_as_collect_and_nbgrader_write_it(tmp_path):
    (tmp_path / "timestamp.txt").write_text("2026-03-01 22:30:00.000000 UTC\n")
    assert submitted_at(tmp_path) == datetime.datetime(2026, 3, 1, 22, 30, tzinfo=datetime.UTC)
    (tmp_path / "timestamp.txt").write_text("2026-03-01 23:30:00 +0100\n")
    assert submitted_at(tmp_path) == datetime.datetime(2026, 3, 1, 22, 30, tzinfo=datetime.UTC)
    assert submitted_at(tmp_path / "nowhere") is None
