"""Tiles that fill SRAM, and layers the tiler once could not split: an embedding's gathered rows,
reductions over the last axis, a Transpose, a product reading a reshaped 4-D tensor.

Toy machine (tests/sim/toy.py): 1 byte per cycle on the bus, 100 FLOP a cycle on the matrix
engine, 1 op a cycle on the vector unit, int8, no transfer latency.
"""

from __future__ import annotations

from collections import Counter

from accelsim.api import simulate_graph
from tests.sim.toy import GraphBuilder, toy_machine


def _loads(result) -> Counter:
    return Counter((e.buffer, e.nbytes) for e in result.trace.events if e.kind == "load")


def _run(g: GraphBuilder, out: str, sram: int):
    result = simulate_graph(g.build(out), toy_machine(sram=sram), name="t")
    assert result.trace.sram_peak <= sram
    return result


def test_tiles_fill_sram_and_near_equal_splits_take_the_fewest():
    # A decode step's projection: x (1, 1, 64) x W (64, 256) -> (1, 1, 256), 5,000 B of SRAM.
    # With x shared every split moves 64 + 16,384 + 256 = 16,704 B; a tile of w columns computes
    # ceil(1.28 w) cycles. One column a tile would be fastest by its fill (16,704 + 512 / 256),
    # but tiles must move 1/16 of SRAM (312.5 B) on average: at most 53 tiles, w >= 5.
    # Double-buffered w = 5 is the fastest of those (52 tiles, 359 compute cycles), but more
    # than 5 % over the least compute (328: w = 32 or 64), so w = 6 (43 tiles, 8 x 42 + 6 = 342
    # cycles: 16,704 + 342 / 43 = 16,711.95). Within 0.2 % of that (16,745.4), computing no
    # more, the fewest tiles: w = 32, 8 tiles of 41 cycles (16,704 + 328 / 8 = 16,745).
    g = GraphBuilder()
    x, w = g.input("x", (1, 1, 64)), g.weight("w", (64, 256))
    result = _run(g, g.op("fc", "MatMul", [x, w], "y", (1, 1, 256), macs=64 * 256), 5_000)
    assert result.plan.tiles == (8,)
    assert (result.bus_read_bytes, result.bus_write_bytes) == (64 + 16_384, 256)


def test_gathered_rows_are_sliced_with_the_output_rows():
    # An embedding lookup: the 8 rows it gathers (1, 8, 16) are a weight of 128 B that 100 B of
    # SRAM cannot hold whole. A band of h rows reads the 8 ids (whole: they are not rows of the
    # output), 16h B of the gathered rows and writes 16h. Single-buffered h = 2 (72 B): 4 tiles,
    # 4 x 72 + 128 ops = 416 cycles; double-buffered h = 1 (2 x 40 B): 8 tiles, max(320, 128) +
    # 128 / 8 = 336. So 8 tiles, the rows read once, the ids once a tile.
    g = GraphBuilder()
    ids, rows = g.input("ids", (1, 8)), g.weight("table[rows]", (1, 8, 16))
    result = _run(g, g.op("e", "Gather", [rows, ids], "y", (1, 8, 16), vector_ops=128), 100)
    assert result.plan.tiles == (8,)
    assert (result.bus_read_bytes, result.bus_write_bytes) == (128 + 8 * 8, 128)


def test_a_mean_over_the_last_axis_splits_by_rows():
    # RMSNorm's mean: (1, 8, 16) -> (1, 8, 1), 128 B in, 8 out, 128 ops; 40 B of SRAM. A band of
    # h rows takes 17h B: single-buffered h = 2 (4 tiles: 136 + 128 = 264 cycles), double h = 1
    # (8 tiles: max(136, 128) + 128 / 8 = 152). So 8 tiles, every byte once.
    g = GraphBuilder()
    x = g.input("x", (1, 8, 16))
    result = _run(g, g.op("m", "ReduceMean", [x], "y", (1, 8, 1), vector_ops=128), 40)
    assert result.plan.tiles == (8,)
    assert (result.bus_read_bytes, result.bus_write_bytes) == (128, 8)


def test_a_transpose_tile_reads_the_elements_it_writes():
    # (1, 4, 8, 8) -> (1, 8, 4, 8), perm 0 2 1 3: 256 B each way, 256 ops, 100 B of SRAM. Its
    # input rows are not the output's, yet a tile of w output channels x h rows reads exactly
    # its 8wh elements (strided). Double-buffered 32wh <= 100: 16 tiles of 2 channels x 1 row or
    # 1 x 2, max(512, 256) + 256 / 16 = 528 cycles (12 tiles of 3 x 1: 533.3; single-buffered:
    # 768). Every byte once.
    g = GraphBuilder()
    x = g.input("x", (1, 4, 8, 8))
    y = g.op("t", "Transpose", [x], "y", (1, 8, 4, 8), vector_ops=256, perm=[0, 2, 1, 3])
    result = _run(g, y, 100)
    assert result.plan.tiles == (16,)
    assert (result.bus_read_bytes, result.bus_write_bytes) == (256, 256)


