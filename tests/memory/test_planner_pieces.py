"""Four small rules of the planner worked out by hand and by references written here: a
tile's share of the layer's epilogue (`_tile_epilogue`), which tiles repeat the one before
(`_same_ahead`), the DDR address of a buffer's next slice (`_Planner._address`), and where a
repeated period's ranges lie (`_Layout.repeated`)."""

from __future__ import annotations

import itertools
import random
from functools import partial
from types import SimpleNamespace

import numpy as np

from accelsim.memory.planner import _Layout, _Planner, _same_ahead, _tile_epilogue
from accelsim.memory.tiling import Tile
from accelsim.plan import DdrRange, group_part
from accelsim.work import Vector


def _layer(ops: int, macs: int, elements: int) -> SimpleNamespace:
    return SimpleNamespace(epilogue_ops=ops, macs=macs, elements=elements)


def test_epilogue_shares_are_cumulative_floors_by_hand():
    # 10 ops over 30 MACs in three tiles of 10: floor(10*10/30) = 3, floor(10*20/30) = 6 (3
    # more), 10 (4 more); elements 12 * 10 // 30 = 4 each
    layer = _layer(10, 30, 12)
    shares = [_tile_epilogue(layer, done, 10) for done in (10, 20, 30)]  # type: ignore[arg-type]
    assert shares == [Vector(ops=3, elements=4)] * 2 + [Vector(ops=4, elements=4)]
    # a tile of 1 MAC of 30: 12 // 30 = 0 elements, at least 1
    assert _tile_epilogue(layer, 1, 1) == Vector(ops=0, elements=1)  # type: ignore[arg-type]
    # a layer of no MACs counts as one
    assert _tile_epilogue(_layer(5, 0, 7), 1, 1) == Vector(ops=5, elements=7)  # type: ignore[arg-type]


