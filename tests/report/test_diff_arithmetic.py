"""`diff_runs` column by column on two small hand-made `run --json` documents: every delta, the
latency ratio (B over A), the ordering of `changed_most`, the unpaired layers, and the view's
percentage, each worked out by hand."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from rich.console import Console

from accelsim.errors import AccelsimError
from accelsim.explain.walk import PARTS
from accelsim.report.diff import align, check_run, diff_runs, diff_view


def _layer(name: str, start: int, end: int, read: int, write: int, bound: str,
           parts: dict[str, int], ops: list[str] | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        "name": name, "window_cycles": [start, end], "end_cycle": end, "bus_read_bytes": read,
        "bus_write_bytes": write, "bound": bound, "breakdown_cycles": parts,
        "op_types": ops or ["Conv"],
    }  # fmt: skip


def _run(latency: int, layers: list[dict[str, Any]], parts: dict[str, int]) -> dict[str, Any]:
    return {"model": "m", "layers": layers, "totals": {"latency_cycles": latency},
            "breakdown_cycles": parts}  # fmt: skip


A = _run(
    1000,
    [
        _layer("c1", 0, 400, 100, 50, "bus", {"bus": 300, "matrix": 100}),
        _layer("c2", 400, 700, 10, 0, "matrix", {"matrix": 300}),
        _layer("c3", 700, 1000, 7, 3, "vector", {"vector": 300}),
    ],
    {"bus": 300, "matrix": 400, "vector": 300},
)
B = _run(
    1250,
    [
        _layer("c1", 0, 350, 100, 70, "bus", {"bus": 250, "matrix": 100}),
        _layer("c2", 350, 900, 40, 5, "bus", {"bus": 200, "matrix": 350}),
        _layer("c3", 900, 1250, 7, 3, "vector", {"vector": 340, "sram": 10}),
    ],
    {"bus": 450, "matrix": 450, "vector": 340, "sram": 10},
)


def test_totals_ratio_is_b_over_a_and_delta_b_minus_a() -> None:
    diff = diff_runs(A, B, labels=("a", "b"))
    assert diff["a"] == {"label": "a", "model": "m", "latency_cycles": 1000}
    assert diff["b"] == {"label": "b", "model": "m", "latency_cycles": 1250}
    assert diff["latency_delta_cycles"] == 250
    assert diff["latency_ratio"] == 1.25  # 1250 / 1000, not 1000 / 1250
    back = diff_runs(B, A, labels=("b", "a"))
    assert back["latency_delta_cycles"] == -250
    assert back["latency_ratio"] == 0.8


def test_ratio_of_a_zero_latency_is_none() -> None:
    zero = copy.deepcopy(A)
    zero["totals"]["latency_cycles"] = 0
    assert diff_runs(zero, B, labels=("a", "b"))["latency_ratio"] is None
    assert diff_runs(B, zero, labels=("b", "a"))["latency_ratio"] == 0


def test_breakdown_deltas_by_part_with_absent_parts_zero() -> None:
    diff = diff_runs(A, B, labels=("a", "b"))
    expected = {part: {"a": 0, "b": 0, "delta": 0} for part in PARTS}
    expected["bus"] = {"a": 300, "b": 450, "delta": 150}
    expected["matrix"] = {"a": 400, "b": 450, "delta": 50}
    expected["vector"] = {"a": 300, "b": 340, "delta": 40}
    expected["sram"] = {"a": 0, "b": 10, "delta": 10}
    assert diff["breakdown_cycles"] == expected
    assert list(diff["breakdown_cycles"]) == list(PARTS)


def test_each_layer_row_by_hand() -> None:
    rows = diff_runs(A, B, labels=("a", "b"))["layers"]
    assert [row["name"] for row in rows] == ["c1", "c2", "c3"]
    c1, c2, c3 = rows
    # c1: window 400 -> 350 cycles (-50); end 400 -> 350; bytes 150 -> 170 (+20)
    assert c1["a"]["cycles"] == 400 and c1["b"]["cycles"] == 350
    assert {k: c1["delta"][k] for k in ("cycles", "end_cycle", "bytes")} == {
        "cycles": -50, "end_cycle": -50, "bytes": 20}  # fmt: skip
    assert (c1["a"]["bytes"], c1["b"]["bytes"]) == (150, 170)
    # c2: 300 -> 550 (+250); end 700 -> 900 (+200); bytes 10 -> 45 (+35); bound matrix -> bus
    assert {k: c2["delta"][k] for k in ("cycles", "end_cycle", "bytes")} == {
        "cycles": 250, "end_cycle": 200, "bytes": 35}  # fmt: skip
    assert (c2["a"]["bound"], c2["b"]["bound"]) == ("matrix", "bus")
    expected = dict.fromkeys(PARTS, 0) | {"bus": 200, "matrix": 50}
    assert c2["delta"]["breakdown_cycles"] == expected
    # c3: 300 -> 350 (+50); end +250
    assert (c3["delta"]["cycles"], c3["delta"]["end_cycle"]) == (50, 250)
    assert c3["delta"]["breakdown_cycles"] == dict.fromkeys(PARTS, 0) | {"vector": 40, "sram": 10}
    assert all(row["renamed"] is None for row in rows)
    # the layer deltas add up to the latency's delta: -50 + 250 + 50 = 250
    assert sum(row["delta"]["cycles"] for row in rows) == 250


def test_changed_most_is_by_size_of_the_change_either_way_and_skips_no_change() -> None:
    diff = diff_runs(A, B, labels=("a", "b"), top=5)
    # |+250| c2, then |-50| c1 and |+50| c3 (a tie keeps layer order)
    assert diff["changed_most"] == ["c2", "c1", "c3"]
    assert diff_runs(A, B, labels=("a", "b"), top=1)["changed_most"] == ["c2"]
    assert diff_runs(A, B, labels=("a", "b"), top=2)["changed_most"] == ["c2", "c1"]
    assert diff_runs(A, A, labels=("a", "a"))["changed_most"] == []
    bigger_drop = copy.deepcopy(B)
    bigger_drop["layers"][0]["window_cycles"] = [0, 10]  # c1 400 -> 10: -390 beats +250
    assert diff_runs(A, bigger_drop, labels=("a", "b"), top=1)["changed_most"] == ["c1"]


def test_unpaired_and_renamed_layers() -> None:
    b = copy.deepcopy(B)
    b["layers"][1]["name"] = "c2_new"  # same op type between two pairs: a rename
    b["layers"].append(_layer("extra", 1250, 1300, 0, 0, "vector", {"vector": 50}, ["Relu"]))
    b["totals"]["latency_cycles"] = 1300
    a = copy.deepcopy(A)
    a["layers"].insert(0, _layer("pre", 0, 0, 0, 0, "vector", {}, ["Softmax"]))
    diff = diff_runs(a, b, labels=("a", "b"))
    assert diff["renamed"] == {"c2": "c2_new"}
    assert diff["only_in_a"] == ["pre"]
    assert diff["only_in_b"] == ["extra"]
    assert [row["name"] for row in diff["layers"]] == ["c1", "c2", "c3"]
    assert diff["windows"]["b"][-1] == ("extra", 1250, 1300)
    assert diff["latency_ratio"] == 1.3


def test_align_pairs_by_name_then_by_op_type_in_gaps() -> None:
    def named(*pairs: tuple[str, str]) -> list[dict[str, Any]]:
        return [_layer(n, 0, 0, 0, 0, "bus", {}, [op]) for n, op in pairs]

    a = named(("x", "Conv"), ("p", "Relu"), ("q", "Add"), ("y", "Conv"))
    b = named(("x", "Conv"), ("r", "Add"), ("y", "Conv"))
    # x-x, then in the gap [p q] against [r] the Add pairs (q with r), then y-y
    assert align(a, b) == [(0, 0), (2, 1), (3, 2)]
    assert align(b, a) == [(0, 0), (1, 2), (2, 3)]
    assert align([], b) == []


def test_the_view_prints_the_ratio_as_a_percentage_of_a() -> None:
    console = Console(width=160, record=True, color_system=None)
    console.print(diff_view(diff_runs(A, B, labels=("a", "b")), clock_hz=1e9, cycles=True))
    text = console.export_text()
    assert "+250 cyc (+25.0%)" in text  # 1250 / 1000 - 1
    assert "a: 1,000 cyc" in text and "b: 1,250 cyc" in text
    console = Console(width=160, record=True, color_system=None)
    console.print(diff_view(diff_runs(B, A, labels=("b", "a")), clock_hz=1e9, cycles=True))
    assert "-250 cyc (-20.0%)" in console.export_text()  # 1000 / 1250 - 1
    console = Console(width=160, record=True, color_system=None)
    console.print(diff_view(diff_runs(A, B, labels=("a", "b")), clock_hz=5e8))
    text = console.export_text()
    # 250 cycles at 500 MHz = 0.5 us; 1,250 cycles = 2.5 us
    assert "+0.50 µs (+25.0%)" in text and "b: 2.50 µs" in text
    assert "bus +0.30, matrix +0.10, vector +0.08, sram +0.02 µs" in text


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d["totals"].update(latency_cycles=-1), "totals.latency_cycles"),
        (lambda d: d["totals"].update(latency_cycles=True), "totals.latency_cycles"),
        (lambda d: d["totals"].update(latency_cycles=1.5), "totals.latency_cycles"),
        (lambda d: d.update(breakdown_cycles={"bus": -1}), "breakdown_cycles"),
        (lambda d: d["layers"][0].update(window_cycles=[0]), "layers[0].window_cycles"),
        (lambda d: d["layers"][0].update(window_cycles=[0, 1, 2]), "layers[0].window_cycles"),
        (lambda d: d["layers"][1].update(window_cycles=[-1, 5]), "layers[1].window_cycles"),
        (lambda d: d["layers"][2].update(bus_read_bytes=-3), "layers[2].bus_read_bytes"),
        (lambda d: d["layers"][2].update(end_cycle=False), "layers[2].end_cycle"),
        (lambda d: d["layers"][0].update(name=3), "layers[0].name"),
        (lambda d: d["layers"][0].update(bound=None), "layers[0].bound"),
        (lambda d: d["layers"][0].pop("bus_write_bytes"), "layers[0].bus_write_bytes"),
        (lambda d: d.pop("breakdown_cycles"), "not an `accelsim run --json` result"),
        (lambda d: d.update(layers={}), "layers must be a list"),
    ],
)
def test_check_run_names_what_is_wrong(change, where) -> None:
    doc = copy.deepcopy(A)
    change(doc)
    with pytest.raises(AccelsimError, match="^" + re.escape(f"s.json: {where}")):
        check_run(doc, "s.json")
    assert check_run(copy.deepcopy(A), "s.json")["totals"]["latency_cycles"] == 1000
    zero = copy.deepcopy(A)
    zero["totals"]["latency_cycles"] = 0
    zero["layers"][0]["window_cycles"] = [0, 0]
    check_run(zero, "s.json")  # 0 is a whole number of cycles
