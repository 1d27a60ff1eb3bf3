"""Which resident the planner evicts (`_Planner._make_room`, `_hole_maker`) and what evicting
does (`_evict`), on a stub planner: the farthest next use first, among equals a clean buffer
(no spill) and then the larger; holes are made by the smallest; a dirty buffer still needed is
spilled after its data is ready, a clean one or one never read again is just dropped."""

from __future__ import annotations

import itertools
import random
from types import SimpleNamespace

from accelsim.memory.planner import _NEVER, _Planner, _Resident


class _Stub:
    """What `_make_room` and `_evict` read of the planner: residents, their next uses, an
    allocator that finds room once `room_after` buffers left, and a log of tasks."""

    def __init__(self, residents: dict[str, _Resident], uses: dict[str, int], room_after: int):
        self.resident = residents
        self.uses = uses
        self.evicted: set[str] = set()
        self.ddr_ready: dict[str, tuple[int, ...]] = {}
        self.left: list[str] = []
        self.tasks: list[tuple[object, ...]] = []
        self.freed: list[str] = []
        self.layer = 3
        room_after_ = room_after
        self.allocator = SimpleNamespace(
            allocate=lambda size: (0, frozenset()) if len(self.left) >= room_after_ else None
        )

    def _next_use(self, name: str, *, including_now: bool = False) -> int:
        return self.uses[name]

    def _evict(self, name: str) -> None:
        self.left.append(name)
        del self.resident[name]

    def _transfer(self, kind, layer, tile, name, size, direction, deps, *waits) -> int:
        self.tasks.append((kind, name, set(deps), layer, tile, size, direction))
        return 100 + len(self.tasks)

    def _free(self, name: str) -> None:
        self.freed.append(name)
        del self.resident[name]


def _resident(size: int, dirty: bool, ready: int = 7, also: tuple[int, ...] = ()) -> _Resident:
    return _Resident(allocation=0, size=size, ready=ready, dirty=dirty, also=also)


def test_the_farthest_next_use_leaves_first_then_a_clean_one_then_the_larger():
    residents = {
        "a": _resident(10, True), "b": _resident(10, False), "c": _resident(30, False),
        "d": _resident(50, True), "e": _resident(5, False), "p": _resident(99, False),
    }  # fmt: skip
    # next uses: a, b, c at layer 9; d at 12 (farthest); e at 4; p protected
    stub = _Stub(residents, {"a": 9, "b": 9, "c": 9, "d": 12, "e": 4, "p": _NEVER}, 5)
    assert _Planner._make_room(stub, 64, {"p"}) == (0, frozenset())  # type: ignore[arg-type]
    # d (12) first; then among a, b, c at 9: the clean ones (b, c) before dirty a, the larger
    # clean c before b; e (4) last
    assert stub.left == ["d", "c", "b", "a", "e"]


def test_random_residents_leave_in_the_documented_order():
    rng = random.Random(2)
    for _ in range(500):
        names = [f"r{i}" for i in range(rng.randint(1, 6))]
        residents = {n: _resident(rng.choice((8, 16, 32)), rng.random() < 0.5) for n in names}
        uses = {n: rng.choice((4, 5, _NEVER)) for n in names}
        protect = {n for n in names if rng.random() < 0.2}
        want = rng.randint(0, len(names))
        order = sorted((n for n in names if n not in protect),
                       key=lambda n: (-uses[n], residents[n].dirty, -residents[n].size,
                                      names.index(n)))  # fmt: skip
        stub = _Stub(dict(residents), uses, want)
        got = _Planner._make_room(stub, 1, protect)  # type: ignore[arg-type]
        if want <= len(order):
            assert got == (0, frozenset()) and stub.left == order[:want]
        else:  # everything it may evict is gone and still no room
            assert got is None and stub.left == order


def test_holes_are_made_by_the_smallest_resident_then_the_first_name():
    residents = {"b": _resident(16, False), "a": _resident(16, True),
                 "c": _resident(64, False), "d": _resident(17, True)}  # fmt: skip
    stub = SimpleNamespace(resident=residents)
    assert _Planner._hole_maker(stub) == "a"  # type: ignore[arg-type]
    del stub.resident["a"]
    assert _Planner._hole_maker(stub) == "b"  # type: ignore[arg-type]


def test_a_dirty_buffer_still_needed_is_spilled_after_its_data_and_the_others_dropped():
    for dirty, needed in itertools.product((False, True), repeat=2):
        stub = _Stub({"x": _resident(24, dirty, ready=7, also=(5,))},
                     {"x": 6 if needed else _NEVER}, 0)  # fmt: skip
        _Planner._evict(stub, "x")  # type: ignore[arg-type]
        assert stub.freed == ["x"]
        assert stub.evicted == ({"x"} if needed else set())
        if dirty and needed:  # spilled once its content is whole (7, and 5 on another unit):
            # all 24 B out, by the layer being planned (3), as a whole buffer (tile 0)
            assert stub.tasks == [("spill", "x", {7, 5}, 3, 0, 24, "out")]
            assert stub.ddr_ready == {"x": (101,)}
        else:
            assert stub.tasks == [] and stub.ddr_ready == {}
