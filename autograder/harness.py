"""The judge side of a hidden test: a scenario runs on the student's code in a worker and on the
reference here, and the comparison happens here.

A hidden test asks for the `grader` fixture:

    def forward(m, x, weight):                      # a scenario: self-contained, data in, data out
        return m.conv.conv2d_forward(x, weight)

    @pytest.mark.part("conv2d_forward")
    def test_forward(grader):
        got, want = grader.run(forward, x=torch.randn(2, 3, 5, 5), weight=torch.randn(4, 3, 3, 3))
        grader.check(got, want, "conv2d_forward(x, weight)")

`m` is a namespace of the submission's modules (in the worker) or of the reference modules (here).
Scenarios are sent to the worker as source code and run there with torch, np and math as globals.
"""
from __future__ import annotations

import ast
import builtins
import copy
import functools
import hashlib
import importlib
import inspect
import os
import signal
import socket
import sys
import textwrap
import time
import types
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from autograder import channel, checks, forbidden, heatmap, sandbox
from autograder.config import Assignment


class StudentFailure(AssertionError):
    """The student's code failed (exception, crash, timeout, forbidden API): a plain test failure."""

    def __init__(self, message: str, raised: str = ""):
        super().__init__(message)
        self.raised = raised  # the exception type the student's code raised ('' for a crash, timeout, ...)


@dataclass
class _Worker:
    sock: socket.socket
    pid: int


