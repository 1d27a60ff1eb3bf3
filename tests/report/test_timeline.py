"""The terminal timeline rendered at 80 columns without colour, checked character by character.

Expected columns come from the event cycles (derived in tests/sim/test_schedule.py and in the
comments here) divided by the cycles each column covers.
"""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.text import Text

from accelsim.api import run, simulate_graph
from accelsim.errors import AccelsimError
from accelsim.report.timeline import LABEL_WIDTH, SHARE_WIDTH, Timeline, resolve_window
from tests.sim.test_schedule import _single_conv
from tests.sim.toy import GraphBuilder, toy_machine

WIDTH = 80
CHART = WIDTH - LABEL_WIDTH - SHARE_WIDTH  # 68 columns of chart at 80 columns


def render(timeline: Timeline, *, width: int = WIDTH, colour: bool = False) -> str:
    console = Console(
        width=width, file=io.StringIO(), color_system="truecolor" if colour else None,
        force_terminal=colour,
    )  # fmt: skip
    console.print(timeline)
    return console.file.getvalue()  # type: ignore[attr-defined]


def rows(text: str) -> dict[str, str]:
    """Chart part of each resource/SRAM row, by row label."""
    found = {}
    for line in text.splitlines():
        label = line[:LABEL_WIDTH].strip()
        if label in ("bus", "matrix", "vector", "SRAM"):
            found[label] = line[LABEL_WIDTH : LABEL_WIDTH + CHART]
    return found


def test_single_conv_columns_follow_the_event_cycles():
    # Events (tests/sim/test_schedule.py): bus loads [0, 124), compute [124, 148), store
    # [148, 222). A window of [0, 204) over 68 columns is exactly 3 cycles per column.
    result = simulate_graph(_single_conv(), toy_machine(latency_ns=10), name="t")
    text = render(Timeline(result, window=(0, 204), cycles=True))
    assert text.startswith("timeline t on toy: 0-204 cycles, 3 cycles/column\n")
    chart = rows(text)
    bus, matrix = chart["bus"], chart["matrix"]
    # Column 41 = [123, 126): the bus is busy 1 of 3 cycles (load ends at 124) -> half glyph;
    # columns 42-48 = [126, 147): bus idle; column 49 = [147, 150): store 2 of 3 cycles -> full.
    assert bus[41] == "▄"
    assert bus[42:49] == " " * 7
    assert bus[49] == "█"
    assert set(bus[:41]) <= {"█", *"conv"} and "conv" in bus[:41]  # layer 0, labelled
    # Matrix: compute [124, 148) covers 2/3 of column 41, all of 42-48, 1/3 of 49; the
    # 9-column run is labelled "conv" from column 43 ((9 - 4) // 2 = 2 glyphs first).
    assert matrix == " " * 41 + "██conv██▄" + " " * (CHART - 50)
    assert chart["vector"] == " " * CHART


def test_share_column_is_busy_fraction_of_the_window():
    result = simulate_graph(_single_conv(), toy_machine(latency_ns=10), name="t")
    lines = render(Timeline(result, window=(0, 204), cycles=True)).splitlines()
    share = {line[:LABEL_WIDTH].strip(): line[LABEL_WIDTH + CHART :].strip() for line in lines}
    # bus busy in [0, 204): loads 124 + store 204 - 148 = 56 -> 180 / 204 = 88.2% -> "88%"
    # matrix: 24 / 204 = 11.8% -> "12%"; SRAM peak x + W + out = 168 B of 10,000 B -> "2%"
    assert (share["bus"], share["matrix"], share["vector"]) == ("88%", "12%", "0%")
    assert share["SRAM"] == "2%"


def test_a_queued_channel_counts_overlapping_transfers_once():
    from accelsim.hardware_file import with_overrides
    from tests.sim.test_schedule import _two_convs

    hw = with_overrides(toy_machine(latency_ns=10), {"units.bus.depth": 2})
    result = simulate_graph(_two_convs(), hw, name="t")
    lines = render(Timeline(result, window=(0, 204), cycles=True)).splitlines()
    share = {line[:LABEL_WIDTH].strip(): line[LABEL_WIDTH + CHART :].strip() for line in lines}
    # transfers (tests/sim/test_ddr_sharing.py) [0, 42), [0, 114), [42, 130), [144, 218): the
    # bus is busy [0, 130) and [144, 204) of the window: 190 / 204 = 93.1% -> "93%"
    assert share["bus"] == "93%"


def _residual_convs():
    """x -> c1 -> a -> c2 -> b -> c3 -> c -> Add(a, c) -> d; activations 1x4x5x5 = 100 B,
    1x1 convs with 4x4 = 16 B weights and 4 * 25 * 4 = 400 MACs (8 cycles on the toy)."""
    g = GraphBuilder()
    x = g.input("x", (1, 4, 5, 5))
    a = g.conv("c1", x, 4, 1)
    b = g.conv("c2", a, 4, 1)
    c = g.conv("c3", b, 4, 1)
    return g.build(g.op("s", "Add", [a, c], "d", (1, 4, 5, 5), vector_ops=100))


