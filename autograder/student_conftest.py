"""pytest settings for the public tests: one clear line per failure.

An untouched stub reports "not implemented yet" with the place to fill in; a failed comparison
reports what differs (from _checks.py), without a traceback, and the known mistake it looks like, where
public_data.json holds one for that test (computed at release time from the catalogue's outputs).
"""
import json
from pathlib import Path

import pytest
from _checks import CheckFailure, known_mistake

DATA = Path(__file__).parent / "public_data.json"
KNOWN = json.loads(DATA.read_text()).get("known_mistakes", {}) if DATA.is_file() else {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if call.excinfo is None or report.passed:
        return
    if call.excinfo.errisinstance(NotImplementedError):
        entry = call.excinfo.traceback[-1]
        report.longrepr = (f"not implemented yet: fill in {entry.name} in "
                           f"{Path(str(entry.path)).name} (line {entry.lineno + 1})")
    elif call.excinfo.errisinstance(CheckFailure):
        known = known_mistake(call.excinfo.value, item.nodeid, KNOWN)
        report.longrepr = str(call.excinfo.value) + (f"\n{known}" if known else "")