@dataclass
class Submission:
    """What the judge knows about the submission it grades; one per judge process."""
    assignment: Assignment
    scratch: Path
    zygote_address: str
    unavailable: dict[str, str]  # module name -> why it cannot be imported (missing, ...)
    sandboxed: str = ""  # the tier of autograder.sandbox that workers enter ('namespaces', 'uid'; '': none)
    reports: dict[str, forbidden.Report] = field(default_factory=dict)
    broken_modules: dict[str, str] = field(default_factory=dict)
    timeouts: dict[str, int] = field(default_factory=dict)
    max_rss_kb: int = 0
    _worker: _Worker | None = None
    _replies: dict = field(default_factory=dict)  # request digest -> the worker's reply
    references: dict = field(default_factory=dict)  # request digest -> the reference's result
    reference_only: bool = False  # the batch's reference pass: no worker, the "student" side is the reference
    reference_seconds: float = 0.0  # time spent in the reference's scenarios
    calls: dict = field(default_factory=dict)  # reference pass: call key -> (scenario, inputs, parts) of each
    #   student-side call of the suite, the calls autograder.diagnosis runs the catalogue on
    answers: dict = field(default_factory=dict)  # judge: nodeid -> [(call key, what the student's code gave)]

    @property
    def modules(self) -> list[str]:
        return [Path(f).stem for f in self.assignment.files]

    def close(self) -> None:
        if self._worker:
            self._kill()

    def _kill(self) -> None:
        try:
            os.killpg(self._worker.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._worker.sock.close()
        if self.sandboxed:
            sandbox.release(self._worker.pid, self.sandboxed)
        self._worker = None

    def _start(self) -> None:
        limits = self.assignment.limits
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(limits.call_timeout_s)
        sock.connect(self.zygote_address)
        unavailable = self.unavailable | self.broken_modules
        channel.send(sock, {
            "scratch": str(self.scratch), "modules": self.modules, "unavailable": unavailable,
            "forbidden": {f: list(p) for f, p in self.assignment.forbidden.items()},
            "memory_mb": limits.memory_mb, "sandbox": self.sandboxed,
        })
        small = 1 << 20
        pid = channel.recv(sock, small)["hello"]
        if type(pid) is not int:
            raise channel.ChannelError("bad hello")
        self._worker = _Worker(sock, pid)
        importing = None
        try:
            while True:
                message = channel.recv(sock, small)
                if "sandboxed" in message:
                    continue
                if "importing" in message:
                    importing = message["importing"]
                elif "imported" in message:
                    importing = None
                elif message.get("ready"):
                    return
        except (TimeoutError, EOFError, OSError, channel.ChannelError, KeyError, TypeError) as error:
            self._kill()
            if importing not in self.modules:
                raise StudentFailure(f"the worker process failed to start ({type(error).__name__})") from None
            what = "did not finish within" if isinstance(error, TimeoutError) else "ended the worker process"
            seconds = f" {limits.call_timeout_s:g} s" if isinstance(error, TimeoutError) else ""
            self.broken_modules[importing] = (
                f"importing {importing}.py {what}{seconds} (an infinite loop, sys.exit/os._exit or a crash at "
                f"import time?); code at the top level of a module runs on import, move it into a function")
            self._start()

    def call(self, scenario, part: str, inputs: dict):
        """Run a scenario on the submission in the worker; return its validated result."""
        limits = self.assignment.limits
        if self.timeouts.get(part, 0) >= limits.timeouts_before_skip:
            raise StudentFailure(f"not run: {self.timeouts[part]} earlier tests of {part} took longer than "
                                 f"{limits.call_timeout_s:g} s; make the code finish (look for an endless loop)")
        body = channel.encode({"source": scenario_source(scenario), "name": scenario.__name__, "kwargs": inputs})
        key = hashlib.sha256(body).digest()
        if key in self._replies:  # several tests may compare parts of one call's result
            return self._accept(self._replies[key])
        if self._worker is None:
            self._start()
        started = time.monotonic()
        try:
            self._worker.sock.settimeout(limits.call_timeout_s)
            channel.send_body(self._worker.sock, body)
            reply = channel.recv(self._worker.sock, limits.max_output_mb << 20,
                                 deadline=started + limits.call_timeout_s)
        except TimeoutError:
            self._kill()
            self.timeouts[part] = self.timeouts.get(part, 0) + 1
            raise StudentFailure(f"did not finish within {limits.call_timeout_s:g} s (the limit of one call); "
                                 f"look for an endless loop or a very slow one") from None
        except channel.ChannelError as error:
            self._kill()
            raise StudentFailure(f"the result could not be accepted: {error}") from None
        except (EOFError, OSError):
            self._kill()
            raise StudentFailure(
                f"the worker process running your code ended during the call (after "
                f"{time.monotonic() - started:.1f} s): os._exit, a crash, or more than "
                f"{limits.memory_mb} MB of memory") from None
        except BaseException:
            self._kill()  # e.g. pytest-timeout: the worker is mid-message and cannot be reused
            raise
        self._replies[key] = reply
        return self._accept(reply)

    def _accept(self, reply):
        if not isinstance(reply, dict) or not isinstance(reply.get("forbidden"), list):
            self._kill()
            raise StudentFailure("the worker sent back a malformed reply")
        rss = reply.get("max_rss_kb")
        if type(rss) is int:
            self.max_rss_kb = max(self.max_rss_kb, rss)
        if reply["forbidden"]:
            used = reply["forbidden"][0]
            raise StudentFailure(f"uses {used.get('api')} ({used.get('file')}, line {used.get('line')}), which "
                                 f"grading.toml forbids there; write it with the allowed operations")
        if reply.get("ok") is True and "value" in reply:
            return reply["value"]
        error = reply.get("error")
        if not isinstance(error, dict):
            raise StudentFailure("the worker sent back a malformed reply")
        kind, message, where = (str(error.get(k, ""))[:2000] for k in ("type", "message", "where"))
        if kind == "NotImplementedError":
            raise StudentFailure(f"not implemented yet ({where or 'replace raise NotImplementedError'})", kind)
        text = f"raised {kind}: {message}" + (f"\n  at {where}" if where else "")
        if kind == "MemoryError" or "can't allocate memory" in message:
            text += f"\n  (a worker may use {self.assignment.limits.memory_mb} MB; look for a huge tensor)"
        trace = str(error.get("traceback", ""))
        if trace.count("\n") >= 1:
            text += "\n" + trace
        raise StudentFailure(text, kind)


SCENARIO_GLOBALS = {"torch", "np", "math"}


class ScenarioError(Exception):
    """A hidden test's scenario cannot run in a worker (an instructor's mistake, reported as a grader error)."""


@functools.cache
def scenario_source(scenario) -> str:
    """The source sent to the worker; refused if it uses a global the worker will not have."""
    source = textwrap.dedent(inspect.getsource(scenario))
    tree = ast.parse(source)
    bound = SCENARIO_GLOBALS | set(dir(builtins))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    free = sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - bound)
    if free:
        raise ScenarioError(f"scenario {scenario.__name__} uses {', '.join(free)}, which the worker does not have: "
                            f"a scenario may use only its arguments, torch, np, math and what it imports or defines")
    return source


