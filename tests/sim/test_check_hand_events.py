"""The judge's data and DDR rules (`check._copies`, `_follow_data`, `_check_ddr_homes`) on
events written by hand, in shapes the planner's runs rarely make and a one-field change of a
real run cannot reach: two layers writing one buffer, two channels whose transfers of one
buffer end out of plan order. Each case's verdict is worked out in its comment."""

from __future__ import annotations

from types import SimpleNamespace

from accelsim.check import _check_ddr_homes, _copies, _follow_data
from accelsim.plan import Allocation, DdrRange
from accelsim.sim.trace import Event

_DMA_KINDS = ("load", "reload", "store", "spill")


def _program(buffers: dict[str, tuple[str, int]], *layers: tuple[str, str, str]):
    """buffers: name -> (kind, bytes); layers: (unit, read, written), no weights."""
    return SimpleNamespace(
        buffers={n: SimpleNamespace(kind=k, shape=(size,)) for n, (k, size) in buffers.items()},
        nbytes=lambda name: buffers[name][1],
        outputs=(),
        layers=[
            SimpleNamespace(
                index=i,
                name=f"l{i}",
                unit=unit,
                reads=(read,),
                weights=(),
                writes=(written,),
                op_types=("Conv",),
            )  # fmt: skip
            for i, (unit, read, written) in enumerate(layers)
        ],
    )


def _event(task: int, kind: str, layer: int, buffer: str, start: int, end: int, *,
           tile: int = 0, resource: str = "") -> Event:  # fmt: skip
    unit = "dma" if kind in _DMA_KINDS else "matrix"
    nbytes = 16 if unit == "dma" else 0
    return Event(task, resource or unit, unit, kind, layer, tile, buffer, nbytes,
                 0, 0, 0, 0, -1, "none", -1, start, end)  # fmt: skip


def _data(program, allocations, events) -> list[str]:
    problems: list[str] = []
    copies = _copies(program, allocations, events, 1 << 20, problems)
    _follow_data(program, events, copies, problems)
    return problems


def _range(buffer: str, offset: int, first: int) -> Allocation:
    return Allocation(buffer=buffer, layer=0, offset=offset, size=16, first=first, release=())


# x (an input) is read by two layers that both write y (an update in place).
_TWO_WRITERS = _program({"x": ("input", 16), "y": ("activation", 16)},
                        ("matrix", "x", "y"), ("matrix", "x", "y"))  # fmt: skip
_XY = [_range("x", 0, 0), _range("y", 16, 1)]


def test_a_layers_later_chunk_adds_into_the_copy_its_own_first_chunk_filled():
    # load x [0, 10); layer 0's chunk 0 fills y [10, 20); its chunk 1 adds into y [20, 30)
    events = [_event(0, "load", 0, "x", 0, 10), _event(1, "compute", 0, "", 10, 20),
              _event(2, "compute", 0, "", 20, 30, tile=1)]  # fmt: skip
    assert _data(_TWO_WRITERS, _XY, events) == []


def test_a_partial_sum_landing_on_another_layers_copy_is_named():
    # layer 1's compute fills no range: it would add into y, but the only copy of y is the
    # one layer 0's compute filled. Layer 1 writes y nowhere.
    events = [_event(0, "load", 0, "x", 0, 10), _event(1, "compute", 0, "", 10, 20),
              _event(2, "compute", 1, "", 20, 30)]  # fmt: skip
    assert _data(_TWO_WRITERS, _XY, events) == ["event 2 (compute) writes y nowhere"]


def test_a_partial_sum_landing_on_a_loaded_copy_is_named():
    # y is an input here, loaded by event 1: layer 0's compute cannot add into a load's copy
    program = _program({"x": ("input", 16), "y": ("input", 16)}, ("matrix", "x", "y"))
    events = [_event(0, "load", 0, "x", 0, 10), _event(1, "load", 0, "y", 10, 20),
              _event(2, "compute", 0, "", 20, 30)]  # fmt: skip
    assert "event 2 (compute) writes y nowhere" in _data(program, _XY, events)


