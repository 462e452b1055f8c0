"""Static detection of forbidden APIs in a submission file (the run-time half is in worker.Guards).

Imports and their aliases are resolved (`import torch.nn.functional as F`, `from torch import nn`,
`importlib.import_module("torch.nn")`, `getattr(F, "conv2d")` with a constant name), so `F.conv2d`
is seen as torch.nn.functional.conv2d. A pattern is a dotted name with fnmatch wildcards, or
`Tensor.NAME`, which matches the attribute NAME on anything. Each finding is attributed to the
top-level function or class that contains it; `reachable` follows the file's own call graph so
that a test fails when, and only when, what it calls can reach a forbidden API.
"""
from __future__ import annotations

import ast
import fnmatch
from dataclasses import dataclass

MODULE_LEVEL = "<module>"


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    api: str
    owner: str  # the top-level function or class, or MODULE_LEVEL

    def __str__(self) -> str:
        return f"{self.api} ({self.file}, line {self.line})"


def matches(dotted: str, pattern: str) -> bool:
    """Whether a resolved dotted name (or a bare attribute `.NAME`) is covered by a pattern."""
    if pattern.startswith("Tensor."):
        return dotted.rsplit(".", 1)[-1] == pattern.split(".", 1)[1]
    if dotted.startswith("."):
        return False
    return fnmatch.fnmatchcase(dotted, pattern) or fnmatch.fnmatchcase(dotted, pattern + ".*")


class _Scanner(ast.NodeVisitor):
    def __init__(self, file: str, patterns: tuple[str, ...]):
        self.file, self.patterns = file, patterns
        self.aliases: dict[str, str] = {}
        self.findings: list[Finding] = []
        self.owner = MODULE_LEVEL
        self.references: dict[str, set[str]] = {MODULE_LEVEL: set()}

    def _report(self, dotted: str, node: ast.AST) -> None:
        for pattern in self.patterns:
            if matches(dotted, pattern):
                self.findings.append(Finding(self.file, node.lineno, dotted.lstrip("."), self.owner))
                return

    def resolve(self, node: ast.AST) -> str | None:
        """The dotted name an expression stands for, when it can be known statically."""
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call) and node.args:
            func = self.resolve(node.func) or getattr(node.func, "id", "")
            first = node.args[0].value if isinstance(node.args[0], ast.Constant) else None
            if func in ("importlib.import_module", "__import__") and isinstance(first, str):
                fromlist = node.args[1:] or any(k.arg == "fromlist" for k in node.keywords)
                return first if func == "importlib.import_module" or fromlist else first.split(".")[0]
            if func == "getattr" and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) \
                    and isinstance(node.args[1].value, str):
                base = self.resolve(node.args[0])
                return f"{base}.{node.args[1].value}" if base else f".{node.args[1].value}"
        return None

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                self.aliases[top] = top
            self._report(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level or not node.module:
            return
        for alias in node.names:
            if alias.name == "*":
                if any(p.startswith(node.module + ".") or matches(node.module, p) for p in self.patterns):
                    self.findings.append(Finding(self.file, node.lineno, f"from {node.module} import *",
                                                 self.owner))
                continue
            dotted = f"{node.module}.{alias.name}"
            self.aliases[alias.asname or alias.name] = dotted
            self._report(dotted, node)

    def _top_level(self, node) -> None:
        if self.owner != MODULE_LEVEL:
            self.generic_visit(node)
            return
        self.owner = node.name
        self.references.setdefault(node.name, set())
        self.generic_visit(node)
        self.owner = MODULE_LEVEL

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _top_level

    def visit_Name(self, node: ast.Name) -> None:
        self.references[self.owner].add(node.id)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        dotted = self.resolve(node)
        self._report(dotted or f".{node.attr}", node)
        if dotted is None:
            self.generic_visit(node)
        elif isinstance(node.value, ast.Name):
            self.references[self.owner].add(node.value.id)

    def visit_Call(self, node: ast.Call) -> None:
        dotted = self.resolve(node)
        if dotted:
            self._report(dotted, node)
        self.generic_visit(node)


@dataclass(frozen=True)
class Report:
    """Findings of one file and its call graph between top-level names."""
    findings: tuple[Finding, ...]
    references: dict[str, frozenset[str]]

    def reachable(self, entry_points: set[str] | None) -> list[Finding]:
        """Findings reachable from the given top-level names (None: any), module level included."""
        if entry_points is None:
            return list(self.findings)
        seen, todo = set(), [MODULE_LEVEL, *entry_points]
        while todo:
            name = todo.pop()
            if name in seen or name not in self.references:
                continue
            seen.add(name)
            todo.extend(self.references[name])
        return [f for f in self.findings if f.owner in seen]


def scan(source: str, file: str, patterns: tuple[str, ...]) -> Report:
    """Scan one file's source. A file that does not parse has no findings (its import fails anyway)."""
    if not patterns:
        return Report((), {})
    try:
        tree = ast.parse(source, filename=file)
    except (SyntaxError, ValueError):
        return Report((), {})
    scanner = _Scanner(file, patterns)
    scanner.visit(tree)
    return Report(tuple(scanner.findings), {k: frozenset(v) for k, v in scanner.references.items()})
