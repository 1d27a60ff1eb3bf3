"""The rate DMA channel as the simulator calls it (`run(work, now)`), by hand: start-up of DDR
plus channel latency, the channel's own data at its bandwidth, the shared DDR holding it when
slower, and a queue of depth 2 sending a request behind its own earlier data."""

from __future__ import annotations

from accelsim.hardware_file import with_overrides
from accelsim.timing.ddr import RateDdr
from accelsim.timing.models import build_units, reads_addresses
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


def _two_channels(*, ddr: str):
    """Two toy buses (1 B/cycle, 8 cycles of start-up) over one DDR of `ddr`."""
    hw = with_overrides(toy_machine(latency_ns=5, ddr=ddr, dma_units=2), {"ddr.latency": "3 ns"})
    units = build_units(hw)
    return units["dma0"], units["dma1"]


def test_a_channels_state_includes_the_ddr_it_shares():
    # dma0 moves 100 B over a DDR of 1 B/cycle: DDR is busy [8, 108). dma1 has done nothing, yet
    # its next transfer depends on that: 40 B issued at 10 start up until 18 and get DDR only
    # from 108, ending at 148 (138 cycles), against 18 + 40 = 58 (48 cycles) on an idle DDR.
    # So dma1's state (what the simulator compares to skip repeating tiles, and shifts) holds
    # the DDR, one object shared with dma0.
    busy0, busy1 = _two_channels(ddr="1 GB/s")
    idle0, idle1 = _two_channels(ddr="1 GB/s")
    assert busy0.run(_t(100), 0) == 108
    parts = busy1.steady_parts()
    assert parts is not None and busy0.ddr in parts and busy1 in parts
    busy = [part.steady_state(10, 0) for part in parts]
    idle = [part.steady_state(10, 0) for part in idle1.steady_parts()]
    assert busy != idle
    assert busy1.run(_t(40), 10) == 148 - 10
    assert idle1.run(_t(40), 10) == 58 - 10


def test_shifting_every_part_moves_the_next_transfer_by_as_much():
    # After dma0's 100 B at 0 (DDR busy [8, 108)), every part of dma1's state moved 1,000
    # cycles on is the same machine 1,000 cycles later: 40 B issued at 1,010 end at 1,148.
    dma0, dma1 = _shared_pair()
    assert dma0.run(_t(100), 0) == 108
    for part in dma1.steady_parts():
        part.shift(1_000)
    assert dma1.run(_t(40), 1_010) == 148 - 10


def _shared_pair():
    return _two_channels(ddr="1 GB/s")


def test_a_channels_steady_state_is_its_data_path_past_the_start_up():
    # The channel part of the state: when a request issued at `since` could move data, the later
    # of the data path's free cycle and the start-up's end, relative to `origin`.
    bus = _channel(depth=2)
    assert bus.run(_t(100), 0) == 108  # data path free at 108
    assert bus.steady_state(10, 0) == 108  # 10 + 8 = 18 < 108
    assert bus.steady_state(10, 100) == 8
    assert bus.steady_state(150, 100) == 150 + 8 - 100  # past 108: the start-up decides
    bus.shift(50)
    assert bus.steady_state(10, 0) == 158


def test_the_ddrs_steady_state_is_its_stretches_from_since_on():
    # dma0's 100 B over a 1 B/cycle DDR from 8: stretches [0: 0 B/c, 8: 1 B/c, 108: 0 B/c].
    dma0, _ = _shared_pair()
    dma0.run(_t(100), 0)
    ddr = dma0.ddr
    assert ddr.steady_state(0, 0) == ((0, 8, 108), (0.0, 1.0, 0.0))
    # from 50 on: the stretch holding 50 starts there; times less the origin 40
    assert ddr.steady_state(50, 40) == ((10, 68), (1.0, 0.0))
    assert ddr.steady_state(200, 0) == ((200,), (0.0,))
    ddr.shift(7)
    assert ddr.steady_state(7, 7) == ((0, 8, 108), (0.0, 1.0, 0.0))


def test_a_channel_over_banked_dram_has_no_steady_state():
    # the banked tier refreshes every tREFI of absolute time: no state relative to a tile's
    # start decides its later calls, so the simulator must time such runs task by task (None);
    # a compute unit is stateless (no parts at all)
    hw = with_overrides(toy_machine(), {"ddr.timing": "banked", "ddr.preset": "ddr4-3200"})
    units = build_units(hw)
    assert units["bus"].steady_parts() is None
    assert units["matrix"].steady_parts() == () and units["vector"].steady_parts() == ()


