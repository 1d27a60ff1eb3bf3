"""A sweep's explanation from results written by hand around edge1 (no simulation): the base
point on a list-valued axis, the titles of exact and nearest base points, the elasticity lines
and the regime table's text, the page's top points and the plots switch. Every number is worked
out in the comments."""

from __future__ import annotations

import itertools
from dataclasses import fields
from pathlib import Path

import pytest

from accelsim.hardware_file import load_hardware
from accelsim.sweep.explain import explain_lines, page_data, references, write_explained
from accelsim.sweep.grid import Axis, Setting, parse_set
from accelsim.sweep.results import Metrics, PointResult
from accelsim.sweep.runner import SweepOutcome
from accelsim.sweep.spec import SweepSpec
from tests.sweep.conftest import EDGE1


@pytest.fixture(scope="module")
def edge1():
    return load_hardware(EDGE1)


def _metrics(cycles: int, microjoules: float, bound: str) -> Metrics:
    values = {f.name: 0 for f in fields(Metrics)} | {"floor_bound": ""}
    values |= {"latency_cycles": cycles, "latency_s": cycles * 1e-9,
               "energy_j": microjoules * 1e-6, "bound": bound}  # fmt: skip
    return Metrics(**values)


def _outcome(axes, runs, folder=Path(".")) -> SweepOutcome:
    """`runs[labels]` = (cycles, µJ, bound) per point in grid order; None: a failed point."""
    results = []
    for index, combo in enumerate(itertools.product(*(a.settings for a in axes))):
        settings = tuple((s.path, s.label) for s in combo)
        run = runs.get(tuple(s.label for s in combo))
        metrics = None if run is None else _metrics(*run)
        results.append(PointResult(f"k{index}", index, settings,
                                   "ok" if metrics else "failed", "", metrics))  # fmt: skip
    spec = SweepSpec(model=Path("m.onnx"), hardware=EDGE1, axes=tuple(axes))
    return SweepOutcome(name="s", folder=folder, spec=spec, axes=tuple(axes),
                        results=tuple(results), computed=len(results), reused=0)  # fmt: skip


BUS = parse_set("bus.bandwidth=0.5GB/s,1GB/s,2GB/s")
FUSES = Axis("lowering.fuses", (Setting("lowering.fuses", "[]", []),
                                Setting("lowering.fuses", "[Relu]", ["Relu"])))  # fmt: skip
# (cycles, µJ, bound); (0.5 GB/s, [Relu]) failed. Grid order: bus outer, fuses inner, so
# #0 (0.5, []), #1 (0.5, [Relu]), #2 (1, []), #3 (1, [Relu]), #4 (2, []), #5 (2, [Relu]).
RUNS = {("0.5GB/s", "[]"): (400, 4.0, "bus"), ("1GB/s", "[]"): (200, 2.0, "matrix"),
        ("1GB/s", "[Relu]"): (150, 1.5, "vector"), ("2GB/s", "[]"): (200, 2.5, "latency"),
        ("2GB/s", "[Relu]"): (100, 1.0, "bus")}  # fmt: skip


def test_the_lines_say_what_each_step_buys_and_what_bounds_each_cell(edge1):
    lines = explain_lines(_outcome([BUS, FUSES], RUNS), edge1)
    assert lines == [
        # best: #5 (100 cycles). Down the bus to 1 GB/s: x0.5 -> -50 %; 150/100 -> +50 %
        # latency, 1.5/1 -> +50 % energy; ln 1.5 / ln 0.5 = -0.585 both. No step up: 2 GB/s
        # is the top; fuses is no number: no step.
        "around the best point (#5: bus.bandwidth=2GB/s, lowering.fuses=[Relu]):",
        "  -50% bus.bandwidth (2GB/s -> 1GB/s) -> +50.0% latency, +50.0% energy "
        "(elasticity -0.58 / -0.58)",
        # base: bus 1 GB/s is edge1's own; its fuses (Relu, Clip) is neither value, so the
        # first, [], and the point is only the nearest (#2). Up: x2 -> +100 %, 200/200 -> +0 %,
        # 2.5/2 -> +25 % (ln 1.25 / ln 2 = 0.32); down: -50 %, 400/200 and 4/2 -> +100 %
        # (ln 2 / ln 0.5 = -1).
        "around the point nearest the base machine (#2: bus.bandwidth=1GB/s, lowering.fuses=[]):",
        "  +100% bus.bandwidth (1GB/s -> 2GB/s) -> +0.0% latency, +25.0% energy "
        "(elasticity +0.00 / +0.32)",
        "  -50% bus.bandwidth (1GB/s -> 0.5GB/s) -> +100.0% latency, +100.0% energy "
        "(elasticity -1.00 / -1.00)",
        "what bounds the run (rows bus.bandwidth, columns lowering.fuses):",
        # rows right-aligned to the longest label (7: "0.5GB/s") after 2 spaces; cells at least
        # 7 wide ("[Relu]" is 6), one space apart; "-" where no point ran
        "         " + "     []" + " " + " [Relu]",
        "  0.5GB/s" + "    bus" + " " + "      -",
        "    1GB/s" + " matrix" + " " + " vector",
        "    2GB/s" + "latency" + " " + "    bus",
    ]


