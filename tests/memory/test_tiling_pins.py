"""Pinned weight groups (`Tiling.pinned`): only when the weights are read again later
(`recurring`), as many leading groups as fit beside the split's own SRAM."""

from __future__ import annotations

from accelsim.lowering import lower
from accelsim.memory.tiling import tile_layer
from tests.sim.toy import GraphBuilder, toy_machine


def test_weights_are_pinned_only_when_read_again_and_as_many_groups_as_fit():
    # 16 x 16 x 16 conv 3x3 on 8,000 B: 16 groups of one output channel, x (4,096 B) shared,
    # two 256 B tile slots, two 144 B weight slots: 4,896 B. Beside it 3,104 B hold 21 groups'
    # 144 B: all 16 pinned when recurring, none by default.
    g = GraphBuilder()
    y = g.conv("c", g.input("x", (1, 16, 16, 16)), 16, 3, pad=1)
    hw = toy_machine(sram=8_000, matrix="10 GFLOPS")
    program = lower(g.build(y), hw)
    plain = tile_layer(program.layers[0], program, hw)
    again = tile_layer(program.layers[0], program, hw, recurring=True)
    for tiling in (plain, again):
        assert (len(tiling.tiles), tiling.slot_bytes, tiling.weight_bytes) == (16, 256, 144)
        assert tiling.shared == (("x", 4096),)
    assert (plain.pinned, again.pinned) == (0, 16)


def test_the_leading_groups_that_fit_beside_the_split_are_pinned():
    # the same conv on 6,000 B: 1,104 B beside the split's 4,896 hold 7 groups' 144 B (1,008)
    g = GraphBuilder()
    y = g.conv("c", g.input("x", (1, 16, 16, 16)), 16, 3, pad=1)
    hw = toy_machine(sram=6_000, matrix="10 GFLOPS")
    program = lower(g.build(y), hw)
    tiling = tile_layer(program.layers[0], program, hw, recurring=True)
    assert (len(tiling.tiles), tiling.slot_bytes, tiling.weight_bytes) == (16, 256, 144)
    assert tiling.pinned == 7
