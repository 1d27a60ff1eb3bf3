"""Mechanical mutation sample: which lines of accelsim/ no test guards, found fast.

The hand-written rounds of `mutation_pass.py` are blind and few; their survivors were boundary
bugs (rounding down, `<` for `<=`, off by one, a reversed sort, a dropped margin, a wrong
default, a branch never taken). This script writes such single-line bugs mechanically from each
module's syntax tree (`generate`), picks for each the tests that execute its line (the suite's
coverage map, recorded with `dynamic_context = test_function`), runs only those, and lists the
survivors per test writer, so tests can be aimed at the unguarded lines.

    python scripts/mutation_sample.py --list accelsim/timing/rate.py     # the mutants, no run
    nice -n 10 python scripts/mutation_sample.py --out /tmp/sample.json --until 12:15 \\
        --coverage .coverage --survivors survivors/
    nice -n 10 python scripts/mutation_sample.py --out /tmp/sample.json --rerun --tree .

One mutant per line, lines in a seeded random order over every module a writer owns (so each
area is sampled in proportion to its size); lines changed by rounds 1-7 are left out. A line no
test executes is an "uncovered" survivor without a run; a line run only outside any test
function (a subprocess, a fixture) is tried on its module's area directories (those
`mutation_pass.py` used for the module). Results are one JSON record per mutant (`--out`, so a
run resumes), and each writer's survivors are rewritten as markdown after every result.
`--rerun` tries the survivors again on the tree given (current main), adding every test file
changed since the coverage map was recorded, and marks the ones now killed.
The coverage map needs `coverage` importable (the version that recorded it).
"""

from __future__ import annotations

import argparse
import ast
import difflib
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mutation_pass import (  # noqa: E402  (a sibling script, not a package)
    _PRELOADED,
    BATTERIES,
    ROOT,
    ROUNDS,
    WIDE,
    Mutant,
    applied,
    run_confirmed,
    scratch_copy,
)

WRITERS = {
    "tests20a": ("memory/", "plan.py", "check.py", "dram/", "timing/", "sim/", "ddr_layers.py"),
    "tests20b": ("workload/", "lowering.py", "kinds.py", "units.py", "hardware.py",
                 "hardware_file.py", "_yaml.py", "facts.py", "work.py", "presets.py"),
    "tests20c": ("cli/", "report/", "summary.py", "outputs.py", "explain/", "energy.py",
                 "_text.py", "_inputs.py"),
    "tests20d": ("sweep/", "paper/", "train/", "api.py", "_extras.py", "errors.py",
                 "_workers.py"),
}  # fmt: skip
"""Who writes tests for which module (paths under accelsim/; a trailing / is a folder)."""

LOW = ("message",)
"""Kinds tried only on a line that offers nothing else."""
WEIGHTS = {"return-none": 0.3}
"""How likely a kind is drawn among a line's kinds (else 1): a `return None` is mostly caught
at once."""

LOGGERS = re.compile(r"^(_?log|_?logger|logging|LOG)$")
SWAPS = {"min": "max", "max": "min", "math.ceil": "math.floor", "math.floor": "math.ceil",
         "ceil": "floor", "floor": "ceil", "round": "int", "int": "round"}  # fmt: skip
COMPARE = {ast.Lt: ("<", "<="), ast.LtE: ("<=", "<"), ast.Gt: (">", ">="),
           ast.GtE: (">=", ">"), ast.Eq: ("==", "!="), ast.NotEq: ("!=", "=="),
           ast.Is: ("is", "is not"), ast.IsNot: ("is not", "is"), ast.In: ("in", "not in"),
           ast.NotIn: ("not in", "in")}  # fmt: skip
ARITH = {ast.Add: [("+", "-")], ast.Sub: [("-", "+")], ast.Mult: [("*", "/")],
         ast.Div: [("/", "*"), ("/", "//")], ast.FloorDiv: [("//", "/")]}  # fmt: skip
INERT = frozenset(("strict", "flush", "kw_only", "frozen", "slots", "repr", "exist_ok",
                   "parents", "missing_ok", "encoding", "errors", "stacklevel"))
"""Keyword arguments whose value a bug there cannot show in behaviour worth a test (a zip's
`strict` on equal lengths, a print's `flush`): their constants are not mutated."""
ATOMS = (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.Constant)


Record = dict[str, Any]
"""One mutant's result in the `--out` JSON."""


