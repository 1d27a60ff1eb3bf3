"""A whole K-split band, and a whole channel group, planned once and repeated in bulk for the
same bands or groups after it (`_Planner._plan_periods`), must be what planning every tile one
by one gives: every task (kind, unit, layer, tile, buffer, work with its DDR address,
dependencies and their reasons), every SRAM range (name, layer, offset, size, fill, release),
the tile counts, the DDR homes and the run index. The oracle is the same planner with its bulk
repeat switched off, on random chains of convolutions (pointwise ones that split K, depthwise
ones whose groups are one tile) on random small machines."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING
from unittest import mock

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from accelsim.errors import PlanError
from accelsim.lowering import lower
from accelsim.memory import planner
from accelsim.memory.policies import make_plan
from accelsim.plan import Tasks
from tests.sim.toy import GraphBuilder, toy_machine

if TYPE_CHECKING:
    from collections.abc import Iterator

    from accelsim.hardware import Hardware
    from accelsim.workload.graph import Graph


def _chain(channels: int, side: int, layers: tuple[str, ...]) -> Graph:
    """1 x `channels` x side x side through `layers`: "pw" a 1x1 conv to `channels`, "dw" a
    3x3 depthwise conv (one group per channel), "relu"."""
    g = GraphBuilder("periods")
    current = g.input("x", (1, channels, side, side))
    for index, kind in enumerate(layers):
        if kind == "pw":
            current = g.conv(f"pw{index}", current, channels, 1)
        elif kind == "dw":
            weight = g.weight(f"dw{index}.W", (channels, 1, 3, 3))
            current = g.op(f"dw{index}", "Conv", [current, weight], f"dw{index}.out",
                           (1, channels, side, side), macs=channels * side * side * 9,
                           kernel_shape=[3, 3], strides=[1, 1], pads=[1] * 4,
                           group=channels)  # fmt: skip
        else:
            shape = (1, channels, side, side)
            current = g.op(f"r{index}", "Relu", [current], f"r{index}.out", shape,
                           vector_ops=channels * side * side)  # fmt: skip
    return g.build(current)


def _fields(graph: Graph, hw: Hardware, overlap: bool) -> tuple[object, ...]:
    plan = make_plan(lower(graph, hw), hw, policy="liveness", overlap=overlap)
    tasks = plan.tasks
    assert isinstance(tasks, Tasks)
    runs = list(zip(tasks.run_first, tasks.run_width, tasks.run_count, strict=True))
    return tuple(tasks), tuple(plan.allocations), plan.tiles, plan.ddr, runs


@contextmanager
def _counted() -> Iterator[dict[str, int]]:
    """Count the repeats of whole bands and groups the planner makes meanwhile, and those
    that turn the partial-sum slots (an odd number of bands a period, two slots)."""
    counts = {"band": 0, "group": 0, "turned": 0}
    original = planner._Planner._repeat

    def spy(self: object, at: object, *args: object) -> tuple[int, bytes]:
        times, moves = original(self, at, *args)  # type: ignore[arg-type]
        period = args[-1]
        if times and period.groups:  # type: ignore[attr-defined]
            counts["group"] += 1
        elif times and period.tiles > 1:  # type: ignore[attr-defined]
            counts["band"] += 1
        slots = at.tiling.psum_slots  # type: ignore[attr-defined]
        counts["turned"] += bool(times and period.sums % slots)  # type: ignore[attr-defined]
        return times, moves

    with mock.patch.object(planner._Planner, "_repeat", spy):
        yield counts


def _assert_bulk_is_one_by_one(graph: Graph, hw: Hardware, overlap: bool) -> dict[str, int]:
    try:
        with _counted() as counts:
            bulk = _fields(graph, hw, overlap)
    except PlanError:
        assume(False)  # no tile fits this SRAM: a clear error, tested elsewhere
        raise
    with mock.patch.object(planner._Planner, "_repeat", lambda *_: (0, b"")):
        single = _fields(graph, hw, overlap)
    # (the run index: one by one, every tile is compared with the one before when it is read;
    # in bulk, most are marked while planning)
    names = ("tasks", "ranges", "tiles", "ddr", "runs")
    for name, got, want in zip(names, bulk, single, strict=True):
        assert len(got) == len(want), name
        for place, (a, b) in enumerate(zip(got, want, strict=True)):
            assert a == b, f"{name} {place}: bulk {a} != one by one {b}"
    return counts


layers = st.lists(st.sampled_from(["pw", "pw", "dw", "relu"]), min_size=1, max_size=4)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([16, 24, 32]), st.sampled_from([8, 12, 16]), layers.map(tuple),
    st.integers(500, 3000), st.integers(1, 2), st.integers(1, 2), st.booleans(),
    st.sampled_from(["100 GFLOPS", "10 GFLOPS"]), st.sampled_from(["1 GB/s", "4 GB/s"]),
)  # fmt: skip
@example(32, 16, ("pw",), 600, 1, 1, True, "100 GFLOPS", "1 GB/s")  # bands and groups
@example(32, 16, ("dw",), 900, 1, 1, True, "100 GFLOPS", "1 GB/s")  # depthwise groups
@example(32, 16, ("pw", "dw"), 600, 2, 2, False, "100 GFLOPS", "1 GB/s")
@example(16, 16, ("pw",), 500, 1, 1, True, "10 GFLOPS", "4 GB/s")  # two partial-sum slots
def test_periods_planned_in_bulk_are_the_tiles_planned_one_by_one(
    channels: int, side: int, kinds: tuple[str, ...], sram: int, dma: int, mxu: int,
    overlap: bool, matrix: str, bus: str,
) -> None:  # fmt: skip
    hw = toy_machine(sram=sram, dma_units=dma, matrix_units=mxu, matrix=matrix, bus=bus)
    _assert_bulk_is_one_by_one(_chain(channels, side, kinds), hw, overlap)


def test_the_random_chains_do_repeat_whole_bands_and_groups() -> None:
    # (so that the comparison above is not vacuous: the examples' shapes make both happen)
    pointwise = _assert_bulk_is_one_by_one(_chain(32, 16, ("pw",)), toy_machine(sram=600), True)
    depthwise = _assert_bulk_is_one_by_one(_chain(32, 16, ("dw",)), toy_machine(sram=900), True)
    # a band a period on two partial-sum slots (double-buffered: a slow engine, a fast bus)
    turning = _assert_bulk_is_one_by_one(
        _chain(16, 16, ("pw",)), toy_machine(sram=500, matrix="10 GFLOPS", bus="4 GB/s"), True
    )
    assert pointwise["band"] > 0 and pointwise["group"] > 0
    assert depthwise["group"] > 0
    assert turning["turned"] > 0
