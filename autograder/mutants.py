"""Mutation testing of a reference solution: `autograder validate NAME --mutants`.

A mutant is the reference with one small change inside a solution region (or a default argument in a
signature): the kind of slip a student makes. Every mutant is graded through the real grader, in one
batch; a mutant that still gets full marks survives, and is either a hole in the hidden suite (fix it
with a test that kills it) or an equivalent mutant, recorded with why in hidden/NAME/mutants.toml.

The operators are mutmut's (its libcst operator table, driven through its MutationVisitor one mutation
at a time; string mutations are left out, since they only touch error messages), plus the
deep-learning ones below that mutmut lacks. mutmut's own runner is not used: it compiles every mutant
into one module behind trampolines chosen by an environment variable and runs the tests in-process,
which would put mutmut in the student's worker and the mutants in the judge. Here each mutant is a
plain file, graded as a submission.
"""
from __future__ import annotations

import ast
import functools
import hashlib
import random
import shutil
import tempfile
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper
from mutmut.mutation import mutators
from mutmut.mutation.file_mutation import MutationVisitor
from mutmut.mutation.pragma_handling import IgnoredCode
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from autograder.config import Assignment, ConfigError
from autograder.release import BEGIN, END

REDUCTIONS = {"sum", "mean", "var", "std", "amax", "amin", "max", "min", "prod", "norm", "softmax",
              "log_softmax", "logsumexp", "cumsum", "argmax", "argmin", "all", "any", "var_mean", "flatten"}
CASTS = {"clone", "detach", "contiguous", "float", "double", "to", "type_as"}
IN_PLACE = {"add", "sub", "mul", "div", "clamp", "neg", "exp", "sqrt", "pow", "zero", "fill", "copy",
            "masked_fill", "index_add", "scatter_add", "tanh", "sigmoid", "relu", "abs"}


def _call(name: str, *args: cst.BaseExpression) -> cst.Call:
    return cst.Call(func=cst.Name(name), args=[cst.Arg(a) for a in args])


def _paren(node: cst.BaseExpression) -> cst.BaseExpression:
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def integer_minus_one(node: cst.Integer) -> Iterable[cst.CSTNode]:
    """An integer constant (a slice bound, a dim, a default) off by one downwards; mutmut adds one."""
    value = node.evaluated_value - 1
    yield node.with_changes(value=repr(value)) if value >= 0 else cst.UnaryOperation(cst.Minus(), cst.Integer("1"))


def unary_minus_removed(node: cst.UnaryOperation) -> Iterable[cst.CSTNode]:
    if isinstance(node.operator, cst.Minus):
        yield node.expression


def term_removed(node: cst.BinaryOperation) -> Iterable[cst.CSTNode]:
    """`a + b` -> `a` and `b`, `a - b` -> `a`, `a * b` -> `a` and `b`: a term or a factor forgotten."""
    if isinstance(node.operator, cst.Add | cst.Multiply):
        yield node.left
        yield node.right
    elif isinstance(node.operator, cst.Subtract | cst.Divide):
        yield node.left


def floor_division(node: cst.BinaryOperation) -> Iterable[cst.CSTNode]:
    """`a // b` -> `int(a / b)` (truncates towards zero), `round(a / b)`, and ceiling division."""
    if isinstance(node.operator, cst.FloorDivide):
        true_division = cst.BinaryOperation(node.left, cst.Divide(), node.right)
        yield _call("int", true_division)
        yield _call("round", true_division)
        negated = cst.BinaryOperation(cst.UnaryOperation(cst.Minus(), _paren(node.left)), cst.FloorDivide(),
                                      node.right)
        yield cst.UnaryOperation(cst.Minus(), _paren(negated))


def branch_forced(node: cst.If) -> Iterable[cst.CSTNode]:
    """An `if` whose condition is always true, or always false: a branch removed."""
    yield node.with_changes(test=cst.Name("True"))
    yield node.with_changes(test=cst.Name("False"))
    if node.orelse is not None:
        yield node.with_changes(orelse=None)


