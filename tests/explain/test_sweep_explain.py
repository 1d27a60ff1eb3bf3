"""Sweeps that explain: elasticities between grid neighbours and the regime map, on made-up
results whose changes are worked out by hand (no simulation), and once on a real sweep."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest
from PIL import Image

from accelsim.sweep.explain import elasticities, explain_lines, references, regime_map
from accelsim.sweep.grid import parse_set
from accelsim.sweep.results import Metrics, PointResult
from accelsim.sweep.runner import SweepOutcome
from accelsim.sweep.spec import SweepSpec
from tests.explain.test_html import CHROMIUM, assert_renders
from tests.sim.toy import toy_machine

# toy machine: bus 1 GB/s, SRAM 10,000 B. Latency (cycles) and energy (uJ) and bound per point:
BUS = ("0.5GB/s", "1GB/s", "2GB/s")
SRAM = ("5000B", "10000B")
TABLE = {
    ("5000B", "0.5GB/s"): (2000, 10.0, "bus"), ("5000B", "1GB/s"): (1200, 9.0, "bus"),
    ("5000B", "2GB/s"): (900, 8.5, "matrix"),
    ("10000B", "0.5GB/s"): (1600, 12.0, "bus"), ("10000B", "1GB/s"): (1000, 11.0, "bus"),
    ("10000B", "2GB/s"): (800, 12.1, "matrix"),
}  # fmt: skip


def _outcome(tmp_path: Path, table=TABLE, fixed=(), first=("sram.capacity", SRAM)):  # type: ignore[no-untyped-def]
    """TABLE's points (`first`: the first axis, in place of SRAM's); `fixed`: (path, label) axes
    of one value each, ahead of the two."""
    axes = (*(parse_set(f"{path}={label}") for path, label in fixed),
            parse_set(f"{first[0]}=" + ",".join(first[1])),
            parse_set("bus.bandwidth=" + ",".join(BUS)))  # fmt: skip
    results = []
    for index, (sram, bus) in enumerate(itertools.product(first[1], BUS)):
        settings = (*fixed, (first[0], sram), ("bus.bandwidth", bus))
        if (sram, bus) not in table:
            results.append(PointResult("k", index, settings, "invalid", "made up"))
            continue
        cycles, micro, bound = table[(sram, bus)]
        values = dict.fromkeys(Metrics.__dataclass_fields__, 0)
        values.update(latency_cycles=cycles, latency_s=cycles * 1e-9, energy_j=micro * 1e-6,
                      floor_bound="bus", bound=bound)  # fmt: skip
        results.append(PointResult("k", index, settings, "ok", metrics=Metrics(**values)))
    return SweepOutcome(name="t", folder=tmp_path, spec=SweepSpec(), axes=axes,
                        results=tuple(results), computed=len(results), reused=0)  # fmt: skip


def test_references_are_the_best_point_and_the_base_machine(tmp_path):
    found = references(_outcome(tmp_path), toy_machine())
    # best: 800 cycles (10000B, 2GB/s); base: the toy's own 10,000 B and 1 GB/s
    assert [(r.name, r.index, r.exact) for r in found] == [("best", 5, True), ("base", 4, True)]


def test_the_base_point_is_nearest_in_ratio_and_exact_only_if_every_axis_is(tmp_path):
    from accelsim.hardware_file import with_overrides

    outcome = _outcome(tmp_path)
    # bus 1.45 GB/s: 2 GB/s is 1.38x away, 1 GB/s 1.45x (nearer in GB/s: 0.45 < 0.55)
    between = with_overrides(toy_machine(), {"bus.bandwidth": "1.45GB/s"})
    assert [(r.name, r.index, r.exact) for r in references(outcome, between)] == [
        ("best", 5, True), ("base", 5, False)]  # fmt: skip
    # SRAM 7000 B (5000 B is 1.4x away, 10000 B 1.43x) and the toy's own bus, 1 GB/s: the
    # last axis matches exactly, the first does not
    sram = with_overrides(toy_machine(), {"sram.capacity": "7000B"})
    assert [(r.name, r.index, r.exact) for r in references(outcome, sram)] == [
        ("best", 5, True), ("base", 1, False)]  # fmt: skip


def test_elasticities_between_grid_neighbours_by_hand(tmp_path):
    steps = {(e.around, e.axis, e.end): e for e in elasticities(_outcome(tmp_path), toy_machine())}
    # around the base (10000B, 1GB/s: 1000 cycles, 11 uJ):
    up = steps[("base", "bus.bandwidth", "2GB/s")]  # x2 bus: 1000 -> 800 cycles, 11 -> 12.1 uJ
    assert (up.change, up.latency, up.energy) == pytest.approx((1.0, -0.2, 0.1))
    assert up.latency_elasticity == pytest.approx(math.log(0.8) / math.log(2))
    down = steps[("base", "bus.bandwidth", "0.5GB/s")]  # /2 bus: 1000 -> 1600, 11 -> 12
    assert (down.change, down.latency) == pytest.approx((-0.5, 0.6))
    assert down.latency_elasticity == pytest.approx(math.log(1.6) / math.log(0.5))
    half = steps[("base", "sram.capacity", "5000B")]  # half the SRAM: 1000 -> 1200, 11 -> 9
    assert (half.change, half.latency, half.energy) == pytest.approx((-0.5, 0.2, 9 / 11 - 1))
    # around the best (10000B, 2GB/s): no faster bus in the grid, one step down only
    assert {k[2] for k in steps if k[:2] == ("best", "bus.bandwidth")} == {"1GB/s"}
    assert steps[("best", "bus.bandwidth", "1GB/s")].latency == pytest.approx(0.25)  # 800->1000
    assert "+100% bus.bandwidth (1GB/s -> 2GB/s) -> -20.0% latency, +10.0% energy" in up.sentence()


def test_an_axis_with_a_zero_value_gets_no_elasticity(tmp_path):
    # ddr.latency 0 s or 10 ns: no ratio to 0, so only the bus axis has steps
    latency = ("0s", "10ns")
    table = {(lat, bus): TABLE[(sram, bus)] for lat, sram in zip(latency, SRAM, strict=True)
             for bus in BUS}  # fmt: skip
    outcome = _outcome(tmp_path, table, first=("ddr.latency", latency))
    steps = elasticities(outcome, toy_machine())
    assert steps and {e.axis for e in steps} == {"bus.bandwidth"}


def test_a_missing_neighbour_gives_no_step_and_the_map_marks_it(tmp_path):
    table = dict(TABLE)
    del table[("10000B", "2GB/s")]  # that point did not run
    outcome = _outcome(tmp_path, table)
    steps = [(e.around, e.axis, e.end) for e in elasticities(outcome, toy_machine())]
    assert ("base", "bus.bandwidth", "2GB/s") not in steps
    regimes = regime_map(outcome)
    assert regimes is not None
    assert regimes.cells == (("bus", "bus", "matrix"), ("bus", "bus", ""))


def test_the_regime_map_skips_an_axis_of_one_value(tmp_path):
    outcome = _outcome(tmp_path, fixed=(("ddr.capacity", "1GiB"),))
    regimes = regime_map(outcome)
    # rows and columns are the first two axes with several values; the one-value axis is held
    assert regimes is not None
    assert (regimes.rows.path, regimes.columns.path) == ("sram.capacity", "bus.bandwidth")
    assert regimes.held == (("ddr.capacity", "1GiB"),)
    assert regimes.cells == (("bus", "bus", "matrix"), ("bus", "bus", "matrix"))


def test_regime_map_table_and_png(tmp_path):
    outcome = _outcome(tmp_path)
    regimes = regime_map(outcome)
    assert regimes is not None and regimes.rows.path == "sram.capacity"
    assert regimes.cells == (("bus", "bus", "matrix"), ("bus", "bus", "matrix"))
    lines = explain_lines(outcome, toy_machine())
    assert lines[-3:] == [
        "        0.5GB/s   1GB/s   2GB/s",  # labels 6 wide + 2, cells 7 wide
        "   5000B    bus     bus  matrix",
        "  10000B    bus     bus  matrix",
    ]
    from accelsim.sweep.explain import write_explained

    _, png = write_explained(outcome, toy_machine())
    with Image.open(png) as image:
        assert image.format == "PNG" and image.width > 300
        assert len(image.convert("RGB").getcolors(maxcolors=1_000_000) or []) > 20


def test_sweep_page_lists_the_front_and_keeps_names_as_data(tmp_path):
    import json
    import re

    from accelsim.report.sweep_html import sweep_html
    from accelsim.sweep.explain import page_data

    outcome = _outcome(tmp_path)
    data = page_data(outcome, toy_machine())
    # (latency, energy): 800/12.1 and 900/8.5 are on the front; 1000/11 (and every slower
    # point) has a faster point with less energy: 900/8.5.
    assert [(p["index"], p["front"]) for p in data["points"]] == [
        (5, True), (2, True), (4, False), (1, False), (3, False), (0, False)]
    outcome = SweepOutcome(name="</script><script>alert(1)</script>", folder=tmp_path,
                           spec=outcome.spec, axes=outcome.axes, results=outcome.results,
                           computed=6, reused=0)  # fmt: skip
    page = sweep_html(page_data(outcome, toy_machine()))
    assert "alert(1)</script>" not in page and page.count("</script>") == 2
    raw = re.search(r'<script type="application/json" id="data">(.*?)</script>', page, re.S)
    assert raw is not None and json.loads(raw.group(1))["name"] == outcome.name


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_chromium_renders_the_sweep_page(tmp_path):
    from accelsim.sweep.explain import write_explained

    page, _ = write_explained(_outcome(tmp_path), toy_machine())
    assert_renders(page)


def test_sweep_json_explains_itself_from_its_own_points(tmp_path):
    """`accelsim sweep --json` on MobileNet (edge1, 1 GB/s DDR raised to 4 GB/s): each
    elasticity equals ln(L1/L0) / ln(x1/x0) of the two points it names, read from the same
    document's points; the files include the regime map and the page."""
    import json

    from tests.cli.test_run import accelsim

    proc = accelsim("sweep", "workloads/mobilenet.onnx", "--hw", "hardware/edge1.yaml",
                    "--set", "bus.bandwidth=1GB/s,2GB/s", "--set", "sram.capacity=256KiB,512KiB",
                    "--set", "ddr.bandwidth=4GB/s", "--out", tmp_path / "s", "--json")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    latency = {tuple(p["settings"].values()): p["metrics"]["latency_cycles"]
               for p in doc["points"]}  # fmt: skip
    numbers = {"1GB/s": 1e9, "2GB/s": 2e9, "256KiB": 262144, "512KiB": 524288}
    steps = doc["explain"]["elasticities"]
    assert steps and {s["around"] for s in steps} == {"best", "base"}
    for step in steps:
        reference = next(r for r in doc["explain"]["references"] if r["name"] == step["around"])
        here = dict(reference["settings"])
        there = here | {step["axis"]: step["to"]}
        l0, l1 = latency[tuple(here.values())], latency[tuple(there.values())]
        ratio = numbers[step["to"]] / numbers[step["from"]]
        assert step["latency_elasticity"] == pytest.approx(math.log(l1 / l0) / math.log(ratio))
    assert doc["explain"]["regime_map"]["rows"]["path"] == "bus.bandwidth"
    assert {p.name for p in (tmp_path / "s").iterdir()} >= {"regime_map.png", "report.html"}
