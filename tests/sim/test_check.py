"""The independent judge catches planted planner bugs that a plan-trusting checker let through.

Each test plants one plausible bug by monkeypatching the planner or the machine, runs a small
graph on the toy machine, and asserts the judge names what broke. Timings are by hand.
"""

from __future__ import annotations

import pytest

from accelsim.api import simulate_graph
from accelsim.check import compute_cycles, plan_violations, transfer_cycles
from accelsim.memory import planner
from accelsim.timing.models import estimate
from accelsim.timing.rate import RateChannel
from accelsim.work import Transfer
from tests.sim.toy import GraphBuilder, toy_machine


def _two_convs():
    """x 32 B -> c1 (W1 72 B, 1152 MACs) -> a 64 B -> c2 (W2 16 B, 256 MACs) -> b 64 B."""
    g = GraphBuilder()
    x = g.input("x", (1, 2, 4, 4))
    a = g.conv("c1", x, 4, 3, pad=1)
    return g.build(g.conv("c2", a, 4, 1))


def _judge(hw):
    result = simulate_graph(_two_convs(), hw, name="t")
    return result, plan_violations(result.program, result.plan, result.trace, hw)


def test_judge_accepts_the_correct_run():
    # 168 B = x + W1 + a: c2's W2 and b must reuse x's and W1's bytes once c1 is done.
    result, problems = _judge(toy_machine(sram=168, latency_ns=10))
    assert problems == []
    # W2 waits for c1's compute [124, 148) to end before it overwrites x/W1: 148 + 10 + 16 = 174
    loads = [(e.buffer, e.start, e.end) for e in result.trace.events if e.kind == "load"]
    assert loads[-1] == ("c2.W", 148, 174)


@pytest.mark.unjudged("it plants a bug for the judge to catch")
def test_judge_catches_every_transfer_one_cycle_longer(monkeypatch):
    honest = RateChannel.run  # the DMA units' timing model, asked as each transfer starts
    monkeypatch.setattr(RateChannel, "run", lambda model, work, now: honest(model, work, now) + 1)
    _, problems = _judge(toy_machine(sram=168, latency_ns=10))
    # load x: 10 cycles of latency + 32 B at 1 B/cycle = 42, the planted bug says 43
    assert "event 0: load of 32 B took 43 cycles, not 42" in problems


@pytest.mark.unjudged("it plants a bug for the judge to catch")
def test_judge_catches_a_range_freed_before_its_last_reader_ends(monkeypatch):
    def free_after_fill_only(self, name):  # forgets the readers: free once the data arrived
        resident = self.resident.pop(name)
        self._release(resident.allocation, {resident.ready} - {-1})

    monkeypatch.setattr(planner._Planner, "_free", free_after_fill_only)
    result, problems = _judge(toy_machine(sram=168, latency_ns=10))
    w2 = next(e for e in result.trace.events if e.buffer == "c2.W")
    assert w2.start < 148  # the planted bug lets W2 land while c1 still reads x and W1
    assert any("c2.W" in p and "still needed until 148" in p for p in problems), problems


@pytest.mark.unjudged("it plants a bug for the judge to catch")
def test_judge_catches_a_compute_not_waiting_for_its_inputs(monkeypatch):
    honest = planner._Planner._task

    def task(self, unit_kind, kind, layer, tile, buffer, work, deps, *waits):
        if kind == "compute":  # forgets the loads of its own inputs
            deps = {d for d in deps if self.tasks[d].kind != "load"}
        return honest(self, unit_kind, kind, layer, tile, buffer, work, deps, *waits)

    monkeypatch.setattr(planner._Planner, "_task", task)
    _, problems = _judge(toy_machine(sram=10_000, latency_ns=10))
    # c1 starts at 0 while x arrives at 42 (and W1 at 124)
    assert "event 2 (compute) starts at 0, before x is in SRAM at 42" in problems


def test_transfer_of_zero_bytes_costs_nothing_even_with_latency():
    hw = toy_machine(latency_ns=10)
    # Nothing to fetch, so no request is issued: no latency either. One byte pays it: 10 + 1.
    assert (transfer_cycles(0, hw), transfer_cycles(1, hw)) == (0, 11)
    zero, one = (Transfer(nbytes=n, direction="in") for n in (0, 1))
    assert (estimate(hw, "dma", zero), estimate(hw, "dma", one)) == (0, 11)


@pytest.mark.parametrize(
    ("unit", "macs", "ops", "cycles"),
    [
        ("matrix", 1152, 0, 24),  # 2304 FLOP / 100 per cycle = 23.04 -> 24
        ("matrix", 50, 0, 1),  # 100 FLOP: exactly one cycle, no float noise
        ("vector", 0, 7, 7),  # 1 op per cycle
    ],
)
def test_judge_compute_formula_by_hand(unit, macs, ops, cycles):
    assert compute_cycles(unit, macs, ops, toy_machine()) == cycles


