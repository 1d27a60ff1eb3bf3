"""The whole pipeline in one declared sequence: the library entry point the CLI and sweeps call."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from accelsim.hardware import Hardware
    from accelsim.lowering import Program
    from accelsim.plan import Plan
    from accelsim.sim.trace import Trace
    from accelsim.summary import RunResult
    from accelsim.timing.ddr_banked import DramRun
    from accelsim.workload.graph import Graph


def run(
    model: str | Path | Graph,
    hw: Hardware | str | Path,
    *,
    policy: str = "liveness",
    overlap: bool = True,
    batch: int | None = None,
    assume_vector: bool = False,
    keep_searches: bool = True,
    meanwhile: Callable[[], object] | None = None,
) -> RunResult:
    """Simulate `model` (an ONNX path or an imported Graph) on `hw` (a Hardware or a YAML path).

    `assume_vector` costs ops without a cost rule as one vector op per output element (listed
    as assumed in the run's notes) instead of refusing the model. `keep_searches=False` drops
    the tiler's searches once the plan is made (for a process that runs one model).
    `meanwhile` runs while onnx checks the model in its child process (`import_onnx`).
    """
    from accelsim.hardware import Hardware
    from accelsim.hardware_file import load_hardware
    from accelsim.workload.graph import Graph

    # 1. the machine: a strict schema, units parsed
    machine = hw if isinstance(hw, Hardware) else load_hardware(hw)
    # 2. the workload: ONNX -> Graph of ops with MACs and tensor shapes (knows nothing of hardware)
    if isinstance(model, Graph):
        graph, name = model, model.name
    else:
        from accelsim.workload import import_onnx

        graph = import_onnx(model, batch=batch, assume_vector=assume_vector, meanwhile=meanwhile)
        name = str(model)
    return simulate_graph(graph, machine, name=name, policy=policy, overlap=overlap,
                          keep_searches=keep_searches)  # fmt: skip


def simulate_graph(
    graph: Graph, hw: Hardware, *, name: str, policy: str = "liveness", overlap: bool = True,
    keep_searches: bool = True,
) -> RunResult:
    """Lower, plan, simulate and summarise an already imported graph (sweeps reuse one graph;
    `keep_searches`: see `run`)."""
    with collector_paused():
        return _simulate_graph(graph, hw, name=name, policy=policy, overlap=overlap,
                               keep_searches=keep_searches)  # fmt: skip


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a run builds its records (restored after; the
    `run` command keeps it off while it writes its reports too).

    A tiled run allocates a task, a range and a trace record by the hundred thousand, none
    in a reference cycle; each collection of the older generations walks all of them again
    (GPT-2 small prefill: a third of the run). Freed records still go at once, by their
    reference counts.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            # Into the oldest generation unscanned (a freeze and thaw): re-enabled as is, the
            # first allocation would walk everything the run made as one young generation.
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def _simulate_graph(graph: Graph, hw: Hardware, *, name: str, policy: str, overlap: bool,
                    keep_searches: bool) -> RunResult:  # fmt: skip
    from accelsim.lowering import lower
    from accelsim.memory.policies import make_plan
    from accelsim.memory.tiling import forget_searches

    # 3. lowering: fold BN, fuse ops into the engine's output, bytes at the machine's data types
    program = lower(graph, hw)
    # 4. memory plan: where every buffer lives, loads, frees, spills, tiles, as ordered tasks
    plan = make_plan(program, hw, policy=policy, overlap=overlap)
    if not keep_searches:  # before the engine and the summary, which set the peak memory
        forget_searches()
    return simulate_plan(program, plan, hw, name=name, overlap=overlap)


def simulate_plan(
    program: Program, plan: Plan, hw: Hardware, *, name: str, overlap: bool
) -> RunResult:
    """Steps 5 and 6 of `simulate_graph`: `plan` must be what `make_plan` gives for `hw` (a
    sweep reuses one lowering and one plan across points that lower and plan alike)."""
    from accelsim.summary import summarize

    trace, dram = run_plan(plan, hw)
    # 6. per-layer results, totals and the floor, all derived from the trace (and the banked
    #    DDR's own log of bursts, row hits and commands)
    result = summarize(name, hw, program, plan, trace, overlap=overlap)
    return replace(result, dram=dram)


def run_plan(plan: Plan, hw: Hardware) -> tuple[Trace, DramRun | None]:
    """Step 5 alone: the trace, and the banked DDR's log (None on another tier); a sweep point
    that keeps only totals reads them off these without the per-layer summary."""
    from accelsim.sim.engine import simulate
    from accelsim.timing.ddr_banked import dram_run
    from accelsim.timing.models import build_units

    # 5. SimPy: each task runs on a free unit of its kind, timed by the unit's timing model
    units = build_units(hw)
    trace = simulate(plan, units=units, clock_hz=hw.clock)
    return trace, dram_run(units, trace.end)
