"""Hypothesis: where a layer's slices depend on a band's height alone (`_Geometry.shifts`), the
split search prices all full bands as one run; that must give what pricing band by band gives.
The exhaustive side is the same geometry told that its bands' positions matter: every band's
slices, and each split's profile (its transfers, computes and bytes as multisets), agree."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.lowering import lower
from accelsim.memory.tiling import _Geometry
from tests.property.test_invariants import SETTINGS
from tests.sim.toy import GraphBuilder, toy_machine


def _conv(g: GraphBuilder, size: int, k: int, stride: int) -> str:
    x = g.input("x", (1, 3, size, size))
    return g.conv("c", x, 5, k, pad=k // 2, stride=stride)


def _matmul(g: GraphBuilder, size: int, k: int, stride: int) -> str:
    x, w = g.input("x", (1, size, 6 * k)), g.weight("w", (6 * k, 7))
    return g.op("fc", "MatMul", [x, w], "y", (1, size, 7), macs=size * 6 * k * 7)


def _scores(g: GraphBuilder, size: int, k: int, stride: int) -> str:
    q, kt = g.input("q", (1, 2, size, 4)), g.input("kt", (1, 2, 4, size + k))
    return g.op("qk", "MatMul", [q, kt], "s", (1, 2, size, size + k), macs=8 * size * (size + k))


def _softmax(g: GraphBuilder, size: int, k: int, stride: int) -> str:
    shape = (stride, 2, size, 3 + k)
    return g.op("p", "Softmax", [g.input("s", shape)], "y", shape, vector_ops=size, axis=-1)


def _residual(g: GraphBuilder, size: int, k: int, stride: int) -> str:
    a, b = g.input("a", (1, size, 4 * k)), g.input("b", (1, size, 4 * k))
    return g.op("add", "Add", [a, b], "y", (1, size, 4 * k), vector_ops=4 * k * size)


def _append(g: GraphBuilder, size: int, k: int, stride: int) -> str:
    past, new = g.input("past", (1, 2, size, 4)), g.input("new", (1, 2, k, 4))
    return g.op("kv", "Concat", [past, new], "y", (1, 2, size + k, 4), vector_ops=8 * (size + k))


def _resize(g: GraphBuilder, size: int, k: int, stride: int) -> str:
    x = g.input("x", (1, 2, size, size))
    out = (1, 2, 2 * size, 2 * size)
    return g.op("r", "Resize", [x], "y", out, vector_ops=8 * size * size)


def _pool(g: GraphBuilder, size: int, k: int, stride: int) -> str:
    x = g.input("x", (1, 3, size, size))
    rows = (size + 2 * (k // 2) - k) // stride + 1
    return g.op("mp", "MaxPool", [x], "y", (1, 3, rows, rows), vector_ops=27 * rows * rows,
                kernel_shape=[k, k], strides=[stride, stride], pads=[k // 2] * 4)  # fmt: skip


LAYERS = (_conv, _matmul, _scores, _softmax, _residual, _append, _resize, _pool)


@st.composite
def geometries(draw):
    """A tiled layer of some kind as the search sees it, and its exhaustive twin."""
    g = GraphBuilder()
    make = draw(st.sampled_from(LAYERS))
    size, k = draw(st.integers(2, 12)), draw(st.sampled_from([1, 3, 5]))
    out = make(g, size, k, draw(st.integers(1, 2)))
    program = lower(g.build(out), toy_machine())
    layer = program.layers[0]
    last_resort = draw(st.booleans())

    def fresh():
        return _Geometry(layer, program.buffers, last_resort=last_resort)

    fast, exhaustive = fresh(), fresh()
    exhaustive.shifts = False
    per_group = draw(st.integers(1, fast.channels))
    per_band = draw(st.integers(1, fast.rows))
    per_chunk = draw(st.integers(1, fast.reduction))
    return fast, exhaustive, fast.split(per_group, per_band, per_chunk), fresh


def _counted(profile):
    later = Counter()
    for work, n in profile.later_groups:
        later[work] += n
    return (Counter(dict(profile.transfers)), Counter(dict(profile.computes)), profile.moved,
            profile.tiles, +later)  # fmt: skip


@settings(SETTINGS, max_examples=300)
@given(geometries())
def test_bands_priced_by_height_equal_bands_priced_one_by_one(case):
    fast, exhaustive, split, _ = case
    rest = split.channels % split.per_group
    for width in {split.per_group, rest or split.per_group}:
        for r0, r1 in exhaustive.bands(split):
            for chunk in {split.per_chunk, split.reduction}:
                assert fast.slices(width, r0, r1, chunk) == exhaustive.slices(width, r0, r1, chunk)
    assert _counted(fast.profile(split)) == _counted(exhaustive.profile(split))


def test_every_kind_of_layer_is_drawn_and_positions_matter_where_rows_have_edges():
    # The bands of a 3x3 conv, a Resize and a row-wise Concat start at places that change their
    # input rows (clipped halo, sampling, which part); a MatMul's and a Softmax's do not.
    def shifts(make, k=3):
        g = GraphBuilder()
        program = lower(g.build(make(g, 8, k, 1)), toy_machine())
        return _Geometry(program.layers[0], program.buffers).shifts

    assert [shifts(make) for make in LAYERS] == [False, True, True, True, True, False, False, False]


@settings(SETTINGS, max_examples=100)
@given(geometries(), st.data())
def test_a_splits_need_worked_out_once_equals_one_worked_out_afresh(case, data):
    # `need` keeps each split's sizes while the search asks about it under every buffering:
    # asked about several splits in turn, one geometry answers as a fresh one does each time.
    from accelsim.memory.tiling import BUFFERINGS

    fast, _, split, fresh = case
    splits = [split, *(
        fast.split(data.draw(st.integers(1, fast.channels)), data.draw(st.integers(1, fast.rows)),
                   data.draw(st.integers(1, fast.reduction)))
        for _ in range(3)
    )]  # fmt: skip
    for other in splits:
        for buffering in BUFFERINGS:
            assert fast.need(other, buffering=buffering) == fresh().need(other, buffering=buffering)


def test_a_resize_band_reads_its_sampled_input_rows_with_a_halo_of_two():
    # x (1, 2, 8, 8) int8 doubled to (1, 2, 16, 16): output row r samples near input row r / 2,
    # and a band reads 2 rows more on each side (cubic's reach), clipped to the input's 8.
    # Rows [8, 12) read [4 - 2, 6 + 2) = [2, 8): 6 rows of 8 B in each of its 2 channels (96 B);
    # rows [5, 7) read [2 - 2, ceil(3.5) + 2) = [0, 6): 96 B too; rows [0, 2) read [0, 3): 48 B.
    g = GraphBuilder()
    program = lower(g.build(_resize(g, 8, 3, 1)), toy_machine())
    geometry = _Geometry(program.layers[0], program.buffers)
    assert (geometry.channels, geometry.rows, geometry.shifts) == (2, 16, False)
    assert [geometry.slices(2, r0, r1)[0] for r0, r1 in ((8, 12), (5, 7), (0, 2))] == [
        (96,), (96,), (48,),
    ]  # fmt: skip
    assert geometry.slices(2, 8, 12)[1] == 2 * 4 * 16  # the output band: 2 x 4 rows of 16 B


def test_a_row_concat_band_reads_of_each_part_only_the_rows_it_holds():
    # past (1, 2, 8, 4) and new (1, 2, 3, 4) int8 appended along the rows: y (1, 2, 11, 4),
    # past in output rows [0, 8), new in [8, 11); a row of one channel is 4 B. Rows [6, 10)
    # hold past's 6, 7 and new's 0, 1: 2 x 2 x 4 = 16 B of each; rows [0, 4) none of new;
    # rows [9, 11) none of past and new's 1, 2.
    g = GraphBuilder()
    program = lower(g.build(_append(g, 8, 3, 1)), toy_machine())
    geometry = _Geometry(program.layers[0], program.buffers)
    assert (geometry.channels, geometry.rows, geometry.row_offsets) == (2, 11, [0, 8])
    assert [geometry.slices(2, r0, r1)[0] for r0, r1 in ((6, 10), (0, 4), (9, 11))] == [
        (16, 16), (32, 0), (0, 16),
    ]  # fmt: skip
