"""A sweep's views from results written by hand (no simulation): the heatmap's cells are the
best latency over the axes it does not show, its rows and columns are the first two varied axes,
the CSV and JSON carry each point's own values and front marks, and the ranking's ties break by
energy then grid order."""

from __future__ import annotations

import csv
import io
import itertools
import math
from dataclasses import fields
from pathlib import Path

import pytest

import accelsim.report.plots as plots
from accelsim.sweep.grid import Axis, Setting
from accelsim.sweep.outputs import _csv, _heatmap, rank, results_document
from accelsim.sweep.results import Metrics, PointResult
from accelsim.sweep.runner import SweepOutcome
from accelsim.sweep.spec import SweepSpec


def _metrics(latency_us: float, energy_uj: float = 1.0, sram: int = 1024) -> Metrics:
    values = {f.name: 0 for f in fields(Metrics)}
    values |= {"latency_cycles": round(latency_us * 1000), "latency_s": latency_us * 1e-6,
               "energy_j": energy_uj * 1e-6, "sram_capacity_bytes": sram,
               "floor_bound": "", "bound": ""}  # fmt: skip
    return Metrics(**values)


def _axis(path: str, *labels: str) -> Axis:
    return Axis(path, tuple(Setting(path, label, label) for label in labels))


def _outcome(axes: list[Axis], results: list[PointResult], name: str = "s") -> SweepOutcome:
    spec = SweepSpec(model=Path("m.onnx"), hardware=Path("h.yaml"), axes=tuple(axes))
    return SweepOutcome(name=name, folder=Path("."), spec=spec, axes=tuple(axes),
                        results=tuple(results), computed=len(results), reused=0)  # fmt: skip


def _result(index: int, settings: dict[str, str], metrics: Metrics | None) -> PointResult:
    status = "ok" if metrics is not None else "failed"
    return PointResult(f"k{index}", index, tuple(settings.items()), status, "" if metrics else "x",
                       metrics)  # fmt: skip


@pytest.fixture
def drawn(monkeypatch):
    calls = []
    monkeypatch.setattr(plots, "heatmap_png", lambda path, values, **kw: calls.append((values, kw)))
    return calls


def test_the_heatmap_shows_the_best_latency_over_the_axes_it_does_not_show(drawn):
    # A (rows) x B (one value: not varied) x C (columns) x D (folded). Latency (µs) of each
    # point: 100*a + 10*c + d for a in 1..2, c in 1..2, d in 1..2; the best over D is d = 1.
    # (Results come d2 first for a1, d1 first for a2: neither the first nor the last is kept.)
    axes = [_axis("a", "a1", "a2"), _axis("b", "b1"), _axis("c", "c1", "c2"),
            _axis("d", "d1", "d2")]  # fmt: skip
    pairs = itertools.product((1, 2), (1, 2))
    order = [(a, c, d) for a, c in pairs for d in ((2, 1), (1, 2))[a - 1]]
    results = []
    for index, (a, c, d) in enumerate(order):
        settings = {"a": f"a{a}", "b": "b1", "c": f"c{c}", "d": f"d{d}"}
        results.append(_result(index, settings, _metrics(100 * a + 10 * c + d)))
    results.append(_result(8, {"a": "a1", "b": "b1", "c": "c1", "d": "d1"}, None))  # failed
    _heatmap(_outcome(axes, results, "study"), Path("h.png"))
    ((values, kw),) = drawn
    assert values == [[pytest.approx(111), pytest.approx(121)],
                      [pytest.approx(211), pytest.approx(221)]]  # fmt: skip
    assert (kw["rows"], kw["columns"]) == (["a1", "a2"], ["c1", "c2"])
    assert (kw["row_title"], kw["column_title"]) == ("a", "c")
    assert kw["title"] == "study: latency in µs (best over d)"
    assert kw["value_label"] == "latency (µs)"


def test_two_varied_axes_are_the_heatmap_s_rows_and_columns_with_nothing_folded(drawn):
    # The common sweep (SRAM x bus): latency 10*a + c µs; every point is its own cell.
    axes = [_axis("a", "a1", "a2"), _axis("c", "c1", "c2", "c3")]
    results = [_result(index, {"a": f"a{a}", "c": f"c{c}"}, _metrics(10 * a + c))
               for index, (a, c) in enumerate(itertools.product((1, 2), (1, 2, 3)))]  # fmt: skip
    _heatmap(_outcome(axes, results), Path("h.png"))
    ((values, kw),) = drawn
    assert values == [[pytest.approx(11), pytest.approx(12), pytest.approx(13)],
                      [pytest.approx(21), pytest.approx(22), pytest.approx(23)]]  # fmt: skip
    assert (kw["rows"], kw["columns"]) == (["a1", "a2"], ["c1", "c2", "c3"])
    assert (kw["row_title"], kw["column_title"]) == ("a", "c")
    assert kw["title"] == "s: latency in µs"


