"""The `systolic` timing model in whole runs: a layer's GEMM shape on the array decides its time."""

from __future__ import annotations

import pytest

from accelsim.api import simulate_graph
from accelsim.hardware_file import with_overrides
from accelsim.report.export import result_to_dict
from accelsim.work import Gemm
from tests.sim.test_schedule import _single_conv
from tests.sim.toy import GraphBuilder, toy_machine


def _array(rows: int = 32, cols: int = 16, mapping: str = "simple"):
    return with_overrides(
        toy_machine(),
        {"units.matrix.timing": "systolic", "units.matrix.peak": None, "units.matrix.rows": rows,
         "units.matrix.cols": cols, "units.matrix.dataflow": "ws",
         "units.matrix.group_mapping": mapping},
    )  # fmt: skip


def _depthwise():
    g = GraphBuilder()
    x = g.input("x", (1, 2, 4, 4))  # 32 B
    w = g.weight("dw.W", (2, 1, 3, 3))  # 18 B
    # 2 channels x 16 px x 9 = 288 MACs
    y = g.op("dw", "Conv", [x, w], "y", (1, 2, 4, 4), macs=288, kernel_shape=[3, 3],
             strides=[1, 1], pads=[1, 1, 1, 1], group=2)  # fmt: skip
    return g.build(y)


def test_conv_gemm_shape_and_its_cycles_on_a_32x16_ws_array():
    result = simulate_graph(_single_conv(), _array(), name="t")
    # 3x3 conv, 2 -> 4 channels, 4x4 output: M = 16 px, K = 2 x 9 = 18, N = 4
    assert result.program.layers[0].gemm == Gemm(m=16, k=18, n=4, groups=1, macs=1152)
    # ws: ceil(18/32) x ceil(4/16) = 1 fold of 2R + C + M - 2 = 64 + 16 + 16 - 2 = 94 cycles
    layer = result.layers[0]
    assert layer.compute_cycles == 94
    # useful MACs / (rows x cols x busy): 1152 / (512 x 94)
    assert layer.engine_utilisation == pytest.approx(1152 / (512 * 94))
    json_layer = result_to_dict(result)["layers"][0]
    assert json_layer["engine_utilisation"] == pytest.approx(0.02394, abs=1e-5)
    # x 32 + W 72 bytes at 1 B/cycle, then 94 cycles, then the 64 B output
    assert result.latency_cycles == 32 + 72 + 94 + 64


@pytest.mark.parametrize(
    ("mapping", "cycles"),
    [
        # simple: 2 groups one after another, each 1 fold (K = 9, N = 1) of 94 cycles
        ("simple", 2 * 94),
        # packed: 2 groups side by side (2 x 9 <= 32 rows, 2 x 1 <= 16 cols): one 94-cycle fold
        ("packed", 94),
    ],
)
def test_depthwise_conv_follows_the_units_group_mapping(mapping, cycles):
    result = simulate_graph(_depthwise(), _array(mapping=mapping), name="t")
    assert result.program.layers[0].gemm == Gemm(m=16, k=9, n=1, groups=2, macs=288)
    assert result.layers[0].compute_cycles == cycles
    assert result.layers[0].engine_utilisation == pytest.approx(288 / (512 * cycles))


def test_rate_engine_utilisation_is_macs_over_peak():
    # toy rate engine: 50 MACs/cycle; 1152 MACs in ceil(23.04) = 24 cycles -> 1152 / 1200
    result = simulate_graph(_single_conv(), toy_machine(), name="t")
    assert result.layers[0].engine_utilisation == pytest.approx(0.96)


def test_judge_accepts_a_systolic_run():
    from accelsim.check import plan_violations

    result = simulate_graph(_depthwise(), _array(), name="t")
    assert plan_violations(result.program, result.plan, result.trace, _array()) == []
