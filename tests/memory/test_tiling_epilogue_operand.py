"""A weight MatMul whose fused epilogue reads a second activation (a residual Add) streams that
activation with its tiles: only a MatMul of two activations holds its second operand like a
weight. Toy machine (tests/sim/toy.py): int8, 1 byte per cycle on the bus."""

from __future__ import annotations

from accelsim.hardware_file import with_overrides
from accelsim.lowering import lower
from accelsim.memory.tiling import tile_layer
from tests.sim.toy import GraphBuilder, toy_machine


def test_a_residual_read_by_a_weight_matmul_epilogue_is_streamed_not_held():
    # y = x · w + r, x (1, 4, 8) = 32 B, w (8, 16) = 128 B, r and y (1, 4, 16) = 64 B each, in
    # 100 B: one layer (MatMul, Add) reading x and r, tiled. Each tile reads its slice of r (r
    # once in all, 64 B) beside its columns of w (w once, 128 B); r is no stationary operand.
    g = GraphBuilder()
    x, r = g.input("x", (1, 4, 8)), g.input("r", (1, 4, 16))
    m = g.op("fc", "MatMul", [x, g.weight("w", (8, 16))], "m", (1, 4, 16), macs=512)
    y = g.op("add", "Add", [m, r], "y", (1, 4, 16), vector_ops=64)
    hw = with_overrides(toy_machine(sram=100), {"lowering.epilogue": ["Add"]})
    program = lower(g.build(y), hw)
    (layer,) = program.layers
    assert (layer.op_types, layer.reads, layer.weights) == (("MatMul", "Add"), ("x", "r"), ("w",))
    tiling = tile_layer(layer, program, hw)
    assert len(tiling.tiles) > 1
    assert {name for tile in tiling.tiles for name, _ in tile.weights} == {"w"}
    assert sum(size for tile in tiling.tiles for name, size in tile.weights) == 128
    assert sum(size for tile in tiling.tiles for name, size in tile.reads if name == "r") == 64
    assert sum(tile.write[1] for tile in tiling.tiles) == 64
