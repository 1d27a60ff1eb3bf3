"""Banked DRAM against a reference scheduler written here, clock by clock: exact times, not bounds.

The pairwise oracle (test_dram_oracle.py) checks that no command breaks a JEDEC rule; a model that
waits longer than it must passes it. This reference states the policy of `accelsim.dram.banked`
(its module docstring) and finds every command's clock by trying clocks one at a time:

- a burst moves into its bank's queue at its arrival, or later when that bank's column command
  8 bursts back is not yet issued (8-deep bank queue), or when the burst 32 back in its channel
  has not yet moved (32-deep transaction queue); none of its commands issues before it moved;
- a hit's RD/WR goes at the first clock >= max(moved, the bank's last column command) that keeps
  every column-to-column gap with every column command placed in the channel, before or after;
- a conflict's PRE is at max(moved, ACT + tRAS, each column command of the open row + tRTP or
  CWL + burst + tWR); its ACT (and a miss's) at the first clock >= max(moved, the bank's last
  ACT + tRC, PRE + tRP) keeping tRRD_S/L with every ACT of the rank and at most four ACTs in any
  tFAW; then the RD/WR as a hit's, from ACT + tRCD;
- closed page precharges each burst's bank at that PRE time right after its column command;
- refresh, when a burst moves at or after its rank's due time: the rank's open rows close (PRE
  as above, not before the due time), REF at the latest of the due time, every bank's next
  allowed ACT and each PRE + tRP, and no ACT or column command before REF + tRFC;
- active standby is the union of [ACT, PRE) spans per rank (a row still open counts to the end).

Every burst's ACT, column command and data time, the command counts and the active clocks must
equal the model's, over random devices and streams that fill the queues.
"""

from __future__ import annotations

import dataclasses
import random

import pytest

from accelsim.dram import DRAM_PRESETS, BankedDram
from accelsim.dram.mapping import MAPPINGS
from accelsim.dram.spec import DramSpec
from tests.oracles.test_dram_oracle import Recorder, _decode, _device, _gaps

BANK_QUEUE, CHANNEL_QUEUE = 8, 32  # DRAMsim3's default controller (docstring of the model)


