"""A window's bound: its largest part, the first in report order (`PARTS`: bus, latency,
matrix, vector, sram) among equal parts, and none for an empty window."""

from __future__ import annotations

from accelsim.explain.stalls import Breakdown
from accelsim.explain.walk import PARTS


def _bound(start: int, end: int, **parts: int) -> str | None:
    return Breakdown(start=start, end=end, parts={p: parts.get(p, 0) for p in PARTS}).bound


def test_equal_parts_go_to_the_first_in_report_order():
    assert PARTS == ("bus", "latency", "matrix", "vector", "sram")
    assert _bound(0, 10, bus=5, matrix=5) == "bus"
    assert _bound(0, 10, matrix=5, vector=5) == "matrix"
    assert _bound(0, 10, latency=4, vector=4, sram=2) == "latency"
    assert _bound(0, 9, bus=3, vector=3, sram=3) == "bus"


def test_the_largest_part_wins_wherever_it_is():
    assert _bound(0, 10, bus=4, sram=6) == "sram"
    assert _bound(0, 10, latency=1, vector=9) == "vector"


def test_an_empty_window_has_no_bound():
    assert _bound(7, 7) is None
    assert _bound(7, 7, bus=0) is None
