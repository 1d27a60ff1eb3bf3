"""`accelsim diff`: two runs aligned by layer, checked against schedules worked out by hand."""

from __future__ import annotations

import json

import pytest

from accelsim.api import simulate_graph
from accelsim.report.diff import diff_runs
from accelsim.report.export import result_to_dict
from tests.cli.test_run import accelsim, assert_clean_failure
from tests.sim.test_schedule import _two_convs
from tests.sim.toy import toy_machine

MOBILENET = "workloads/mobilenet.onnx"


def test_overlap_against_no_overlap_by_hand():
    # tests/sim/test_schedule.py: overlapped 230 cycles, c2.W during c1; serial 254, c2.W after
    # c1 [148,174). Windows: c1 [0,148) in both; c2 [148,230) against [148,254): +24 cycles.
    hw = toy_machine(latency_ns=10)
    runs = [
        result_to_dict(simulate_graph(_two_convs(), hw, name="t", overlap=overlap))
        for overlap in (True, False)
    ]
    diff = diff_runs(*runs, labels=("overlap", "serial"))
    assert diff["latency_delta_cycles"] == 24
    assert [(row["name"], row["delta"]["cycles"]) for row in diff["layers"]] == [
        ("c1", 0), ("c2", 24),
    ]  # fmt: skip
    assert diff["changed_most"] == ["c2"]
    # Serial, c2.W waits for c1's compute: the path gains those 24 matrix cycles, nothing else.
    assert {part: d["delta"] for part, d in diff["breakdown_cycles"].items() if d["delta"]} == {
        "matrix": 24
    }
    # c2's own window now holds c2.W whole (10 start-up + 16 bytes) instead of its last 2 bytes.
    assert diff["layers"][1]["delta"]["breakdown_cycles"] == {
        "bus": 14, "latency": 10, "matrix": 0, "vector": 0, "sram": 0,
    }  # fmt: skip


def test_cli_two_machines_and_a_saved_result(tmp_path):
    saved = tmp_path / "edge1.json"
    proc = accelsim("run", MOBILENET, "--hw", "edge1", "--json")
    assert proc.returncode == 0, proc.stderr
    saved.write_text(proc.stdout, encoding="utf-8")
    proc = accelsim("diff", saved, "edge1-unfused", "--model", MOBILENET, "--json")
    assert proc.returncode == 0, proc.stderr
    diff = json.loads(proc.stdout)
    # edge1 575,491 cycles; unfused (BN and ReLU on the vector unit) 593,015.
    assert (diff["a"]["latency_cycles"], diff["b"]["latency_cycles"]) == (575_491, 593_015)
    assert diff["latency_delta_cycles"] == 593_015 - 575_491

    # The windows tile each run: paired deltas plus unpaired windows make the latency's delta.
    def unpaired(side):
        return sum(w[2] - w[1] for w in diff["windows"][side] if w[0] in diff[f"only_in_{side}"])

    paired = sum(row["delta"]["cycles"] for row in diff["layers"])
    assert paired + unpaired("b") - unpaired("a") == diff["latency_delta_cycles"]
    assert "conv1" in [row["name"] for row in diff["layers"]] and diff["only_in_b"]
    text = accelsim("diff", "edge1", "edge1-unfused", "--model", MOBILENET).stdout
    assert "changed most" in text and "A above B" in text and "conv27" in text


def test_cli_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"layers": []}', encoding="utf-8")
    assert_clean_failure(accelsim("diff", bad, bad), "bad.json", "not an `accelsim run --json`")
    broken = tmp_path / "broken.json"
    layer = {"name": "c", "window_cycles": [0, 5], "end_cycle": 5, "bus_read_bytes": 1,
             "bus_write_bytes": 0, "breakdown_cycles": {"bus": 5}}  # fmt: skip
    document = {"layers": [layer], "totals": {"latency_cycles": 5}, "breakdown_cycles": {}}
    broken.write_text(json.dumps(document), encoding="utf-8")
    assert_clean_failure(accelsim("diff", broken, broken), "broken.json", "layers[0].bound")
    assert_clean_failure(accelsim("diff", "edge1", "edge1"), "edge1", "--model")
    assert_clean_failure(
        accelsim("diff", "edge1", "edge1", "--model", MOBILENET, "--overlap", "on,maybe"),
        "--overlap",
        "maybe",
    )


def _doc(*layers: tuple[str, str, int]) -> dict:
    """A minimal `run --json` document: (name, op types, window cycles) per layer, in order."""
    rows, start = [], 0
    for name, ops, cycles in layers:
        rows.append(
            {
                "name": name,
                "op_types": ops.split("+"),
                "window_cycles": [start, start + cycles],
                "end_cycle": start + cycles,
                "bus_read_bytes": 0,
                "bus_write_bytes": 0,
                "bound": "bus",
                "breakdown_cycles": {"bus": cycles},
            }
        )
        start += cycles
    return {"layers": rows, "totals": {"latency_cycles": start},
            "breakdown_cycles": {"bus": start}}  # fmt: skip


