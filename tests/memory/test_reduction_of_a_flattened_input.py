"""A fully connected layer splits its reduction (K) however its input is spelled: a row of 256
(MatMul), a (1, 256) matrix (Gemm), a (1, 16, 4, 4) activation read through a Flatten view, or
read whole by a hand-built Gemm (A seen flat: K = C x H x W, not its last axis).

Toy machine (tests/sim/toy.py): 1 byte per cycle on the bus, 100 FLOP a cycle on the matrix
engine, int8, no transfer latency.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from accelsim.api import simulate_graph
from accelsim.check import plan_violations
from accelsim.work import Gemm
from tests.sim.toy import GraphBuilder, toy_machine


def _fc(spelling: str):
    g = GraphBuilder()
    shape = {"row": (1, 1, 256), "matrix": (1, 256)}.get(spelling, (1, 16, 4, 4))
    x, w = g.input("x", shape), g.weight("w", (256, 4))
    if spelling == "flatten view":  # Flatten moves no data: the Gemm reads x as (1, 256)
        x = g.op("flat", "Flatten", [x], "xf", (1, 256), axis=1)
        g.ops[-1] = dataclasses.replace(g.ops[-1], is_view=True)
    op_type = "MatMul" if spelling == "row" else "Gemm"
    out = (1, 1, 4) if spelling == "row" else (1, 4)
    return g.build(g.op("fc", op_type, [x, w], "y", out, macs=1024))


@pytest.mark.parametrize("spelling", ["row", "matrix", "flatten view", "read whole"])
def test_a_fully_connected_layer_splits_k_however_its_input_is_spelled(spelling):
    # 256 B of x and W (256, 4) = 1,024 B: one output column needs 256 B of x, its 256 B
    # weight column and its output byte, 513 B, more than the 200 B of SRAM, so K must split.
    # Worked out in tests/memory/test_tiling_reduction.py (test_a_weight_column_that_does_not_
    # fit_splits_the_reduction): 8 single-buffered tiles of 32 rows of K and all 4 columns,
    # each loading 32 B of x and 32 x 4 = 128 B of W, the 4 partial sums (int32, 16 B) in
    # their own slot: 32 + 128 + 16 = 176 B at the peak; serial 8 x (32 + 128 + ceil(2 x 128
    # / 100) = 3) cycles and the 4 B store: 1,308 cycles.
    hw = toy_machine(sram=200)
    result = simulate_graph(_fc(spelling), hw, name="t")
    (layer,) = result.program.layers  # the Flatten view makes no layer of its own
    assert layer.op_types == (("MatMul",) if spelling == "row" else ("Gemm",))
    assert result.plan.tiles == (8,)
    transfers = Counter((e.kind, e.buffer, e.nbytes) for e in result.trace.events
                        if e.kind != "compute")  # fmt: skip
    assert transfers == Counter({("load", "x", 32): 8, ("load", "w", 128): 8, ("store", "y", 4): 1})
    works = [t.work for t in result.plan.tasks if t.unit_kind == "matrix"]
    assert works == [Gemm(m=1, k=32, n=4, groups=1, macs=128)] * 8
    assert result.trace.sram_peak == 176
    assert result.latency_cycles == 8 * (32 + 128 + 3) + 4 == 1_308
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
