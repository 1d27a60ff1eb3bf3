"""The rate DMA channel over a banked DDR much faster than it (a DDR4-3200 channel, 25.6 GB/s,
behind a 1 GB/s bus): DRAM is hidden, so a transfer ends when the channel's own data does, after
its start-up or behind the data queued before it, never when DDR alone is done."""

from __future__ import annotations

from pathlib import Path

from accelsim.hardware_file import load_hardware, with_overrides
from accelsim.timing.models import build_units
from accelsim.work import Transfer

ROOT = Path(__file__).resolve().parents[2]


def _bus(depth: int = 1):
    """edge1-ddr4's bus (1 B a cycle at 1 GHz) with 100 ns of start-up of its own."""
    hw = load_hardware(ROOT / "hardware" / "edge1-ddr4.yaml")
    hw = with_overrides(hw, {"units.bus.latency": "100 ns", "units.bus.depth": depth})
    return build_units(hw)["bus"]


def test_a_lone_transfer_over_fast_dram_pays_its_start_up_and_its_bytes():
    # 1,024 B: start-up [0, 100), data [100, 1,124). DDR gets 64 B bursts as the bus hands them
    # over, the last at 100 + 15 x 64 = 1,060, and serves it within tens of cycles (tRCD + CL
    # ~28 ns on a miss), before the bus is done: the transfer takes 100 + 1,024 cycles.
    bus = _bus()
    assert bus.run(Transfer(nbytes=1_024, direction="in", address=0), 0) == 1_124
    (record,) = bus.ddr.transfers
    assert record.arrive == 100 and 1_060 < record.end < 1_124  # DDR done first: hidden


def test_a_queued_transfer_over_fast_dram_follows_the_data_before_it():
    # depth 2: issued at 10, its start-up ends at 110 but the bus moves its 64 B only after the
    # first transfer's data, [1,124, 1,188): 1,178 cycles from 10. DDR serves its one burst
    # (arriving at 1,124) a few tens of cycles later, before 1,188.
    bus = _bus(depth=2)
    assert bus.run(Transfer(nbytes=1_024, direction="in", address=0), 0) == 1_124
    assert bus.run(Transfer(nbytes=64, direction="in", address=1_024), 10) == 1_188 - 10
    assert bus.ddr.transfers[-1].end < 1_188
