"""`scripts/mutation_sample.py`'s generator: every mutant it writes must be a valid entry of
`mutation_pass.py`'s table (one line changed, the file still compiles, `old` found exactly once)
or the sampler plants nothing, or the wrong line, and reports it as a survivor."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]

SOURCE = '''"""A module docstring with x < 1 in it."""
import logging
import math

log = logging.getLogger(__name__)


def tiles(size: int, tile: int) -> int:
    """Whole tiles: size < tile still takes one."""
    assert tile > 0
    log.debug("tiles of %d", size + 1)
    return -(-size // tile)


def fits(need: int, capacity: int) -> bool:
    return need <= capacity and not need < 0


def order(rows: list[int]) -> list[int]:
    if not rows:
        raise ValueError("no rows")
    done = 0
    done = 0
    return sorted(rows)[1:len(rows)] + [min(rows), math.ceil(done / 2)]
'''


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "mutation_sample", ROOT / "scripts" / "mutation_sample.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _valid(path: str, source: str, sampled: object) -> tuple[int, str]:
    """(the changed line's number, the new line) of a mutant checked as `mutation_pass` applies
    it: `old` once in `source`, exactly one line different, the result compiles."""
    mutant = sampled.mutant  # type: ignore[attr-defined]
    assert source.count(mutant.old) == 1, mutant
    mutated = source.replace(mutant.old, mutant.new)
    before, after = source.splitlines(), mutated.splitlines()
    assert len(before) == len(after), mutant
    changed = [n for n, (a, b) in enumerate(zip(before, after, strict=True), 1) if a != b]
    assert changed == [sampled.line], (changed, mutant)  # type: ignore[attr-defined]
    compile(mutated, path, "exec")
    return changed[0], after[changed[0] - 1].strip()


def test_each_mutant_of_a_small_module_changes_one_line_that_compiles() -> None:
    script = _script()
    found = [_valid("m.py", SOURCE, s) for s in script.generate("accelsim/m.py", SOURCE)]
    lines = SOURCE.splitlines()
    touched = {lines[n - 1].strip() for n, _ in found}
    # docstrings, imports, the logger, asserts and annotations are left alone
    assert not touched & {'"""A module docstring with x < 1 in it."""', "import math",
                          "assert tile > 0", 'log.debug("tiles of %d", size + 1)',
                          '"""Whole tiles: size < tile still takes one."""'}  # fmt: skip
    new = {text for _, text in found}
    # the kinds that survived the hand-written rounds, each written once
    assert "return size // tile" in new  # rounding down instead of up
    assert "return need < capacity and not need < 0" in new  # `<=` made `<`
    assert "return need <= capacity or not need < 0" in new  # and/or
    assert "return need <= capacity and need < 0" in new  # `not` dropped
    assert "if True:" in new and "if False:" in new  # a branch forced
    assert "raise ValueError(\"\")" in new  # a message emptied
    assert any("sorted(rows, reverse=True)" in t for t in new)  # a reversed order
    assert any("max(rows)" in t for t in new) and any("math.floor(" in t for t in new)
    assert any("[1:len(rows) - 1]" in t for t in new)  # a slice bound shifted
    assert any("math.ceil(done / 3)" in t for t in new)  # a constant off by one
    # the twice-written `done = 0` is still mutated, its `old` made unique by the line before
    assert "done = 1" in new


def test_mutants_of_real_modules_are_valid_and_skip_the_lines_earlier_rounds_changed() -> None:
    script = _script()
    for path in ("accelsim/timing/rate.py", "accelsim/check.py", "accelsim/sweep/grid.py"):
        source = (ROOT / path).read_text()
        avoid = script.done_lines(path, source)
        found = [_valid(path, source, s) for s in script.generate(path, source, avoid)]
        assert found
        assert not {n for n, _ in found} & avoid
    # round 1 mutated rate.py's `if self.lanes is not None and work.elements:`
    rate = (ROOT / "accelsim/timing/rate.py").read_text()
    line = rate[: rate.index("if self.lanes is not None and work.elements:")].count("\n") + 1
    assert line in script.done_lines("accelsim/timing/rate.py", rate)
