"""The timeline's cells at column edges, its legend wrapping, its number formats, and
`--from/--to` windows at their limits, each worked by hand.

tests/sim/test_schedule.py's runs on the toy machine (1 GHz, 10 ns a transfer): the single conv
loads x [0, 42) and W [42, 124), computes [124, 148), stores [148, 222); the two convs load x
[0, 42), c1.W [42, 124), c2.W [124, 150), compute c1 [124, 148) and c2 [150, 156), and store
[156, 230).
"""

from __future__ import annotations

import pytest
from rich.text import Text

from accelsim.api import simulate_graph
from accelsim.errors import AccelsimError
from accelsim.report.timeline import (
    Timeline,
    _nice_step,
    _watts,
    _wrap,
    resolve_window,
    timeline_svg,
)
from tests.report.test_timeline import render as draw
from tests.report.test_timeline import rows
from tests.sim.test_schedule import _single_conv, _two_convs
from tests.sim.toy import GraphBuilder, toy_machine


@pytest.fixture(scope="module")
def single():
    return simulate_graph(_single_conv(), toy_machine(latency_ns=10), name="t")


def test_an_event_starting_late_in_a_column_still_marks_that_column(single):
    # [2, 206) at 3 cycles a column: column 40 = [122, 125) holds 1 cycle of the compute
    # (from 124): under half -> "▄"; the next, [125, 128), is full
    matrix = rows(draw(Timeline(single, window=(2, 206), cycles=True)))["matrix"]
    assert matrix[39:42] == " ▄█"


def test_a_column_busy_exactly_half_its_time_is_full(single):
    # [1, 137) at 2 cycles a column: column 61 = [123, 125) holds the compute's first cycle
    matrix = rows(draw(Timeline(single, window=(1, 137), cycles=True)))["matrix"]
    assert matrix[60:62] == " █"


def test_two_layers_equally_busy_in_a_column_show_the_earlier():
    run = simulate_graph(_two_convs(), toy_machine(latency_ns=10), name="t")
    # [1, 409) at 6 cycles a column: column 20 = [121, 127) holds 3 cycles of c1.W (layer 0,
    # "█") and 3 of c2.W (layer 1, "▓"): the tie goes to c1
    bus = rows(draw(Timeline(run, window=(1, 409), cycles=True)))["bus"]
    assert bus[20] == "█" and bus[21] == "▓"


@pytest.mark.parametrize(
    ("width", "lines"),
    [
        (17, ["key    aaaa  bbbb"]),  # 7 + 4 + 2 + 4 = 17: fits exactly
        (16, ["key    aaaa", "       bbbb"]),
        (10, ["key    aaaa", "       bbbb"]),  # the first entry never leaves the title's line
    ],
)
def test_legend_entries_wrap_whole_two_spaces_apart(width, lines):
    assert [line.plain for line in _wrap("key", [Text("aaaa"), Text("bbbb")], width)] == lines


@pytest.mark.parametrize(
    ("watts", "shown"),
    [(0.4125, "412m"), (0.9994, "999m"), (1.0, "1"), (1.25, "1.25"), (12.34, "12.3"),
     (99.94, "99.9"), (123.4, "123")],
)  # fmt: skip
def test_power_fits_in_four_characters(watts, shown):
    assert _watts(watts) == shown


@pytest.mark.parametrize(
    ("span", "columns", "gap", "step"),
    [(272, 68, 5, 20), (136, 68, 5, 10), (340, 68, 5, 50), (680, 68, 5, 50), (1, 68, 5, 0.1)],
)
def test_the_axis_step_is_the_smallest_1_2_5_step_at_least_the_gap(span, columns, gap, step):
    # wanted = span x gap / columns: 20 exactly is a step; 10, 25 -> 50, 50, 0.0735 -> 0.1
    assert _nice_step(span, columns, gap) == pytest.approx(step)


def test_a_window_before_the_run_starts_is_clipped_to_its_start(single):
    assert resolve_window(single, "-5", "100", cycles=True) == (0, 100)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("100", "100", "--from/--to: empty window [100, 100); the run spans 0-222 cycles"),
        ("300", None, "--from/--to: empty window [300, end); the run spans 0-222 cycles"),
        (None, "0", "--from/--to: empty window [0, 0); the run spans 0-222 cycles"),
        ("1e400", None, '--from "1e400": not a finite number'),
        (None, "-inf", '--to "-inf": not a finite number'),
    ],
)
def test_an_empty_or_infinite_window_is_one_line(single, start, end, message):
    with pytest.raises(AccelsimError) as caught:
        resolve_window(single, start, end, cycles=True)
    assert str(caught.value) == message


def test_a_window_error_offers_the_first_three_layer_names():
    g = GraphBuilder()
    x = g.input("x", (1, 4, 5, 5))
    for i in range(4):
        x = g.conv(f"c{i}", x, 4, 1)
    run = simulate_graph(g.build(x), toy_machine(), name="t")
    with pytest.raises(AccelsimError, match=r"give a layer name \(c0, c1, c2, \.\.\.\), µs"):
        resolve_window(run, "zzzz", None)


def test_the_svg_is_titled_with_the_command_that_draws_it(single):
    svg = timeline_svg(Timeline(single, cycles=True), columns=100)
    assert svg.startswith("<svg")
    assert "accelsim&#160;run&#160;t&#160;--timeline" in svg  # the title, spaces as &#160;
