"""A tiled layer's work is shared among its tiles without losing or adding an op: the tiles'
MACs, vector ops and fused-epilogue ops add up to the layer's (cumulative floors), even where
they do not divide evenly by the tiles' share of channels x rows."""

from __future__ import annotations

from accelsim.api import simulate_graph
from accelsim.check import plan_violations
from accelsim.hardware_file import with_overrides
from accelsim.work import Gemm, Vector
from tests.sim.toy import GraphBuilder, toy_machine


def _upsampled(g: GraphBuilder) -> str:
    """x (1, 2, 5, 5) -> ConvTranspose 3x3 stride 2 -> (1, 3, 11, 11) -> Sigmoid: its output."""
    x, w = g.input("x", (1, 2, 5, 5)), g.weight("w", (2, 3, 3, 3))
    up = g.op("up", "ConvTranspose", [x, w], "up", (1, 3, 11, 11), macs=1350,
              kernel_shape=[3, 3], strides=[2, 2])  # fmt: skip
    return g.op("s", "Sigmoid", [up], "s", (1, 3, 11, 11), vector_ops=363)


def _machine():
    """The toy machine at 120 B of SRAM, ConvTranspose on the engine, Sigmoid its epilogue."""
    return with_overrides(toy_machine(sram=120, ops=("ConvTranspose",)),
                          {"lowering.epilogue": ["Sigmoid"]})  # fmt: skip


def test_tiles_share_macs_vector_ops_and_epilogue_ops_exactly() -> None:
    # ConvTranspose 2 -> 3 channels, 3x3, stride 2: 5x5 in, (5 - 1) x 2 + 3 = 11x11 out. Every
    # input pixel of every input channel meets every weight of its output channels: 2 x 25 x 3
    # x 9 = 1,350 MACs, which 3 channels x 11 rows (33 shares) do not divide. The Sigmoid after
    # it is its epilogue: one op per output, 3 x 11 x 11 = 363, shared in proportion to MACs.
    # The Tanh is given 1,000 ops, not a multiple of its 33 (channel, row) shares either.
    g = GraphBuilder()
    s = _upsampled(g)
    t = g.op("t", "Tanh", [s], "t", (1, 3, 11, 11), vector_ops=1000)
    hw = _machine()
    result = simulate_graph(g.build(t), hw, name="t")
    assert result.plan.tiles == (9, 22)  # both tiled, into shares that do not divide evenly
    computes = [task for task in result.plan.tasks if task.kind == "compute"]
    macs = sum(c.work.macs for c in computes if c.layer == 0 and isinstance(c.work, Gemm))
    epilogue = sum(c.work.ops for c in computes if c.layer == 0 and isinstance(c.work, Vector))
    ops = sum(c.work.ops for c in computes if c.layer == 1 and isinstance(c.work, Vector))
    assert (macs, epilogue, ops) == (1350, 363, 1000)
    assert plan_violations(result.program, result.plan, result.trace, hw) == []


def test_a_tiles_epilogue_covers_its_share_of_the_output_elements() -> None:
    # The same ConvTranspose + Sigmoid epilogue, 9 tiles: each tile's epilogue works on its
    # share of the 3 x 11 x 11 = 363 output elements (in proportion to its MACs, floored), so
    # with a vector unit of lanes the idle lanes are counted per tile, not for the whole output
    # nine times: the shares add up to 363 less at most one per tile.
    g = GraphBuilder()
    hw = _machine()
    result = simulate_graph(g.build(_upsampled(g)), hw, name="t")
    epilogues = [t.work for t in result.plan.tasks if t.unit_kind == "vector"]
    assert len(epilogues) == result.plan.tiles[0] == 9
    assert 363 - 9 <= sum(e.elements for e in epilogues) <= 363
