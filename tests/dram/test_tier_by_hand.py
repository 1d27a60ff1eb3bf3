"""The banked DDR tier as a DMA channel drives it, worked out by hand on edge1-ddr4.

edge1-ddr4: 1 GHz, so 1.6 DDR4-3200 clocks (0.625 ns) a cycle; one DMA channel "bus" at 1 GB/s
(1 B a cycle), no latency; mapping row_column_bankgroup (bank group = address bits 6-7, so
consecutive 64 B bursts rotate over the four bank groups). DDR4-3200: tRCD 22, CL 22, burst
4 clocks: a burst to a closed bank has its data 48 clocks after it arrives, a row hit 26.
"""

from __future__ import annotations

from pathlib import Path

from accelsim.hardware_file import load_hardware, with_overrides
from accelsim.timing.ddr_banked import BankedDdr
from accelsim.timing.models import build_units
from accelsim.work import Transfer

ROOT = Path(__file__).resolve().parents[2]
EDGE1_DDR4 = load_hardware(ROOT / "hardware" / "edge1-ddr4.yaml")


def test_an_unaligned_slice_moves_every_burst_it_touches() -> None:
    # 64 bytes from address 32 touch bursts [0, 64) and [64, 128): two bursts, not one. At the
    # channel's 1 B a cycle burst 1 arrives 64 cycles = int(102.4) = 102 clocks after burst 0.
    # Burst 0 (bank group 0): ACT 0, RD 22, data by 48. Burst 1 (bank group 1): ACT 102, RD 124,
    # data by 150 clocks = 93.75 cycles -> 94.
    ddr = BankedDdr(EDGE1_DDR4)
    end = ddr.run(Transfer(nbytes=64, direction="in", address=32), 0, arrive=0, rate=1.0)
    assert end == 94
    (record,) = ddr.transfers
    assert (record.hits, record.misses, record.conflicts, record.bursts) == (0, 2, 0, 2)
    assert ddr.bursts == [(0, False, 0), (64, False, 102)]
    assert ddr.dram.counts.rd == 2


def test_the_channel_ends_the_slice_too() -> None:
    # The same slice through the channel: its own data is 64 cycles, DDR serves it by 94.
    bus = build_units(EDGE1_DDR4)["bus"]
    assert bus.run(Transfer(nbytes=64, direction="in", address=32), 0) == 94


def test_a_channel_slower_than_dram_rounds_its_own_data_up() -> None:
    # At 1.5 GB/s, 1,000 B take 666.67 -> 667 cycles of the channel's own. DDR: 16 bursts, one
    # every 64 / 1.5 = 42.67 cycles (68.27 clocks): the last arrives by 15 x 68.27 = 1,024 clocks
    # and hits the row its bank group opened four bursts before (nothing else near it), so its
    # data is done by 1,024 + 26 = 1,050 clocks = 656.25 cycles: the channel's 667 ends it.
    bus = build_units(with_overrides(EDGE1_DDR4, {"units.bus.bandwidth": "1.5 GB/s"}))["bus"]
    assert bus.estimate(Transfer(nbytes=1000, direction="in")) == 667
    assert bus.run(Transfer(nbytes=1000, direction="in"), 0) == 667
    # 2 B written at cycle 1000 (clock 1,600) to address 4096 (bank group 0, column 16, row 0:
    # the row open since the first burst): 1.33 -> 2 cycles of its own; DDR's WR on arrival,
    # data in CWL 16 + burst 4 = 20 clocks = 12.5 cycles -> 13
    assert bus.run(Transfer(nbytes=2, direction="out", address=4096), 1000) == 13


def test_a_channel_faster_than_dram_waits_for_dram() -> None:
    # At 100 GB/s 1,000 B are 10 cycles of the channel's own. DDR: the estimate is a closed
    # bank's first data (48 clocks = 30 cycles) then 1,000 B at 25.6 B a cycle (39.06): 70.
    # Run: the bursts arrive 0.64 cycles (1.024 clocks) apart; the four bank groups open at 0,
    # 4, 8, 12 (tRRD_S 4), RDs at 22, 26, 30, 34 then every 4 clocks (tCCD_S 4) for the other
    # 12: the last RD at 22 + 15 x 4 = 82, data by 108 clocks = 67.5 cycles -> 68.
    bus = build_units(with_overrides(EDGE1_DDR4, {"units.bus.bandwidth": "100 GB/s"}))["bus"]
    assert bus.estimate(Transfer(nbytes=1000, direction="in")) == 70
    assert bus.run(Transfer(nbytes=1000, direction="in"), 0) == 68


def test_the_run_report_counts_energy_to_the_last_data() -> None:
    # report(end) prices the DRAM up to `end` cycles (1.6 clocks each), never before the last
    # data: one burst (48 clocks) reported at cycle 10 (16 clocks) is priced to clock 48;
    # at cycle 1000, to clock 1,600. Background: the row is open from its ACT at 0, so every
    # clock is active standby, IDD3N 52 mA x 6 pJ per mA-clock (8 x8 devices, 1.2 V, 0.625 ns).
    ddr = BankedDdr(EDGE1_DDR4)
    ddr.run(Transfer(nbytes=64, direction="in"), 0, arrive=0, rate=1.0)
    early = ddr.report(10).energy
    assert early.cycles == 48
    assert early.background_j == 52 * 48 * 6e-12
    late = ddr.report(1000).energy
    assert late.cycles == 1600
    assert abs(late.background_j - 52 * 1600 * 6e-12) < 1e-18


