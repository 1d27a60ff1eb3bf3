"""The banked DRAM model against closed forms worked out by hand from the DDR4-3200 timings.

DDR4-3200 (accelsim.dram.spec): tCK 0.625 ns, BL8 (4 clocks of data, 64 B), CL 22, tRCD 22,
tRP 22, tRAS 52, tRTP 12, tCCD_S 4, tCCD_L 8, tRRD_S 4, tFAW 34, tREFI 12480, tRFC 560.
"""

from __future__ import annotations

import random

import pytest

from accelsim.dram import DRAM_PRESETS, BankedDram, dram_energy
from accelsim.dram.mapping import Decoder

DDR4 = DRAM_PRESETS["ddr4-3200"]
CL, TRCD, TRP, TRTP, TRFC, TREFI, BURST = 22, 22, 22, 12, 560, 12480, 4


def test_presets_carry_the_jedec_figures() -> None:
    assert (DDR4.cl, DDR4.trcd, DDR4.trp, DDR4.trefi, DDR4.trfc) == (CL, TRCD, TRP, TREFI, TRFC)
    assert DDR4.burst_bytes == 64 and DDR4.burst_cycles == BURST
    # 3200 MT/s x 8 bytes = 25.6 GB/s
    assert DDR4.peak_bytes_per_second == pytest.approx(25.6e9)
    assert DRAM_PRESETS["hbm2"].peak_bytes_per_second == pytest.approx(8 * 64 / 2e-9)  # 256 GB/s


def test_mapping_decodes_bits_as_written() -> None:
    # rochrabacobg, least significant first: 6 offset bits, bg 2 bits, co 7, ba 2, ra 0, ch 0, ro 16
    decoder = Decoder.of("row_column_bankgroup", DDR4)
    address = (5 << (6 + 2 + 7 + 2)) | (3 << (6 + 2 + 7)) | (100 << (6 + 2)) | (2 << 6) | 17
    assert decoder.decode(address) == (0, 0, 2, 3, 5, 100)


def test_long_sequential_read_reaches_the_burst_rate_minus_refresh() -> None:
    # Bursts rotate over the four bank groups (tCCD_S = 4 = the burst), so after the first ACT
    # (RD at tRCD) a burst every 4 clocks; rows of the next bank open early (ACTs ahead of use).
    # Each refresh: the last RD, tRTP, tRP to close its bank, REF, tRFC, ACT, tRCD: the next RD
    # comes tRTP + tRP + tRFC + tRCD = 616 clocks after the last instead of 4 (612 lost).
    # 16,384 bursts (1 MiB): 65,536 clocks of data; refreshes due at 12480 x 1..5 all fall
    # inside (the sixth, 74,880, after the end).
    dram = BankedDram(DDR4, mapping="row_column_bankgroup")
    n = 16384
    end = max(dram.access(i * 64, 64, write=False, arrival=0).end for i in range(n))
    refreshes = 5
    lost = TRTP + TRP + TRFC + TRCD - BURST
    assert end == TRCD + BURST * (n - 1) + CL + BURST + refreshes * lost == 68640
    assert dram.counts.ref == refreshes
    # The achieved rate: the peak less refresh's share.
    achieved = n * 64 / (end * DDR4.tck_ns * 1e-9)
    assert achieved == pytest.approx(25.6e9 * BURST * n / (BURST * n + 44 + 5 * lost))
    assert achieved > 0.95 * 25.6e9


def test_one_bank_stream_pays_tccd_l() -> None:
    # row_bank_column keeps 128 bursts in one bank's row: same bank group, tCCD_L = 8 apart.
    dram = BankedDram(DDR4, mapping="row_bank_column")
    ends = [dram.access(i * 64, 64, write=False, arrival=0).end for i in range(128)]
    assert ends[0] == TRCD + CL + BURST
    assert ends[-1] - ends[0] == 127 * 8


def test_one_bank_write_stream_pays_tccd_l_too() -> None:
    # the same stream written: WR -> WR in one bank group is tCCD_L = 8 apart as well
    dram = BankedDram(DDR4, mapping="row_bank_column")
    ends = [dram.access(i * 64, 64, write=True, arrival=0).end for i in range(128)]
    assert ends[-1] - ends[0] == 127 * 8