def test_renamed_missing_and_extra_layers_are_aligned_by_order_and_listed():
    # A: conv1 conv2 relu2 pool fc.  B renames conv2 -> conv2_new (same ops), drops relu2,
    # adds bn3 before pool, adds a Flatten and renames fc -> head (a Gemm, as fc). Names pair
    # conv1, pool; the gap [conv2, relu2] | [conv2_new, bn3] pairs by op types conv2 ->
    # conv2_new (Conv = Conv) and leaves relu2 (Relu) and bn3 (BN) unmatched;
    # the gap [fc] | [flatten, head] pairs fc -> head (Gemm = Gemm) and leaves flatten.
    a = _doc(("conv1", "Conv", 10), ("conv2", "Conv", 20), ("relu2", "Relu", 5),
             ("pool", "AveragePool", 3), ("fc", "Gemm", 2))  # fmt: skip
    b = _doc(("conv1", "Conv", 10), ("conv2_new", "Conv", 25),
             ("bn3", "BatchNormalization", 4), ("pool", "AveragePool", 3),
             ("flatten", "Flatten", 1), ("head", "Gemm", 6))  # fmt: skip
    diff = diff_runs(a, b, labels=("A", "B"))
    assert [(row["name"], row["renamed"], row["delta"]["cycles"]) for row in diff["layers"]] == [
        ("conv1", None, 0), ("conv2", "conv2_new", 5), ("pool", None, 0), ("fc", "head", 4),
    ]  # fmt: skip
    assert diff["renamed"] == {"conv2": "conv2_new", "fc": "head"}
    assert (diff["only_in_a"], diff["only_in_b"]) == (["relu2"], ["bn3", "flatten"])
    # the paired deltas and the unpaired windows make up the latency's delta: 49 - 40 = 9
    assert 5 + 4 + (4 + 1) - 5 == diff["latency_delta_cycles"] == 9


def test_every_name_changed_pairs_by_order_and_op_types():
    a = _doc(("a1", "Conv", 4), ("a2", "Relu", 1), ("a3", "Gemm", 2))
    b = _doc(("b1", "Conv", 4), ("b2", "Gemm", 3))  # the Relu fused away, everything renamed
    diff = diff_runs(a, b, labels=("A", "B"))
    assert diff["renamed"] == {"a1": "b1", "a3": "b2"}
    assert (diff["only_in_a"], diff["only_in_b"]) == (["a2"], [])


def test_the_diff_view_shows_renamed_and_unmatched_layers():
    import io

    from rich.console import Console

    from accelsim.report.diff import diff_view

    a = _doc(("conv1", "Conv", 10), ("relu1", "Relu", 5))
    b = _doc(("c1", "Conv", 12), ("pool", "MaxPool", 5))
    console = Console(width=120, file=io.StringIO(), color_system=None)
    console.print(diff_view(diff_runs(a, b, labels=("A", "B")), clock_hz=1e9, cycles=True))
    text = console.file.getvalue()
    assert "renamed       conv1 -> c1" in text and "conv1 -> c1" in text.split("Layers")[1]
    assert "only in A     relu1" in text and "only in B     pool" in text


def test_alignment_pairs_runs_of_equal_names_at_their_own_offsets():
    from accelsim.report.diff import align

    def layers(*specs: str) -> list[dict[str, object]]:
        return [{"name": n, "op_types": [op]} for n, op in (s.split(":") for s in specs)]

    # B inserts a Pad before a run of three equal names and renames the last layer (a Gemm
    # either way): x1 x2 x3 pair at offset +1, fc -> head by op type in the gap after them
    a = layers("x1:Conv", "x2:Relu", "x3:Conv", "fc:Gemm")
    b = layers("pad:Pad", "x1:Conv", "x2:Relu", "x3:Conv", "head:Gemm")
    assert align(a, b) == [(0, 1), (1, 2), (2, 3), (3, 4)]
    # a gap of two against one: the op types pick which pairs (Relu with Relu), not the order
    a = layers("p:Conv", "a1:Conv", "a2:Relu", "q:Gemm")
    b = layers("p:Conv", "b1:Relu", "q:Gemm")
    assert align(a, b) == [(0, 0), (2, 1), (3, 2)]


@pytest.mark.parametrize(("count", "dots"), [(10, False), (11, True)])
def test_the_view_lists_ten_renamed_layers_and_marks_more(count, dots):
    import io

    from rich.console import Console

    from accelsim.report.diff import diff_view

    # every layer renamed (Conv for Conv, in order): the view names the first ten
    a = _doc(*((f"a{i}", "Conv", 1) for i in range(count)))
    b = _doc(*((f"b{i}", "Conv", 1) for i in range(count)))
    console = Console(width=400, file=io.StringIO(), color_system=None)
    console.print(diff_view(diff_runs(a, b, labels=("A", "B")), clock_hz=1e9, cycles=True))
    line = next(row for row in console.file.getvalue().splitlines() if "renamed" in row)
    assert line.rstrip().endswith("a9 -> b9" + (" ..." if dots else ""))
    assert "a10 -> b10" not in line
