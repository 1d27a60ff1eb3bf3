"""MobileNet (Table 1) on the paper's machine: exact floor, schedule quality, fusion choices."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelsim.api import run
from accelsim.check import plan_violations
from accelsim.hardware_file import load_hardware, with_overrides

ROOT = Path(__file__).resolve().parents[2]
MOBILENET = ROOT / "workloads" / "mobilenet.onnx"

# Table 1 channel plan: conv1 3->32, then (depthwise c, pointwise c->c') blocks.
_BLOCKS = [(32, 64), (64, 64), (64, 128), (128, 128), (128, 128), (128, 256)] + [(256, 256)] * 7
# int8 weights with BN folded into a per-channel bias: conv1 3*3*3*32 + 32, depthwise 9c + c,
# pointwise c*c' + c', FC 256*10 + 10.
WEIGHT_BYTES = (27 * 32 + 32) + sum((9 * c + c) + (c * d + d) for c, d in _BLOCKS) + (256 * 10 + 10)
INPUT_BYTES, OUTPUT_BYTES = 3 * 28 * 28, 10


@pytest.fixture(scope="module")
def edge1():
    return load_hardware(ROOT / "hardware" / "edge1.yaml")


def test_mobilenet_floor_is_every_weight_input_and_output_crossing_once(edge1):
    result = run(MOBILENET, edge1)
    assert WEIGHT_BYTES == 568_010  # the closed form above, evaluated
    # 1 GB/s at 1 GHz = one byte per cycle, no latency: the bus floor is the byte count.
    assert result.floor.parts["bus"] == WEIGHT_BYTES + INPUT_BYTES + OUTPUT_BYTES
    assert result.floor.limit == "bus"


def test_mobilenet_default_schedule_is_within_one_percent_of_the_floor(edge1):
    result = run(MOBILENET, edge1)
    assert plan_violations(result.program, result.plan, result.trace, edge1) == []
    assert result.plan.bytes_of("spill") == 0  # everything fits 10^6 B with liveness
    assert result.latency_cycles >= result.floor.cycles
    assert result.gap < 0.01
    serial = run(MOBILENET, edge1, overlap=False)
    # Without overlap every transfer and compute adds up: bus + matrix + vector busy time.
    busy = sum(serial.busy_cycles(r) for r in ("bus", "matrix", "vector"))
    assert serial.latency_cycles == busy


def test_unfused_machine_runs_batchnorm_and_relu_on_the_vector_unit(edge1):
    unfused = with_overrides(
        edge1, {"matrix_engine.fold_batchnorm": False, "matrix_engine.fuses": []}
    )
    result = run(MOBILENET, unfused)
    units = {layer.name: layer.unit for layer in result.layers}
    assert units["conv1"] == "matrix" and units["bn1"] == "vector" and units["relu1"] == "vector"
    # bn1 on 28x28x32 = 25,088 elements at 2 ops each / 10 ops per cycle = 5,018 cycles (ceil).
    bn1 = next(layer for layer in result.layers if layer.name == "bn1")
    assert bn1.compute_cycles == -(-2 * 25_088 // 10)
