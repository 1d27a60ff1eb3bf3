"""Parts of the split search checked on their own, with every number by hand: a resident input's
load taken out of a split's profile, and how many whole channel groups' weights are pinned."""

from __future__ import annotations

from accelsim.lowering import lower
from accelsim.memory.tiling import Buffering, _Geometry, _Profile, _without
from accelsim.work import Transfer
from tests.sim.toy import GraphBuilder, toy_machine


def test_a_resident_inputs_load_leaves_the_profile_with_its_bytes():
    # two 100 B loads and a 10 B store (210 B); one load already in SRAM: 110 B are left to move
    load, store = Transfer(nbytes=100, direction="in"), Transfer(nbytes=10, direction="out")
    profile = _Profile(((load, 2), (store, 1)), (), 210, 2, ())
    left = _without(profile, [100])
    assert (left.transfers, left.moved) == (((load, 1), (store, 1)), 110)
    assert _without(profile, [100, 100]).transfers == ((store, 1),)


def test_only_whole_channel_groups_are_pinned():
    # x (1, 1, 8) x W (8, 5): 5 output columns in groups of 2 are two whole groups (16 B of W
    # each) and a third of 1 column. With room for all, the two whole groups are pinned.
    g = GraphBuilder()
    x, w = g.input("x", (1, 1, 8)), g.weight("w", (8, 5))
    graph = g.build(g.op("fc", "MatMul", [x, w], "y", (1, 1, 5), macs=40))
    program = lower(graph, toy_machine())
    (layer,) = program.layers
    geometry = _Geometry(layer, program.buffers)
    split = geometry.split(2, 1)
    assert geometry.group_weights(2, split) == 16
    assert geometry.pinned(split, Buffering(1, 1), 1_000_000) == 2


def test_a_resident_input_is_shared_by_channel_groups_that_slice_it():
    # x + y on the vector unit, (1, 4, 8) each: a group of 4 of the 8 channels reads half of
    # each input (16 of 32 B). x, whole in SRAM already, is read there by every group (shared:
    # no loads); y is loaded slice by slice.
    g = GraphBuilder()
    x, y = g.input("x", (1, 4, 8)), g.input("y", (1, 4, 8))
    graph = g.build(g.op("add", "Add", [x, y], "z", (1, 4, 8), vector_ops=32))
    program = lower(graph, toy_machine())
    (layer,) = program.layers
    geometry = _Geometry(layer, program.buffers, frozenset({"x"}))
    assert geometry.shared(geometry.split(4, 4)) == (("x", 32),)


def test_a_band_of_output_rows_over_padding_only_reads_no_input_rows():
    # a 1x1 conv with 2 rows of padding on each side of a 4-row (1, 1, 4, 4) int8 input: 8
    # output rows, row r reading input row r - 2. Rows 0, 1, 6 and 7 read padding only: 0 B
    # (never a negative count); rows 2..5 read one 4-byte input row each. Output rows are 8 B.
    g = GraphBuilder()
    graph = g.build(g.conv("c", g.input("x", (1, 1, 4, 4)), 1, 1, pad=2))
    program = lower(graph, toy_machine())
    geometry = _Geometry(program.layers[0], program.buffers)
    rows = [geometry.slices(1, r, r + 1) for r in range(8)]
    assert rows == [((0,), 8)] * 2 + [((4,), 8)] * 4 + [((0,), 8)] * 2
    assert geometry.slices(1, 5, 8) == ((4,), 24)  # rows 5..7: input row 3 alone