def _judge_edited(**edits):
    """The correct run of `_two_convs` with events moved (task -> (start, end)) or the SRAM curve
    replaced (`sram=`), judged again: the judge must be exact to the cycle and the byte."""
    from dataclasses import replace

    hw = toy_machine(sram=168, latency_ns=10)
    result, problems = _judge(hw)
    assert problems == []
    sram = edits.pop("sram", result.trace.sram)
    ranges = edits.pop("ranges", {})
    moved = {int(task.removeprefix("e")): span for task, span in edits.items()}
    events = tuple(
        e._replace(start=moved[e.task][0], end=moved[e.task][1]) if e.task in moved else e
        for e in result.trace.events
    )
    trace = replace(result.trace, events=events, sram=sram)
    allocations = tuple(
        a._replace(offset=ranges[a.buffer][0], size=ranges[a.buffer][1]) if a.buffer in ranges
        else a
        for a in result.plan.allocations
    )  # fmt: skip
    return plan_violations(result.program, replace(result.plan, allocations=allocations), trace, hw)


def test_judge_catches_a_reader_starting_one_cycle_before_its_fill_ends():
    # c1.W lands at 124; c1's compute (24 cycles) moved one cycle earlier, to [123, 147), its
    # output's bytes (and the SRAM curve) in use from 123
    sram = ((0, 32), (42, 104), (123, 168), (148, 80), (174, 144), (180, 64), (254, 0))
    assert _judge_edited(e2=(123, 147), sram=sram) == [
        "event 2 (compute) starts at 123, before c1.W is in SRAM at 124"
    ]


def test_judge_catches_an_overwrite_one_cycle_before_the_old_copy_is_free():
    # x (bytes 0-31) is read by c1's compute until 148; c2.W (bytes 0-15) loading from 147 on
    # (so, for that cycle, 16 B more are live than the 168 B of SRAM)
    assert _judge_edited(e3=(147, 173)) == [
        "c2.W (filled by event 3) overwrites bytes of x (event 0) still needed until 148",
        "SRAM in use reported as 168 B at cycle 147; 184 B are live",
    ]


def test_judge_catches_one_byte_of_sram_under_reported():
    # at 124, x 32 + c1.W 72 + c1.out 64 = 168 B are live; the curve says 167
    sram = ((0, 32), (42, 104), (124, 167), (148, 80), (174, 144), (180, 64), (254, 0))
    assert _judge_edited(sram=sram) == [
        "SRAM in use reported as 167 B at cycle 124; 168 B are live"
    ]


def test_judge_catches_one_extra_cycle_of_compute():
    # c2: 256 MACs = 512 FLOP at 100 per cycle = 5.12 -> 6 cycles, not 7 (the store moves too;
    # the SRAM curve, not moved, frees c2's 80 B of inputs at 180, a cycle before c2 ends)
    assert _judge_edited(e4=(174, 181), e5=(181, 255)) == [
        "SRAM in use reported as 64 B at cycle 180; 144 B are live",
        "layer c2: 1 compute(s) took 7 cycles; its work takes 6",
    ]


def test_judge_catches_a_range_one_byte_past_the_end_of_sram():
    # c2.out (64 B, filled at 174) moved from offset 16 to 105: [105, 169) ends 1 B past 168
    problems = _judge_edited(ranges={"c2.out": (105, 64)})
    assert problems[0] == "c2.out: range [105, 169) outside SRAM"


def test_judge_catches_a_layer_covering_one_byte_less_than_it_writes():
    # c2 writes 64 B of c2.out into a 63 B range
    assert _judge_edited(ranges={"c2.out": (16, 63)}) == [
        "layer c2: its computes cover 63 of 64 B of c2.out"
    ]


def test_judge_catches_two_transfers_sharing_one_cycle_of_the_bus():
    # c1.W's load (82 cycles) moved to [41, 123): one cycle under x's load [0, 42)
    sram = ((0, 32), (41, 104), (124, 168), (148, 80), (174, 144), (180, 64), (254, 0))
    assert _judge_edited(e1=(41, 123), sram=sram) == ["bus: 2 tasks at once at cycle 41, most 1"]


def test_floor_counts_every_byte_through_the_one_ddr_behind_two_channels():
    # x 32 + c1.W 72 + c2.W 16 + c2.out 64 = 184 B: two 1 B/cycle channels could move them in
    # 92 cycles, but the 1 GB/s DDR behind both moves 1 B a cycle: 184
    from accelsim.lowering import lower
    from accelsim.summary import floor_of

    hw = toy_machine(dma_units=2, ddr="1 GB/s")
    assert floor_of(lower(_two_convs(), hw), hw).parts["bus"] == 184


