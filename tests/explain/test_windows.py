"""Walking back and layer windows where tasks do not finish in plan order (two DMA channels):
a task set by in-order issue adds no time of the task it followed, and a layer that ended
before the one planned ahead of it has an empty window."""

from __future__ import annotations

from accelsim.api import simulate_graph
from accelsim.explain.walk import walk_back
from tests.sim.toy import GraphBuilder, toy_machine


def _overtaken():
    """x (1,000 B) -> Sigmoid -> c (1,000 B, an output); y (10 B) -> Tanh -> s (10 B, output).

    Two DMA channels (a task takes the one free first), 1 B and the vector unit 1 op a cycle:
    load x 0-1,000 (dma0), Sigmoid 1,000-2,000, store c 2,000-3,000 (dma1, free since 0). The
    load of y comes after that store in plan order, so it is issued with it, at 2,000, on dma0
    (in-order issue): 2,000-2,010; Tanh 2,010-2,020; store s 2,020-2,030 on dma0: the second
    layer ends 970 cycles before the first.
    """
    g = GraphBuilder()
    x, y = g.input("x", (1, 1000)), g.input("y", (1, 10))
    c = g.op("big", "Sigmoid", [x], "c", (1, 1000), vector_ops=1000)
    s = g.op("small", "Tanh", [y], "s", (1, 10), vector_ops=10)
    return simulate_graph(g.build(c, s), toy_machine(dma_units=2), name="t")


def test_a_start_set_by_in_order_issue_adds_nothing_of_the_task_before():
    result = _overtaken()
    events = result.trace.events
    times = [(e.kind, e.buffer, e.resource, e.start, e.end) for e in events]
    assert times == [("load", "x", "dma0", 0, 1000), ("compute", "", "vector", 1000, 2000),
                     ("store", "c", "dma1", 2000, 3000), ("load", "y", "dma0", 2000, 2010),
                     ("compute", "", "vector", 2010, 2020), ("store", "s", "dma0", 2020, 2030)]
    assert (events[3].waited, events[3].waited_on) == ("issue", 2)
    # Back from store s: its 10 cycles, Tanh's, load y's; load y waited for store c's issue,
    # not its end, so store c adds nothing; store c itself waited for the Sigmoid, which
    # waited for load x. The steps tile 0-2,030 exactly.
    steps = [(s.task, s.start, s.end, s.label) for s in walk_back(events, 5)]
    assert steps == [(5, 2020, 2030, "bus"), (4, 2010, 2020, "vector"), (3, 2000, 2010, "bus"),
                     (1, 1000, 2000, "vector"), (0, 0, 1000, "bus")]  # fmt: skip


def test_a_layer_that_ended_before_the_layer_ahead_of_it_has_an_empty_window():
    result = _overtaken()
    windows = [(layer.breakdown.start, layer.breakdown.end) for layer in result.layers]
    assert windows == [(0, 3000), (3000, 3000)]
    assert sum(result.layers[1].breakdown.parts.values()) == 0
    assert result.layers[1].breakdown.bound is None


def _event(task, start, end, *, nbytes, waited="none", waited_on=-1):
    from accelsim.sim.trace import Event

    return Event(task=task, resource="bus", unit_kind="dma", kind="load", layer=0, tile=0,
                 buffer="x", nbytes=nbytes, issued=start, deps_done=0, space_free=0,
                 unit_free=0, freed_by=-1, waited=waited, waited_on=waited_on, start=start,
                 end=end)  # fmt: skip


def test_a_queued_transfers_step_is_clipped_at_the_floor():
    # Two transfers on one channel, 10 cycles of start-up: the second starts at 5 and its data
    # follows the first's, which ends at 50 (> 5 + 10). Walked back from the second with the
    # window starting at 60: one step [60, 80) on the bus, 20 cycles = its end - the floor;
    # the first ended before the floor and gives none.
    events = (_event(0, 0, 50, nbytes=40), _event(1, 5, 80, nbytes=30))
    steps = walk_back(events, 1, floor=60, startup=10, behind=(-1, 0))
    assert [(s.task, s.start, s.end, s.label) for s in steps] == [(1, 60, 80, "bus")]


def test_a_dma_task_of_no_bytes_has_no_start_up_part():
    # The start-up (`latency`) heads a transfer that moves bytes; a DMA task of 0 bytes is all
    # bus time: [0, 10) in one step.
    steps = walk_back((_event(0, 0, 10, nbytes=0),), 0, startup=4)
    assert [(s.task, s.start, s.end, s.label) for s in steps] == [(0, 0, 10, "bus")]


def test_a_task_ending_at_the_floor_is_not_on_the_windows_chain():
    # task 1 [5, 60) on a queued channel moved its data after task 0's [0, 30); with the
    # window from 30, task 0 ended at the floor: the chain is task 1's [30, 60) alone
    events = (_event(0, 0, 30, nbytes=20), _event(1, 5, 60, nbytes=30))
    steps = walk_back(events, 1, floor=30, startup=10, behind=(-1, 0))
    assert [(s.task, s.start, s.end, s.label) for s in steps] == [(1, 30, 60, "bus")]


def test_a_queued_transfer_reached_through_released_space_is_sram_time():
    # task 2 [80, 90) waited for the SRAM space task 1 released; task 1's data followed task
    # 0's on the channel (start-up 10 from 5 ends before task 0's 50): from 50 to 80 task 1
    # holds the chain as what task 2 waited for, SRAM space, then task 0 as bus time
    events = (_event(0, 0, 50, nbytes=40), _event(1, 5, 80, nbytes=30),
              _event(2, 80, 90, nbytes=0, waited="space", waited_on=1))  # fmt: skip
    steps = walk_back(events, 2, startup=10, behind=(-1, 0, -1))
    assert [(s.task, s.start, s.end, s.label) for s in steps] == [
        (2, 80, 90, "bus"), (1, 50, 80, "sram"), (0, 10, 50, "bus"), (0, 0, 10, "latency")]


def test_a_queued_transfer_reached_through_in_order_issue_adds_nothing():
    # task 2 (no bytes) [5, 20) started when task 1 was issued, at 5; task 1's data waited
    # behind task 0's, but the issue hop is zero-length: task 1 adds no step, and it started
    # for no recorded reason, so the chain ends there
    events = (_event(0, 0, 50, nbytes=40), _event(1, 5, 80, nbytes=30),
              _event(2, 5, 20, nbytes=0, waited="issue", waited_on=1))  # fmt: skip
    steps = walk_back(events, 2, startup=10, behind=(-1, 0, -1))
    assert [(s.task, s.start, s.end, s.label) for s in steps] == [(2, 5, 20, "bus")]


def test_data_waits_behind_the_transfer_before_only_past_its_own_start_up():
    from accelsim.explain.walk import data_behind

    # start-up 10: task 1 issued at 5 would move data from 15, exactly when task 0's ends: it
    # did not wait; issued at 4, it did
    assert data_behind((_event(0, 0, 15, nbytes=10), _event(1, 5, 30, nbytes=10)), 10) == ()
    assert data_behind((_event(0, 0, 15, nbytes=10), _event(1, 4, 30, nbytes=10)), 10) == (-1, 0)
    # a task of no bytes moves no data: the next transfer waits behind task 0's, not its
    events = (_event(0, 0, 15, nbytes=10), _event(1, 3, 3, nbytes=0), _event(2, 4, 30, nbytes=10))
    assert data_behind(events, 10) == (-1, -1, 0)
