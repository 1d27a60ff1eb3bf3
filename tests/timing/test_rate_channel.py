"""The rate DMA channel as the simulator calls it (`run(work, now)`), by hand: start-up of DDR
plus channel latency, the channel's own data at its bandwidth, the shared DDR holding it when
slower, and a queue of depth 2 sending a request behind its own earlier data."""

from __future__ import annotations

from accelsim.hardware_file import with_overrides
from accelsim.timing.models import build_units
from accelsim.work import Transfer
from tests.sim.toy import toy_machine


def _channel(*, ddr: str = "100 GB/s", depth: int = 1):
    """The toy bus (1 B/cycle at 1 GHz) with 5 ns of its own latency and 3 ns of DDR's: every
    transfer starts up for 8 cycles."""
    hw = with_overrides(
        toy_machine(latency_ns=5, ddr=ddr), {"ddr.latency": "3 ns", "units.bus.depth": depth}
    )
    return build_units(hw)["bus"]


def _t(nbytes: int) -> Transfer:
    return Transfer(nbytes=nbytes, direction="in")


def test_a_lone_transfer_pays_both_latencies_then_its_bytes():
    bus = _channel()
    assert bus.estimate(_t(100)) == 8 + 100
    assert bus.run(_t(100), 0) == 8 + 100
    # issued at 200, after the first ended: its own start-up again, from 200
    assert bus.run(_t(40), 200) == 8 + 40


def test_a_zero_byte_transfer_takes_no_cycles_and_leaves_the_channel_as_it_was():
    bus = _channel()
    assert bus.run(_t(0), 5) == 0
    assert bus.run(_t(10), 5) == 8 + 10  # not behind a phantom start-up of the empty one


def test_a_slower_ddr_holds_the_transfer():
    # DDR at 0.5 GB/s: 100 B take 200 cycles behind the 8-cycle start-up (the bus alone: 100)
    bus = _channel(ddr="0.5 GB/s")
    assert bus.estimate(_t(100)) == 8 + 200
    assert bus.run(_t(100), 0) == 8 + 200


def test_a_queued_transfer_waits_for_the_data_before_it_not_for_its_start_up():
    bus = _channel(depth=2)
    assert bus.run(_t(100), 0) == 108  # data [8, 108)
    # issued at 10: its start-up ends at 18, but the channel moves its data only from 108
    assert bus.run(_t(50), 10) == 108 + 50 - 10
    # issued at 300, long after: a fresh start-up, [308, 318)
    assert bus.run(_t(10), 300) == 8 + 10