def test_a_store_waits_for_the_last_chunk_that_added_into_its_copy():
    # chunk 1 (tile 1) adds into y until 30: the store of tile 1 reads y, so it may start at
    # 30 and not at 29
    def run(store_start: int) -> list[str]:
        events = [_event(0, "load", 0, "x", 0, 10), _event(1, "compute", 0, "", 10, 20),
                  _event(2, "compute", 0, "", 20, 30, tile=1),
                  _event(3, "store", 0, "y", store_start, store_start + 16, tile=1)]  # fmt: skip
        return _data(_TWO_WRITERS, _XY, events)

    assert run(30) == []
    assert run(29) == ["event 3 (store) starts at 29, before y is in SRAM at 30"]


def test_a_queued_store_reads_the_copy_its_tile_added_into_not_a_newer_one():
    # chunk 0 fills y's range at [16, 32) over cycles [10, 20); chunk 1 (tile 1) adds into it
    # over [20, 30); tile 2 starts a new (group, band) in y at [32, 48) over [30, 40). Tile 1's
    # store, queued behind, runs [35, 51): it reads the copy tile 1 added into (whole at 30),
    # not tile 2's (whole at 40).
    events = [_event(0, "load", 0, "x", 0, 10), _event(1, "compute", 0, "", 10, 20),
              _event(2, "compute", 0, "", 20, 30, tile=1),
              _event(3, "compute", 0, "", 30, 40, tile=2),
              _event(4, "store", 0, "y", 35, 51, tile=1)]  # fmt: skip
    assert _data(_TWO_WRITERS, [*_XY, _range("y", 32, 3)], events) == []


def test_a_tiles_store_reads_the_copy_its_own_tile_filled():
    # tiles 0 and 1 of layer 0 fill y at [16, 32) over [10, 20) and at [32, 48) over [20, 30).
    # Tile 0's store, queued, runs [25, 41): its copy was whole at 20 (tile 1's is not yet).
    # Tile 1's store may start at 30, not 29: its own copy is whole at 30.
    def run(second: int) -> list[str]:
        events = [_event(0, "load", 0, "x", 0, 10), _event(1, "compute", 0, "", 10, 20),
                  _event(2, "compute", 0, "", 20, 30, tile=1),
                  _event(3, "store", 0, "y", 25, 41),
                  _event(4, "store", 0, "y", second, second + 16, tile=1)]  # fmt: skip
        return _data(_TWO_WRITERS, [*_XY, _range("y", 32, 2)], events)

    assert run(41) == []
    assert run(30) == []
    assert run(29) == ["event 4 (store) starts at 29, before y is in SRAM at 30"]


def test_a_spill_reads_the_newest_copy_whatever_its_tile_number():
    # a spill is no tile's store: it reads the newest copy of y, tile 1's, whole at 30
    events = [_event(0, "load", 0, "x", 0, 10), _event(1, "compute", 0, "", 10, 20),
              _event(2, "compute", 0, "", 20, 30, tile=1),
              _event(3, "spill", 0, "y", 25, 41)]  # fmt: skip
    assert _data(_TWO_WRITERS, [*_XY, _range("y", 32, 2)], events) == [
        "event 3 (spill) starts at 25, before y is in SRAM at 30"
    ]


def test_a_load_waits_for_every_store_of_its_buffer_not_the_last_issued():
    # layer 0 computes a in two tiles, each stored on its own channel: tile 0's store runs
    # [20, 60) on dma0, tile 1's [30, 50) on dma1. a is whole in DDR at 60, so layer 1's load
    # of a may start at 60, not at 55 (after the last-issued store's end, 50).
    program = _program({"x": ("input", 16), "a": ("activation", 32), "b": ("activation", 16)},
                       ("matrix", "x", "a"), ("matrix", "a", "b"))  # fmt: skip

    def run(load_start: int) -> list[str]:
        events = [
            _event(0, "load", 0, "x", 0, 10),
            _event(1, "compute", 0, "", 10, 20),
            _event(2, "compute", 0, "", 20, 30, tile=1),
            _event(3, "store", 0, "a", 20, 60, resource="dma0"),
            _event(4, "store", 0, "a", 30, 50, tile=1, resource="dma1"),
            _event(5, "load", 1, "a", load_start, load_start + 16),
            _event(6, "compute", 1, "", 100, 110),
        ]
        allocations = [_range("x", 0, 0), _range("a", 16, 1), _range("a", 32, 2),
                       Allocation(buffer="a", layer=1, offset=48, size=16, first=5, release=()),
                       _range("b", 64, 6)]  # fmt: skip
        return [p for p in _data(program, allocations, events) if "loads" in p]

    assert run(60) == []
    assert run(59) == ["event 5 loads a before its store ends"]
    assert run(55) == ["event 5 loads a before its store ends"]