def test_bursts_reach_dram_at_the_channels_fractional_pace() -> None:
    # 1.5 B a cycle: a 64 B burst every 42.67 cycles = 68.27 clocks, each arrival rounded down
    # on its own (not the step): 0, 68, 136, 204 (204.8), 273 (273.07)
    ddr = BankedDdr(EDGE1_DDR4)
    ddr.run(Transfer(nbytes=320, direction="in"), 0, arrive=0, rate=1.5)
    assert [clock for _, _, clock in ddr.bursts] == [0, 68, 136, 204, 273]


def test_a_transfers_command_energy_hit_rate_and_trace() -> None:
    # The unaligned slice (two misses: two ACTs and two RDs), then a 64 B write to the row of
    # bank group 0 (address 4096: column 16): a hit, one WR. 6 pJ per mA-clock (8 x8 devices,
    # 1.2 V, 0.625 ns): an ACT 57 x 74 - (52 x 52 + 37 x 22) = 700 mA-clocks = 4.2 nJ; a RD
    # (168 - 52) x 4 = 464 -> 2.784 nJ; a WR (150 - 52) x 4 = 392 -> 2.352 nJ.
    ddr = BankedDdr(EDGE1_DDR4)
    ddr.run(Transfer(nbytes=64, direction="in", address=32), 0, arrive=0, rate=1.0)
    ddr.run(Transfer(nbytes=64, direction="out", address=4096), 200, arrive=200, rate=1.0)
    run = ddr.report(400)
    read, write = run.transfers
    assert (write.hits, write.misses, write.conflicts, write.bursts) == (1, 0, 0, 1)
    assert abs(run.command_energy(read) - (2 * 4.2e-9 + 2 * 2.784e-9)) < 1e-18
    assert abs(run.command_energy(write) - 2.352e-9) < 1e-18
    assert run.row_hit_rate == 1 / 3  # one hit in three bursts, reads and writes alike
    # the trace in clock order, as DRAMsim3 reads it: write at cycle 200 = clock 320
    assert run.dram_trace() == "0x0 READ 0\n0x40 READ 102\n0x1000 WRITE 320\n"


def test_the_trace_is_in_clock_order_when_transfers_overlap() -> None:
    # A second channel's transfer arriving at cycle 10 (clock 16), between the first one's
    # bursts at clocks 0 and 102 (as two DMA channels interleave)
    ddr = BankedDdr(EDGE1_DDR4)
    ddr.run(Transfer(nbytes=128, direction="in"), 0, arrive=0, rate=1.0)
    ddr.run(Transfer(nbytes=64, direction="in", address=1 << 20), 10, arrive=10, rate=1.0)
    assert [line.split()[2] for line in ddr.report(500).dram_trace().splitlines()] == [
        "0", "16", "102",
    ]  # fmt: skip


def test_a_second_channels_transfer_between_the_firsts_bursts_keeps_trrd_and_tccd() -> None:
    # Channel A: 192 B from 0 at 1 B a cycle, bursts at clocks 0, 102, 204 (bank groups 0, 1,
    # 2): ACTs 0, 102, 204, RDs 22, 124, 226. Channel B, started at cycle 63 (clock 100, after
    # A's call: DDR is asked in the order transfers start, not in burst order): 64 B to bank
    # group 1, bank 1 (address bits 15-16), a miss. Its ACT may not go at 100, within tRRD_L = 8
    # of A's ACT at 102: at 110; RD at 110 + tRCD = 132 (tCCD_L = 8 after A's RD at 124), data
    # by 158 clocks = 98.75 cycles -> 99. (Dropping A's earlier commands as if no request could
    # come before A's last burst put B's RD at 122, 2 clocks from A's.)
    ddr = BankedDdr(EDGE1_DDR4)
    ddr.run(Transfer(nbytes=192, direction="in"), 0, arrive=0, rate=1.0)
    assert [clock for _, _, clock in ddr.bursts] == [0, 102, 204]
    end = ddr.run(Transfer(nbytes=64, direction="in", address=(1 << 15) | 64), 63, arrive=63,
                  rate=1.0)  # fmt: skip
    assert end == 99


def test_a_row_conflicts_transfer_pays_its_act_in_command_energy() -> None:
    # After the unaligned slice (rows 0 open in bank groups 0 and 1), 64 B of row 1 in bank
    # group 0 (address bit 17) at cycle 200 = clock 320: a conflict. PRE at 320 (tRAS and tRTP
    # long over), ACT at 320 + tRP 22 = 342, RD at 364, data by 390 clocks = 243.75 -> 244.
    # Its command energy: one ACT (4.2 nJ) and one RD (2.784 nJ).
    ddr = BankedDdr(EDGE1_DDR4)
    ddr.run(Transfer(nbytes=64, direction="in", address=32), 0, arrive=0, rate=1.0)
    end = ddr.run(Transfer(nbytes=64, direction="in", address=1 << 17), 200, arrive=200, rate=1.0)
    assert end == 244
    run = ddr.report(300)
    record = run.transfers[1]
    assert (record.hits, record.misses, record.conflicts, record.bursts) == (0, 0, 1, 1)
    assert abs(run.command_energy(record) - (4.2e-9 + 2.784e-9)) < 1e-18
