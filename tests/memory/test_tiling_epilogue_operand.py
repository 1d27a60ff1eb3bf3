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


def test_a_four_d_instance_norm_reads_its_residual_channel_by_channel():
    # y = InstanceNorm(x) + r, x and y (1, 2, 2, 2) = 8 B, r (2, 1, 2) = 4 B broadcast along H
    # (its first axis is the channel), in 12 B. One channel a tile: x's channel 2 x 2 = 4 B,
    # r's channel r[c] = 1 x 2 = 2 B, y's channel 4 B: a 10 B slot, two tiles reading r once.
    # (Seen as (N, C, L) like a rank-3 norm, r's channels would be its axis 1, of size 1, and r
    # would be held whole beside the slots, and no tiling would fit 12 B.)
    g = GraphBuilder()
    x, r = g.input("x", (1, 2, 2, 2)), g.input("r", (2, 1, 2))
    scale, bias = g.weight("s", (2,)), g.weight("b", (2,))
    n = g.op("n", "InstanceNormalization", [x, scale, bias], "n", (1, 2, 2, 2), vector_ops=16)
    y = g.op("add", "Add", [n, r], "y", (1, 2, 2, 2), vector_ops=8)
    hw = with_overrides(toy_machine(sram=12), {"lowering.epilogue": ["Add"]})
    program = lower(g.build(y), hw)
    (layer,) = program.layers
    assert (layer.op_types, layer.reads) == (("InstanceNormalization", "Add"), ("x", "r"))
    tiling = tile_layer(layer, program, hw)
    assert tiling.shared == ()
    assert [(tile.group, tile.reads, tile.write) for tile in tiling.tiles] == [
        (0, (("x", 4), ("r", 2)), ("y", 4)),
        (1, (("x", 4), ("r", 2)), ("y", 4)),
    ]


def test_a_conv_reads_its_fused_residual_band_by_band_as_it_writes_its_output():
    # y = conv3x3(x) + r, pad 1, one output channel: x (1, 2, 16, 16) = 512 B, r and y
    # (1, 1, 16, 16) = 256 B, in 300 B. A band of h rows reads h + 2 rows of x's two channels
    # (one of halo each side; one at the top and bottom bands), 32 B a row, and h rows of r
    # and y, 16 B each: h = 3 needs 160 + 48 + 48 = 256 B, h = 4 320. So 5 bands of 3 rows and
    # one of 1. The residual is read pointwise: each band reads just its own rows of r, not
    # the rows above it (the window's halo is x's alone), so r moves once, 256 B.
    g = GraphBuilder()
    x, r = g.input("x", (1, 2, 16, 16)), g.input("r", (1, 1, 16, 16))
    y = g.op("add", "Add", [g.conv("c", x, 1, 3, pad=1), r], "y", (1, 1, 16, 16),
             vector_ops=256)  # fmt: skip
    hw = toy_machine(sram=300, fuses=("Add",))
    program = lower(g.build(y), hw)
    (layer,) = program.layers
    assert (layer.op_types, layer.reads, layer.pointwise) == (("Conv", "Add"), ("x", "r"), ("r",))
    tiles = tile_layer(layer, program, hw).tiles
    assert [dict(tile.reads)["x"] for tile in tiles] == [4 * 32, *[5 * 32] * 4, 2 * 32]
    assert [dict(tile.reads)["r"] for tile in tiles] == [48] * 5 + [16]
    assert [tile.write for tile in tiles] == [("y", 48)] * 5 + [("y", 16)]