def test_a_product_reads_a_reshaped_4d_tensor_by_its_rows():
    # Attention's heads merged for the output projection: t (1, 64, 2, 8) seen through a
    # Reshape as (1, 64, 16), times W (16, 16): 1,024 + 256 B in, 1,024 out; 600 B of SRAM.
    # As stored, t's rows are its 2 heads, so every tile read it whole (1,024 B: no split fit);
    # as read, its 64 rows follow the output's bands. Every byte once.
    g = GraphBuilder()
    t = g.input("t", (1, 64, 2, 8))
    view = g.op("r", "Reshape", [t], "tv", (1, 64, 16))
    g.ops[-1] = type(g.ops[-1])("r", "Reshape", (t,), (view,), 0, 0, {}, True)
    w = g.weight("w", (16, 16))
    result = _run(g, g.op("o", "MatMul", [view, w], "y", (1, 64, 16), macs=64 * 16 * 16), 600)
    assert max(result.plan.tiles) > 1
    assert (result.bus_read_bytes, result.bus_write_bytes) == (1_024 + 256, 1_024)


def test_an_instance_norm_of_n_c_l_splits_by_its_channels():
    # InstanceNormalization of (1, 8, 64): each of the 8 channels normalized over its 64
    # positions, so a tile takes whole channels (a split along L would cut its statistics);
    # taken as any 3-D tensor, its "channels" would be the 64 positions. 512 B in and out, a
    # scale and a bias of 8 B, 1,024 ops; 300 B of SRAM. A tile of w channels: 64w in, 64w
    # out, 2w of scale and bias. Single-buffered w = 2 (4 tiles: 1,040 + 1,024 = 2,064 cycles);
    # double w = 1 (8 tiles: max(1,040, 1,024) + 1,024 / 8 = 1,168). So 8 tiles, every byte once.
    g = GraphBuilder()
    x, scale, bias = g.input("x", (1, 8, 64)), g.weight("s", (8,)), g.weight("b", (8,))
    y = g.op("n", "InstanceNormalization", [x, scale, bias], "y", (1, 8, 64), vector_ops=1_024)
    result = _run(g, y, 300)
    assert result.plan.tiles == (8,)
    assert _loads(result) == Counter({("x", 64): 8, ("s", 1): 8, ("b", 1): 8})
    assert (result.bus_read_bytes, result.bus_write_bytes) == (512 + 16, 512)


def test_a_resize_band_reads_the_input_rows_it_samples():
    # Nearest/linear/cubic 2x upsampling of (1, 2, 16, 16) -> (1, 2, 32, 32), 600 B of SRAM. A
    # tile is one channel (each is resized alone) and a band of output rows [r0, r1), which
    # samples input rows [r0 / 2 - 2, r1 / 2 + 2) (cubic's reach; clipped at the edges).
    # Double-buffered, 5 output rows (160 B) and their 7 input rows (112 B) fit twice (544 B);
    # 6 rows (192 + 128) do not. Bands of 5 rows (the 7th has 2): input rows per channel
    # 5 + 7 x 4 + 6 + 3 = 42 of 16 B = 672 B; both channels 1,344 B. Each output byte once.
    g = GraphBuilder()
    x = g.input("x", (1, 2, 16, 16))
    result = _run(g, g.op("r", "Resize", [x], "y", (1, 2, 32, 32), vector_ops=2_048), 600)
    assert result.plan.tiles == (14,)
    assert (result.bus_read_bytes, result.bus_write_bytes) == (1_344, 2_048)
    assert {size for (_, size) in _loads(result)} == {80, 112, 96, 48}


def test_a_conv3d_splits_by_output_channels_and_depth():
    # Conv 3x3x3, pad 1, of (1, 2, 8, 4, 4) -> (1, 4, 8, 4, 4): x 256 B (32 B a depth slice of
    # both input channels), w 216 B (54 per output channel), out 512 B; 400 B of SRAM. As NCDHW
    # (channels C, rows D, as NCHW's C and H): 2 groups of 2 output channels (108 B of weights)
    # x 2 bands of 4 depths, each reading 5 input depths (one halo slice; the other is the
    # padding) = 160 B and writing 2 x 4 x 16 = 128 B: 108 + 160 + 128 = 396 B. Taken as any
    # other rank, its channels would be W and its weights cut by W.
    g = GraphBuilder()
    x, w = g.input("x", (1, 2, 8, 4, 4)), g.weight("w", (4, 2, 3, 3, 3))
    y = g.op("c", "Conv", [x, w], "y", (1, 4, 8, 4, 4), macs=512 * 54, kernel_shape=[3, 3, 3],
             pads=[1, 1, 1, 1, 1, 1])  # fmt: skip
    result = _run(g, y, 400)
    assert result.plan.tiles == (4,)
    assert _loads(result) == Counter({("x", 160): 4, ("w", 108): 2})
    assert (result.bus_read_bytes, result.bus_write_bytes) == (4 * 160 + 216, 512)
