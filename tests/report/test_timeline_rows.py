"""The timeline's SRAM and path rows, column by column, against the run's events worked by hand.

The single 3x3 conv of tests/sim/test_schedule.py on the toy machine with 10 ns of latency:
load x (32 B) [0, 42), load W (72 B) [42, 124), compute [124, 148), store out (64 B)
[148, 222). A window of [0, 204) over 68 columns is exactly 3 cycles a column: column i
covers cycles [3i, 3i + 3).
"""

from __future__ import annotations

from rich.text import Text

from accelsim.api import simulate_graph
from accelsim.report.timeline import LABEL_WIDTH, SRAM_LEVELS, Timeline, _sram_peaks
from tests.report.test_timeline import CHART, render
from tests.sim.test_schedule import _single_conv
from tests.sim.toy import toy_machine


def _lines(sram: int) -> dict[str, str]:
    result = simulate_graph(_single_conv(), toy_machine(latency_ns=10, sram=sram), name="t")
    text = render(Timeline(result, window=(0, 204), cycles=True))
    return {line[:LABEL_WIDTH].strip(): line[LABEL_WIDTH:] for line in text.splitlines()}


def test_the_sram_row_rounds_each_columns_peak_up_to_the_next_level():
    # SRAM in use: x 32 B from 0; + W = 104 B from 42; + out = 168 B from 124 (compute);
    # x and W freed at 148 -> 64 B until the store ends at 222. Of 200 B, on 8 levels:
    # 32 B -> 1.28 -> level 2 (▂); 104 B -> 4.16 -> 5 (▅); 168 B -> 6.72 -> 7 (▇);
    # 64 B -> 2.56 -> 3 (▃). A level rounded down would read ▁ ▄ ▆ ▂.
    # Columns 0-13 = [0, 42) hold 32 B; 14-40 = [42, 123) 104 B; 41 = [123, 126) reaches
    # 168 B; 49 = [147, 150) still shows 168 B before the fall at 148 (the column's peak);
    # 50-67 = [150, 204) 64 B.
    row = _lines(200)["SRAM"]
    assert row[:CHART] == "▂" * 14 + "▅" * 27 + "▇" * 9 + "▃" * 18
    assert row[CHART:].strip() == "84%"  # peak 168 B of 200 B


def test_an_sram_level_is_full_only_at_capacity():
    # 168 B of 168 B -> exactly level 8 (█); 104 B -> 4.95 -> 5; 32 B -> 1.52 -> 2;
    # 64 B -> 3.05 -> 4 (just over level 3: rounded up, not to the nearest)
    row = _lines(168)["SRAM"]
    assert row[:CHART] == "▂" * 14 + "▅" * 27 + "█" * 9 + "▄" * 18
    assert row[CHART:].strip() == "100%"


def _styles(row: Text) -> dict[int, str]:
    """Style of each chart column of a row."""
    styles = {}
    for span in row.spans:
        for column in range(span.start - LABEL_WIDTH, span.end - LABEL_WIDTH):
            styles[column] = str(span.style)
    return styles


def test_sram_colours_change_at_half_and_nine_tenths_of_the_capacity():
    result = simulate_graph(_single_conv(), toy_machine(latency_ns=10, sram=200), name="t")
    timeline = Timeline(result, window=(0, 204), cycles=True)
    edges = [3.0 * i for i in range(CHART + 1)]
    row = timeline._sram_row(edges)
    styles = _styles(row)
    # 32 B = 16 % and 64 B = 32 % green, 104 B = 52 % yellow (>= 0.5), 168 B = 84 % yellow
    assert [styles[c] for c in (0, 13, 14, 40, 41, 49, 50, 67)] == [
        "green", "green", "yellow", "yellow", "yellow", "yellow", "green", "green"
    ]  # fmt: skip
    # at 180 B of SRAM, 168 B is 93 % (red, >= 0.9); 104 B is 58 % (yellow)
    result = simulate_graph(_single_conv(), toy_machine(latency_ns=10, sram=180), name="t")
    row = Timeline(result, window=(0, 204), cycles=True)._sram_row(edges)
    styles = _styles(row)
    assert [styles[c] for c in (13, 14, 41, 50)] == ["green", "yellow", "red", "green"]
    # at 208 B, 104 B is exactly half: yellow already
    result = simulate_graph(_single_conv(), toy_machine(latency_ns=10, sram=208), name="t")
    row = Timeline(result, window=(0, 204), cycles=True)._sram_row(edges)
    styles = _styles(row)
    assert (styles[13], row.plain[LABEL_WIDTH + 13]) == ("green", "▂")
    assert (styles[14], row.plain[LABEL_WIDTH + 14]) == ("yellow", "▄")