def test_a_list_valued_axis_finds_the_base_machines_own_list(edge1):
    # edge1 fuses Relu and Clip (the schema keeps the list as a tuple); the sweep's value is
    # the list [Relu, Clip]: the same setting, so the base point is #1, exactly edge1.
    both = Setting("lowering.fuses", "[Relu,Clip]", ["Relu", "Clip"])
    fuses = Axis("lowering.fuses", (Setting("lowering.fuses", "[]", []), both))
    bus = parse_set("bus.bandwidth=1GB/s")
    outcome = _outcome([fuses, bus], {("[]", "1GB/s"): (50, 1.0, "bus"),
                                      ("[Relu,Clip]", "1GB/s"): (60, 1.0, "bus")})  # fmt: skip
    found = references(outcome, edge1)
    assert [(r.name, r.index, r.exact) for r in found] == [("best", 0, True), ("base", 1, True)]
    assert found[1].settings == (("lowering.fuses", "[Relu,Clip]"), ("bus.bandwidth", "1GB/s"))
    assert explain_lines(outcome, edge1) == []  # one point per number: no step, no 2-D map


def test_an_exact_base_point_is_titled_as_the_base_machine(edge1):
    runs = {("0.5GB/s",): (300, 3.0, "bus"), ("1GB/s",): (200, 2.0, "bus"),
            ("2GB/s",): (100, 1.0, "bus")}  # fmt: skip
    lines = explain_lines(_outcome([BUS], runs), edge1)
    # base 1 GB/s exactly (#1); best 2 GB/s (#0's neighbour list: only 1 GB/s below it)
    assert "around the base machine (#1: bus.bandwidth=1GB/s):" in lines
    assert lines[0] == "around the best point (#2: bus.bandwidth=2GB/s):"


def test_the_page_lists_the_ten_fastest_of_all(edge1):
    bus = parse_set("bus.bandwidth=1GB/s..11GB/s:+1GB/s")  # 11 points, latency 11 - k cycles
    runs = {(s.label,): (1100 - 100 * k, 1.0, "bus") for k, s in enumerate(bus.settings)}
    data = page_data(_outcome([bus], runs), edge1)
    assert (data["total"], len(data["points"]), len(data["top"])) == (11, 11, 10)
    assert [p["index"] for p in data["top"]] == list(range(10, 0, -1))  # fastest first


def test_no_regime_png_without_plots(edge1, tmp_path):
    outcome = _outcome([BUS, FUSES], RUNS, folder=tmp_path)
    assert write_explained(outcome, edge1, plots=False) == [tmp_path / "report.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_the_regime_title_names_the_axes_held_at_the_best_point(edge1):
    sram = parse_set("sram.capacity=1MB")  # one value: held, named in the title
    runs = {(*labels, "1MB"): run for labels, run in RUNS.items()}
    lines = explain_lines(_outcome([BUS, FUSES, sram], runs), edge1)
    assert (
        "what bounds the run (rows bus.bandwidth, columns lowering.fuses, sram.capacity=1MB):"
        in (lines)
    )


def test_a_base_point_is_exact_only_if_every_axis_is_even_when_a_later_one_matches(edge1):
    # the bus misses edge1's 1 GB/s (0.5 and 2 GB/s: 2 GB/s is as near in ratio, 0.5 first by
    # label order); the fuses axis then holds edge1's own [Relu, Clip]: the base point is only
    # the nearest
    bus = parse_set("bus.bandwidth=0.5GB/s,2GB/s")
    both = Setting("lowering.fuses", "[Relu,Clip]", ["Relu", "Clip"])
    fuses = Axis("lowering.fuses", (Setting("lowering.fuses", "[]", []), both))
    runs = {(b, f): (100, 1.0, "bus") for b in ("0.5GB/s", "2GB/s") for f in ("[]", "[Relu,Clip]")}
    (_, base) = references(_outcome([bus, fuses], runs), edge1)
    assert (base.index, base.exact) == (1, False)
    assert base.settings == (("bus.bandwidth", "0.5GB/s"), ("lowering.fuses", "[Relu,Clip]"))


def test_the_page_gives_microseconds_and_microjoules_and_counts_failed_points(edge1):
    data = page_data(_outcome([BUS, FUSES], RUNS), edge1)
    # 6 points, #1 failed: 5 ranked, the fastest #5 (100 cycles = 0.1 µs at 1 ns a cycle, 1 µJ)
    assert (data["total"], len(data["points"])) == (6, 5)
    fastest = data["points"][0]
    assert (fastest["index"], fastest["bound"]) == (5, "bus")
    assert (fastest["latency_us"], fastest["energy_uj"]) == (pytest.approx(0.1), pytest.approx(1.0))


def test_the_pages_points_give_latency_and_energy_in_microseconds_and_microjoules(edge1):
    # RUNS' #3 (1 GB/s, [Relu]): 150 cycles at edge1's 1 GHz = 0.15 µs, 1.5 µJ, vector-bound,
    # on the latency-energy front (nothing is both faster and lower in energy but #5: 100
    # cycles, 1 µJ, which beats it on both: so #3 is off the front, #5 on it)
    data = page_data(_outcome([BUS, FUSES], RUNS), edge1)
    by_index = {p["index"]: p for p in data["points"]}
    assert by_index[3]["latency_us"] == pytest.approx(0.15)
    assert by_index[3]["energy_uj"] == pytest.approx(1.5)
    assert by_index[3]["settings"] == "bus.bandwidth=1GB/s, lowering.fuses=[Relu]"
    assert (by_index[3]["bound"], by_index[3]["front"]) == ("vector", False)
    assert (by_index[5]["energy_uj"], by_index[5]["front"]) == (pytest.approx(1.0), True)