@functools.cache
def entry_points(scenario) -> dict[str, set[str] | None]:
    """The attributes of `m.MODULE` a scenario uses, per module (None: used in a way we cannot follow).

    `getattr(m.MODULE, ARG)`, with ARG one of the scenario's own parameters, is kept as "{ARG}": the name
    that ARG holds in each call (see resolve_entry_points)."""
    tree = ast.parse(scenario_source(scenario))
    arguments = tree.body[0].args
    arg = arguments.args[0].arg
    parameters = {a.arg for a in arguments.args[1:] + arguments.kwonlyargs}
    used: dict[str, set[str] | None] = {}
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == arg:
            outer = parents.get(node)
            if isinstance(outer, ast.Attribute) and outer.value is node:
                name = outer.attr
            elif (isinstance(outer, ast.Call) and isinstance(outer.func, ast.Name) and outer.func.id == "getattr"
                  and len(outer.args) == 2 and outer.args[0] is node and isinstance(outer.args[1], ast.Name)
                  and outer.args[1].id in parameters):
                name = "{" + outer.args[1].id + "}"
            else:
                used[node.attr] = None
                continue
            if used.get(node.attr, set()) is not None:
                used.setdefault(node.attr, set()).add(name)
    return used


def resolve_entry_points(names: set[str] | None, inputs: dict) -> set[str] | None:
    """The entry points of one call: each "{ARG}" replaced by the name the input ARG holds (None if not a str)."""
    if names is None:
        return None
    resolved = set()
    for name in names:
        if name.startswith("{"):
            value = inputs.get(name[1:-1])
            if not isinstance(value, str):
                return None
            name = value
        resolved.add(name)
    return resolved


class Grader:
    """The `grader` fixture: run scenarios on both sides and compare, for one test."""

    def __init__(self, submission: Submission, reference, part: str, nodeid: str = ""):
        self.submission, self.reference_modules, self.part, self.nodeid = submission, reference, part, nodeid

    def student(self, scenario, **inputs):
        """The scenario's result on the student's code (run in the worker). Each call and what it gave are
        kept for autograder.diagnosis: the reference pass notes the call, a judge the student's answer."""
        key = (scenario, hashlib.sha256(channel.encode(inputs)).digest())
        if self.submission.reference_only:
            self.submission.calls.setdefault(key, (scenario, inputs, set()))[2].add(self.part)
            return self.reference(scenario, **inputs)
        answers = self.submission.answers.setdefault(self.nodeid, [])
        try:
            value = self._student(scenario, inputs)
        except StudentFailure as failure:
            answers.append((key, ("raised", failure.raised) if failure.raised else None))
            raise
        answers.append((key, ("value", value)))
        return value

    def _student(self, scenario, inputs: dict):
        for module, names in entry_points(scenario).items():
            report = self.submission.reports.get(module)
            found = report.reachable(resolve_entry_points(names, inputs)) if report else []
            if found:
                raise StudentFailure(f"{found[0].owner if found[0].owner != '<module>' else module + '.py'} uses "
                                     f"{found[0]}, which grading.toml forbids in {found[0].file}; tests that "
                                     f"call it score 0")
        return self.submission.call(scenario, self.part, inputs)

    def reference(self, scenario, **inputs):
        """The scenario's result on the reference solution (run here), as the worker would send it."""
        key = (scenario, hashlib.sha256(channel.encode(inputs)).digest())
        if key not in self.submission.references:
            started = time.perf_counter()
            value = scenario(self.reference_modules, **copy.deepcopy(inputs))
            self.submission.reference_seconds += time.perf_counter() - started
            self.submission.references[key] = channel.decode(channel.encode(value))
        return self.submission.references[key]

    def run(self, scenario, **inputs):
        """(student result, reference result) of one scenario on the same inputs. The reference runs first,
        so that a broken scenario is reported as a grader error, not blamed on the student."""
        want = self.reference(scenario, **inputs)
        return self.student(scenario, **inputs), want

    def fail(self, message: str, *, hint: str = "") -> None:
        """Fail the test with a message for the student (e.g. a shape the oracle cannot take)."""
        __tracebackhide__ = True
        raise checks.CheckFailure(message + (f"\nHint: {hint}" if hint else ""))

    def check(self, got, expected, name: str, *, hint: str = "", names: tuple[str, ...] | None = None) -> None:
        """Compare with the assignment's tolerances; the failure message is for the student."""
        __tracebackhide__ = True
        tolerance = {k: (t.rtol, t.atol) for k, t in self.submission.assignment.tolerance.items()} or (1e-5, 1e-8)
        try:
            checks.check(got, expected, name, tol=tolerance, hint=hint, names=names)
        except checks.CheckFailure as failure:
            failure.heatmap = heatmap.difference(got, expected, tolerance, name, names)  # for feedback.html
            raise


