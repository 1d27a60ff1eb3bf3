"""Models whose output needs no work: an Identity's output is its input, already in DDR, so
nothing moves, the floor is 0 and the judge asks for no store; an input no layer reads is
never loaded, so the floor leaves it out. By hand on edge1 (1 byte a cycle on the bus)."""

from __future__ import annotations

from pathlib import Path

import onnx
from onnx import TensorProto, helper

from accelsim.api import simulate_graph
from accelsim.check import plan_violations
from accelsim.hardware_file import load_hardware
from accelsim.report.tables import path_lines
from accelsim.workload import import_onnx

EDGE1 = Path(__file__).resolve().parent.parent / "hardware" / "edge1.yaml"


def _model(tmp_path: Path, nodes: list[onnx.NodeProto], inputs: dict[str, list[int]],
           output: tuple[str, list[int]]) -> Path:  # fmt: skip
    value = helper.make_tensor_value_info
    graph = helper.make_graph(
        nodes, "g", [value(n, TensorProto.FLOAT, s) for n, s in inputs.items()],
        [value(output[0], TensorProto.FLOAT, output[1])],
    )  # fmt: skip
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return path


def test_an_identity_model_moves_nothing_and_its_floor_is_zero(tmp_path):
    path = _model(tmp_path, [helper.make_node("Identity", ["x"], ["y"])], {"x": [1, 4]},
                  ("y", [1, 4]))  # fmt: skip
    hw = load_hardware(EDGE1)
    result = simulate_graph(import_onnx(path), hw, name="identity")
    assert result.program.layers == ()
    assert (result.latency_cycles, result.floor.cycles) == (0, 0)
    assert result.bus_read_bytes == result.bus_write_bytes == 0
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
    assert dict(path_lines(result)) == {
        "time lost to": "nothing: no task ran", "critical path": "empty: no task ran",
    }  # fmt: skip


def test_an_input_no_layer_reads_is_left_out_of_the_floor(tmp_path):
    # y = Relu(x): x and y 4 B each (int8) cross once, 8 cycles; u's 1,000 B never move
    relu = helper.make_node("Relu", ["x"], ["y"])
    path = _model(tmp_path, [relu], {"x": [1, 4], "u": [1, 1000]}, ("y", [1, 4]))
    result = simulate_graph(import_onnx(path), load_hardware(EDGE1), name="unused")
    assert result.floor.cycles == 8
    assert result.bus_read_bytes == 4