def test_a_layer_that_spills_shows_bus_activity_while_the_matrix_engine_idles():
    # With 300 B of SRAM, c3 needs b + W3 + c = 216 B while a (kept for the Add) holds 100 B:
    # 316 B > 300 B, so a is spilled (100 B over the 1 B/cycle bus) and c3 waits for the room.
    result = simulate_graph(_residual_convs(), toy_machine(sram=300), name="t")
    spill = next(e for e in result.trace.events if e.kind == "spill")
    assert (spill.buffer, spill.nbytes, spill.end - spill.start) == ("c1.out", 100, 100)
    c3 = next(e for e in result.trace.events if e.kind == "compute" and e.layer == 2)
    assert c3.start >= spill.end  # c3 could not start before the spill made room
    # The matrix engine is idle from the end of c2's compute until c3: that part of the spill
    # is what the chart must show as bus activity over an empty matrix row.
    c2 = next(e for e in result.trace.events if e.kind == "compute" and e.layer == 1)
    window = (max(spill.start, c2.end), spill.end)
    assert window[1] - window[0] >= CHART  # at least one cycle per column
    chart = rows(render(Timeline(result, window=window, cycles=True)))
    # The spill is charged to c3, the layer whose working set forced it: its name sits in
    # a bus row made only of spill glyphs, and the matrix engine row is empty.
    assert chart["bus"].replace("c3", "") == "░" * (CHART - 2)
    assert chart["matrix"] == " " * CHART


def test_whole_run_at_80_columns_has_every_row_axis_and_legend_without_escape_codes():
    result = run("workloads/mobilenet.onnx", "hardware/edge1.yaml")
    text = render(Timeline(result))
    assert "\x1b[" not in text
    assert all(len(line) <= WIDTH for line in text.splitlines())
    assert set(rows(text)) == {"bus", "matrix", "vector", "SRAM"}
    lines = text.splitlines()
    latency_us = result.latency_cycles / 1000  # edge1 runs at 1 GHz: 1000 cycles per µs
    assert lines[0].startswith(f"timeline mobilenet.onnx on edge1: 0-{latency_us:.6g} µs")
    axis = next(line for line in lines if line.startswith("µs"))
    assert axis.split()[1:4] == ["0", "100", "200"]  # 1-2-5 steps that fit 8.46 µs columns
    assert any(line.startswith("layers ") and "conv1" in line for line in lines)
    assert any(line.startswith("key ") for line in lines)
    # edge1's bus moves 1 B/cycle: busy share = bytes moved / latency (summary's own figure).
    share = (result.bus_read_bytes + result.bus_write_bytes) / result.latency_cycles
    assert next(line for line in lines if line.startswith("bus")).endswith(f" {share:.0%}")


def test_colour_output_has_the_same_characters_as_plain_output():
    result = simulate_graph(_single_conv(), toy_machine(latency_ns=10), name="t")
    plain = render(Timeline(result, cycles=True))
    coloured = render(Timeline(result, cycles=True), colour=True)
    assert "\x1b[" in coloured
    assert Text.from_ansi(coloured).plain == plain


@pytest.mark.parametrize("width", [40, 80, 120, 200])
def test_chart_fills_the_width_offered(width):
    result = simulate_graph(_single_conv(), toy_machine(latency_ns=10), name="t")
    text = render(Timeline(result, cycles=True), width=width)
    bus = next(line for line in text.splitlines() if line.startswith("bus"))
    assert len(bus) == width  # label + chart + share column
    assert all(len(line) <= width for line in text.splitlines())


def test_window_from_layer_names_and_times():
    result = simulate_graph(_single_conv(), toy_machine(latency_ns=10), name="t")
    # The single layer "conv": first event (load x) at 0, last (store) ends at 222.
    assert resolve_window(result, "conv", "conv") == (0, 222)
    # toy clock 1 GHz: 0.1 µs = 100 cycles; "150 ns" = 150 cycles; bare numbers are µs.
    assert resolve_window(result, "0.1", "150 ns") == (100, 150)
    assert resolve_window(result, "40", "60", cycles=True) == (40, 60)
    assert resolve_window(result, None, "0.2us") == (0, 200)
    assert resolve_window(result, "100", None, cycles=True) == (100, 222)  # clipped to the run


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("conx", None, r'^--from "conx": not a layer nor a time; did you mean conv\? '),
        (None, "soon", r'^--to "soon": not a layer nor a time; give a layer name \(conv'),
        ("0.2", "0.1", r"^--from/--to: empty window \[0.2, 0.1\); the run spans 0-0.222 µs$"),
    ],
)
def test_window_errors_name_the_option_and_the_choices(start, end, message):
    result = simulate_graph(_single_conv(), toy_machine(latency_ns=10), name="t")
    with pytest.raises(AccelsimError, match=message):
        resolve_window(result, start, end)


def test_cycle_axis_prints_large_counts_without_exponents():
    result = run("workloads/mobilenet.onnx", "hardware/edge1.yaml")
    lines = render(Timeline(result, window=(100_000, 150_000), cycles=True)).splitlines()
    # 50,000 cycles over 68 columns = 735.29 cycles each, shown to 3 significant digits
    assert lines[0] == "timeline mobilenet.onnx on edge1: 100,000-150,000 cycles, 735 cycles/column"
    axis = next(line for line in lines if line.startswith("cycles"))
    # Labels need 7 + 2 columns at 735 cycles each: 6,618 cycles -> next 1-2-5 step is 10,000.
    assert axis.split()[1:4] == ["100,000", "110,000", "120,000"]
