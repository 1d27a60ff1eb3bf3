"""Whole-plan rules over random graphs on random machines (`corpus.py`), each from what a plan
must do, not from how the planner does it: bytes written to DDR once, a graph that fits moving
each byte once, every layer's work done exactly once across its tiles, and the SRAM curve the
run reports equal to the ranges the plan holds."""

from __future__ import annotations

import random
from collections import Counter

from accelsim.api import simulate_graph
from accelsim.errors import PlanError
from accelsim.work import Gemm, Vector
from tests.judge import corpus

RUNS = 200


def test_each_buffer_reaches_ddr_at_most_once_and_each_output_whole():
    # Every buffer is written by one layer, so its bytes need to leave SRAM at most once: a
    # clean copy (reloaded, or already stored) is dropped, never written again. Inputs and
    # weights are in DDR from the start.
    for result, _ in corpus.runs(RUNS):
        program, drained = result.program, Counter()
        for event in result.trace.events:
            if event.kind in ("store", "spill"):
                drained[event.buffer] += event.nbytes
        for name, nbytes in drained.items():
            buffer = program.buffers[name]
            assert buffer.kind not in ("input", "weight"), (program.name, name)
            assert nbytes <= buffer.nbytes, (program.name, name, nbytes)
        for name in program.outputs:
            stored = sum(e.nbytes for e in result.trace.events
                         if e.kind == "store" and e.buffer == name)  # fmt: skip
            assert stored == program.buffers[name].nbytes, (program.name, name)


def test_a_graph_that_fits_in_sram_moves_each_input_weight_and_output_once():
    rng = random.Random(5)
    for number in range(40):
        make = corpus.conv_graph if number % 2 else corpus.matmul_graph
        graph = make(rng, f"fits{number}")
        everything = sum(t.elements for t in graph.tensors.values())  # int8: a byte each
        hw = corpus.machine(rng, everything + rng.randint(0, 64))
        result = simulate_graph(graph, hw, name=graph.name)
        program = result.program
        moved = Counter()
        for event in result.trace.events:
            assert event.kind not in ("spill", "reload"), (graph.name, event)
            if event.kind != "compute":
                moved[event.kind, event.buffer] += event.nbytes
        wanted = Counter()
        for name, buffer in program.buffers.items():
            if buffer.kind in ("input", "weight"):
                wanted["load", name] = buffer.nbytes
        for name in program.outputs:
            wanted["store", name] = program.buffers[name].nbytes
        assert moved == wanted, graph.name
        assert set(result.plan.tiles) == {1}


def test_every_layers_work_is_done_exactly_once_across_its_tiles():
    for result, _ in corpus.runs(RUNS):
        program = result.program
        macs, ops, volume = Counter(), Counter(), Counter()
        for task in result.plan.tasks:
            if task.kind != "compute":
                continue
            work = task.work
            if isinstance(work, Gemm):
                macs[task.layer] += work.macs
                volume[task.layer] += work.m * work.k * work.n * work.groups
            else:
                assert isinstance(work, Vector)
                ops[task.layer] += work.ops
        for layer in program.layers:
            assert macs[layer.index] == layer.macs, (program.name, layer.name)
            assert ops[layer.index] == layer.vector_ops + layer.epilogue_ops, layer.name
            if layer.gemm is not None:  # the tiles' M x K x N blocks add up to the layer's
                g = layer.gemm
                assert volume[layer.index] == g.m * g.k * g.n * g.groups, layer.name


def test_the_reported_sram_in_use_is_the_bytes_of_the_ranges_held():
    # A range is held from the start of the task that fills it until every task it is
    # released after has ended (until the run ends when none is named).
    for result, hw in corpus.runs(RUNS):
        events, trace = result.trace.events, result.trace
        held = []
        for a in result.plan.allocations:
            until = max((events[t].end for t in a.release), default=trace.end)
            held.append((events[a.first].start, until, a.size))
        reported = list(trace.sram)
        steps = {0} | {s for s, _, _ in held} | {u for _, u, _ in held} | {t for t, _ in reported}
        for time in sorted(steps):
            shown = [used for at, used in reported if at <= time][-1]
            assert shown == _in_use(held, time) <= hw.sram.capacity, (result.program.name, time)


def _in_use(held, time):
    return sum(size for start, until, size in held if start <= time < until)


def test_without_overlap_each_task_starts_after_the_one_before_it_ends():
    rng = random.Random(7)
    for number in range(30):
        graph = (corpus.conv_graph if number % 2 else corpus.matmul_graph)(rng, f"serial{number}")
        everything = sum(t.elements for t in graph.tensors.values())
        hw = corpus.machine(rng, max(64, rng.randint(everything // 8, everything)))
        try:
            events = simulate_graph(graph, hw, name=graph.name, overlap=False).trace.events
        except PlanError:
            continue
        for before, after in zip(events, events[1:], strict=False):
            assert after.start >= before.end, (graph.name, before.task, after.task)
