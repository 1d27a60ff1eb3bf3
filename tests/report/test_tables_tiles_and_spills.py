"""The run report on two hand-worked schedules whose numbers tell fields apart: a conv that runs
as exactly two tiles (tests/sim/test_schedule.py) and a map spilled once and reloaded twice
(tests/sweep/test_totals.py)."""

from __future__ import annotations

from rich.console import Console

from accelsim.api import simulate_graph
from accelsim.report.tables import run_report, totals_table
from tests.sim.test_schedule import _tiled_conv
from tests.sim.toy import toy_machine
from tests.sweep.test_totals import _reloaded_twice


def _text(renderable) -> str:  # type: ignore[no-untyped-def]
    console = Console(width=220, record=True, color_system=None)
    console.print(renderable)
    return "\n".join(line.rstrip() for line in console.export_text().splitlines())


def test_a_layer_of_exactly_two_tiles_shows_its_count_and_the_legend() -> None:
    # 100 B of SRAM: the 3x3 conv over 8x8 runs as two bands of 4 rows
    text = _text(run_report(simulate_graph(_tiled_conv(), toy_machine(sram=100), name="t")))
    (row,) = [line for line in text.splitlines() if line.lstrip().startswith("conv ")]
    assert row.split()[:3] == ["conv", "Conv", "x2"]
    assert "ops x2: the layer ran as 2 tiles (its tensors do not fit in SRAM at once)" in text


def test_an_untiled_layer_has_no_count_and_no_legend() -> None:
    text = _text(run_report(simulate_graph(_tiled_conv(), toy_machine(sram=137), name="t")))
    (row,) = [line for line in text.splitlines() if line.lstrip().startswith("conv ")]
    assert row.split()[:3] == ["conv", "Conv", "matrix"]  # 64 + 9 + 64 = 137 B: one piece
    assert "ran as" not in text


def test_the_totals_tell_spilled_from_reloaded_bytes() -> None:
    # x, w, w2 and two reloads of `a` read (500 B); the spill of `a` and h written (200 B)
    text = _text(totals_table(simulate_graph(_reloaded_twice(), toy_machine(sram=300), name="t")))
    assert "500 B read, 200 B written (spilled 100 B, reloaded 200 B)" in text