@dataclass(frozen=True)
class Sampled:
    """A generated mutant and where it sits: `line` is the line it changes, `statement` the line
    whose coverage tells which tests run it: the first line of the statement holding it (where
    coverage may record a multi-line statement), a function's first statement for its header
    (a default is read when the function runs), None outside functions (run at import, under
    whichever test imported first) and in numba-compiled ones (which coverage cannot see)."""

    mutant: Mutant
    kind: str
    line: int
    statement: int | None

    @property
    def key(self) -> str:
        return f"{self.mutant.path}|{self.mutant.old}|{self.mutant.new}"


def area_tests(path: str) -> tuple[str, ...]:
    """The test directories `mutation_pass.py`'s rounds ran for `path`, else the module's own
    (tests/<folder>, tests/test_<module>.py), else the in-process directories."""
    found = dict.fromkeys(t for number in range(1, 8) for m in ROUNDS[number]
                          if m.path == path for t in m.tests)  # fmt: skip
    if found:
        return tuple(found)
    parts = Path(path).relative_to("accelsim").parts
    own = (f"tests/{parts[0]}" if len(parts) > 1 else f"tests/test_{Path(parts[0]).stem}.py")
    return (own,) if (ROOT / own).exists() else WIDE


def writer_of(path: str) -> str | None:
    name = path.removeprefix("accelsim/")
    return next((w for w, owned in WRITERS.items()
                 if any(name.startswith(o) if o.endswith("/") else name == o for o in owned)),
                None)  # fmt: skip


def done_lines(path: str, text: str) -> set[int]:
    """Lines of `text` (the module `path`) that a mutant of rounds 1-7 changes."""
    lines: set[int] = set()
    for number in range(1, 8):
        for m in ROUNDS[number]:
            at = text.find(m.old) if m.path == path else -1
            if at >= 0:
                first = text.count("\n", 0, at) + 1
                lines.update(range(first, first + m.old.strip("\n").count("\n") + 1))
    return lines


def _skipped_lines(tree: ast.Module) -> set[int]:
    """Lines no mutant should touch: docstrings, imports, asserts, logging calls, typing-only
    blocks and annotations, decorators, `pragma: no cover` blocks are found by the caller."""
    skip: set[int] = set()

    def span(node: ast.stmt) -> range:
        return range(node.lineno, (node.end_lineno or node.lineno) + 1)

    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.Assert, ast.Global, ast.Nonlocal)):
            skip.update(span(node))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            skip.update(span(node))  # a docstring
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            func = node.value.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                    and LOGGERS.match(func.value.id):
                skip.update(span(node))
        elif (isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
              or isinstance(node, ast.AnnAssign) and (
                  node.value is None or "TypeAlias" in ast.unparse(node.annotation))
              or isinstance(node, ast.Assign) and any(
                  isinstance(t, ast.Name) and t.id in ("__all__", "__slots__")
                  for t in node.targets)):  # fmt: skip
            skip.update(span(node))
    return skip


def _annotations(tree: ast.Module) -> set[int]:
    """ids of the nodes inside annotations and decorators (typing, not behaviour)."""
    roots: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            roots += [*node.decorator_list, *([node.returns] if node.returns else [])]
            args = node.args
            roots += [a.annotation for a in (*args.posonlyargs, *args.args, *args.kwonlyargs,
                                             *filter(None, (args.vararg, args.kwarg)))
                      if a.annotation]  # fmt: skip
        elif isinstance(node, ast.ClassDef):
            roots += node.decorator_list
        elif isinstance(node, ast.AnnAssign):
            roots.append(node.annotation)
    return {id(n) for root in roots for n in ast.walk(root)}


class _Edits:
    """The single-line edits of one module: (line, start, end, new text, kind), columns in UTF-8
    bytes as the syntax tree gives them."""

    def __init__(self, source: str) -> None:
        self.lines = source.splitlines(keepends=True)
        self.found: list[tuple[int, int, int, str, str]] = []

    def text(self, node: ast.expr) -> str:
        line = self.lines[node.lineno - 1].encode()
        return line[node.col_offset:node.end_col_offset].decode()

    def wrapped(self, node: ast.expr) -> str:
        return self.text(node) if isinstance(node, ATOMS) else f"({self.text(node)})"

    def node(self, node: ast.expr, new: str, kind: str) -> None:
        if node.lineno == node.end_lineno and node.end_col_offset is not None:
            self.found.append((node.lineno, node.col_offset, node.end_col_offset, new, kind))

    def between(self, left: ast.expr, right: ast.expr, old: str, new: str, kind: str) -> None:
        """The operator `old` between `left` and `right` (on one line) made `new`."""
        start = left.end_col_offset
        if left.end_lineno != right.lineno or start is None:
            return
        gap = self.lines[right.lineno - 1].encode()[start:right.col_offset].decode()
        words = r"\b" + old.replace(" ", r"\s+") + r"\b"
        pattern = words if old[0].isalpha() else re.escape(old)
        if len(re.findall(pattern, gap)) == 1:
            self.found.append((right.lineno, start, right.col_offset,
                               re.sub(pattern, new, gap), kind))  # fmt: skip


