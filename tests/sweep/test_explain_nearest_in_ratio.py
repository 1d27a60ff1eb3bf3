"""The point nearest the base machine is nearest in ratio, on every numeric axis, and is exact
only when every axis is; an axis of two values gets its step (session 11, issue 19). Results
are written by hand around edge1 (1 MB of SRAM, 1 GB/s bus); no simulation."""

from __future__ import annotations

from accelsim.sweep.explain import explain_lines, page_data, references, regime_map
from accelsim.sweep.grid import parse_set
from tests.sweep.test_explain_by_hand import _outcome, edge1  # noqa: F401 (a fixture)

SRAM = parse_set("sram.capacity=250kB,3MB")
BUS = parse_set("bus.bandwidth=1GB/s")
RUNS = {("250kB", "1GB/s"): (300, 3.0, "bus"), ("3MB", "1GB/s"): (200, 2.0, "bus")}


def test_the_base_point_is_nearest_in_ratio_and_inexact_if_one_axis_misses(edge1):  # noqa: F811
    # 1 MB: 250 kB is x0.25 away (|ln 0.25| = 1.39), 3 MB x3 (ln 3 = 1.10): 3 MB is nearer in
    # ratio, though 250 kB is nearer in bytes (0.75 MB vs 2 MB). The bus is edge1's own 1 GB/s,
    # but the SRAM axis missed: the point is only the nearest.
    (best, base) = references(_outcome([SRAM, BUS], RUNS), edge1)
    assert (best.index, base.index) == (1, 1)
    assert base.settings == (("sram.capacity", "3MB"), ("bus.bandwidth", "1GB/s"))
    assert base.exact is False


def test_an_axis_of_two_values_gets_a_step_from_each_reference(edge1):  # noqa: F811
    lines = explain_lines(_outcome([SRAM, BUS], RUNS), edge1)
    # 3 MB -> 250 kB: 250e3 / 3e6 - 1 = -91.7 %; 300/200 - 1 = +50 % latency and energy;
    # ln 1.5 / ln (1/12) = 0.405 / -2.485 = -0.16
    step = ("  -92% sram.capacity (3MB -> 250kB) -> +50.0% latency, +50.0% energy "
            "(elasticity -0.16 / -0.16)")  # fmt: skip
    assert lines == [
        "around the best point (#1: sram.capacity=3MB, bus.bandwidth=1GB/s):",
        step,
        "around the point nearest the base machine (#1: sram.capacity=3MB, bus.bandwidth=1GB/s):",
        step,
    ]


def test_the_pages_front_mark_is_the_latency_energy_front(edge1):  # noqa: F811
    # slower points use less energy: all three are on the latency-energy front; every point
    # has the same SRAM (0 B here), so only the fastest is on the latency-SRAM front
    bus = parse_set("bus.bandwidth=0.5GB/s,1GB/s,2GB/s")
    runs = {("0.5GB/s",): (300, 1.0, "bus"), ("1GB/s",): (200, 2.0, "bus"),
            ("2GB/s",): (100, 3.0, "bus")}  # fmt: skip
    data = page_data(_outcome([bus], runs), edge1)
    assert [(p["index"], p["front"]) for p in data["points"]] == [(2, True), (1, True), (0, True)]


def test_the_regime_map_holds_other_axes_at_the_best_points_values(edge1):  # noqa: F811
    # the best point (50 cycles) has 2 MB of SRAM: the map is read at 2 MB, not the first value
    bus, fuses = parse_set("bus.bandwidth=1GB/s,2GB/s"), parse_set("lowering.fuses=[],[Relu]")
    sram = parse_set("sram.capacity=1MB,2MB")
    runs = {}
    for b in ("1GB/s", "2GB/s"):
        for f in ("[]", "[Relu]"):
            runs[(b, f, "1MB")] = (500, 1.0, "latency")
            runs[(b, f, "2MB")] = (100, 1.0, "bus" if f == "[]" else "vector")
    runs[("2GB/s", "[Relu]", "2MB")] = (50, 1.0, "matrix")
    regimes = regime_map(_outcome([bus, fuses, sram], runs))
    assert regimes.held == (("sram.capacity", "2MB"),)
    assert regimes.cells == (("bus", "vector"), ("bus", "matrix"))