LATENCY = {"hit": CL + BURST, "miss": TRCD + CL + BURST, "conflict": TRP + TRCD + CL + BURST}


def test_4096_random_reads_pay_trcd_cl_and_trp_on_a_conflict() -> None:
    # One read at a time, 200 clocks apart (longer than tRC = 74, so no bank is still busy):
    # each pays CL + burst on a hit, + tRCD on a miss, + tRP on a conflict, worked out per read
    # from our own decode of the address (bank group: bits 6-7, bank: bits 15-16, row: 17+).
    rng = random.Random(4096)
    dram = BankedDram(DDR4, mapping="row_column_bankgroup")
    open_rows: dict[tuple[int, int], int] = {}
    seen = {"hit": 0, "miss": 0, "conflict": 0}
    for i in range(4096):
        address = rng.randrange(DDR4.capacity // 64) * 64
        arrival = 200 * i
        if i and arrival // TREFI != (arrival - 200) // TREFI:
            open_rows.clear()  # a refresh closed every row since the last read
        # reads queued behind a refresh wait for it (and for each other): the refresh test times it
        refreshed = arrival >= TREFI and arrival % TREFI < TRFC + 400
        bank = ((address >> 6) & 3, (address >> 15) & 3)
        row = address >> 17
        kind = "miss" if bank not in open_rows else "hit" if open_rows[bank] == row else "conflict"
        open_rows[bank] = row
        seen[kind] += 1
        access = dram.access(address, 64, write=False, arrival=arrival)
        assert (access.hits, access.misses, access.conflicts) == (
            kind == "hit", kind == "miss", kind == "conflict",
        )  # fmt: skip
        if not refreshed:
            assert access.end - arrival == LATENCY[kind]
    counts = dram.counts
    assert (counts.hits, counts.misses, counts.conflicts) == (
        seen["hit"], seen["miss"], seen["conflict"],
    )  # fmt: skip
    assert seen["conflict"] > 2500  # 16 banks, 65,536 rows: most reads find another row open
    assert dram.counts.ref == (200 * 4095) // TREFI


def test_bank_parallelism_hides_latency_up_to_the_activation_window() -> None:
    # The same 4,096 random reads all at once: ACTs overlap across banks, so the run takes far
    # less than the serial sum of latencies, but no less than tFAW / 4 per ACT (at most four
    # ACTs in any 34 clocks), here 8.5 clocks per read, plus refresh.
    rng = random.Random(4096)
    addresses = [rng.randrange(DDR4.capacity // 64) * 64 for _ in range(4096)]
    dram = BankedDram(DDR4, mapping="row_column_bankgroup")
    end = max(dram.access(a, 64, write=False, arrival=0).end for a in addresses)
    floor = 4096 * 34 / 4
    serial = 4096 * LATENCY["conflict"]
    assert floor <= end <= 1.15 * floor + dram.counts.ref * TRFC
    assert end < serial / 4


def test_refresh_costs_trfc_every_trefi() -> None:
    dram = BankedDram(DDR4, mapping="row_column_bankgroup")
    dram.access(0, 64, write=False, arrival=0)
    # Idle until just past the tenth refresh: ten REFs, and a read arriving at the tenth's due
    # time waits tRFC (rows were closed by the refresh: a miss).
    access = dram.access(64 * 4 * 128 * 4, 64, write=False, arrival=10 * TREFI)
    assert dram.counts.ref == 10
    assert access.misses == 1
    assert access.end - 10 * TREFI == TRFC + TRCD + CL + BURST  # rows were already shut
    dram.finish(20 * TREFI)
    assert dram.counts.ref == 20


def test_closed_page_misses_every_time() -> None:
    dram = BankedDram(DDR4, mapping="row_column_bankgroup", page="closed")
    for i in range(64):
        access = dram.access(i * 64, 64, write=False, arrival=150 * i)  # all before a refresh
        assert (access.misses, access.end - 150 * i) == (1, TRCD + CL + BURST)


def test_writes_turn_around_after_tWTR() -> None:
    # WR then RD to the same bank group: the RD waits CWL + burst + tWTR_L after the WR.
    dram = BankedDram(DDR4, mapping="row_column_bankgroup")
    write = dram.access(0, 64, write=True, arrival=0)
    read = dram.access(256, 64, write=False, arrival=0)  # same row, same bank group (bits 6-7)
    wr_issue = write.start
    assert wr_issue == TRCD
    assert read.start == wr_issue + 16 + BURST + 12


def test_command_energy_by_hand() -> None:
    # One ACT and one RD, then the rank sits with the row open for 1,000 clocks in all.
    # 8 x8 devices at 1.2 V and 0.625 ns: 6 pJ per mA-clock.
    # ACT: 57 mA x 74 - (52 x 52 + 37 x 22) = 700 mA-clocks -> 4.2 nJ
    # RD: (168 - 52) mA x 4 clocks = 464 -> 2.784 nJ; background: active since the ACT at 0:
    # 52 mA x 1000 -> 312 nJ.
    dram = BankedDram(DDR4, mapping="row_column_bankgroup")
    dram.access(0, 64, write=False, arrival=0)
    energy = dram_energy(dram, 1000)
    assert energy.activate_j == pytest.approx(4.2e-9)
    assert energy.read_j == pytest.approx(2.784e-9)
    assert energy.refresh_j == 0
    assert energy.background_j == pytest.approx(312e-9)
    # A refresh: (250 - 52) mA x 560 clocks x 6 pJ = 665.28 nJ.
    assert dram_energy(dram, TREFI + 1).refresh_j == pytest.approx(665.28e-9)


def test_a_request_spanning_bursts_counts_each() -> None:
    dram = BankedDram(DDR4, mapping="row_column_bankgroup")
    access = dram.access(32, 256, write=False, arrival=0)  # bytes 32..287: bursts 0..4
    assert access.misses + access.hits == 5
    assert access.misses == 4  # one ACT per bank group, the fifth burst hits bank group 0


def test_lpddr4_currents_are_micron_vdd2_plus_vdd1_on_one_supply() -> None:
    # DRAMPower's MICRON_6Gb_LPDDR4-3200_32bit_A: (VDD2 mA, VDD1 mA) per current, VDD1 1.8 V,
    # VDD2 1.1 V; one 1.1 V supply draws the same power with I2 + I1 x 1.8 / 1.1
    micron = {"idd0": (45, 3.5), "idd2n": (27, 2.0), "idd3n": (30, 2.25), "idd4r": (275, 2.25),
              "idd4w": (210, 2.25), "idd5b": (90, 10)}  # fmt: skip
    lp = DRAM_PRESETS["lpddr4-4266"]
    assert lp.vdd == 1.1
    for name, (vdd2, vdd1) in micron.items():
        assert getattr(lp, name) == pytest.approx(vdd2 + vdd1 * 1.8 / 1.1, abs=0.05), name


@pytest.mark.parametrize(
    ("first_write", "then_write", "second"),
    [
        # RD then WR on the other rank: CL + burst + tRTRS - CWL = 22 + 4 + 1 - 16 = 11 after
        (False, True, TRCD + 11),
        # RD then RD on the other rank: burst + tRTRS = 5 after
        (False, False, TRCD + 5),
        # WR then WR on the other rank: one burst after
        (True, True, TRCD + 4),
        # WR then RD on the other rank: CWL + burst + tRTRS - CL = -1, so tRCD alone
        (True, False, TRCD),
    ],
)
def test_rank_switches_pay_dramsim3s_other_rank_gaps(first_write, then_write, second) -> None:
    # DDR4-3200 with two ranks (CWL 16, tRTRS 1); DRAMsim3's timing.cc *_o gaps. Both rows
    # open at 0 (different ranks), so the first column command is at tRCD, the second after
    # the gap. Rank bit: rochrabacobg, after 6 offset + 2 bg + 7 co + 2 ba bits = bit 17.
    from dataclasses import replace

    two = replace(DDR4, ranks=2)
    assert (two.cwl, two.trtrs) == (16, 1)
    assert Decoder.of("row_column_bankgroup", two).decode(1 << 17)[1] == 1
    dram = BankedDram(two, mapping="row_column_bankgroup")
    assert dram.access(0, 64, write=first_write, arrival=0).start == TRCD
    assert dram.access(1 << 17, 64, write=then_write, arrival=0).start == second