def _ceil(node: ast.expr) -> bool:
    """Whether `node` is the `-a // b` of a rounding up `-(-a // b)`."""
    return (isinstance(node, ast.BinOp) and isinstance(node.op, ast.FloorDiv)
            and isinstance(node.left, ast.UnaryOp) and isinstance(node.left.op, ast.USub))


def _returns_optional(function: ast.AST | None) -> bool:
    returns = getattr(function, "returns", None)
    return returns is None or any(word in ast.unparse(returns)
                                  for word in ("None", "Optional", "Any", "Iterator", "Generator"))


def _edits(tree: ast.Module, source: str) -> list[tuple[int, int, int, str, str]]:
    edits = _Edits(source)
    typing = _annotations(tree)
    parents = {id(c): p for p in ast.walk(tree) for c in ast.iter_child_nodes(p)}

    def function_of(node: ast.AST) -> ast.AST | None:
        while id(node) in parents:
            node = parents[id(node)]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                return node
        return None

    for node in ast.walk(tree):
        parent = parents.get(id(node))
        if id(node) in typing or isinstance(parent, ast.keyword) and parent.arg in INERT:
            continue
        if isinstance(node, ast.Compare):
            left = node.left
            for op, right in zip(node.ops, node.comparators, strict=True):
                old, new = COMPARE[type(op)]
                edits.between(left, right, old, new, "compare")
                left = right
        elif isinstance(node, ast.BinOp):
            for old, new in ARITH.get(type(node.op), []):
                edits.between(node.left, node.right, old, new, "arith")
            if isinstance(node.op, ast.FloorDiv) and not (
                    isinstance(node.left, ast.UnaryOp) and isinstance(node.left.op, ast.USub)):
                edits.node(node, f"-(-{edits.wrapped(node.left)} // {edits.wrapped(node.right)})",
                           "round-up")  # fmt: skip
            if isinstance(node.op, (ast.Add, ast.Sub)) and node.lineno == node.end_lineno:
                edits.node(node, edits.text(node.left), "drop-operand")
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) \
                and _ceil(node.operand):  # fmt: skip
            inner = node.operand  # -(-a // b): rounding up, made rounding down
            assert isinstance(inner, ast.BinOp) and isinstance(inner.left, ast.UnaryOp)
            edits.node(node, f"{edits.wrapped(inner.left.operand)} // {edits.wrapped(inner.right)}",
                       "round-down")
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            loose = isinstance(node.operand, (ast.BoolOp, ast.IfExp, ast.Lambda, ast.NamedExpr))
            operand = edits.wrapped(node.operand) if loose else edits.text(node.operand)
            edits.node(node, operand, "drop-not")
        elif isinstance(node, ast.AugAssign) and type(node.op) in (ast.Add, ast.Sub):
            old, new = ("+=", "-=") if isinstance(node.op, ast.Add) else ("-=", "+=")
            edits.between(node.target, node.value, old, new, "arith")
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
            edits.node(node, str(not node.value), "constant")
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            for new_value in dict.fromkeys((node.value + 1, node.value - 1, 0)):
                if new_value != node.value:
                    edits.node(node, str(new_value), "constant")
        elif isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            if name in ("min", "max"):
                edits.node(node.func, SWAPS[name], "min-max")
            elif name in SWAPS and len(node.args) == 1 and not node.keywords:
                edits.node(node.func, SWAPS[name], "rounding")
            reverse = next((k for k in node.keywords if k.arg == "reverse"), None)
            if reverse is not None:
                value = reverse.value
                edits.node(value, str(not value.value) if isinstance(value, ast.Constant)
                           else f"not {edits.wrapped(value)}", "reverse")  # fmt: skip
            elif name == "sorted" or name.endswith(".sort"):
                text = edits.text(node) if node.lineno == node.end_lineno else ""
                if text.endswith(")") and not text.endswith(",)"):
                    edits.node(node, text[:-1] + ", reverse=True)", "reverse")
        elif isinstance(node, ast.BoolOp) and node.lineno == node.end_lineno:
            old, new = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
            line = edits.lines[node.lineno - 1].encode()
            first, last = node.values[0], node.values[-1]
            whole = line[first.col_offset:last.end_col_offset].decode()
            gaps = [line[a.end_col_offset:b.col_offset].decode()
                    for a, b in zip(node.values, node.values[1:], strict=False)]  # fmt: skip
            if all(len(re.findall(rf"\b{old}\b", g)) == 1 for g in gaps):
                swapped = edits.text(first) + "".join(
                    re.sub(rf"\b{old}\b", new, g) + edits.text(v)
                    for g, v in zip(gaps, node.values[1:], strict=True))
                if len(swapped) == len(whole) + (len(new) - len(old)) * len(gaps):
                    edits.node(node, swapped, "and-or")
        elif isinstance(node, (ast.If, ast.IfExp)):
            for forced in ("True", "False"):
                edits.node(node.test, forced, "branch")
        elif isinstance(node, ast.Return) and node.value is not None and not (
                isinstance(node.value, ast.Constant) and node.value.value is None):
            if not _returns_optional(function_of(node)) and not isinstance(
                    function_of(node), ast.Lambda):
                edits.node(node.value, "None", "return-none")
        elif isinstance(node, ast.Slice):
            for bound, shift in ((node.lower, "+ 1"), (node.upper, "- 1"), (node.upper, "+ 1")):
                if bound is not None and not isinstance(bound, ast.Constant) and not (
                        isinstance(bound, ast.UnaryOp) and isinstance(bound.operand, ast.Constant)):
                    edits.node(bound, f"{edits.wrapped(bound)} {shift}", "slice")
        elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args:
            message = node.exc.args[0]
            if isinstance(message, (ast.JoinedStr, ast.Constant)) and (
                    isinstance(message, ast.JoinedStr) or isinstance(message.value, str)):
                edits.node(message, '""', "message")
    return edits.found