def method_mutations(node: cst.Call) -> Iterable[cst.CSTNode]:
    """`.clone()`/`.detach()`/a cast dropped, an out-of-place method made in-place."""
    if not isinstance(node.func, cst.Attribute):
        return
    method = node.func.attr.value
    if method in CASTS:
        yield node.func.value
    if method in IN_PLACE:
        yield node.with_deep_changes(node.func.attr, value=method + "_")


def arguments_swapped(node: cst.Call) -> Iterable[cst.CSTNode]:
    """Two neighbouring positional arguments swapped."""
    positional = [i for i, a in enumerate(node.args) if a.keyword is None and not a.star]
    for i, j in zip(positional, positional[1:], strict=False):
        args = list(node.args)
        args[i], args[j] = (node.args[j].with_changes(comma=node.args[i].comma),
                            node.args[i].with_changes(comma=node.args[j].comma))
        yield node.with_changes(args=args)


def reduction_dims(node: cst.Call) -> Iterable[cst.CSTNode]:
    """A reduction over a tuple of dims with one of them left out."""
    if not (isinstance(node.func, cst.Attribute) and node.func.attr.value in REDUCTIONS):
        return
    for i, arg in enumerate(node.args):
        if isinstance(arg.value, cst.Tuple | cst.List) and (arg.keyword is None or arg.keyword.value == "dim"):
            elements = arg.value.elements
            for k in range(len(elements)):
                kept = [e.with_changes(comma=cst.MaybeSentinel.DEFAULT) for e in elements[:k] + elements[k + 1:]]
                yield node.with_changes(args=[*node.args[:i], arg.with_changes(value=arg.value.with_changes(
                    elements=kept)), *node.args[i + 1:]])


def slice_bound(node: cst.Slice) -> Iterable[cst.CSTNode]:
    """A slice bound that is a name or an expression, off by one (integer bounds: the number operators)."""
    for field in ("lower", "upper"):
        bound = getattr(node, field)
        if bound is not None and not isinstance(bound, cst.Integer | cst.UnaryOperation):
            for operator in (cst.Add(), cst.Subtract()):
                yield node.with_changes(**{field: cst.BinaryOperation(bound, operator, cst.Integer("1"))})


def cast_inserted(node: cst.Return) -> Iterable[cst.CSTNode]:
    """A returned tensor cast to float32 (each element of a returned tuple in turn)."""
    if node.value is None:
        return
    values = node.value.elements if isinstance(node.value, cst.Tuple) else None
    if values is None:
        yield node.with_changes(value=cst.Call(cst.Attribute(_paren(node.value), cst.Name("float"))))
        return
    for k, element in enumerate(values):
        cast = element.with_changes(value=cst.Call(cst.Attribute(_paren(element.value), cst.Name("float"))))
        yield node.with_changes(value=node.value.with_changes(elements=[*values[:k], cast, *values[k + 1:]]))


OPERATORS = [(t, f) for t, f in mutators.mutation_operators
             if f not in (mutators.operator_string, mutators.operator_dict_arguments,
                          mutators.operator_symmetric_string_methods_swap,
                          mutators.operator_unsymmetrical_string_methods_swap, mutators.operator_assignment)] + [
    (cst.Integer, integer_minus_one),
    (cst.UnaryOperation, unary_minus_removed),
    (cst.BinaryOperation, term_removed),
    (cst.BinaryOperation, floor_division),
    (cst.If, branch_forced),
    (cst.Call, method_mutations),
    (cst.Call, arguments_swapped),
    (cst.Call, reduction_dims),
    (cst.Slice, slice_bound),
    (cst.Return, cast_inserted),
]


class _Visitor(MutationVisitor):
    """mutmut's visitor, but error messages are left alone: the wording of a message is not graded."""

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.FormattedString) or (isinstance(node, cst.Call) and isinstance(node.func, cst.Name)
                                                     and node.func.value.endswith(("Error", "Exception"))):
            return False  # the raise itself is still mutated: its branch forced, the condition changed
        return super().on_visit(node)


