"""`repeat.shift_between` refuses a σ it cannot apply, on loop states written by hand: a period
of tasks [10, 15) (width 5) and ranges [4, 6) (2) after a state holding task 7 in its one tile
slot, its last compute 9 and output range 3. The state after is each of those one period on,
unless a case changes one field (or another state is named)."""

from __future__ import annotations

from accelsim.memory.repeat import State, shift_between


def _state(slot: int, last: int, out: int, *, out_slot: int = 0,
           pending: tuple[tuple[int, int, int, int, int], ...] = ()) -> State:  # fmt: skip
    return State(
        tile_slots=(frozenset({slot}),), weight_slots=(frozenset(),), psum_slots=(),
        group_pins=frozenset(), group_loads=(), pending=pending, last_compute=last,
        out_index=out, waits=(), out_slot=out_slot,
    )  # fmt: skip


def _shift(before: State, after: State, *, begin: int = 10, constants: frozenset[int] = frozenset(),
           serial: bool = False):  # fmt: skip
    return shift_between(before, after, tasks=(begin, begin + 5), ranges=(4, 6),
                         constants=set(constants), serial=serial)  # fmt: skip


def test_a_state_one_period_on_is_a_shift():
    shifts = _shift(_state(7, 9, 3), _state(12, 14, 5))
    assert shifts is not None
    assert shifts.back.moving == {7, 9, 10, 11, 12, 13, 14}
    assert shifts.back.moving_ranges == {3, 4, 5}
    assert shifts.on.moving == {12, 14} and shifts.on.moving_ranges == {5}


def test_a_task_the_tiles_read_as_a_constant_does_not_move():
    # task 7 is also a constant of the period (a shared input's load): it must stay
    assert _shift(_state(7, 9, 3), _state(12, 14, 5), constants=frozenset({7})) is None


def test_a_moved_task_may_not_land_on_a_constant():
    # 7 moves onto 12, which the period reads as a constant: σ would merge them
    assert _shift(_state(7, 9, 3), _state(12, 14, 5), constants=frozenset({12})) is None


def test_a_period_from_the_first_task_is_not_shifted():
    empty = State(
        tile_slots=(frozenset(),), weight_slots=(frozenset(),), psum_slots=(),
        group_pins=frozenset(), group_loads=(), pending=(), last_compute=-1, out_index=-1,
        waits=(), out_slot=0,
    )  # fmt: skip
    assert _shift(empty, empty, begin=1) is not None
    assert _shift(empty, empty, begin=0) is None


def test_a_state_whose_output_slot_turned_otherwise_is_no_shift():
    # every id one period on, but the output's slot (counted from the next tile) differs
    assert _shift(_state(7, 9, 3), _state(12, 14, 5, out_slot=1)) is None


def test_a_task_that_stays_may_not_be_the_one_a_serial_period_moves():
    # task 9 stays in the slot; with --no-overlap the period [10, 15) waits for task 9, so σ
    # moves 9 too: it cannot also stay
    before, after = _state(9, 8, 3), _state(9, 13, 5)
    assert _shift(before, after) is not None
    assert _shift(before, after, serial=True) is None


def test_a_serial_period_may_not_move_its_task_before_onto_a_constant():
    # serial: σ takes task 9 (the one before the period) to 14, which the period reads
    before, after = _state(7, 8, 3), _state(12, 13, 5)
    assert _shift(before, after, constants=frozenset({14})) is not None
    assert _shift(before, after, constants=frozenset({14}), serial=True) is None


def test_a_range_of_the_period_may_not_stay():
    # range 4 is the period's first: σ moves it to 6, so an output range 4 in both is no shift
    assert _shift(_state(7, 9, 3), _state(12, 14, 5)) is not None
    assert _shift(_state(7, 9, 4), _state(12, 14, 4)) is None


def test_a_pending_store_must_keep_its_tiles_back_slot_and_bytes():
    # (tiles back, slot, compute, range, bytes): the compute and range move, the rest stays
    store = (1, 0, 7, 2, 16)
    before = _state(7, 9, 3, pending=(store,))
    assert _shift(before, _state(12, 14, 5, pending=((1, 0, 12, 2, 16),))) is not None
    for changed in ((2, 0, 12, 2, 16), (1, 1, 12, 2, 16), (1, 0, 12, 2, 8)):
        assert _shift(before, _state(12, 14, 5, pending=(changed,))) is None, changed