def _statements(tree: ast.Module) -> dict[int, int | None]:
    """Each line -> the line that stands for it in the coverage map (`Sampled.statement`)."""
    first: dict[int, int | None] = {}
    functions = [n for n in ast.walk(tree)
                 if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]  # fmt: skip
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and any(
                f.body[0].lineno <= node.lineno <= (f.end_lineno or 0) for f in functions):
            blocks = ("body", "orelse", "handlers", "finalbody", "cases")
            body = min((getattr(node, f)[0].lineno for f in blocks if getattr(node, f, None)),
                       default=(node.end_lineno or node.lineno) + 1)  # fmt: skip
            for line in range(node.lineno, body):
                if line not in first or (first[line] or 0) < node.lineno:
                    first[line] = node.lineno
    for function in sorted(functions, key=lambda f: f.lineno):  # inner ones last: they win
        body = [n for n in function.body if not (isinstance(n, ast.Expr)
                                                 and isinstance(n.value, ast.Constant))]
        start = min([function.lineno, *(d.lineno for d in function.decorator_list)])
        for line in range(start, function.body[0].lineno):
            first[line] = body[0].lineno if body else None
        if any("jit" in ast.unparse(d) for d in function.decorator_list):
            # compiled by numba: coverage never sees its lines run, its area's tests do
            first.update(dict.fromkeys(range(start, (function.end_lineno or start) + 1)))
    return first


def _unique_old(lines: list[str], at: int, new_line: str) -> tuple[str, str] | None:
    """(old, new) for `mutation_pass`: the changed line stripped if it occurs once in the file,
    else the whole line with as many lines before it as make it unique."""
    text = "".join(lines)
    old_line = lines[at]
    stripped = old_line.strip()
    if text.count(stripped) == 1:
        return stripped, new_line.strip()
    for before in range(1, 4):
        if at - before < 0:
            break
        old = "".join(lines[at - before:at + 1])
        if text.count(old) == 1:
            return old, "".join(lines[at - before:at]) + new_line
    return None


def compiles(path: str, source: str, mutant: Mutant) -> bool:
    try:
        compile(source.replace(mutant.old, mutant.new), path, "exec")
    except SyntaxError:
        return False
    return True