@dataclass
class Outcome:
    nodeid: str
    name: str
    part: str
    passed: bool
    message: str
    grader_error: bool = False
    seconds: float = 0.0
    diagnosis: dict = field(default_factory=dict)  # autograder.diagnosis: the catalogue mistake it reproduces
    heatmap: dict = field(default_factory=dict)  # autograder.heatmap: where a tensor differs (a few per part)


HEATMAPS_PER_PART = 5


class JudgePlugin:
    """The pytest plugin of a judge process: fixtures, points and outcomes, no student code."""

    def __init__(self, submission: Submission):
        self.submission = submission
        self.outcomes: list[Outcome] = []
        self.collection_errors: list[str] = []
        self.heatmaps: dict[str, int] = {}  # part -> heatmaps kept (HEATMAPS_PER_PART at most)
        self._reference = None

    def pytest_configure(self, config) -> None:
        config.addinivalue_line("markers", "part(name): the grading.toml part a hidden test counts towards")

    def reference_modules(self):
        if self._reference is None:
            folder = str(self.submission.assignment.solution_dir)
            sys.path.insert(0, folder)
            self._reference = types.SimpleNamespace(
                **{name: importlib.import_module(name) for name in self.submission.modules})
        return self._reference

    @pytest.fixture
    def grader(self, request) -> Grader:
        return Grader(self.submission, self.reference_modules(), _part(request.node), request.node.nodeid)

    def pytest_collection_modifyitems(self, items) -> None:
        parts = self.submission.assignment.parts
        for item in items:
            part = _part(item)
            if part not in parts:
                self.collection_errors.append(
                    f"{item.nodeid}: part {part!r} is not in grading.toml [{self.submission.assignment.name}.parts] "
                    f"(known: {', '.join(parts)}); mark the test with @pytest.mark.part(NAME)")

    def pytest_collectreport(self, report) -> None:
        if report.failed:
            self.collection_errors.append(f"{report.nodeid}: {report.longreprtext[-2000:]}")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if report.when == "call" or report.failed or report.skipped:
            if report.when != "call" and report.passed:
                return
            message, grader_error = "", False
            if call.excinfo is not None and not report.passed:
                error = call.excinfo.value
                if isinstance(error, (StudentFailure, checks.CheckFailure)):
                    message = str(error)
                elif call.excinfo.errisinstance(pytest.fail.Exception) and "Timeout" in str(error):
                    message = f"the test took longer than {self.submission.assignment.limits.test_timeout_s:g} s"
                else:
                    grader_error = True
                    message = (f"internal error in the hidden test (not your fault; tell your instructor): "
                               f"{type(error).__name__}: {error}\n{report.longreprtext[-1500:]}")
            elif report.failed:
                message = report.longreprtext[-2000:]
            part = _part(item)
            found = getattr(call.excinfo.value, "heatmap", {}) if call.excinfo is not None else {}
            if found and self.heatmaps.get(part, 0) < HEATMAPS_PER_PART:
                self.heatmaps[part] = self.heatmaps.get(part, 0) + 1
            else:
                found = {}
            self.outcomes.append(Outcome(item.nodeid, item.name, part, report.passed, message, grader_error,
                                         round(report.duration, 3), heatmap=found))


def _part(item) -> str:
    marker = item.get_closest_marker("part")
    return marker.args[0] if marker and marker.args else "<no part>"
