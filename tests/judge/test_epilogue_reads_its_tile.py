"""A tile's epilogue reads the part of its layer's output its own tile wrote (`check._follow_data`):
with the output kept whole in one SRAM range and epilogues on two vector units, an earlier
tile's epilogue may end after a later tile's begins; the later one is sound once its own tile's
compute ended, and a reader of the whole output still waits for every tile and epilogue.
Events written by hand."""

from __future__ import annotations

from accelsim.sim.trace import Event
from tests.sim.test_check_hand_events import _data, _event, _program, _range

# layer 0 (matrix) reads x, writes h (kept: one range, filled by tile 0's compute, tile 1 adds
# its part); layer 1 reads h and writes z
_KEPT = _program({"x": ("input", 16), "h": ("activation", 16), "z": ("activation", 16)},
                 ("matrix", "x", "h"), ("matrix", "h", "z"))  # fmt: skip


def _epilogue(task: int, tile: int, start: int, end: int, unit: str) -> Event:
    return Event(task, unit, "vector", "compute", 0, tile, "", 0,
                 0, 0, 0, 0, -1, "none", -1, start, end)  # fmt: skip


def _run(second_epilogue: int, reader: int) -> list[str]:
    # load x [0, 10); tile 0 computes h [10, 20), its epilogue on vector0 [20, 100); tile 1
    # adds into h [20, 30), its epilogue on vector1 from `second_epilogue` for 50 cycles; layer
    # 1 reads h from `reader`: h is whole at 100 (tile 0's epilogue) or at the second's end
    events = [
        _event(0, "load", 0, "x", 0, 10),
        _event(1, "compute", 0, "", 10, 20),
        _epilogue(2, 0, 20, 100, "vector0"),
        _event(3, "compute", 0, "", 20, 30, tile=1),
        _epilogue(4, 1, second_epilogue, second_epilogue + 50, "vector1"),
        _event(5, "compute", 1, "", reader, reader + 10),
    ]
    return _data(_KEPT, [_range("x", 0, 0), _range("h", 16, 1), _range("z", 32, 5)], events)


def test_an_epilogue_may_start_once_its_own_tile_is_computed():
    # tile 1's epilogue at 30: its part of h is whole at 30 (tile 0's epilogue still runs)
    assert _run(30, 100) == []


def test_an_epilogue_before_its_own_tiles_compute_ends_is_named():
    assert _run(29, 100) == ["event 4 (compute) starts at 29, before h is in SRAM at 30"]


def test_a_reader_of_the_whole_output_waits_for_every_epilogue():
    # h is whole at max(100, 30 + 50) = 100: layer 1 may start at 100, not 99; with tile 1's
    # epilogue at [60, 110), at 110
    assert _run(30, 100) == []
    assert _run(30, 99) == ["event 5 (compute) starts at 99, before h is in SRAM at 100"]
    assert _run(60, 109) == ["event 5 (compute) starts at 109, before h is in SRAM at 110"]
