"""Shared inputs for sweep tests: MobileNet on edge1 and a helper to run a sweep in-process."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelsim.sweep.executors import LocalExecutor
from accelsim.sweep.grid import parse_set
from accelsim.sweep.runner import SweepOutcome, run_sweep
from accelsim.sweep.spec import SweepSpec

ROOT = Path(__file__).resolve().parents[2]
MOBILENET = ROOT / "workloads" / "mobilenet.onnx"
EDGE1 = ROOT / "hardware" / "edge1.yaml"


def spec_of(*sets: str, **fields: object) -> SweepSpec:
    return SweepSpec(model=MOBILENET, hardware=EDGE1, axes=tuple(parse_set(s) for s in sets),
                     **fields)  # type: ignore[arg-type]  # fmt: skip


@pytest.fixture
def sweep(tmp_path):
    """Run a sweep into tmp_path/<n> (in this process unless an executor is given)."""
    count = iter(range(1000))

    def run(*sets: str, executor=None, **options) -> SweepOutcome:
        out = options.pop("out", tmp_path / str(next(count)))
        return run_sweep(spec_of(*sets), executor=executor or LocalExecutor(1), out=out,
                         **options)  # fmt: skip

    return run