def generate(path: str, source: str, avoid: Collection[int] = (), check: bool = True
             ) -> list[Sampled]:  # fmt: skip
    """Every single-line mutant of the module `path` (its text `source`), lines in `avoid` and
    the lines no mutant should touch left out; each changes one line and its `old` occurs once
    in `source`; each compiles (with `check`; else the caller checks the ones it uses)."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    skip = _skipped_lines(tree) | set(avoid)
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and "no cover" in lines[node.lineno - 1]:
            skip.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    statements = _statements(tree)
    tests = area_tests(path)
    found: dict[str, Sampled] = {}
    for number, start, end, new, kind in sorted(_edits(tree, source)):
        if number in skip:
            continue
        raw = lines[number - 1].encode()
        new_line = (raw[:start] + new.encode() + raw[end:]).decode()
        if new_line == lines[number - 1]:
            continue
        pair = _unique_old(lines, number - 1, new_line)
        if pair is None:
            continue
        mutant = Mutant(path, pair[0], pair[1], tests)
        if check and not compiles(path, source, mutant):
            continue
        sampled = Sampled(mutant, kind, number, statements.get(number))
        found.setdefault(sampled.key, sampled)
    return list(found.values())


def modules(tree: Path) -> list[str]:
    """Every module of accelsim/ a writer owns, as paths relative to `tree`."""
    return sorted(str(p.relative_to(tree)) for p in (tree / "accelsim").rglob("*.py")
                  if writer_of(str(p.relative_to(tree))))  # fmt: skip


def sample(tree: Path, seed: int) -> list[Sampled]:
    """One mutant per mutable line of every owned module, lines in a seeded random order (each
    area in proportion to its size), lines offering only `LOW` kinds after all the others."""
    rng = random.Random(seed)
    picked: list[tuple[bool, float, Sampled]] = []
    for path in modules(tree):
        source = (tree / path).read_text()
        by_line: dict[int, list[Sampled]] = {}
        for s in generate(path, source, done_lines(path, source), check=False):
            by_line.setdefault(s.line, []).append(s)
        for line in sorted(by_line):
            main = [s for s in by_line[line] if s.kind not in LOW]
            kinds: dict[str, list[Sampled]] = {}
            for s in main or by_line[line]:
                kinds.setdefault(s.kind, []).append(s)
            while kinds:  # a kind drawn by its weight, then one of its mutants that compiles
                kind = rng.choices(list(kinds), [WEIGHTS.get(k, 1.0) for k in kinds])[0]
                choice = kinds[kind].pop(rng.randrange(len(kinds[kind])))
                if compiles(path, source, choice.mutant):
                    picked.append((not main, rng.random(), choice))
                    break
                if not kinds[kind]:
                    del kinds[kind]
    return [s for _, _, s in sorted(picked, key=lambda p: (p[0], p[1]))]


class Coverage:
    """The suite's coverage map: which test functions run a line. Lines of a module changed since
    the map was recorded (at `commit`) are mapped through a diff; changed ones count as run
    outside any test (so their area directories are tried)."""

    def __init__(self, data_file: Path, recorded_root: Path, commit: str, tree: Path) -> None:
        from coverage import CoverageData  # only the runner needs coverage

        self.data = CoverageData(basename=str(data_file))
        self.data.read()
        self.recorded_root, self.commit, self.tree = recorded_root, commit, tree
        self._by_file: dict[str, tuple[dict[int, list[str]], dict[int, int | None]]] = {}

    def _file(self, path: str) -> tuple[dict[int, list[str]], dict[int, int | None]]:
        if path not in self._by_file:
            contexts = self.data.contexts_by_lineno(str(self.recorded_root / path))
            then = subprocess.run(["git", "-C", str(self.recorded_root), "show",
                                   f"{self.commit}:{path}"], capture_output=True, text=True,
                                  check=False).stdout.splitlines()  # fmt: skip
            now = (self.tree / path).read_text().splitlines()
            moved: dict[int, int | None] = {}
            matcher = difflib.SequenceMatcher(a=now, b=then, autojunk=False)
            for a, b, size in matcher.get_matching_blocks():
                moved.update({a + i + 1: b + i + 1 for i in range(size)})
            self._by_file[path] = (contexts, moved)
        return self._by_file[path]

    def contexts(self, sampled: Sampled) -> set[str] | None:
        """The contexts that ran the mutant's line ("" outside any test function); None when the
        line is outside functions or changed since the map was recorded."""
        if sampled.statement is None:
            return None
        contexts, moved = self._file(sampled.mutant.path)
        found: set[str] = set()
        for line in {sampled.line, sampled.statement}:
            then = moved.get(line)
            if then is None:
                return None
            found.update(contexts.get(then, ()))
        return found


def node_ids(contexts: set[str], tree: Path, area: tuple[str, ...]) -> list[str]:
    """The pytest node ids of the test-function contexts that exist in `tree`, area tests first,
    then the other in-process ones, the subprocess batteries, tests/property last."""
    found = []
    for context in filter(None, contexts):
        # (pytest's importlib mode names a test module from tests/ down, or from its own folder
        # down where tests/ has no __init__.py: tests.sim.test_x or sim.test_x)
        parts = context.removeprefix("tests.").split(".")
        for cut in range(len(parts) - 1, 0, -1):
            file = tree / "tests" / Path(*parts[:cut]).with_suffix(".py")
            names = parts[cut:]
            if file.is_file():
                source = file.read_text()
                if file.name.startswith("test_") and all(
                        re.search(rf"^\s*(def|class) {re.escape(n)}\b", source, re.M)
                        for n in names):  # fmt: skip
                    found.append("::".join([str(file.relative_to(tree)), *names]))
                break

    def rank(node: str) -> tuple[int, str]:
        file = node.split("::")[0]
        group = (0 if any(file == a or file.startswith(a.rstrip("/") + "/") for a in area) else
                 3 if file.startswith("tests/property") else
                 2 if file.startswith(BATTERIES) else 1)  # fmt: skip
        return group, node

    return sorted(set(found), key=rank)


def changed_tests(tree: Path, since: str) -> list[str]:
    """Test files of `tree` (a git checkout) added or changed since the commit `since`."""
    command = ["git", "-C", str(tree), "diff", "--name-only", "--diff-filter=AM", since, "--",
               "tests"]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return [p for p in out.split() if Path(p).name.startswith("test_") and p.endswith(".py")]


def run_one(copy: Path, mutant: Mutant, tests: list[str], timeout_s: float) -> Record:
    """The verdict of `tests` (pytest node ids or paths, -x) on `mutant` planted in `copy`."""
    started = time.monotonic()
    with applied(copy, mutant):
        caught, said = run_confirmed(copy, tuple(tests), timeout_s)
    timeout = said.startswith("timeout after")
    verdict = "timeout" if timeout else "killed" if caught else "survived"
    return {"verdict": verdict, "said": said, "seconds": round(time.monotonic() - started)}


def _survivor_line(record: Record) -> str:
    old, new = (str(record[k]).strip().splitlines()[-1].strip() for k in ("old", "new"))
    ran = record.get("ran", "")
    mark = (f" **killed since ({record['killed_by']})**" if record.get("killed_by") else
            f" (rerun {record['rerun'][:120]})" if record.get("rerun") else "")  # fmt: skip
    name = str(record["path"]).removeprefix("accelsim/")
    return (f"- `{name}:{record['line']}` ({record['kind']}){mark}\n"
            f"  - old: `{old}`\n  - new: `{new}`\n  - {record['verdict']}: {ran}")


def write_lists(results: dict[str, Record], folder: Path) -> None:
    """Each writer's markdown list of survivors and uncovered lines, rewritten whole."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%H:%M")
    for writer in WRITERS:
        mine = [r for r in results.values() if r["writer"] == writer]
        count = {v: sum(r["verdict"] == v for r in mine)
                 for v in ("killed", "survived", "uncovered", "timeout")}  # fmt: skip
        lines = [f"# Mechanical mutation survivors for {writer} (mutgen, updated {stamp})", "",
                 "Single-line bugs (scripts/mutation_sample.py) the suite did not catch, in the "
                 "order they were run. `uncovered`: no test executes the line. `survived`: the "
                 "tests that execute it (listed) all passed. Some may be equivalent; judge each. "
                 "**killed since** marks a survivor a rerun on main caught.", "",
                 f"Run so far in your area: {len(mine)} mutants, {count['killed']} killed, "
                 f"{count['survived']} survived, {count['uncovered']} uncovered, "
                 f"{count['timeout']} timed out.", ""]  # fmt: skip
        alive = [r for r in mine if r["verdict"] in ("survived", "uncovered")]
        for title, group in (("", [r for r in alive if not r.get("partial")]),
                             (" (provisional)", [r for r in alive if r.get("partial")])):
            if title and group:
                lines += ["# Provisional", "", "Run on a snapshot of the coverage map taken while "
                          "the suite was still running: tests later in the suite may kill these; "
                          "they are run again on the whole map.", ""]  # fmt: skip
            for path in sorted({r["path"] for r in group}):
                lines += [f"## {path}{title}", ""]
                lines += [_survivor_line(r) for r in sorted(group, key=lambda r: r["line"])
                          if r["path"] == path]  # fmt: skip
                lines.append("")
        target = folder / f"{writer}.md"
        scratch = target.with_suffix(".tmp")
        scratch.write_text("\n".join(lines))
        scratch.replace(target)


