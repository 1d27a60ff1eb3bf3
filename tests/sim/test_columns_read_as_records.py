"""Plans and traces keep ranges and SRAM steps in columns but must compare, hash and print as
the records they read as: tests and tools compare them with hand-written lists."""

import numpy as np
import pytest

from accelsim.explain.walk import PARTS, Chain, Step
from accelsim.plan import Allocation, Ranges, Task, Tasks
from accelsim.sim.trace import Steps
from accelsim.work import Gemm, Transfer


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


def _hand_tasks() -> list[Task]:
    load = Transfer(nbytes=96, direction="in", address=4096)
    gemm = Gemm(m=2, k=3, n=4, groups=1, macs=24)
    return [
        Task(id=0, unit_kind="dma", kind="load", layer=0, tile=0, buffer="x", work=load, deps=()),
        Task(id=1, unit_kind="matrix", kind="compute", layer=0, tile=0, buffer="", work=gemm,
             deps=(0,)),
        Task(id=2, unit_kind="dma", kind="store", layer=0, tile=0, buffer="y",
             work=Transfer(nbytes=32, direction="out", address=0), deps=(0, 1),
             reasons=("space", "data")),
    ]  # fmt: skip


def test_tasks_read_as_the_records_they_were_made_of() -> None:
    hand = _hand_tasks()
    tasks = Tasks.of(hand)
    assert tasks == hand and list(tasks) == hand and tasks[-1] == hand[2]
    assert tasks[1:] == tuple(hand[1:])
    assert tasks != [*hand[:2], hand[2]._replace(deps=(1,), reasons=("data",))]
    assert hash(tasks) == hash(tuple(hand))
    assert list(tasks.deps_of(2)) == [0, 1] and list(tasks.deps_of(0)) == []
    assert list(tasks.nbytes()) == [96, 0, 32]  # a compute moves no bytes over a DMA unit
    assert Tasks.of(tasks) is tasks


def test_tasks_refuse_records_whose_ids_are_not_their_positions() -> None:
    hand = _hand_tasks()
    with pytest.raises(AssertionError, match="task 2 at position 1"):
        Tasks.of([hand[0], hand[2]])


def test_ranges_keep_releases_of_any_length_in_order() -> None:
    releases = [(), (3,), (2, 1), (0, 4, 1), (5, 0)]
    hand = [Allocation(buffer=f"b{i}", layer=0, offset=8 * i, size=8, first=0, release=r)
            for i, r in enumerate(releases)]  # fmt: skip
    ranges = Ranges.of(hand)
    assert [a.release for a in ranges] == releases and ranges[3].release == (0, 4, 1)
    ranges.released_after(3, 6, 7)  # three tasks, then two: the three are gone
    ranges.released_after(1, 0, 2, 4)
    assert [ranges.release(i) for i in range(5)] == [(), (0, 2, 4), (2, 1), (6, 7), (5, 0)]


def test_a_chain_reads_as_its_steps_with_their_labels() -> None:
    chain = Chain()
    chain.flat.extend((7, 90, 100, PARTS.index("sram")))
    chain.flat.extend((3, 40, 90, PARTS.index("latency")))
    assert chain == [Step(task=7, start=90, end=100, label="sram"),
                     Step(task=3, start=40, end=90, label="latency")]  # fmt: skip
    assert len(chain) == 2 and chain[-1].task == 3
    assert list(chain.column(0)) == [7, 3] and list(chain.column(2)) == [100, 90]