class Reference:
    """The scheduling policy of the module docstring, each clock tried in turn."""

    def __init__(self, spec: DramSpec, mapping: str, page: str) -> None:
        self.s, self.mapping, self.page = spec, mapping, page
        self.gap = _gaps(spec)
        self.reach = 1 + max(  # no column gap is longer than this
            spec.cl + spec.burst_cycles + spec.trtrs, spec.cwl + spec.burst_cycles + spec.twtr_l,
            spec.burst_cycles + spec.tccd_l + spec.trtrs,
        )  # fmt: skip
        self.bank_cols: dict[tuple[int, ...], list[int]] = {}
        self.moves: dict[int, list[int]] = {}
        self.cols: dict[int, list[tuple[int, int, int, bool]]] = {}  # channel -> (t, ra, bg, w)
        self.acts: dict[tuple[int, int], list[tuple[int, int]]] = {}  # (ch, ra) -> (t, bg)
        self.row: dict[tuple[int, ...], int] = {}  # open row per bank
        self.act_at: dict[tuple[int, ...], int] = {}  # ACT of the open row
        self.row_cols: dict[tuple[int, ...], list[tuple[int, bool]]] = {}  # its column commands
        self.next_act: dict[tuple[int, ...], int] = {}  # earliest next ACT (tRC, tRP, refresh)
        self.floor: dict[tuple[int, ...], int] = {}  # no command before (refresh)
        self.due: dict[tuple[int, int], int] = {}
        self.spans: dict[tuple[int, int], list[tuple[int, int]]] = {}
        self.counts = {"act": 0, "pre": 0, "rd": 0, "wr": 0, "ref": 0}

    def _pre_time(self, bank: tuple[int, ...]) -> int:
        s = self.s
        after = [t + (s.cwl + s.burst_cycles + s.twr if w else s.trtp)
                 for t, w in self.row_cols[bank]]  # fmt: skip
        return max([self.act_at[bank] + s.tras, *after])

    def _close(self, bank: tuple[int, ...], pre: int) -> None:
        self.spans.setdefault(bank[:2], []).append((self.act_at[bank], pre))
        del self.row[bank]
        self.counts["pre"] += 1

    def refresh(self, ch: int, ra: int, now: int) -> None:
        s = self.s
        while self.due.setdefault((ch, ra), s.trefi) <= now:
            due = self.due[(ch, ra)]
            banks = [(ch, ra, bg, ba) for bg in range(s.bankgroups)
                     for ba in range(s.banks_per_group)]  # fmt: skip
            ref = max([due, *(self.next_act.get(b, 0) for b in banks)])
            for bank in banks:
                if bank in self.row:
                    pre = max(due, self._pre_time(bank))
                    self._close(bank, pre)
                    ref = max(ref, pre + s.trp)
            self.counts["ref"] += 1
            for bank in banks:
                self.next_act[bank] = self.floor[bank] = ref + s.trfc
            self.due[(ch, ra)] += s.trefi

    def _act_ok(self, acts: list[tuple[int, int]], t: int, bg: int) -> bool:
        s = self.s
        near = [(a, g) for a, g in acts if abs(a - t) <= max(s.trrd_l, s.trrd_s, s.tfaw)]
        for other, other_bg in near:
            if abs(t - other) < (s.trrd_l if other_bg == bg else s.trrd_s):
                return False
        times = sorted([t, *(a for a, _ in near)])
        here = times.index(t)
        return all(times[j + 4] - times[j] >= s.tfaw
                   for j in range(max(0, here - 4), min(here, len(times) - 5) + 1))  # fmt: skip

    def _col_ok(self, cols: list[tuple[int, int, int, bool]], t: int, ra: int, bg: int,
                write: bool) -> bool:  # fmt: skip
        me = _Cmd(write)
        for other, other_ra, other_bg, other_write in cols:
            if abs(other - t) > self.reach:
                continue
            relation = 2 if other_ra != ra else 0 if other_bg == bg else 1
            them = _Cmd(other_write)
            if other <= t and t - other < self.gap(them, me, relation):  # type: ignore[arg-type]
                return False
            if other > t and other - t < self.gap(me, them, relation):  # type: ignore[arg-type]
                return False
        return True

    def burst(self, address: int, write: bool, arrival: int) -> tuple[int | None, int, int]:
        """(ACT or None, column command, data done) of one burst."""
        s = self.s
        f = _decode(self.mapping, s, address)
        ch, ra, bg, ba, row = f["ch"], f["ra"], f["bg"], f["ba"], f["ro"]
        bank = (ch, ra, bg, ba)
        moves, own = self.moves.setdefault(ch, []), self.bank_cols.setdefault(bank, [])
        moved = arrival
        if len(moves) >= CHANNEL_QUEUE:
            moved = max(moved, moves[-CHANNEL_QUEUE])
        if len(own) >= BANK_QUEUE:
            moved = max(moved, own[-BANK_QUEUE])
        moves.append(moved)
        self.refresh(ch, ra, moved)
        act = None
        ready = max(moved, own[-1] if own else 0, self.floor.get(bank, 0))
        if self.row.get(bank) != row:
            lowest = max(moved, self.next_act.get(bank, 0))
            if bank in self.row:
                pre = max(moved, self._pre_time(bank))
                self._close(bank, pre)
                lowest = max(lowest, pre + s.trp)
            acts = self.acts.setdefault((ch, ra), [])
            act = lowest
            while not self._act_ok(acts, act, bg):
                act += 1
            acts.append((act, bg))
            self.counts["act"] += 1
            self.row[bank], self.act_at[bank], self.row_cols[bank] = row, act, []
            self.next_act[bank] = act + s.tras + s.trp
            ready = max(ready, act + s.trcd)
        cols = self.cols.setdefault(ch, [])
        col = ready
        while not self._col_ok(cols, col, ra, bg, write):
            col += 1
        cols.append((col, ra, bg, write))
        own.append(col)
        self.row_cols[bank].append((col, write))
        self.counts["wr" if write else "rd"] += 1
        if self.page == "closed":
            pre = self._pre_time(bank)
            self._close(bank, pre)
            self.next_act[bank] = max(self.next_act[bank], pre + s.trp)
        return act, col, col + (s.cwl if write else s.cl) + s.burst_cycles

    def active(self, until: int) -> int:
        """Clocks before `until` with a row open, per rank, summed (a set of clocks, no sums)."""
        total = 0
        for rank in {bank[:2] for bank in self.bank_cols}:
            spans = list(self.spans.get(rank, []))
            spans += [(self.act_at[b], until) for b in self.row if b[:2] == rank]
            clocks: set[int] = set()
            for start, end in spans:
                clocks.update(range(start, min(end, until)))
            total += len(clocks)
        return total


@dataclasses.dataclass
class _Cmd:
    write: bool