def summary(results: dict[str, Record]) -> str:
    """Counts per writer and the survival rate per module, the weakest first."""
    out = []
    for writer in WRITERS:
        mine = [r for r in results.values() if r["writer"] == writer]
        count = {v: sum(r["verdict"] == v for r in mine)
                 for v in ("killed", "survived", "uncovered", "timeout")}  # fmt: skip
        killed_since = sum(bool(r.get("killed_by")) for r in mine)
        out.append(f"{writer}: {len(mine)} mutants: {count['killed']} killed, {count['survived']} "
                   f"survived, {count['uncovered']} uncovered, {count['timeout']} timed out; "
                   f"{killed_since} of the survivors killed since")  # fmt: skip
    per: dict[str, list[Record]] = {}
    for r in results.values():
        per.setdefault(str(r["path"]), []).append(r)
    rows = []
    for path, rs in per.items():
        scored = [r for r in rs if r["verdict"] != "timeout"]
        alive = sum(r["verdict"] in ("survived", "uncovered") for r in scored)
        if scored:
            rows.append((alive / len(scored), len(scored), alive, path))
    out.append("survival per module (survived + uncovered / run), the weakest first:")
    out += [f"  {rate:5.0%} {alive:3}/{n:<3} {path}" for rate, n, alive, path in
            sorted(rows, key=lambda r: (-r[0], -r[1]))]  # fmt: skip
    return "\n".join(out)