def test_a_heatmap_cell_without_a_simulated_point_is_nan_and_one_axis_is_one_column(drawn):
    axes = [_axis("b", "b1"), _axis("a", "a1", "a2", "a3")]
    results = [_result(0, {"b": "b1", "a": "a1"}, _metrics(5)),
               _result(1, {"b": "b1", "a": "a2"}, None),
               _result(2, {"b": "b1", "a": "a3"}, _metrics(7))]  # fmt: skip
    _heatmap(_outcome(axes, results), Path("h.png"))
    ((values, kw),) = drawn
    assert values[0] == [pytest.approx(5)] and math.isnan(values[1][0])
    assert values[2] == [pytest.approx(7)]
    assert (kw["rows"], kw["columns"], kw["column_title"]) == (["a1", "a2", "a3"], ["latency"], "")
    assert kw["title"] == "s: latency in µs"


def test_with_no_varied_axis_the_heatmap_is_the_first_axis(drawn):
    axes = [_axis("x", "x1"), _axis("y", "y1")]
    _heatmap(_outcome(axes, [_result(0, {"x": "x1", "y": "y1"}, _metrics(3))]), Path("h.png"))
    ((values, kw),) = drawn
    assert values == [[pytest.approx(3)]]
    assert (kw["rows"], kw["row_title"], kw["columns"]) == (["x1"], "x", ["latency"])


def _three():
    # (latency µs, energy µJ, SRAM B): p0 (10, 5, 100), p1 (20, 1, 100), p2 (30, 6, 50), p3 failed.
    # latency-energy front: p0 (fastest), p1 (least energy); p2 is beaten by p0 in both.
    # latency-SRAM front: p0; p1 is beaten by p0 (same SRAM, slower); p2 has the least SRAM.
    axes = [_axis("a", "a0", "a1", "a2", "a3")]
    results = [_result(0, {"a": "a0"}, _metrics(10, 5, 100)),
               _result(1, {"a": "a1"}, _metrics(20, 1, 100)),
               _result(2, {"a": "a2"}, _metrics(30, 6, 50)),
               _result(3, {"a": "a3"}, None)]  # fmt: skip
    return _outcome(axes, results)


def test_the_csv_has_each_points_values_and_front_marks():
    outcome = _three()
    rows = list(csv.DictReader(io.StringIO(_csv(outcome, {p.result.key: p for p in rank(
        outcome.results)}))))  # fmt: skip
    assert [r["index"] for r in rows] == ["0", "1", "2", "3"]
    assert [r["a"] for r in rows] == ["a0", "a1", "a2", "a3"]
    assert [r["status"] for r in rows] == ["ok", "ok", "ok", "failed"]
    assert [r["latency_cycles"] for r in rows] == ["10000", "20000", "30000", ""]
    assert [r["sram_capacity_bytes"] for r in rows] == ["100", "100", "50", ""]
    assert [r["pareto_latency_energy"] for r in rows] == ["1", "1", "0", ""]
    assert [r["pareto_latency_sram"] for r in rows] == ["1", "0", "1", ""]
    assert [r["error"] for r in rows] == ["", "", "", "x"]
    header = next(csv.reader(io.StringIO(_csv(outcome, {}))))
    assert header[:3] == ["index", "a", "status"] and header[-3:] == [
        "pareto_latency_energy", "pareto_latency_sram", "error"
    ]  # fmt: skip


def test_the_json_document_has_settings_fronts_and_no_key():
    document = results_document(_three())
    assert (document["name"], document["model"], document["hardware"]) == ("s", "m.onnx", "h.yaml")
    assert (document["policy"], document["overlap"], document["batch"]) == ("liveness", True, None)
    assert document["axes"] == [{"path": "a", "values": ["a0", "a1", "a2", "a3"]}]
    points = document["points"]
    assert [p["settings"] for p in points] == [{"a": f"a{i}"} for i in range(4)]
    assert all("key" not in p for p in points)
    assert [p["pareto"] for p in points] == [
        {"latency_energy": True, "latency_sram": True},
        {"latency_energy": True, "latency_sram": False},
        {"latency_energy": False, "latency_sram": True},
        None,
    ]
    assert points[3]["status"] == "failed" and points[3]["metrics"] is None
    assert document["explain"] is None  # no base machine: nothing to explain around


