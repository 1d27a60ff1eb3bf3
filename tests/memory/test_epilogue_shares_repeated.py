"""A tiled layer's fused epilogue is shared among its tiles in proportion to the MACs done so
far (cumulative floors): tile i's share is ops x D_i // M - ops x D_(i-1) // M, D_i the MACs of
tiles 0..i, M the layer's. Runs of identical tiles are planned in bulk (`_Planner._repeat`, a
repeat lasting while the next tile's share equals the one copied): every tile's share must still
be the formula's, including the first tile of a run whose share differs from the one before."""

from __future__ import annotations

import pytest

from accelsim.api import simulate_graph
from accelsim.check import plan_violations
from accelsim.hardware_file import with_overrides
from accelsim.work import Gemm, Vector
from tests.sim.toy import GraphBuilder, toy_machine


@pytest.mark.parametrize(("sram", "ops"), [(300, 1000), (300, 999), (200, 1000), (400, 4097)])
def test_every_tiles_epilogue_share_is_its_cumulative_floor(sram, ops):
    # y = x . w, x (1, 64, 16), w (16, 8): 64 x 16 x 8 = 8,192 MACs, then a Sigmoid of `ops`
    # ops fused as its epilogue. At 300 B the layer runs in 22 tiles of 384 MACs (3 rows) and a
    # last of 128: with 1,000 ops the shares run 46, 47 x 7, 46, 47 x 7, 46, 47 x 4, 16 (1000 x
    # 384 / 8192 = 46.875 a tile), so a run of 47s is followed by a 46 a tile on.
    g = GraphBuilder()
    x, w = g.input("x", (1, 64, 16)), g.weight("w", (16, 8))
    y = g.op("fc", "MatMul", [x, w], "y", (1, 64, 8), macs=8192)
    s = g.op("s", "Sigmoid", [y], "s", (1, 64, 8), vector_ops=ops)
    hw = with_overrides(toy_machine(sram=sram), {"lowering.epilogue": ["Sigmoid"]})
    result = simulate_graph(g.build(s), hw, name="t")
    computes = [t for t in result.plan.tasks if t.kind == "compute"]
    macs = [t.work.macs for t in computes if isinstance(t.work, Gemm)]
    shares = [t.work.ops for t in computes if isinstance(t.work, Vector)]
    assert len(macs) == len(shares) == result.plan.tiles[0] >= 20 and sum(macs) == 8192
    done, expected = 0, []
    for tile in macs:
        expected.append(ops * (done + tile) // 8192 - ops * done // 8192)
        done += tile
    assert shares == expected
    assert sum(shares) == ops
    if (sram, ops) == (300, 1000):
        assert shares == [46, *[47] * 7, 46, *[47] * 7, 46, *[47] * 4, 16]
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