def _record(sampled: Sampled, writer: str | None) -> Record:
    m = sampled.mutant
    return {"path": m.path, "line": sampled.line, "kind": sampled.kind, "old": m.old, "new": m.new,
            "writer": writer}


def _stopped(until: str) -> bool:
    return bool(until) and datetime.now().strftime("%H:%M") >= until


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", nargs="*", metavar="MODULE", help="print these modules' mutants")
    parser.add_argument("--out", type=Path, default=Path("/tmp/mutation_sample.json"))
    parser.add_argument("--survivors", type=Path, default=None, metavar="DIR",
                        help="where each writer's markdown list goes (rewritten as results come)")
    parser.add_argument("--coverage", type=Path, default=Path("/tmp/cov/.coverage"))
    parser.add_argument("--recorded", type=Path, default=Path("/work/main"),
                        help="the checkout the coverage map was recorded in")
    parser.add_argument("--commit", default="768779a", help="its commit when recorded")
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout to mutate")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--timeout", type=float, default=240.0)
    parser.add_argument("--until", default="", metavar="HH:MM", help="start no mutant after this")
    parser.add_argument("--limit", type=int, default=0, help="at most this many mutants run")
    parser.add_argument("--rerun", action="store_true",
                        help="run the survivors again on --tree, with the test files changed since")
    parser.add_argument("--only", nargs="*", default=[], metavar="PREFIX",
                        help="only the modules whose path starts so (e.g. accelsim/memory)")
    parser.add_argument("--partial", action="store_true",
                        help="the map is a snapshot of a coverage run still going: run only the "
                             "lines a test function ran so far; survivors stay provisional")
    parser.add_argument("--summary", action="store_true",
                        help="print the counts of --out; run nothing")
    options = parser.parse_args()
    if options.list is not None:
        for path in options.list:
            for s in generate(path, (options.tree / path).read_text()):
                old, new = s.mutant.old.strip(), s.mutant.new.strip()
                print(f"{path}:{s.line} [{s.kind}] {old!r} -> {new!r}")
        return 0
    results: dict[str, Record] = (
        json.loads(options.out.read_text()) if options.out.exists() else {})
    if options.summary:
        print(summary(results))
        return 0

    def save() -> None:
        options.out.write_text(json.dumps(results, indent=1))
        if options.survivors:
            write_lists(results, options.survivors)

    for name in _PRELOADED:
        __import__(name)
    with tempfile.TemporaryDirectory(prefix="accelsim-sample-") as scratch:
        copy = scratch_copy(Path(scratch), options.tree)
        if options.rerun:
            rerun(results, copy, options, save)
        else:
            # (the copy, not --tree: a checkout may move on while this runs)
            cover = Coverage(options.coverage, options.recorded, options.commit, copy)
            ran = 0
            order = sample(copy, options.seed)  # verdicts of a partial map first, to settle them
            order.sort(key=lambda s: not results.get(s.key, {}).get("partial"))
            for sampled in order:
                if options.only and not sampled.mutant.path.startswith(tuple(options.only)):
                    continue
                if _stopped(options.until) or (options.limit and ran >= options.limit):
                    break
                done = results.get(sampled.key)
                if done is not None and not done.get("partial"):
                    continue
                contexts = cover.contexts(sampled)
                tests = node_ids(contexts or set(), copy, sampled.mutant.tests)
                if options.partial and not tests:
                    continue  # judged once the whole map is there
                record = done or _record(sampled, writer_of(sampled.mutant.path))
                ran += judge(record, sampled, contexts, tests, copy, options.timeout)
                record["partial"] = options.partial and record["verdict"] != "killed"
                results[sampled.key] = record
                print(f"{record['verdict']:9} {sampled.mutant.path}:{sampled.line} "
                      f"[{sampled.kind}] {record.get('seconds', 0)} s {record['ran']}",
                      flush=True)  # fmt: skip
                save()
    print(summary(results))
    return 0