def test_random_epilogue_shares_add_up_to_the_layer_and_follow_the_macs():
    rng = random.Random(3)
    for _ in range(500):
        ops, elements = rng.randint(0, 1000), rng.randint(1, 500)
        tiles = [rng.randint(1, 50) for _ in range(rng.randint(1, 8))]
        macs = sum(tiles)
        layer = _layer(ops, macs, elements)
        done, total = 0, 0
        for tile in tiles:
            done += tile
            share = _tile_epilogue(layer, done, tile)  # type: ignore[arg-type]
            assert share.ops == ops * done // macs - ops * (done - tile) // macs
            assert share.elements == max(1, elements * tile // macs)
            total += share.ops
        assert total == ops


def _tile(group: int, band: int, chunk: int, reads: int, work: int, last: bool = True,
          psum: int = 0, weights: int = 4, write: int = 8) -> Tile:  # fmt: skip
    return Tile(group=group, band=band, reads=(("x", reads),), weights=(("W", weights),),
                write=("y", write), work=Vector(ops=work, elements=1), chunk=chunk, last=last,
                psum=psum)  # fmt: skip


def _same(a: Tile, b: Tile) -> bool:
    """Planning b right after a does what planning a did: same slices, work and weights, the
    same group, neither the first tile of its group, both first chunks or neither, the same
    last flag, partial sums and output slice."""
    return (
        (a.reads, a.work, a.weights) == (b.reads, b.work, b.weights)
        and a.group == b.group
        and (a.band, a.chunk) != (0, 0)
        and (b.band, b.chunk) != (0, 0)
        and (a.chunk == 0) == (b.chunk == 0)
        and (a.last, a.psum, a.write) == (b.last, b.psum, b.write)
    )


def test_same_tiles_ahead_by_hand():
    # group 0: bands 0..3 alike; band 0 starts the group (loads its weights): not the same
    # as the tile before, and tile 1 is not "the same" as tile 0. Tiles 1, 2, 3 alike.
    # Group 1: band 0 then band 1 with other reads.
    tiles = (_tile(0, 0, 0, 16, 5), _tile(0, 1, 0, 16, 5), _tile(0, 2, 0, 16, 5),
             _tile(0, 3, 0, 16, 5), _tile(1, 0, 0, 16, 5), _tile(1, 1, 0, 12, 5))  # fmt: skip
    ahead, unlike = _same_ahead(tiles)
    assert ahead == [0, 2, 1, 0, 0, 0]
    assert list(unlike) == [0, 0, 0, 0, 0, 1]  # only tile 5 has other slices than the one before


def test_random_tiles_ahead_match_the_rule():
    rng = random.Random(9)
    for _ in range(1500):
        tiles = tuple(
            _tile(rng.choice((0, 0, 1)), rng.choice((0, 1, 1, 2)), rng.choice((0, 0, 1)),
                  rng.choice((16, 16, 12)), rng.choice((5, 5, 6)), rng.random() < 0.8,
                  rng.choice((0, 0, 4)), rng.choice((4, 4, 3)), rng.choice((8, 8, 7)))
            for _ in range(rng.randint(1, 7))
        )  # fmt: skip
        ahead, unlike = _same_ahead(tiles)
        for i in range(len(tiles)):
            expected = 0
            for a, b in itertools.pairwise(tiles[i:]):
                if not _same(a, b):
                    break
                expected += 1
            assert ahead[i] == expected, (tiles, i)
            other = i > 0 and (tiles[i - 1].reads, tiles[i - 1].work, tiles[i - 1].weights) != (
                tiles[i].reads, tiles[i].work, tiles[i].weights)  # fmt: skip
            assert unlike[i] == other, (tiles, i)


def _addresses(size: int, slices: list[int]) -> list[int]:
    planner = SimpleNamespace(
        ddr=SimpleNamespace(ranges={"x": DdrRange(buffer="x", kind="input", address=1000,
                                                  size=size)}),
        cursor={},
    )  # fmt: skip
    return [_Planner._address(planner, "x", n) for n in slices]  # type: ignore[arg-type]


def test_slices_follow_each_other_inside_the_home_and_start_over_after_a_pass():
    # home [1000, 1100): 40 B at 1000, the next 40 B at 1040, the next would end at 1120, past
    # the home: it ends at the home's end, 1060. The cursor is then at 100: the next pass starts
    # over at 1000.
    assert _addresses(100, [40, 40, 40, 40, 30]) == [1000, 1040, 1060, 1000, 1040]
    # the whole buffer: its home's start each time
    assert _addresses(100, [100, 100]) == [1000, 1000]
    # slices that end exactly at the home's end: the next starts over
    assert _addresses(100, [50, 50, 50]) == [1000, 1050, 1000]
    # a slice larger than the home (sub-byte rounding) starts at the home
    assert _addresses(100, [120, 10]) == [1000, 1000]


def test_repeated_ranges_turn_their_slots_and_number_their_parts_by_hand():
    # one range of tile 5 in tile slot 0 of 2 (10 B each, from 100) and one of group 0's
    # weights in weight slot 1 of 2 (8 B each, from 40, 3 B in): a period of one tile that
    # begins no group; each repeat turns the tile's slot once, the weights' never
    as_array = partial(np.array, dtype=np.int64)
    layout = _Layout(part=as_array([5, group_part(0)]), parts=as_array([1, 0]),
                     low=as_array([100, 40]), inner=as_array([0, 3]), slot=as_array([0, 1]),
                     width=as_array([10, 8]), slots=as_array([2, 2]), turn=as_array([1, 0]),
                     copies={})  # fmt: skip
    offsets, parts = layout.repeated(3)
    assert offsets.tolist() == [110, 51, 100, 51, 110, 51]
    assert parts.tolist() == [6, group_part(0), 7, group_part(0), 8, group_part(0)]
    offsets, parts = layout.repeated(1)  # (after another count: its own)
    assert offsets.tolist() == [110, 51]
    assert parts.tolist() == [6, group_part(0)]
