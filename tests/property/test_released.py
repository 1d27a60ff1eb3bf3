"""What a run builds and no longer needs is freed as soon as it is done, by reference counts
alone: a run pauses the cycle collector, so anything caught in a reference cycle stays until
the process ends (a LLaMA-7B prefill's planner held ~200 MB of ranges that way)."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from accelsim.hardware_file import load_hardware, with_overrides
from accelsim.lowering import lower
from accelsim.memory import planner
from accelsim.workload import import_onnx

ROOT = Path(__file__).resolve().parents[2]


def test_the_planner_is_freed_once_its_plan_is_built(monkeypatch):
    hw = load_hardware(ROOT / "hardware" / "edge1.yaml")
    hw = with_overrides(hw, {"sram.capacity": "16 KiB"})
    program = lower(import_onnx(ROOT / "workloads" / "mobilenet.onnx"), hw)
    seen: list[weakref.ref[object]] = []
    run = planner._Planner.run

    def watched(self):  # type: ignore[no-untyped-def]
        seen.append(weakref.ref(self))
        return run(self)

    monkeypatch.setattr(planner._Planner, "run", watched)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        plan = planner.plan_liveness(program, hw)
        assert len(seen) == 1
        assert seen[0]() is None  # no cycle kept it: freed when `plan_liveness` returned
        assert sum(plan.tiles) > len(program.layers)  # a tiled run (ranges by the thousand)
    finally:
        if was_enabled:
            gc.enable()