def test_rank_breaks_latency_ties_by_energy_then_grid_order():
    axes = [_axis("a", *(f"a{i}" for i in range(4)))]
    results = [
        _result(0, {"a": "a0"}, _metrics(10, 3)),
        _result(1, {"a": "a1"}, _metrics(10, 2)),
        _result(2, {"a": "a2"}, _metrics(10, 2)),
        _result(3, {"a": "a3"}, _metrics(5, 9)),
    ]
    ranked = rank(_outcome(axes, results).results)
    # 5 µs first; then the 10 µs ones by energy (2, 2, 3), the two at 2 µJ in index order
    assert [p.result.index for p in ranked] == [3, 1, 2, 0]


# --- the terminal table and its notes ---------------------------------------------------------


def _grid(latency: dict[tuple[str, str], float]) -> SweepOutcome:
    """Axes a (a1, a2) and b (b1, b2, b3); `latency[(a, b)]` in µs, energy the same number in
    µJ; a missing pair is a failed point."""
    axes = [_axis("a", "a1", "a2"), _axis("b", "b1", "b2", "b3")]
    results = []
    for index, (a, b) in enumerate(itertools.product(("a1", "a2"), ("b1", "b2", "b3"))):
        value = latency.get((a, b))
        metrics = None if value is None else _metrics(value, value)
        results.append(_result(index, {"a": a, "b": b}, metrics))
    return _outcome(axes, results)


def test_an_axis_that_changes_nothing_and_values_that_tie_are_noted():
    from accelsim.sweep.table import no_effect_notes

    # a changes nothing: (a1, b) == (a2, b) for every b. b: b1 = b3 at both a, b2 differs.
    outcome = _grid({(a, b): {"b1": 4.0, "b2": 9.0, "b3": 4.0}[b]
                     for a in ("a1", "a2") for b in ("b1", "b2", "b3")})  # fmt: skip
    assert no_effect_notes(outcome) == [
        "no effect: a changes nothing (same latency and energy at every other setting)",
        "no effect: b b1 = b3 (same latency and energy at every other setting)",
    ]


def test_values_that_tie_at_some_settings_only_or_lack_a_point_are_not_noted():
    from accelsim.sweep.table import no_effect_notes

    # b1 = b3 at a1 but not at a2; a differs at b2 only: neither axis has a note
    latency = {("a1", "b1"): 4.0, ("a1", "b2"): 9.0, ("a1", "b3"): 4.0,
               ("a2", "b1"): 4.0, ("a2", "b2"): 8.0, ("a2", "b3"): 5.0}  # fmt: skip
    assert no_effect_notes(_grid(latency)) == []
    # a1 = a2 wherever both ran, but (a2, b3) failed: a2's runs are not a1's
    latency = {(a, b): {"b1": 4.0, "b2": 9.0, "b3": 7.0}[b]
               for a in ("a1", "a2") for b in ("b1", "b2", "b3")}  # fmt: skip
    del latency[("a2", "b3")]
    assert no_effect_notes(_grid(latency)) == []
    # a differs at b1 only, the first of b's settings (the same at b2 and b3)
    latency = {(a, b): {"b1": 4.0 if a == "a1" else 5.0, "b2": 9.0, "b3": 7.0}[b]
               for a in ("a1", "a2") for b in ("b1", "b2", "b3")}  # fmt: skip
    assert no_effect_notes(_grid(latency)) == []


def test_the_table_lists_the_fastest_first_with_marks_and_the_points_not_simulated():
    from rich.console import Console

    from accelsim.sweep.table import sweep_report

    console = Console(width=160, file=io.StringIO(), color_system=None)
    console.print(sweep_report(_three(), top=2))
    lines = [line.rstrip() for line in console.file.getvalue().splitlines()]
    text = "\n".join(lines)
    assert "Sweep s: 3 of 4 points simulated, fastest first" in text
    rows = [" ".join(line.split()) for line in lines if "µs" in line]
    # top 2 by latency: p0 (10 µs, 5 µJ, both fronts), p1 (20 µs, 1 µJ, energy front only);
    # SRAM peak and spilled are 0 B in these made-up metrics, the floor limit is ""
    assert rows == ["0 a0 10 µs 5 µJ 0 B 0 B ★ E S", "1 a1 20 µs 1 µJ 0 B 0 B ★ E"]
    assert "... 1 more in results.csv" in text
    assert "1 point(s) not simulated:" in text and "#3 failed: x" in text


@pytest.mark.parametrize(("top", "more"), [(None, ""), (4, ""), (3, ""), (2, "1"), (1, "2")])
def test_the_table_says_how_many_points_it_leaves_out_only_when_it_leaves_some(top, more):
    # 3 of the 4 points ran: a top of 3 or more (or none) shows all three, no "more" line
    from rich.console import Console

    from accelsim.sweep.table import sweep_report

    console = Console(width=160, file=io.StringIO(), color_system=None)
    console.print(sweep_report(_three(), top=top))
    lines = [line for line in console.file.getvalue().splitlines() if "more in results" in line]
    assert lines == ([f"... {more} more in results.csv"] if more else [])


