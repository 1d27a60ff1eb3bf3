"""Edges of the banked DRAM model worked out by hand from the DDR4-3200 timings (tCK 0.625 ns,
tRCD 22, CL 22, CWL 16, BL8 = 4 clocks and 64 B a burst): what one request serves, and which
gaps and windows hold a command back."""

from __future__ import annotations

from dataclasses import replace

from accelsim.dram import DRAM_PRESETS, BankedDram

DDR4 = DRAM_PRESETS["ddr4-3200"]


def test_a_request_of_no_bytes_still_serves_the_burst_it_names() -> None:
    # A request is at least one burst (DRAMsim3 replays a request as a burst): 0 bytes at an
    # aligned address opens the row (a miss, ACT at 0), RD at tRCD = 22, data at 22 + 22 + 4.
    dram = BankedDram(DDR4, mapping="row_column_bankgroup")
    done = dram.access(128, 0, write=False, arrival=0)
    assert (done.start, done.end, done.hits, done.misses, done.conflicts) == (22, 48, 0, 1, 0)
    assert (dram.counts.act, dram.counts.rd) == (1, 1)


def test_a_request_over_two_bank_groups_starts_at_its_first_column_command() -> None:
    # Bursts 0 and 1 of 128 B go to bank groups 0 and 1 (row_column_bankgroup): ACTs at 0 and
    # tRRD_S = 4, RDs at 22 and 4 + 22 = 26 (tCCD_S = 4 after the first), the second's data at
    # 26 + 22 + 4 = 52. The request starts at its first RD (22), not its last.
    dram = BankedDram(DDR4, mapping="row_column_bankgroup")
    done = dram.access(0, 128, write=False, arrival=0)
    assert (done.start, done.end, done.misses) == (22, 52, 2)


def test_a_burst_held_by_its_full_bank_queue_moves_when_the_oldest_column_command_issued() -> None:
    # Nine bursts to one row (row_bank_column: columns lowest) arriving at 12,410, a little
    # before the first refresh falls due (tREFI = 12,480): a miss (ACT 12,410, RD 12,432),
    # then hits tCCD_L = 8 apart (RDs to 12,488). The ninth finds its bank's queue of 8 full
    # and moves once the oldest of them issued (12,432, before the refresh is due: no
    # refresh), then RDs 8 after the last (12,496), its data at 12,496 + 22 + 4 = 12,522.
    dram = BankedDram(DDR4, mapping="row_bank_column")
    done = dram.access(0, 9 * 64, write=False, arrival=12_410)
    assert (done.start, done.end, done.hits, done.misses) == (12_432, 12_522, 8, 1)
    assert dram.counts.ref == 0


def test_a_burst_behind_a_full_channel_queue_moves_when_the_burst_32_back_moved() -> None:
    # Two ranks (row_bank_column: column bits 6-12, bank group 13-14, bank 15-16, rank 17), all
    # arriving at 12,470, just before the first refresh falls due (tREFI = 12,480). Bursts 0-8
    # to one row of rank 0: the ninth waits for its full bank queue, to the first RD (12,492),
    # and refreshes rank 0. Bursts 9-39 to bank group 1 of rank 0. Burst 40, to rank 1, finds
    # the channel's queue of 32 full and moves when burst 8 did (12,492): rank 1's refresh is
    # due by then, REF at 12,480 (no row open, no ACT before), so its ACT waits tRFC = 560 to
    # 13,040, its RD to 13,062 and its data to 13,062 + 22 + 4 = 13,088.
    dram = BankedDram(replace(DDR4, ranks=2), mapping="row_bank_column")
    dram.access(0, 9 * 64, write=False, arrival=12_470)
    dram.access(1 << 13, 31 * 64, write=False, arrival=12_470)
    assert dram.counts.ref == 1
    done = dram.access(1 << 17, 64, write=False, arrival=12_470)
    assert (done.start, done.end, done.misses) == (13_062, 13_088, 1)
    assert dram.counts.ref == 2


def test_closed_page_opens_the_bank_again_trp_after_a_late_write_precharge() -> None:
    # Closed page: each write auto-precharges once written back, CWL + burst + tWR = 16 + 4 + 24
    # = 44 after its WR. A write at 0: ACT 0, WR 22 (data in at 42), PRE at 66, later than
    # tRAS (52), so the bank opens again tRP after it, at 88 (not tRC = 74 after the ACT): the
    # next write to that bank WRs at 88 + 22 = 110, its data in at 130.
    dram = BankedDram(DDR4, mapping="row_bank_column", page="closed")
    first = dram.access(0, 64, write=True, arrival=0)
    second = dram.access(64, 64, write=True, arrival=0)
    assert (first.start, first.end, first.misses) == (22, 42, 1)
    assert (second.start, second.end, second.misses) == (110, 130, 1)


def test_an_act_seven_clocks_after_another_in_its_bank_group_waits_for_trrd_l() -> None:
    # row_bank_column, one rank: bank group bits 13-14, bank 15-16, row from 17. A opens bank
    # 0 at 0 (RD 22). B, to bank 1 of the same group, arrives at 7: tRRD_L = 8 puts its ACT at
    # 8 (RD 30). C, another row of bank 1, arrives at 7 too: a conflict whose PRE waits for
    # B's row's tRAS (8 + 52 = 60) and whose ACT for tRC (8 + 74 = 82 = 60 + tRP): RD at 104,
    # data at 130. An ACT of B at 7 would have moved C one clock earlier.
    dram = BankedDram(DDR4, mapping="row_bank_column")
    a = dram.access(0, 64, write=False, arrival=0)
    b = dram.access(1 << 15, 64, write=False, arrival=7)
    c = dram.access((1 << 15) + (1 << 17), 64, write=False, arrival=7)
    assert [(x.start, x.end) for x in (a, b, c)] == [(22, 48), (30, 56), (104, 130)]
    assert (c.conflicts, dram.counts.act) == (1, 3)
