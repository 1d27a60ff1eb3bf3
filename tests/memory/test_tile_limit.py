"""The limit on tiles per layer (`MAX_TILES`, 65,536) is inclusive: a layer that fits SRAM in
exactly that many tiles is tiled, one that needs more is refused with one line.

Toy machine (tests/sim/toy.py), int8.
"""

from __future__ import annotations

import pytest

from accelsim.errors import PlanError
from accelsim.lowering import lower
from accelsim.memory.tiling import MAX_TILES, tile_layer
from tests.sim.toy import GraphBuilder, toy_machine


def _relu(channels: int):
    g = GraphBuilder()
    x = g.input("x", (1, channels, 256, 4))
    y = g.op("r", "Relu", [x], "y", (1, channels, 256, 4), vector_ops=channels * 256 * 4)
    hw = toy_machine(sram=12)
    program = lower(g.build(y), hw)
    (layer,) = program.layers
    return layer, program, hw


def test_a_layer_that_fits_in_exactly_the_most_tiles_is_tiled():
    # x (1, 256, 256, 4) in 12 B of SRAM: a tile of 1 channel x 1 row reads 4 B and writes
    # 4 B (8 B); 2 rows, 2 channels or a second slot need 16 B. So 256 x 256 = 65,536 tiles.
    assert MAX_TILES == 65_536
    tiling = tile_layer(*_relu(256))
    assert len(tiling.tiles) == 65_536
    assert (tiling.slots, tiling.slot_bytes) == (1, 8)
    assert {tile.reads for tile in tiling.tiles} == {(("x", 4),)}


def test_a_layer_that_needs_one_channel_more_is_refused():
    # 257 x 256 = 65,792 tiles of 1 channel x 1 row: over the limit
    with pytest.raises(PlanError) as caught:
        tile_layer(*_relu(257))
    assert str(caught.value) == (
        'layer "r" fits 12 bytes of SRAM only in more than 65,536 tiles, the limit per layer; '
        "raise sram.capacity"
    )


def test_a_smallest_tile_that_exactly_fills_sram_is_refused_for_its_count_not_its_size():
    # 257 channels on 8 B: the smallest tile (4 B in, 4 B out, one slot) fits exactly, so only
    # the count (65,792 > 65,536) stands in the way: the count's message, not the size's
    layer, program, _ = _relu(257)
    with pytest.raises(PlanError) as caught:
        tile_layer(layer, program, toy_machine(sram=8))
    assert str(caught.value) == (
        'layer "r" fits 8 bytes of SRAM only in more than 65,536 tiles, the limit per layer; '
        "raise sram.capacity"
    )
