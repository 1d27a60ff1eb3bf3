"""The timeline's frame: its title in µs, the share column of a window that starts mid-run,
row labels of long unit names, the legend's first layer, narrow consoles and empty windows.

The single 3x3 conv of tests/sim/test_schedule.py on the toy machine (1 GHz, 10 ns a transfer):
load x [0, 42), load W [42, 124), compute [124, 148), store [148, 222).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from accelsim.api import simulate_graph
from accelsim.report.timeline import LABEL_WIDTH, SHARE_WIDTH, Timeline
from tests.report.test_timeline import CHART, render
from tests.sim.test_schedule import _single_conv
from tests.sim.toy import toy_machine


@pytest.fixture(scope="module")
def result():
    return simulate_graph(_single_conv(), toy_machine(latency_ns=10), name="t")


def test_the_title_gives_the_window_and_the_column_width_in_microseconds(result):
    # [0, 204) over 68 columns: 3 cycles = 0.003 µs a column at 1 GHz
    first = render(Timeline(result, window=(0, 204))).splitlines()[0]
    assert first == "timeline t on toy: 0-0.204 µs, 0.003 µs/column"


def test_a_window_that_starts_mid_run_shares_busy_time_over_its_own_length(result):
    # [42, 212): bus busy with W [42, 124) = 82 and the store [148, 212) = 64 -> 146 of 170
    # cycles = 85.9 % -> "86%" (over 212 cycles it would read 69 %); matrix 24 / 170 = 14 %
    lines = render(Timeline(result, window=(42, 212), cycles=True)).splitlines()
    share = {line[:LABEL_WIDTH].strip(): line[LABEL_WIDTH + CHART :].strip() for line in lines}
    assert (share["bus"], share["matrix"], share["vector"]) == ("86%", "14%", "0%")


def test_a_long_unit_name_is_cut_to_leave_a_space_before_the_chart():
    from accelsim.hardware_file import hardware_from_mapping

    hw = toy_machine(latency_ns=10)
    fields = hw.model_dump(mode="json")
    fields["units"] = {
        ("transfers" if name == "bus" else name): unit for name, unit in fields["units"].items()
    }
    machine = hardware_from_mapping(fields, source="toy")
    run = simulate_graph(_single_conv(), machine, name="t")
    lines = render(Timeline(run, window=(0, 204), cycles=True)).splitlines()
    row = next(line for line in lines if line.startswith("transf"))
    assert row[: LABEL_WIDTH] == "transf "  # 6 letters and a space: the label never runs on
    assert row[LABEL_WIDTH] == "█"  # the chart's first column: the load of x


def test_the_legend_names_the_first_layer(result):
    lines = render(Timeline(result, window=(0, 204), cycles=True)).splitlines()
    legend = next(line for line in lines if line.startswith("layers "))
    assert legend == "layers █ conv"  # layer 0, shown in the bus and matrix rows


def test_a_console_too_narrow_for_a_chart_still_draws_one_column(result):
    # one column for the whole window: the bus is busy 180 of 204 cycles in it
    narrowest = render(Timeline(result, window=(0, 204), cycles=True), width=LABEL_WIDTH + 6)
    assert "bus    █  88%" in narrowest.splitlines()
    # with no room at all for a column, one is still drawn (its share wraps to the next line)
    none = render(Timeline(result, window=(0, 204), cycles=True), width=LABEL_WIDTH + SHARE_WIDTH)
    assert any(line.startswith("bus    █") for line in none.splitlines())


@pytest.mark.parametrize("window", [(5, 5), (6, 5)])
def test_an_empty_window_is_refused(result, window):
    with pytest.raises(ValueError, match=r"empty window"):
        Timeline(result, window=window)


def test_a_run_of_no_cycles_gets_a_window_of_one():
    empty = SimpleNamespace(latency_cycles=0)
    assert Timeline(empty).window == (0, 1)  # type: ignore[arg-type]


def test_sram_use_of_exactly_nine_tenths_is_red():
    # a stand-in run: 10 B of SRAM, 9 B in use from cycle 0, then 4 B from cycle 2
    run = SimpleNamespace(
        latency_cycles=4,
        hardware=SimpleNamespace(sram=SimpleNamespace(capacity=10)),
        trace=SimpleNamespace(sram=[(0, 9), (2, 4)]),
    )
    row = Timeline(run)._sram_row([0.0, 2.0, 4.0])  # type: ignore[arg-type]
    styles = [str(span.style) for span in row.spans if span.end <= LABEL_WIDTH + 2]
    # 9 / 10 = 0.9: red (from 0.9 up); 4 / 10: green; levels ceil(0.9 x 8) = 8, ceil(3.2) = 4
    assert styles[-2:] == ["red", "green"]
    assert row.plain[LABEL_WIDTH : LABEL_WIDTH + 2] == "█▄"


def _axis(text: str, unit: str) -> tuple[str, str]:
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(unit + " "))
    return lines[at - 1], lines[at]


def _placed(labels: dict[int, str]) -> str:
    """A caption line from hand-placed labels: chart column -> text."""
    line = [" "] * (CHART + SHARE_WIDTH)
    for column, text in labels.items():
        line[column : column + len(text)] = text
    return "".join(line).rstrip()


def test_the_axis_ends_on_a_tick_at_the_windows_end(result):
    # [0, 300) cycles over 68 columns: labels of up to 3 digits need 3 + 2 columns = 22.1
    # cycles -> 1-2-5 step 50; tick v at column round(v / 300 x 68), 300 clamped to 67
    axis, caption = _axis(render(Timeline(result, window=(0, 300), cycles=True)), "cycles")
    ticks = {0: "0", 11: "50", 23: "100", 34: "150", 45: "200", 57: "250", 67: "300"}
    assert caption == "cycles " + _placed(ticks)  # no spaces after the last label
    assert axis == " " * LABEL_WIDTH + "".join(
        "┬" if column in ticks else "─" for column in range(CHART)
    )


def test_a_label_that_ends_at_the_lines_end_is_written(result):
    # [0, 10,000): "10,000" is 6 wide -> 8 columns = 1,176 cycles -> step 2,000; the last
    # label starts at column 67 and ends exactly at the line's end (68 + 5 share columns)
    _, caption = _axis(render(Timeline(result, window=(0, 10_000), cycles=True)), "cycles")
    labels = {0: "0", 14: "2,000", 27: "4,000", 41: "6,000", 54: "8,000", 67: "10,000"}
    assert caption == "cycles " + _placed(labels)


def test_the_widest_label_may_be_the_first(result):
    # [0.125, 1) µs: "0.125" (5 wide, not "1") sets the gap: 7 columns x 0.875 / 68 = 0.09 µs
    # -> step 0.1 from 0.2 (a gap of 3 would give 0.05 and a label 0.15)
    _, caption = _axis(render(Timeline(result, window=(125, 1000))), "µs")
    assert caption.split() == ["µs", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1"]


def test_the_peak_power_is_right_aligned_after_the_power_row(result):
    row = next(line for line in render(Timeline(result)).splitlines() if line.startswith("power"))
    assert len(row) == 80
    share = row[-SHARE_WIDTH:]
    assert share[-1] != " " and share == share.strip().rjust(SHARE_WIDTH)


def test_the_legend_alternates_the_glyph_of_neighbouring_layers():
    from tests.sim.test_schedule import _two_convs

    run = simulate_graph(_two_convs(), toy_machine(latency_ns=10), name="t")
    lines = render(Timeline(run, cycles=True)).splitlines()
    assert next(line for line in lines if line.startswith("layers ")) == "layers █ c1  ▓ c2"


def test_the_path_row_is_blank_after_the_run_ends(result):
    # [0, 680) at 10 cycles a column: the run (and its critical path) ends at 222, in column 22
    lines = render(Timeline(result, window=(0, 680), cycles=True)).splitlines()
    path = next(line for line in lines if line.startswith("path "))[LABEL_WIDTH:].ljust(CHART)
    assert " " not in path[:23] and path[23:] == " " * (CHART - 23)


def test_units_with_one_initial_are_numbered_in_the_path_key():
    run = simulate_graph(_single_conv(), toy_machine(latency_ns=10, matrix_units=2), name="t")
    words = " ".join(render(Timeline(run, cycles=True), width=200).split())
    # bus, mxu0, mxu1, vector: two m's, so every unit is numbered in its declared order
    assert "(1 bus, 2 mxu0, 3 mxu1, 4 vector)" in words