def test_no_plots_when_no_point_ran_or_when_asked_for_none(tmp_path):
    import dataclasses

    from accelsim.sweep.outputs import write_outputs

    axes = [_axis("a", "a0", "a1")]
    failed = _outcome(axes, [_result(0, {"a": "a0"}, None), _result(1, {"a": "a1"}, None)])
    out = tmp_path / "failed"
    out.mkdir()
    assert write_outputs(dataclasses.replace(failed, folder=out)) == [
        out / "results.csv", out / "results.json"
    ]  # fmt: skip
    assert sorted(p.name for p in out.iterdir()) == [".accelsim-outputs", "results.csv",
                                                     "results.json"]  # fmt: skip
    out = tmp_path / "asked"
    out.mkdir()
    assert write_outputs(dataclasses.replace(_three(), folder=out), plots=False) == [
        out / "results.csv", out / "results.json"
    ]  # fmt: skip
    csv_rows = (out / "results.csv").read_text().splitlines()
    assert len(csv_rows) == 1 + 4 and csv_rows[1].startswith("0,a0,ok,10000,")


def test_the_spilled_column_is_the_bytes_spilled_not_reloaded():
    from dataclasses import replace

    from rich.console import Console

    from accelsim.sweep.table import sweep_report

    # 1,000 B spilled and reloaded twice (2,000 B); SRAM peak 0 B. The SRAM (1,024 B) is
    # binary, so 1,000 B is under its unit's 1,024: whole bytes, not "1e+03 B"
    metrics = replace(_metrics(10.0), spilled_bytes=1000, reloaded_bytes=2000)
    outcome = _outcome([_axis("a", "a0")], [_result(0, {"a": "a0"}, metrics)])
    console = Console(width=160, file=io.StringIO(), color_system=None)
    console.print(sweep_report(outcome))
    (row,) = [" ".join(line.split()) for line in console.file.getvalue().splitlines()
              if "µs" in line]  # fmt: skip
    assert row == "0 a0 10 µs 1 µJ 0 B 1000 B ★ E S"


def test_the_pareto_plot_draws_each_front_over_its_own_axis(monkeypatch):
    from accelsim.sweep.outputs import _pareto

    drawn = []
    monkeypatch.setattr(plots, "pareto_png", lambda path, panels, **kw: drawn.append((panels, kw)))
    outcome = _three()
    _pareto(outcome, rank(outcome.results), Path("p.png"))
    ((energy, sram), kw) = drawn[0]
    # fastest first: p0, p1, p2; SRAM capacities 100, 100, 50 B in KiB; the failed p3 is not
    # drawn nor counted
    assert energy.x == pytest.approx([10.0, 20.0, 30.0])
    assert (energy.y, energy.front) == (pytest.approx([5.0, 1.0, 6.0]), [True, True, False])
    assert (sram.y, sram.front) == (pytest.approx([100 / 1024, 100 / 1024, 50 / 1024]),
                                    [True, False, True])  # fmt: skip
    assert (sram.y_label, sram.log_y) == ("SRAM capacity (KiB)", True)
    assert kw["title"] == "s: Pareto fronts (3 points)"


@pytest.mark.parametrize(
    ("capacity", "shown"),
    [(1024, "121 KiB"), (1_000_000, "123 kB")],  # 123,456 B: 120.5625 KiB or 123.456 kB
)
def test_the_sram_peak_and_spilled_columns_show_three_digits_in_the_sram_s_units(capacity, shown):
    from dataclasses import replace

    from rich.console import Console

    from accelsim.sweep.table import sweep_report

    # 123,456 B peak and spilled, to 3 significant digits: 121 KiB (binary 1,024 B SRAM; 4
    # digits would give 120.6 KiB) or 123 kB (decimal 1 MB SRAM; 4 digits: 123.5 kB)
    metrics = replace(_metrics(10.0, sram=capacity), sram_peak_bytes=123_456,
                      spilled_bytes=123_456)  # fmt: skip
    outcome = _outcome([_axis("a", "a0")], [_result(0, {"a": "a0"}, metrics)])
    console = Console(width=160, file=io.StringIO(), color_system=None)
    console.print(sweep_report(outcome))
    (row,) = [" ".join(line.split()) for line in console.file.getvalue().splitlines()
              if "µs" in line]  # fmt: skip
    assert row == f"0 a0 10 µs 1 µJ {shown} {shown} ★ E S"
