"""`accelsim diff`'s checks of a saved document, its alignment of long runs of one op type, and
the view's rows: the per-layer deltas, the unmatched lists and the two-row timeline."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from accelsim.errors import AccelsimError
from accelsim.report.diff import check_run, diff_runs, diff_view
from accelsim.report.timeline import LABEL_WIDTH
from tests.explain.test_diff import _doc


def _view(diff, width: int = 120) -> list[str]:
    console = Console(width=width, file=io.StringIO(), color_system=None)
    console.print(diff_view(diff, clock_hz=1e9, cycles=True))
    return console.file.getvalue().splitlines()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"layers": {}, "totals": {}, "breakdown_cycles": {}},
         "layers must be a list and totals an object"),
        ({"layers": [], "totals": [], "breakdown_cycles": {}},
         "layers must be a list and totals an object"),
        ({"layers": ["c1"], "totals": {"latency_cycles": 1}, "breakdown_cycles": {}},
         "layers[0]: expected an object"),
        ({"layers": [], "totals": {"latency_cycles": -1}, "breakdown_cycles": {}},
         "totals.latency_cycles: expected a whole number"),
        ({"layers": [], "totals": {"latency_cycles": True}, "breakdown_cycles": {}},
         "totals.latency_cycles: expected a whole number"),
        ({"layers": [], "totals": {"latency_cycles": 1}, "breakdown_cycles": {"bus": 1.5}},
         "breakdown_cycles: expected cycles by cause"),
    ],
)  # fmt: skip
def test_a_document_of_the_wrong_shape_is_one_line(document, message):
    with pytest.raises(AccelsimError) as caught:
        check_run(document, "r.json")
    assert str(caught.value) == f"r.json: {message}"


@pytest.mark.parametrize("window", [[0, 1, 2], [0, -1], [0, "5"]])
def test_a_layer_window_must_be_two_whole_numbers(window):
    document = _doc(("c1", "Conv", 5))
    document["layers"][0]["window_cycles"] = window
    with pytest.raises(AccelsimError, match=r"^r\.json: layers\[0\]\.window_cycles: missing"):
        check_run(document, "r.json")


def test_hundreds_of_renamed_layers_of_one_op_type_still_pair_by_order():
    # A: a Gemm, then 250 Convs; B: 250 Convs, then the Gemm; every layer renamed. The longest
    # in-order matching of the op types pairs the 250 Convs (a1..a250 with b0..b249) and leaves
    # each Gemm alone. difflib's automatic junk (an item over 1 % of 200+ items) would make
    # "Conv" junk and pair the two Gemms alone, listing 250 layers on each side as unmatched.
    a = _doc(("a0", "Gemm", 1), *((f"a{i}", "Conv", 1) for i in range(1, 251)))
    b = _doc(*((f"b{i}", "Conv", 2) for i in range(250)), ("b250", "Gemm", 1))
    diff = diff_runs(a, b, labels=("A", "B"))
    assert len(diff["layers"]) == 250
    assert (diff["only_in_a"], diff["only_in_b"]) == (["a0"], ["b250"])
    assert (diff["renamed"]["a1"], diff["renamed"]["a250"]) == ("b0", "b249")


@pytest.mark.parametrize(("count", "dots"), [(10, False), (11, True)])
def test_the_view_lists_ten_unmatched_layers_and_marks_more(count, dots):
    a = _doc(("c", "Conv", 1))
    b = _doc(("c", "Conv", 1), *((f"r{i}", "Relu", 1) for i in range(count)))
    line = next(row for row in _view(diff_runs(a, b, labels=("A", "B")), 400)
                if row.startswith("only in B"))  # fmt: skip
    assert line.rstrip().endswith("r9" + (" ..." if dots else ""))
    assert "r10" not in line


def test_each_layer_row_lists_only_the_causes_that_changed_and_signs_the_byte_delta():
    a = _doc(("c1", "Conv", 10), ("c2", "Conv", 20))
    b = _doc(("c1", "Conv", 10), ("c2", "Conv", 26))
    b["layers"][1]["bus_write_bytes"] = 7
    b["layers"][1]["breakdown_cycles"] = {"bus": 20, "matrix": 6}
    rows = {line.split()[0]: line.split() for line in _view(diff_runs(a, b, labels=("A", "B")))
            if line.split()[:1] in (["c1"], ["c2"])}  # fmt: skip
    # layer, A cyc, B cyc, Δ cyc, A B, Δ B, A bound, B bound, Δ lost to
    assert rows["c1"] == ["c1", "10", "10", "+0", "0", "+0", "bus", "bus"]
    assert rows["c2"] == ["c2", "20", "26", "+6", "0", "+7", "bus", "bus", "matrix", "+6"]


def test_the_two_rows_share_the_longer_runs_time_axis_and_fit_the_width():
    # A takes 34 cycles, B 68: at 80 columns the chart has 73, so A's layers fill the first
    # half of its row and the rest is empty
    a = _doc(("c1", "Conv", 17), ("c2", "Conv", 17))
    b = _doc(("c1", "Conv", 34), ("c2", "Conv", 34))
    lines = _view(diff_runs(a, b, labels=("A", "B")), width=80)
    assert all(len(line) <= 80 for line in lines)
    start = lines.index("timeline of the layers' windows (A above B)")
    row_a, row_b = (line[LABEL_WIDTH:].ljust(73) for line in lines[start + 1 : start + 3])
    # column k covers [k 68 / 73, (k + 1) 68 / 73) cycles and shows the layer at its middle
    # (k + 0.5) 68 / 73: below A's end at 34 for k <= 35; k = 36's middle is 34 exactly
    assert row_a[35] != " " and row_a[36:] == " " * 37
    assert " " not in row_b


def test_neighbouring_layers_alternate_full_and_shaded_blocks():
    # 3 layers of 20 cycles on 60 columns: one column a cycle, the layers in turn solid,
    # shaded, solid (told apart without colour), each with its name in the middle
    doc = _doc(("c1", "Conv", 20), ("c2", "Conv", 20), ("c3", "Conv", 20))
    lines = _view(diff_runs(doc, doc, labels=("A", "B")), width=LABEL_WIDTH + 60)
    start = lines.index("timeline of the layers' windows (A above B)")
    for line in lines[start + 1 : start + 3]:
        row = line[LABEL_WIDTH:]
        assert [row[:20], row[20:40], row[40:]] == [
            "█" * 9 + "c1" + "█" * 9, "▓" * 9 + "c2" + "▓" * 9, "█" * 9 + "c3" + "█" * 9]


def test_a_layers_end_is_its_own_not_its_windows():
    # c2 ended at cycle 7, inside c1's window [0, 10): its window is [10, 10), its end 7; in B
    # it ends at 12, so its end moved by 5 while its window grew by 2
    a, b = _doc(("c1", "Conv", 10), ("c2", "Conv", 0)), _doc(("c1", "Conv", 10), ("c2", "Conv", 2))
    a["layers"][1]["end_cycle"] = 7
    (_, row) = diff_runs(a, b, labels=("A", "B"))["layers"]
    assert (row["a"]["end_cycle"], row["b"]["end_cycle"], row["delta"]["end_cycle"]) == (7, 12, 5)
    assert row["delta"]["cycles"] == 2


def test_a_narrow_view_drops_the_bytes_and_causes_before_the_bounds():
    # Two layers whose headers are wider than their cells: the row is the headers, two spaces
    # apart: layer 5, A cyc 5, B cyc 5, Δ cyc 5, A B 3, Δ B 3, A bound 7, B bound 7, Δ lost to 9
    # = 49 + 8 x 2 = 65 cells wide. Narrower, what goes first is the cause of the change (-11),
    # then the bytes, Δ (-5) before A's (-5), and the bounds stay; at 43 A's bound (-9) no
    # longer fits, though A's bytes still do
    a = _doc(("c1", "Conv", 10), ("c2", "Conv", 20))
    diff = diff_runs(a, _doc(("c1", "Conv", 12), ("c2", "Conv", 15)), labels=("A", "B"))

    def headers(width: int) -> list[str]:
        line = next(line for line in _view(diff, width) if line.startswith("layer"))
        return line.split("  ")

    times = ["layer", "A cyc", "B cyc", "Δ cyc"]
    everything = [*times, "A B", "Δ B", "A bound", "B bound", "Δ lost to"]
    assert headers(65) == everything
    assert headers(64) == headers(54) == everything[:-1]
    assert headers(53) == headers(49) == [*times, "A B", "A bound", "B bound"]
    assert headers(48) == headers(44) == [*times, "A bound", "B bound"]
    assert headers(43) == [*times, "A B", "B bound"]