@dataclass(frozen=True)
class Mutant:
    id: str
    file: str
    function: str
    line: int
    original: str
    mutated: str
    source: str  # the whole mutated file

    def __str__(self) -> str:
        return f"{self.file}:{self.line} {self.function}: `{self.original}` -> `{self.mutated}`"


def _one_line(code: str, limit: int = 90) -> str:
    text = " ".join(" ".join(line for line in code.splitlines() if not line.strip().startswith("#")).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _mutable_lines(text: str) -> set[int]:
    """1-based lines inside solution regions, and the lines of every signature (their defaults)."""
    lines, inside = set(), False
    for number, line in enumerate(text.splitlines(), 1):
        if BEGIN in line:
            inside = True
        elif END in line:
            inside = False
        elif inside:
            lines.add(number)
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines.update(range(node.lineno, node.body[0].lineno))
    return lines


def _functions(text: str) -> list[tuple[int, int, str]]:
    """(first line, last line, qualified name) of every function, innermost last."""
    spans = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = prefix + child.name
                if not isinstance(child, ast.ClassDef):
                    spans.append((child.lineno, child.end_lineno, name))
                visit(child, name + ".")

    visit(ast.parse(text), "")
    return spans


def generate(assignment: Assignment) -> list[Mutant]:
    """Every distinct mutant of the reference's graded files, in a stable order with stable ids."""
    return [m for file in assignment.files for m in mutate(file, (assignment.solution_dir / file).read_text())]


def mutate(file: str, text: str) -> list[Mutant]:
    """The distinct mutants of one file's solution regions and signatures that still compile."""
    return list(_mutate(file, text))


@functools.lru_cache(maxsize=64)
def _mutate(file: str, text: str) -> tuple[Mutant, ...]:  # a pure function of the text: made once per process
    found, seen = [], {text}
    wrapper = MetadataWrapper(cst.parse_module(text))
    visitor = _Visitor(OPERATORS, IgnoredCode(set(), set(), set()), covered_lines=_mutable_lines(text))
    module = wrapper.visit(visitor)
    positions = wrapper.resolve(cst.metadata.PositionProvider)
    spans = wrapper.resolve(cst.metadata.WhitespaceInclusivePositionProvider)
    starts = [0]  # the offset in text of each line's first character
    for line_text in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line_text))
    functions = _functions(text)
    occurrences: dict[tuple, int] = {}
    for mutation in visitor.mutations:
        source = _replace(module, text, starts, spans[mutation.original_node], mutation)
        if source in seen:
            continue
        try:
            compile(source, file, "exec")
        except SyntaxError:
            continue
        seen.add(source)
        line = positions[mutation.original_node].start.line
        function = next((name for first, last, name in reversed(functions) if first <= line <= last), "<module>")
        original = _one_line(module.code_for_node(mutation.original_node))
        mutated = _one_line(module.code_for_node(mutation.mutated_node))
        key = (file, function, original, mutated)
        occurrences[key] = occurrences.get(key, 0) + 1
        digest = hashlib.sha1("|".join(map(str, (*key, occurrences[key]))).encode()).hexdigest()[:10]
        found.append(Mutant(digest, file, function, line, original, mutated, source))
    return tuple(found)


def _replace(module: cst.Module, text: str, starts: list[int], span, mutation) -> str:
    """The module's text with the mutated node in place of the original one. A node that renders on one line
    renders the same on its own as in place, so its text is spliced into the original's span (fast); a node over
    several lines indents them by the block around it, so the whole module is rendered again (deep_replace)."""
    code = module.code_for_node(mutation.mutated_node)
    if "\n" in code or isinstance(mutation.mutated_node, cst.BaseStatement | cst.BaseSuite):
        return module.deep_replace(mutation.original_node, mutation.mutated_node).code
    begin = starts[span.start.line - 1] + span.start.column
    end = starts[span.end.line - 1] + span.end.column
    return text[:begin] + code + text[end:]


