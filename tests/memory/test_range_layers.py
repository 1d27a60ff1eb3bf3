"""Every SRAM range belongs to the layer whose planning filled it, and a range a transfer fills
holds exactly the bytes it moves: read off each allocation's filling task (`first`), not the
planner's bookkeeping. Tiled MobileNet plans (thousands of tile slices) and a whole-layer one."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelsim.hardware_file import load_hardware, with_overrides
from accelsim.lowering import lower
from accelsim.memory.policies import make_plan
from accelsim.work import Transfer
from accelsim.workload import import_onnx

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("sram", ["4 KiB", "32 KiB", "256 KiB"])
def test_a_range_is_of_the_layer_and_size_of_the_task_that_fills_it(sram: str) -> None:
    hw = with_overrides(load_hardware(ROOT / "hardware" / "edge1.yaml"), {"sram.capacity": sram})
    plan = make_plan(lower(import_onnx(ROOT / "workloads" / "mobilenet.onnx"), hw), hw,
                     policy="liveness", overlap=True)  # fmt: skip
    filled = [a for a in plan.allocations if a.first >= 0]
    assert len(filled) > 80  # (MobileNet's 28 layers at least: every range here is filled)
    wrong_layer = [a for a in filled if plan.tasks[a.first].layer != a.layer]
    assert wrong_layer == []
    loads = [(a, plan.tasks[a.first].work) for a in filled
             if plan.tasks[a.first].kind in ("load", "reload")]  # fmt: skip
    assert loads
    assert [(a, w) for a, w in loads if not isinstance(w, Transfer) or w.nbytes != a.size] == []