def judge(record: Record, sampled: Sampled, contexts: set[str] | None, tests: list[str],
          copy: Path, timeout_s: float) -> bool:
    """Fill `record`'s verdict: "uncovered" when no test runs the line, else the run of `tests`
    (the module's area directories when no test function runs the line) less those `record`
    already passed (a verdict on a partial map); whether anything ran."""
    if contexts is not None and not contexts:
        record.update(verdict="uncovered", ran="no test executes this line")
        return False
    area = sampled.mutant.tests
    if not tests:  # run only outside test functions (subprocesses, fixtures)
        tests = list(area)
        why = ("outside functions, or compiled" if sampled.statement is None else
               "no test-function context" if contexts else "changed since")  # fmt: skip
        record["ran"] = f"area directories {', '.join(area)} ({why})"
    else:
        shown = ", ".join(t.removeprefix("tests/") for t in tests[:3])
        more = ", ..." if len(tests) > 3 else ""
        record["ran"] = f"{len(tests)} tests ({shown}{more})" + (
            "; the line also runs outside test functions (a fixture, a subprocess), whose tests "
            "were not run" if contexts and "" in contexts else "")
    already = record.get("tests", [])
    todo = [t for t in tests if t not in already]
    record["tests"] = [*already, *todo]
    if not todo:
        return False
    seconds = record.get("seconds", 0)
    record.update(run_one(copy, sampled.mutant, todo, timeout_s))
    record["seconds"] += seconds
    return True


def rerun(results: dict[str, Record], copy: Path, options: argparse.Namespace,
          save: Callable[[], None]) -> None:
    """The survivors again on `copy` (of --tree): their tests plus the test files changed since
    the coverage map that name the module; a catch is recorded as `killed_by` (the time and the
    failing test)."""
    changed = {path: (options.tree / path).read_text()
               for path in changed_tests(options.tree, options.commit)}  # fmt: skip
    for record in _survivors(results):
        if _stopped(options.until):
            break
        mutant = Mutant(str(record["path"]), str(record["old"]), str(record["new"]), ())
        text = (copy / mutant.path).read_text()
        if text.count(mutant.old) != 1:
            record["killed_by"] = ""
            record["rerun"] = "line rewritten on main since"
            continue
        # the new test files that name the module (its stem as a word), then the old tests
        module = Path(mutant.path)
        name = module.parent.name if module.stem == "__init__" else module.stem.lstrip("_")
        stem = re.compile(rf"\b{name}\b")
        extra = [path for path, text in changed.items() if stem.search(text)]
        if not extra:  # no new test names the module: the old tests passed it already
            continue
        tests = [*extra, *record.get("tests", [])]
        outcome = run_one(copy, mutant, tests, options.timeout)
        record["rerun"] = f"{datetime.now():%H:%M} {outcome['verdict']}: {outcome['said']}"
        if outcome["verdict"] == "killed":
            record["killed_by"] = f"{datetime.now():%H:%M}, {str(outcome['said']).split(' | ')[0]}"
        print(f"rerun {record['path']}:{record['line']} {record['rerun']}", flush=True)
        save()


def _survivors(results: dict[str, Record]) -> Iterator[Record]:
    for record in results.values():
        if record["verdict"] in ("survived", "uncovered") and not record.get("killed_by"):
            yield record


if __name__ == "__main__":
    sys.exit(main())
