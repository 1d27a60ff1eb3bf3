"""CSV, JSON and PNG exports of a sweep, and the ranked table with Pareto marks."""

from __future__ import annotations

import csv
import io
import json

import pytest
from PIL import Image
from rich.console import Console

from accelsim.sweep.outputs import rank, write_outputs
from accelsim.sweep.results import Metrics, PointResult
from accelsim.sweep.table import no_effect_notes, sweep_report

SETS = ("sram.capacity=256KiB,1MiB", "bus.bandwidth=0.5GB/s,1GB/s,-1GB/s")  # 6 points, 2 invalid


def test_exports_cover_every_point_and_the_plots_are_real_images(sweep):
    outcome = sweep(*SETS)
    paths = write_outputs(outcome)
    assert [p.name for p in paths] == ["results.csv", "results.json", "latency_heatmap.png",
                                       "pareto.png"]  # fmt: skip
    rows = list(csv.DictReader((outcome.folder / "results.csv").open()))
    assert [row["index"] for row in rows] == ["0", "1", "2", "3", "4", "5"]
    assert [row["status"] for row in rows] == ["ok", "ok", "invalid"] * 2
    assert rows[1]["sram.capacity"] == "256KiB" and rows[1]["bus.bandwidth"] == "1GB/s"
    by_index = {r.index: r for r in outcome.results}
    assert int(rows[1]["latency_cycles"]) == by_index[1].metrics.latency_cycles
    assert rows[2]["latency_cycles"] == "" and "must be > 0" in rows[2]["error"]
    doc = json.loads((outcome.folder / "results.json").read_text())
    assert doc["axes"][1] == {"path": "bus.bandwidth", "values": ["0.5GB/s", "1GB/s", "-1GB/s"]}
    assert doc["points"][3]["settings"] == {"sram.capacity": "1MiB", "bus.bandwidth": "0.5GB/s"}
    assert doc["points"][2]["pareto"] is None
    for name in ("latency_heatmap.png", "pareto.png"):
        with Image.open(outcome.folder / name) as image:
            assert image.format == "PNG"
            assert image.width > 300 and image.height > 300
            colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
            assert colours is not None and len(colours) > 50  # drawn, not a blank canvas


def _result(index: int, latency: int, energy: float, sram: int) -> PointResult:
    values = dict.fromkeys(Metrics.__dataclass_fields__, 0)
    values.update(latency_cycles=latency, energy_j=energy, sram_capacity_bytes=sram,
                  floor_bound="bus", latency_s=latency * 1e-9)  # fmt: skip
    return PointResult(str(index), index, (("x", str(index)),), "ok", metrics=Metrics(**values))


def test_rank_sorts_by_latency_and_marks_both_fronts():
    results = [
        _result(0, 300, 1.0, 64),  # slowest, least energy, smallest SRAM: on both fronts
        _result(1, 100, 5.0, 512),  # fastest: on both fronts
        _result(2, 200, 5.0, 256),  # energy: dominated by 1 (faster, equal energy); SRAM: on
        _result(3, 200, 2.0, 1024),  # energy: on; SRAM: dominated by 1 (faster, smaller)
    ]
    ranked = rank(results)
    assert [p.result.index for p in ranked] == [1, 3, 2, 0]  # 100, 200 (2 J < 5 J), 200, 300
    assert [(p.front_energy, p.front_sram) for p in ranked] == [
        (True, True), (True, False), (False, True), (True, True),
    ]  # fmt: skip


def test_table_marks_fronts_and_lists_points_not_simulated(sweep):
    outcome = sweep(*SETS)
    console = Console(width=132, file=io.StringIO(), color_system=None)
    console.print(sweep_report(outcome))
    text = console.file.getvalue()
    assert "4 of 6 points simulated" in text
    assert "★ E S" in text  # the fastest point is on both fronts
    assert "2 point(s) not simulated:" in text
    assert '#2 invalid: point 2: bus.bandwidth: "-1GB/s" must be > 0' in text


@pytest.mark.parametrize("top", [1, 3])
def test_table_top_limits_rows(sweep, top):
    outcome = sweep("sram.capacity=256KiB,1MiB")
    console = Console(width=132, file=io.StringIO(), color_system=None)
    console.print(sweep_report(outcome, top=top))
    text = console.file.getvalue()
    assert ("... 1 more in results.csv" in text) == (top == 1)


def test_table_flags_values_of_an_axis_that_change_nothing(sweep):
    # edge1's DDR runs at 1 GB/s, so any bus at or above 1 GB/s transfers at 1 GB/s: 1 and 4 GB/s
    # give the same run, 0.5 GB/s halves the rate; SRAM 512 KiB and 1 MiB both hold MobileNet's
    # largest working set (234 kB peak), so that axis changes the latency nowhere, but a bigger
    # SRAM costs more per access and leaks more: not "no effect".
    outcome = sweep("sram.capacity=512KiB,1MiB", "bus.bandwidth=0.5GB/s,1GB/s,4GB/s")
    assert no_effect_notes(outcome) == [
        "no effect: bus.bandwidth 1GB/s = 4GB/s (same latency and energy at every other setting)",
    ]
    raised = sweep("ddr.bandwidth=4GB/s", "bus.bandwidth=1GB/s,4GB/s")
    assert no_effect_notes(raised) == []


def test_sweep_sets_a_units_field_and_reports_a_unit_the_machine_lacks(sweep):
    outcome = sweep("units.matrix.peak=1TFLOPS,2TFLOPS", "units.mxu0.peak=1TFLOPS")
    assert [r.status for r in outcome.results] == ["invalid", "invalid"]
    assert outcome.results[0].error == (
        "point 0: units.mxu0.peak: unknown field; fields of units: bus, matrix, vector"
    )
    ok = sweep("units.matrix.peak=1TFLOPS,2TFLOPS")
    # edge1's matrix layers: 183,616 busy cycles at 1 TFLOPS (summary test); at 2 TFLOPS each
    # layer's ceil(2 MACs / 2000) is at most one cycle above half of ceil(2 MACs / 1000)
    one, two = (r.metrics for r in ok.results)
    assert one.utilisation_matrix * one.latency_cycles == pytest.approx(183_616)
    assert 183_616 / 2 <= two.utilisation_matrix * two.latency_cycles <= 183_616 / 2 + 28
