"""The banked tier sees each transfer at its own DDR address: the plan keeps addresses in a
column beside one shared work record per transfer size (`plan.Tasks.address`), and the
simulator builds each transfer with its address for the tiers that read it."""

from __future__ import annotations

from pathlib import Path

from accelsim.api import run
from accelsim.work import Transfer

ROOT = Path(__file__).resolve().parents[2]
BURST = 64  # DDR4's burst: BL8 x 8 bytes


def test_each_transfer_reaches_the_banked_tier_as_the_bursts_of_its_own_address() -> None:
    result = run(ROOT / "workloads" / "mobilenet.onnx", ROOT / "hardware" / "edge1-ddr4.yaml")
    assert result.dram is not None
    moved = [t.work for t in result.plan.tasks if isinstance(t.work, Transfer) and t.work.nbytes]
    assert len({work.address for work in moved}) > len(moved) // 2  # (not one address for all)
    # By hand: a transfer of n bytes at address a is the bursts at the multiples of 64 from
    # a rounded down to a + n, read for "in", written for "out".
    expected = sorted(
        (burst, work.direction == "out")
        for work in moved
        for burst in range(work.address - work.address % BURST, work.address + work.nbytes, BURST)
    )  # fmt: skip
    assert sorted((address, write) for address, write, _ in result.dram.bursts) == expected
