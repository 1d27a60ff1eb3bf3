"""More of the banked DRAM worked out by hand from the DDR4-3200 timings (tCK 0.625 ns, tRCD 22,
CL 22, BL8 = 4 clocks and 64 B, tRRD_S 4, IDD3N 52 mA, 6 pJ per mA-clock for the rank)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from accelsim.dram import DRAM_PRESETS, BankedDram, dram_energy
from accelsim.hardware_file import load_hardware
from accelsim.timing.ddr_banked import BankedDdr
from accelsim.work import Transfer

ROOT = Path(__file__).resolve().parents[2]
DDR4 = DRAM_PRESETS["ddr4-3200"]


def test_the_tiers_estimate_is_first_data_from_a_closed_bank_then_the_peak() -> None:
    # edge1-ddr4: 1 GHz, so 1.6 DRAM clocks a cycle. A closed bank's first data comes
    # tRCD + CL + burst = 22 + 22 + 4 = 48 clocks = 30 cycles after the request; then the bytes at
    # 25.6 GB/s = 25.6 B a cycle: 6,400 B in 250 cycles, 64 B in 2.5.
    ddr = BankedDdr(load_hardware(ROOT / "hardware" / "edge1-ddr4.yaml"))
    assert ddr.estimate(Transfer(nbytes=6400, direction="in")) == 30 + 250
    assert ddr.estimate(Transfer(nbytes=64, direction="in")) == 33  # ceil(32.5)
    assert ddr.estimate(Transfer(nbytes=0, direction="in")) == 0


def test_rows_open_in_two_banks_at_once_count_once_as_active_standby() -> None:
    # Bank groups 0 and 1 (bits 6-7) open a row each: ACTs at 0 and tRRD_S = 4. Then row 1 of
    # bank group 0 (bit 17) conflicts: PRE at tRAS = 52 (after the RD + tRTP = 34), ACT at
    # 52 + tRP = 74. Rows were open over [0, 52), [4, end) and [74, end): the rank has one open
    # from 0 to the end (1,000 clocks), 1,000 active clocks, not 52 + 996 (overlaps counted twice).
    dram = BankedDram(DDR4, mapping="row_column_bankgroup")
    dram.access(0, 64, write=False, arrival=0)
    dram.access(64, 64, write=False, arrival=0)
    dram.access(1 << 17, 64, write=False, arrival=0)
    assert (dram.counts.act, dram.counts.conflicts) == (3, 1)
    assert dram.active_cycles(1000) == 1000
    assert dram_energy(dram, 1000).background_j == pytest.approx(52 * 1000 * 6e-12)


def test_a_row_hit_streamed_early_keeps_the_rows_tras_for_its_precharge() -> None:
    # HBM2 (tRCD 14, tRAS 34, tRP 14, tRTP 4, CL 14, BL4 = 2 clocks; the longest column gap,
    # WR -> RD in a bank group, CWL 4 + 2 + tWTR_L 8 = 14). Row 0 of bank 0 opens at 0 (RD at
    # 14); a hit arriving at 28 = 14 + 14 takes `stream`'s short path (RD at 28). A conflict in
    # the same bank arriving at 29: PRE at max(tRAS = 34, 28 + tRTP = 32) = 34, not 32; ACT at
    # max(tRC = 48, 34 + tRP = 48) = 48. Rows open over [0, 34) and [48, 100): 86 clocks.
    # Under "rochrababgco" (8 channels, 16 banks, 32 bursts a row): row bits from bit 18.
    hbm = DRAM_PRESETS["hbm2"]
    assert (hbm.trcd, hbm.tras, hbm.trp, hbm.trtp, hbm.cl) == (14, 34, 14, 4, 14)
    assert hbm.burst_cycles == 2
    dram = BankedDram(hbm, mapping="row_bank_column")
    assert dram.stream(0, [0], write=False) == [14 + 14 + 2]
    assert dram.stream(64, [28], write=False) == [28 + 14 + 2]
    assert dram.stream(1 << 18, [29], write=False) == [48 + 14 + 14 + 2]
    assert dram.counts.conflicts == 1
    assert dram.active_cycles(100) == 34 + 52


@pytest.mark.parametrize(
    ("preset", "ranks", "mapping", "pj", "want"),
    [
        # LPDDR4: one x16 device at 1.1 V, 0.469 ns: 0.5159 pJ per mA-clock. One read opens a
        # row in channel 0 (row_column_channel: address 0) at 0: channel 0 is active all 1,000
        # clocks (IDD3N 33.7 mA), channel 1 idle all 1,000 (IDD2N 30.3): both channels count
        ("lpddr4-4266", 1, "row_column_channel", 1.1 * 0.469, 1000 * 33.7 + 1000 * 30.3),
        # HBM2: 1.2 V, 1 ns, one slice: 1.2 pJ; eight channels, seven idle (IDD2N 40, IDD3N 55)
        ("hbm2", 1, "row_column_channel", 1.2, 1000 * 55 + 7 * 1000 * 40),
        # DDR4 with two ranks: 6 pJ; rank 0 active (52 mA), rank 1 idle (37 mA)
        ("ddr4-3200", 2, "row_column_bankgroup", 6.0, 1000 * 52 + 1000 * 37),
    ],
)
def test_background_counts_every_channel_and_rank(preset, ranks, mapping, pj, want) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    dram = BankedDram(replace(DRAM_PRESETS[preset], ranks=ranks), mapping=mapping)
    dram.access(0, 1, write=False, arrival=0)
    energy = dram_energy(dram, 1000)
    assert energy.cycles == 1000
    assert energy.background_j == pytest.approx(pj * want * 1e-12, rel=1e-12)


def test_write_and_lpddr4_command_energies_by_hand() -> None:
    # LPDDR4 (0.5159 pJ per mA-clock, tRC = 90 + 39 = 129, BL16 = 8 clocks, tRFC 598): an ACT
    # 50.7 x 129 - (33.7 x 90 + 30.3 x 39) = 2,325.6 mA-clocks; a WR
    # (213.7 - 33.7) x 8 = 1,440; a RD (278.7 - 33.7) x 8 = 1,960; a REF (106.4 - 33.7) x 598.
    lp = DRAM_PRESETS["lpddr4-4266"]
    pj = 1.1 * 0.469e-12
    dram = BankedDram(lp, mapping="row_column_channel")
    dram.access(0, 64, write=True, arrival=0)  # two 32 B bursts: channels 0 and 1, two ACTs
    dram.access(0, 32, write=False, arrival=500)  # a hit in channel 0
    energy = dram_energy(dram, lp.trefi + 1)  # one refresh due in each channel
    assert (dram.counts.act, dram.counts.wr, dram.counts.rd, dram.counts.ref) == (2, 2, 1, 2)
    assert energy.activate_j == pytest.approx(2 * 2325.6 * pj, rel=1e-9)
    assert energy.write_j == pytest.approx(2 * 1440 * pj, rel=1e-9)
    assert energy.read_j == pytest.approx(1960 * pj, rel=1e-9)
    assert energy.refresh_j == pytest.approx(2 * (106.4 - 33.7) * 598 * pj, rel=1e-9)


def test_no_active_clocks_before_the_first_row_opens() -> None:
    # A read arriving at clock 100 opens row 0 of bank 0 (ACT at 100): nothing was open
    # before, so up to 0, 50 or 100 no clock is active (not a negative count), and up to 101
    # one is; up to 200, 100. The row conflict at 1 << 17 closes it (PRE at 100 + tRAS = 152)
    # and opens row 1 (ACT at 152 + tRP 22 = 174): up to 160 the closed span [100, 152) counts
    # 52, and nothing after it; up to 150, 50 of it.
    dram = BankedDram(DDR4, mapping="row_column_bankgroup")
    assert dram.active_cycles(100) == 0
    dram.access(0, 64, write=False, arrival=100)
    assert [dram.active_cycles(u) for u in (0, 50, 100, 101, 200)] == [0, 0, 0, 1, 100]
    dram.access(1 << 17, 64, write=False, arrival=100)
    assert dram.counts.conflicts == 1
    assert [dram.active_cycles(u) for u in (150, 160, 174, 175)] == [50, 52, 52, 53]


@pytest.mark.parametrize(
    ("first_write", "second", "column", "done"),
    [
        # a write to bank group 0 (WR at tRCD = 22), then a read: in bank group 1 (address 64,
        # bits 6-7) its RD waits CWL 16 + burst 4 + tWTR_S 4 after the WR: 46; in bank group 0
        # (address 256, the same row: a hit) tWTR_L 12: 54. Data CL 22 + 4 later.
        (True, 64, 46, 46 + 26),
        (True, 256, 54, 54 + 26),
        # a read first (RD at 22), then a write in either group: CL 22 + 4 - CWL 16 + tRTRS 1
        # = 11 later, 33; its data CWL 16 + 4 after that
        (False, 64, 33, 33 + 20),
        (False, 256, 33, 33 + 20),
    ],
)
def test_a_read_after_a_write_waits_twtr_of_its_bank_group(first_write, second, column, done):
    assert (DDR4.cwl, DDR4.cl, DDR4.twtr_s, DDR4.twtr_l, DDR4.trtrs) == (16, 22, 4, 12, 1)
    dram = BankedDram(DDR4, mapping="row_column_bankgroup")
    assert dram.access(0, 64, write=first_write, arrival=0).start == 22
    later = dram.access(second, 64, write=not first_write, arrival=0)
    assert (later.start, later.end) == (column, done)


@pytest.mark.parametrize(
    ("first_write", "second_write", "column"),
    [
        # DDR4 with a second rank (address bit 17 under row_column_bankgroup): each rank opens
        # its own row (ACT at 0, column ready at tRCD 22), and the column command 22 in rank 0
        # holds rank 1's back by the data bus turning around between ranks: RD -> RD burst 4 +
        # tRTRS 1 (27); RD -> WR CL 22 + 4 + 1 - CWL 16 = 11 (33); WR -> RD CWL 16 + 4 + 1 - CL
        # 22 = -1 (no wait: 22); WR -> WR the burst, 4 (26)
        (False, False, 27),
        (False, True, 33),
        (True, False, 22),
        (True, True, 26),
    ],
)
def test_column_commands_in_two_ranks_keep_the_rank_switch_gaps(first_write, second_write, column):
    dram = BankedDram(replace(DDR4, ranks=2), mapping="row_column_bankgroup")
    assert dram.decoder.decode(1 << 17)[:2] == (0, 1)  # channel 0, rank 1
    assert dram.access(0, 64, write=first_write, arrival=0).start == 22
    assert dram.access(1 << 17, 64, write=second_write, arrival=0).start == column


@pytest.mark.parametrize("page", ["open", "closed"])
def test_a_row_written_closes_only_after_write_recovery(page):
    # a write to row 0 of bank 0 (ACT 0, WR at tRCD 22), then a read of row 1 of that bank
    # (address bit 17): its PRE waits for the write's data, CWL 16 + burst 4, and tWR 24 after
    # it: 22 + 44 = 66 (past tRAS, 52); ACT at 66 + tRP 22 = 88, RD at 88 + tRCD 22 = 110,
    # data CL 22 + 4 later. Closed page precharges right after the write, at the same 66,
    # and after the read at max(ACT + tRAS, RD + tRTP 12) = 140: rows open [0, 66) and
    # [88, 140), 118 clocks up to 200; open page keeps row 1 open: [88, 200), 178.
    assert (DDR4.twr, DDR4.tras, DDR4.trp) == (24, 52, 22)
    dram = BankedDram(DDR4, mapping="row_column_bankgroup", page=page)
    assert dram.access(0, 64, write=True, arrival=0).start == 22
    read = dram.access(1 << 17, 64, write=False, arrival=0)
    assert (read.start, read.end) == (110, 136)
    assert dram.active_cycles(200) == (178 if page == "open" else 118)


def test_a_refresh_waits_for_the_last_precharge_to_finish():
    # closed page: a read at 12,420 (ACT, RD at +22) auto-precharges at ACT + tRAS 52 = 12,472,
    # its bank ready again tRP 22 later, 12,494. The refresh due at tREFI 12,480 waits until
    # then; the next read (at 12,480, another row) opens its row tRFC 560 after: ACT 13,054,
    # RD 13,076, data CL 22 + 4 later
    assert (DDR4.trefi, DDR4.trfc) == (12480, 560)
    dram = BankedDram(DDR4, mapping="row_column_bankgroup", page="closed")
    assert dram.access(0, 64, write=False, arrival=12420).start == 12442
    read = dram.access(1 << 17, 64, write=False, arrival=12480)
    assert (read.start, read.end, dram.counts.ref) == (13076, 13102, 1)


def test_a_banked_file_without_page_keeps_its_rows_open(tmp_path: Path) -> None:
    # edge1-ddr4 with its `page: open` line dropped: the default is an open page, so a second
    # 64 B read of row 0 finds the row the first opened (1 miss, then 1 hit); a closed page
    # would precharge after each access and miss twice
    text = (ROOT / "hardware" / "edge1-ddr4.yaml").read_text(encoding="utf-8")
    path = tmp_path / "hw.yaml"
    kept = [line for line in text.splitlines(True) if not line.lstrip().startswith("page:")]
    path.write_text("".join(kept), encoding="utf-8")
    hw = load_hardware(path)
    assert hw.ddr.page is None
    ddr = BankedDdr(hw)
    assert ddr.page == "open"
    ddr.dram.access(0, 64, write=False, arrival=0)
    ddr.dram.access(0, 64, write=False, arrival=100)
    assert (ddr.dram.counts.misses, ddr.dram.counts.hits) == (1, 1)
