"""A run is the same in every process: nothing may follow a set's hash-seeded order."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The decode step on two DMA channels: its KV-cache outputs' DDR homes once followed the
# lowering's set of buffer names, so their addresses changed with PYTHONHASHSEED.
SCRIPT = f"""
from accelsim.api import simulate_graph
from accelsim.hardware_file import load_hardware
from accelsim.workload import import_onnx
r = simulate_graph(import_onnx({str(ROOT / "workloads" / "gpt_decode.onnx")!r}),
                   load_hardware({str(ROOT / "hardware" / "edge1-2dma.yaml")!r}), name="m")
print(list(r.program.buffers), r.plan.ddr, [t.work for t in r.plan.tasks])
"""


def _plan_under(seed: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT], check=True, capture_output=True, text=True,
        env={"PYTHONHASHSEED": seed, "PATH": ""},
    ).stdout  # fmt: skip


def test_plan_does_not_depend_on_the_hash_seed():
    assert _plan_under("1") == _plan_under("2")