def equivalents(assignment: Assignment) -> dict[str, str]:
    """hidden/NAME/mutants.toml: {mutant id: why it is equivalent}."""
    path = assignment.hidden_dir / "mutants.toml"
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text())
    unknown = set(data) - {"equivalent"}
    if unknown:
        raise ConfigError(f"{path}: unknown table(s) {sorted(unknown)}; only [equivalent.ID] tables belong here.")
    table = {}
    for mutant_id, entry in data.get("equivalent", {}).items():
        if not isinstance(entry, dict) or not str(entry.get("why", "")).strip():
            raise ConfigError(f"{path}: [equivalent.{mutant_id}] needs a `why` saying why no correct test can "
                              f"kill it.")
        table[mutant_id] = entry["why"]
    return table


def validate_mutants(assignment: Assignment, jobs: int, console: Console | None = None,
                     sample: int | None = None, seed: int = 0, only: list[str] | None = None) -> bool:
    """Grade every mutant (or a seeded sample, or the ids in `only`); True when each is killed or recorded as
    equivalent."""
    from autograder.grade import grade

    console = console or Console()
    everything = generate(assignment)
    chosen = everything if sample is None or sample >= len(everything) else \
        sorted(random.Random(seed).sample(everything, sample), key=everything.index)
    if only:
        unknown = sorted(set(only) - {m.id for m in everything})
        if unknown:
            raise ConfigError(f"--only {', '.join(unknown)}: no such mutant of {assignment.name}'s reference; "
                              f"the ids are those `validate {assignment.name} --mutants` prints.")
        chosen = [m for m in everything if m.id in only]
    known = equivalents(assignment)
    with tempfile.TemporaryDirectory(prefix="mutants-") as tmp:
        sources = []
        for mutant in chosen:
            target = Path(tmp) / mutant.id
            target.mkdir()
            for file in assignment.files:
                shutil.copyfile(assignment.solution_dir / file, target / file)
            (target / mutant.file).write_text(mutant.source)
            sources.append(target)
        results = grade(assignment, sources, None, jobs, names=[m.id for m in chosen], first_failure=True)
    survivors = [m for m, r in zip(chosen, results, strict=True)
                 if not r.error and r.score >= r.max_score - 1e-9]
    untriaged = [m for m in survivors if m.id not in known]
    killed_but_listed = [m for m in chosen if m.id in known and m not in survivors]
    stale = sorted(set(known) - {m.id for m in everything}) if sample is None and not only else []
    table = Table(title=f"mutants of {assignment.name}: survivors")
    for column in ("id", "mutant", "verdict"):
        table.add_column(column, overflow="fold")
    for mutant in survivors:
        verdict = f"equivalent: {escape(known[mutant.id])}" if mutant.id in known else \
            "[red]SURVIVES: not triaged[/red]"
        table.add_row(mutant.id, escape(str(mutant)), verdict)
    if survivors:
        console.print(table)
    what = f"{len(chosen)} of {len(everything)} mutants" + ("" if only else f" (seed {seed})") \
        if len(chosen) < len(everything) else f"{len(everything)} mutants"
    console.print(f"mutants of {assignment.name}: {what}, {len(chosen) - len(survivors)} killed, "
                  f"{len(survivors) - len(untriaged)} equivalent, {len(untriaged)} untriaged survivors")
    problems = [f"{m.id} survives with full marks: {m}; kill it with a hidden test, or record it under "
                f"[equivalent.{m.id}] in {assignment.hidden_dir / 'mutants.toml'} with why" for m in untriaged]
    problems += [f"{m.id} is listed as equivalent but is killed: remove [equivalent.{m.id}]" for m in killed_but_listed]
    problems += [f"[equivalent.{i}] in mutants.toml matches no mutant any more: remove it" for i in stale]
    for problem in problems:
        console.print(f"  - [red]{escape(problem)}[/red]")
    return not problems