def _requests(rng: random.Random, spec: DramSpec, count: int) -> list[tuple[int, int, bool, int]]:
    """(address, bytes, write, arrival): hot rows, long sequential runs that fill a bank's and
    the channel's queues, arrivals non-decreasing and often equal."""
    rows = [rng.randrange(spec.capacity // spec.row_bytes) * spec.row_bytes for _ in range(5)]
    out, now = [], 0
    for _ in range(count):
        base = rng.choice(rows) if rng.random() < 0.7 else rng.randrange(spec.capacity)
        address = (base + rng.randrange(spec.row_bytes)) % spec.capacity
        bursts = rng.choice([1, 1, 2, 3, rng.randint(9, 48)])
        nbytes = min(bursts * spec.burst_bytes - rng.randrange(spec.burst_bytes),
                     spec.capacity - address)  # fmt: skip
        now += rng.choice([0, 0, 0, 1, 5, 30, 200])
        out.append((address, nbytes, rng.random() < 0.3, now))
    return out


CONFIGS = [
    ("ddr4-3200", "row_column_bankgroup", "open", 1),
    ("ddr4-3200", "row_bank_column", "open", 2),
    ("ddr4-3200", "bank_row_column", "closed", 1),
    ("ddr4-3200", "row_column_channel", "closed", 2),
    ("lpddr4-4266", "row_column_channel", "open", 1),
    ("lpddr4-4266", "row_bank_column", "closed", 1),
    ("hbm2", "row_bank_channel_column", "open", 1),
    ("hbm2", "row_column_bankgroup", "open", 2),
]


def _finish_alike(dram: BankedDram, reference: Reference, until: int) -> None:
    """Both finish at `until` (refreshes due by then): same command counts, same active clocks."""
    dram.finish(until)
    for ch, ra in list(reference.due):
        reference.refresh(ch, ra, until)
    c = dram.counts
    want = tuple(reference.counts[k] for k in ("act", "pre", "rd", "wr"))
    assert (c.act, c.pre, c.rd, c.wr) == want
    assert dram.active_cycles(until) == reference.active(until)


@pytest.mark.parametrize("refresh", [False, True])
@pytest.mark.parametrize(("preset", "mapping", "page", "ranks"), CONFIGS)
@pytest.mark.parametrize("seed", range(2))
def test_every_burst_at_the_clock_the_reference_finds(  # type: ignore[no-untyped-def]
    seed, preset, mapping, page, ranks, refresh
) -> None:
    rng = random.Random(f"{seed} {preset} {mapping} {page} {ranks} {refresh}")
    spec = _device(rng, preset, ranks=ranks)
    if refresh:  # due every few hundred clocks, so streams cross many
        spec = dataclasses.replace(spec, trefi=rng.randint(300, 900), trfc=rng.randint(20, 120))
    dram = BankedDram(spec, mapping=mapping, page=page)  # type: ignore[arg-type]
    recorder = Recorder(dram)
    reference = Reference(spec, mapping, page)
    size = spec.burst_bytes
    for address, nbytes, write, arrival in _requests(rng, spec, 60):
        access = dram.access(address, nbytes, write=write, arrival=arrival)
        first = address - address % size
        want = [reference.burst(b, write, arrival) for b in range(first, address + nbytes, size)]
        got = [(b.act, b.col, b.done) for b in recorder.bursts[-len(want) :]]
        assert got == want, (address, nbytes, write, arrival)
        assert (access.start, access.end) == (min(w[1] for w in want), max(w[2] for w in want))
    until = max(b.done for b in recorder.bursts) + rng.randint(0, 2000)
    _finish_alike(dram, reference, until)


def test_the_presets_are_what_the_reference_assumes() -> None:
    assert set(MAPPINGS) >= {m for _, m, _, _ in CONFIGS}
    assert set(DRAM_PRESETS) == {p for p, _, _, _ in CONFIGS}


@pytest.mark.parametrize(("preset", "mapping", "page", "ranks"), CONFIGS)
@pytest.mark.parametrize("seed", range(2))
def test_a_transfers_bursts_streamed_at_a_channels_pace(  # type: ignore[no-untyped-def]
    seed, preset, mapping, page, ranks
) -> None:
    # `stream` (its short path for row hits included) against the reference burst by burst:
    # burst i of a transfer arrives `step` clocks after burst i - 1, as a DMA channel hands them;
    # the next transfer after the last (the model's contract: arrivals never go back)
    rng = random.Random(f"stream {seed} {preset} {mapping} {page} {ranks}")
    spec = dataclasses.replace(_device(rng, preset, ranks=ranks), trefi=rng.randint(400, 3000))
    dram = BankedDram(spec, mapping=mapping, page=page)  # type: ignore[arg-type]
    reference = Reference(spec, mapping, page)
    size, now = spec.burst_bytes, 0
    for address, nbytes, write, _ in _requests(rng, spec, 40):
        first = address - address % size
        count = len(range(first, address + nbytes, size))
        step = rng.choice([0, 1, 2, 5, 30, 90])
        arrivals = [now + i * step for i in range(count)]
        now = arrivals[-1] + rng.choice([0, 3, 40, 300])
        want = [reference.burst(first + i * size, write, t)[2] for i, t in enumerate(arrivals)]
        assert dram.stream(first, arrivals, write=write) == want, (first, arrivals, write)
    until = dram.last_end + rng.randint(0, 3000)  # as the tier asks: never before the last data
    _finish_alike(dram, reference, until)