# -- DDR homes ---------------------------------------------------------------------------------


def _homes(spans: dict[str, tuple[int, list[tuple[int, int]]]], kinds=None) -> list[str]:
    """spans: buffer -> (DDR address, [(start, end) of each transfer, in plan order]); each
    buffer 64 B, an activation unless `kinds` says otherwise."""
    kinds = kinds or {}
    program = SimpleNamespace(nbytes=lambda name: 64)
    ddr = tuple(DdrRange(buffer=b, kind=kinds.get(b, "activation"), address=a, size=64)
                for b, (a, _) in spans.items())  # fmt: skip
    moves = [(b, s, e) for b, (_, spans_of) in spans.items() for s, e in spans_of]
    events = [_event(i, "store", 0, b, s, e) for i, (b, s, e) in enumerate(moves)]
    problems: list[str] = []
    hw = SimpleNamespace(ddr=SimpleNamespace(capacity=1 << 20))
    _check_ddr_homes(program, SimpleNamespace(ddr=ddr, tasks=()), events, hw, problems)  # type: ignore[arg-type]
    return problems


def test_a_home_is_held_until_its_latest_transfer_end_not_its_last_issued():
    # a's transfers: [0, 100) then [10, 20) on another channel: held [0, 100). b reuses a's
    # bytes from 50: they share.
    assert _homes({"a": (0, [(0, 100), (10, 20)]), "b": (0, [(50, 60)])}) == [
        "a and b share DDR bytes from 0"
    ]


def test_a_home_is_held_from_its_earliest_transfer_start_not_its_first_issued():
    # a's transfers: [30, 40) then [5, 15): held [5, 40). b at [20, 25) falls inside.
    assert _homes({"a": (0, [(30, 40), (5, 15)]), "b": (0, [(20, 25)])}) == [
        "a and b share DDR bytes from 0"
    ]


def test_homes_sharing_bytes_may_follow_each_other_end_to_start_but_not_overlap_one_cycle():
    assert _homes({"a": (0, [(0, 20)]), "b": (0, [(20, 30)])}) == []
    assert _homes({"a": (0, [(0, 21)]), "b": (0, [(20, 30)])}) == ["a and b share DDR bytes from 0"]
    # b first in time, a after: the same rule either way round
    assert _homes({"a": (0, [(30, 40)]), "b": (0, [(20, 30)])}) == []
    shared = ["a and b share DDR bytes from 0"]
    assert _homes({"a": (0, [(29, 40)]), "b": (0, [(20, 30)])}) == shared


def test_homes_at_the_same_time_may_touch_in_address_but_not_share_a_byte():
    both = [(0, 50)]
    assert _homes({"a": (0, both), "b": (64, both)}) == []
    assert _homes({"a": (0, both), "b": (63, both)}) == ["a and b share DDR bytes from 63"]
    # three homes: a [0, 64) shares bytes with b [16, 80) but not time; the scan goes on to
    # c [32, 96), which shares both
    assert _homes({"a": (0, both), "b": (16, [(60, 70)]), "c": (32, both)}) == [
        "a and c share DDR bytes from 32"
    ]


def test_a_weight_holds_its_home_all_run_however_early_its_transfers_end():
    # w's one load ends at 10; b's transfers at [100, 110) still may not take w's bytes
    # (homes at one address are named in order of end, then name)
    assert _homes({"w": (0, [(0, 10)]), "b": (0, [(100, 110)])}, {"w": "weight"}) == [
        "b and w share DDR bytes from 0"
    ]
    # an output holds its home all run too
    assert _homes({"o": (0, [(0, 10)]), "b": (0, [(100, 110)])}, {"o": "output"}) == [
        "b and o share DDR bytes from 0"
    ]
    # an activation home no transfer touched is held at no time: b may share it
    assert _homes({"a": (0, []), "b": (0, [(100, 110)])}) == []