def test_judge_catches_two_ddr_homes_sharing_one_byte():
    from dataclasses import replace

    hw = toy_machine(sram=168, latency_ns=10)
    result, _ = _judge(hw)
    # x's home is [0, 32); c1.W's moved from 64 to 31 shares byte 31 (its transfers move too)
    homes = tuple(replace(r, address=31) if r.buffer == "c1.W" else r for r in result.plan.ddr)
    problems = plan_violations(result.program, replace(result.plan, ddr=homes), result.trace, hw)
    assert "x and c1.W share DDR bytes from 31" in problems


def test_judge_catches_a_shared_channel_transfer_one_cycle_faster_than_possible():
    # Two channels share a 2 GB/s DDR, so a transfer may take longer than alone, never less:
    # x's load, 10 cycles of latency + 32 B at 1 B/cycle = 42, reported as 41
    from dataclasses import replace

    hw = toy_machine(sram=168, latency_ns=10, dma_units=2, ddr="2 GB/s")
    result = simulate_graph(_two_convs(), hw, name="t")
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
    events = tuple(e._replace(end=41) if e.task == 0 else e for e in result.trace.events)
    trace = replace(result.trace, events=events)
    assert plan_violations(result.program, result.plan, trace, hw) == [
        "event 0: load of 32 B took 41 cycles, not under 42"
    ]


def test_judge_catches_two_copies_sharing_one_byte():
    # c1.out (64 B, filled by c1's compute at 124, read by c2 until 180) moved from offset 104
    # to 103: its first byte is c1.W's last ([32, 104), read by c1 until 148)
    assert _judge_edited(ranges={"c1.out": (103, 64)}) == [
        "c1.out (filled by event 2) overwrites bytes of c1.W (event 1) still needed until 148"
    ]


def test_judge_catches_a_transfer_one_byte_past_its_ddr_home():
    from dataclasses import replace

    hw = toy_machine(sram=168, latency_ns=10)
    result, _ = _judge(hw)
    # c1.W's home is [64, 136); its 72 B load moved to DDR 65 ends at 137
    tasks = tuple(
        t._replace(work=replace(t.work, address=65)) if t.buffer == "c1.W" else t
        for t in result.plan.tasks
    )
    plan = replace(result.plan, tasks=tasks)
    assert plan_violations(result.program, plan, result.trace, hw) == [
        "task 1: load of c1.W at DDR 65, outside its home [64, 136)"
    ]


def test_judge_times_transfers_at_the_slower_of_bus_and_ddr():
    # a 0.5 GB/s DDR behind the 1 GB/s bus: 10 cycles of latency + 32 B at 0.5 B/cycle = 74
    hw = toy_machine(sram=168, latency_ns=10, ddr="0.5 GB/s")
    assert transfer_cycles(32, hw) == 74
    result, problems = _judge(hw)
    assert problems == []
    assert (result.trace.events[0].start, result.trace.events[0].end) == (0, 74)


def test_judge_catches_a_load_of_fewer_bytes_than_its_range():
    from dataclasses import replace

    hw = toy_machine(sram=168, latency_ns=10)
    result, _ = _judge(hw)
    # x's load said to move 31 B into its 32 B range (and so to take 41 cycles, not 42)
    events = tuple(e._replace(nbytes=31) if e.task == 0 else e for e in result.trace.events)
    trace = replace(result.trace, events=events)
    problems = plan_violations(result.program, result.plan, trace, hw)
    assert "x: 32 B range for a 31 B load" in problems


def test_judge_catches_a_reload_starting_before_its_spill_ends():
    from dataclasses import replace

    from tests.memory.test_planner import _two_candidates

    hw = toy_machine(sram=300)
    result = simulate_graph(_two_candidates(), hw, name="t")
    assert plan_violations(result.program, result.plan, result.trace, hw) == []
    spill = next(e for e in result.trace.events if e.kind == "spill")
    reload = next(e for e in result.trace.events if e.kind == "reload")
    # the reload of b moved to start one cycle before b's spill ends (it still ends after it)
    early = (spill.end - 1, spill.end - 1 + reload.end - reload.start)
    events = tuple(
        e._replace(start=early[0], end=early[1]) if e.task == reload.task else e
        for e in result.trace.events
    )
    trace = replace(result.trace, events=events)
    problems = plan_violations(result.program, result.plan, trace, hw)
    assert f"event {reload.task} loads b before its store ends" in problems
