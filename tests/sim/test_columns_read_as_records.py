"""Plans and traces keep ranges and SRAM steps in columns but must compare, hash and print as
the records they read as: tests and tools compare them with hand-written lists."""

import numpy as np

from accelsim.plan import Allocation, Ranges
from accelsim.sim.trace import Steps


def test_steps_equal_their_tuples_and_nothing_else() -> None:
    steps = Steps(np.array([0, 10, 20], dtype=np.int64), np.array([5, 12, 0], dtype=np.int64))
    assert steps == [(0, 5), (10, 12), (20, 0)]
    assert steps != [(0, 5), (10, 12), (20, 1)]  # same length, one byte off
    assert steps != [(0, 5), (10, 12)]
    assert steps != "not a sequence of steps"
    assert hash(steps) == hash(((0, 5), (10, 12), (20, 0)))
    assert repr(steps) == "Steps([(0, 5), (10, 12), (20, 0)])"
    assert steps[1:] == [(10, 12), (20, 0)]


def test_ranges_equal_their_allocations_and_nothing_else() -> None:
    a = Allocation(buffer="w", layer=0, offset=0, size=64, first=0, release=(3,))
    b = Allocation(buffer="x", layer=1, offset=64, size=32, first=1, release=())
    ranges = Ranges.of([a, b])
    assert ranges == [a, b]
    assert ranges != [a, b._replace(size=31)]
    assert ranges != [b, a]
    assert hash(ranges) == hash((a, b))
    assert repr(ranges) == f"Ranges([{a!r}, {b!r}])"