def test_only_a_channel_over_banked_dram_reads_addresses():
    # the rate tier is a fluid bus (addresses do not matter to it); the banked tier maps each
    # byte to a bank and a row; a model that does not say is taken to read them (the safe side)
    fluid = build_units(toy_machine())["bus"]
    banked_hw = with_overrides(toy_machine(), {"ddr.timing": "banked", "ddr.preset": "ddr4-3200"})
    banked = build_units(banked_hw)["bus"]
    assert (reads_addresses(fluid), reads_addresses(fluid.ddr)) == (False, False)
    assert (reads_addresses(banked), reads_addresses(banked.ddr)) == (True, True)
    assert reads_addresses(object()) is True


def test_a_queued_transfer_issued_as_the_data_before_it_ends_still_starts_up_in_full():
    bus = _channel(depth=2)
    assert bus.run(_t(100), 0) == 108  # data [8, 108)
    # issued at 104: the data before it ends at 108, inside its own start-up (to 112): its
    # data moves from 112, not from 108
    assert bus.run(_t(20), 104) == 112 + 20 - 104


def test_a_shared_stretch_is_never_used_past_the_ddrs_rate():
    # A 1 B/cycle DDR. A 0.5 B/cycle channel's 100 B from 0 holds half of it until 200. A
    # 1 B/cycle request of 100 B at 20 gets the other half: 90 B by 200, then the whole bus
    # for its last 10 B, done at 210. From 20 to 200 the bus is full (0.5 + 0.5 = 1.0 B/cycle,
    # not 0.5 + the request's own 1.0), and a third request at 30 waits for 210: 100 B by 310.
    ddr = RateDdr(toy_machine(ddr="1 GB/s"))
    assert ddr.run(_t(100), 0, arrive=0, rate=0.5) == 200
    assert ddr.run(_t(100), 0, arrive=20, rate=1.0) == 210
    assert ddr.steady_state(0, 0) == ((0, 20, 200, 210), (0.5, 1.0, 1.0, 0.0))
    assert ddr.run(_t(100), 0, arrive=30, rate=1.0) == 310
    # a fourth, 0.5 B/cycle, arriving at 210 where a stretch starts (the third's arrival at 30
    # started one too; no second one is made at 210): the bus is full until 310, then its
    # 100 B take 200 cycles at its own rate
    assert ddr.run(_t(100), 0, arrive=210, rate=0.5) == 510
    assert ddr.steady_state(0, 0) == (
        (0, 20, 30, 200, 210, 310, 510), (0.5, 1.0, 1.0, 1.0, 1.0, 0.5, 0.0)
    )


def test_a_request_that_exactly_fills_the_room_before_a_full_stretch_ends_there():
    # A 2 B/cycle DDR. A 2 B/cycle request of 100 B at 10 takes the whole bus for [10, 60). A
    # 1 B/cycle request of 10 B arriving at 0 has [0, 10) free: its 10 B are through at 10,
    # exactly where the full stretch begins (it need not wait past it, to 60).
    ddr = RateDdr(toy_machine(ddr="2 GB/s"))
    assert ddr.run(_t(100), 0, arrive=10, rate=2.0) == 60
    assert ddr.run(_t(10), 0, arrive=0, rate=1.0) == 10
    assert ddr.steady_state(0, 0) == ((0, 10, 60), (1.0, 2.0, 0.0))


def test_a_ddr_slower_than_the_channel_is_estimated_in_whole_cycles():
    # DDR at 0.3 GB/s: 100 B take 333.3 -> 334 whole cycles behind the 8-cycle start-up, as
    # the run takes them (the bus alone: 100)
    bus = _channel(ddr="0.3 GB/s")
    assert bus.estimate(_t(100)) == 8 + 334
    assert bus.run(_t(100), 0) == 8 + 334


def test_a_request_sharing_the_bus_ends_on_a_whole_cycle():
    # A 1 B/cycle DDR. A 0.7 B/cycle request of 100 B from 0 holds 0.7 of it until 143
    # (142.9 rounded up). A 1 B/cycle request of 10 B at 0 gets the 0.3 left: 33.3 cycles,
    # done at 34, not 33.
    ddr = RateDdr(toy_machine(ddr="1 GB/s"))
    assert ddr.run(_t(100), 0, arrive=0, rate=0.7) == 143
    assert ddr.run(_t(10), 0, arrive=0, rate=1.0) == 34