def test_sram_peaks_take_the_level_in_force_at_a_columns_start_and_every_step_inside():
    class Steps:
        sram = [(0, 10), (5, 40), (6, 20), (10, 0), (20, 7)]

    # columns [0, 4), [4, 8), [8, 12), [12, 16), [16, 20), [20, 24)
    # [0, 4): 10; [4, 8): 10 then 40 then 20 -> 40; [8, 12): 20 at 8, 0 at 10 -> 20;
    # [12, 16): 0; [16, 20): 0 (the step at 20 belongs to the next column); [20, 24): 7
    edges = [4.0 * i for i in range(7)]
    assert _sram_peaks(Steps(), edges) == [10, 40, 20, 0, 0, 7]  # type: ignore[arg-type]
    # a window starting after a step: the level in force at 7 is 40 (set at 5, changed at 6
    # to 20): [7, 9) shows 20, [9, 11) 20 then 0 -> 20, [11, 13) 0
    assert _sram_peaks(Steps(), [7.0, 9.0, 11.0, 13.0]) == [20, 20, 0]  # type: ignore[arg-type]


def test_the_path_row_names_the_unit_holding_most_of_each_column():
    # Critical path: load x (latency 0-10, bus 10-42), load W (42-52, 52-124), compute
    # [124, 148) on the matrix engine, store (latency 148-158, bus 158-222); latency steps
    # count for the unit of their task. Column 41 = [123, 126): bus 1 cycle, matrix 2 -> m;
    # columns 42-48 matrix; column 49 = [147, 150): matrix 1, the store's 2 -> b.
    row = _lines(10_000)["path"]
    assert row[:CHART] == "b" * 41 + "m" * 8 + "b" * 19
    # A column's share adds every step of a unit in it: [136, 166) holds 12 cycles of compute
    # but 10 of the store's latency and 8 of its bus time (18 for the bus) -> b, then b.
    result = simulate_graph(_single_conv(), toy_machine(latency_ns=10), name="t")
    path = Timeline(result, window=(136, 196), cycles=True)._path_row([136.0, 166.0, 196.0])
    assert path.plain[LABEL_WIDTH:] == "bb"
    # [124, 154): compute 24, the store's latency 6 -> m; [94, 124): the W load alone -> b
    path = Timeline(result, window=(94, 154), cycles=True)._path_row([94.0, 124.0, 154.0])
    assert path.plain[LABEL_WIDTH:] == "bm"
    key = render(
        Timeline(simulate_graph(_single_conv(), toy_machine(latency_ns=10), name="t"))
    )
    assert "(b bus, m matrix, v vector)" in key


def test_the_sram_row_keeps_its_level_in_a_window_that_starts_mid_run():
    # window [42, 110) at 68 columns: 1 cycle a column, all of it with x + W = 104 B in use
    result = simulate_graph(_single_conv(), toy_machine(latency_ns=10, sram=200), name="t")
    text = render(Timeline(result, window=(42, 110), cycles=True))
    row = next(line for line in text.splitlines() if line.startswith("SRAM"))
    assert row[LABEL_WIDTH : LABEL_WIDTH + CHART] == "▅" * CHART
    assert row[LABEL_WIDTH + CHART :].strip() == "52%"
    assert SRAM_LEVELS[5] == "▅"
