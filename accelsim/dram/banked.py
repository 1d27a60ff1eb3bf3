"""The banked DRAM model: bursts on real addresses against open rows, JEDEC timings and refresh.

Pure data in, cycles out, with state: `BankedDram.access(address, nbytes, write, arrival)` splits
a request into bursts, decodes each with the address mapping, and schedules its commands (PRE on a
row conflict, ACT on a miss or conflict, then RD/WR) at the earliest DRAM clock every constraint
allows. Time is DRAM clocks (tCK) throughout.

Scheduling: bank-parallel FCFS with a bounded window, stated precisely. Each bank serves its
bursts in arrival order (a row hit never overtakes an older request to the same bank; that would
be FR-FCFS). Across banks a burst's PRE, ACT and RD/WR go into the earliest clocks that keep every
pairwise constraint with the commands already placed, even before an older burst's commands
(backfilling), as a controller issuing whichever bank is ready does. The look-ahead is bounded
as in DRAMsim3's default controller: a channel's transaction queue holds `QUEUE_DEPTH` (32)
bursts and each bank's command queue `BANK_DEPTH` (8); a burst moves into its bank's queue once
that queue has room (the column command 8 bursts back in that bank was issued) and the channel
queue has room for it (the burst 32 back has moved on). No command of a burst issues before it
moved. One command per clock on the command bus is not modelled.

Constraints (as DRAMsim3 encodes the JEDEC rules): ACT->RD/WR tRCD, ACT->PRE tRAS, ACT->ACT
same bank tRC, same bank group tRRD_L, other tRRD_S, at most four ACTs in tFAW; PRE->ACT tRP;
RD->RD and WR->WR max(burst, tCCD_L) in one bank group, max(burst, tCCD_S) across; RD->WR
CL + burst - CWL + tRTRS; WR->RD CWL + burst + tWTR_L/S; RD->PRE tRTP; WR->PRE CWL + burst + tWR.
Closed page precharges after every column command (auto-precharge). Refresh: every tREFI a rank
closes its open rows (PRE once allowed, REF tRP later) and no ACT follows before tRFC; a refresh
falls due between bursts, when the next burst would start at or after its due time.
A read's data is back CL + burst clocks after its RD; a write's is in CWL + burst after its WR.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from accelsim.dram.mapping import Decoder

if TYPE_CHECKING:
    from collections.abc import Sequence

    from accelsim.dram.spec import DramSpec

__all__ = ["Access", "BankedDram", "Counts", "PagePolicy"]

PagePolicy = Literal["open", "closed"]
_NEVER = -(1 << 62)


@dataclass(frozen=True, slots=True, kw_only=True)
class Access:
    """One request's outcome: when its last byte was done, and what its bursts found."""

    start: int  # DRAM clock of its first column command
    end: int  # DRAM clock its last burst's data was done
    hits: int  # bursts to the open row
    misses: int  # bursts to a closed bank (ACT)
    conflicts: int  # bursts to another row (PRE + ACT)


@dataclass(slots=True)
class Counts:
    """Commands issued and outcomes so far (the inputs of the command energy)."""

    act: int = 0
    pre: int = 0
    rd: int = 0
    wr: int = 0
    ref: int = 0
    hits: int = 0
    misses: int = 0
    conflicts: int = 0


QUEUE_DEPTH = 32
"""Bursts a channel's transaction queue holds."""
BANK_DEPTH = 8
"""Bursts one bank's command queue holds."""


class _Rank:
    """Per-rank state: bank rows and ready times, placed ACTs, refresh, open-row spans."""

    def __init__(self, banks: int, trefi: int) -> None:
        self.open_row = [-1] * banks
        self.opened_at = [0] * banks  # ACT time of the open row (active-standby accounting)
        self.next_act = [0] * banks
        self.next_pre = [0] * banks
        self.next_col = [0] * banks  # ACT + tRCD, or the bank's last column command
        self.queues = [deque[int](maxlen=BANK_DEPTH) for _ in range(banks)]  # column clocks
        self.acts: list[tuple[int, int]] = []  # placed ACTs (clock, bank group), sorted
        self.next_refresh = trefi
        self.active: list[tuple[int, int]] = []  # (ACT, PRE) of every closed row


class _Channel:
    def __init__(self, spec: DramSpec) -> None:
        self.ranks = [_Rank(spec.banks, spec.trefi) for _ in range(spec.ranks)]
        self.cols: list[tuple[int, int, int, bool]] = []  # (clock, rank, bg, write), sorted
        self.window: deque[int] = deque(maxlen=QUEUE_DEPTH)  # when bursts moved to a bank queue


class BankedDram:
    """Stateful banked DRAM: call `access` in arrival order, or set `earliest` to a clock no
    later request arrives before (several channels' bursts interleave); `counts` accumulate."""

    def __init__(self, spec: DramSpec, *, mapping: str, page: PagePolicy = "open") -> None:
        self.spec = spec
        self.page: PagePolicy = page
        self.decoder = Decoder.of(mapping, spec)
        self.channels = [_Channel(spec) for _ in range(spec.channels)]
        self.counts = Counts()
        self.last_end = 0  # latest data completion so far
        self.earliest: int | None = None  # None: no request arrives before the one in hand
        s = spec
        burst = s.burst_cycles
        rd_rd = (max(burst, s.tccd_l), max(burst, s.tccd_s), burst + s.trtrs)
        wr_wr = (max(burst, s.tccd_l), max(burst, s.tccd_s), burst)
        wr_rd = (s.cwl + burst + s.twtr_l, s.cwl + burst + s.twtr_s, s.cwl + burst + s.trtrs - s.cl)
        rd_wr_same = s.cl + burst - s.cwl + s.trtrs
        rd_wr = (rd_wr_same, rd_wr_same, s.cl + burst + s.trtrs - s.cwl)
        # _gap[earlier write][later write][0 same bank group, 1 same rank, 2 other rank]
        self._gap = ((rd_rd, rd_wr), (wr_rd, wr_wr))
        self._reach = max(max(g) for pair in self._gap for g in pair)
        self._read_delay = s.cl + burst
        self._write_delay = s.cwl + burst
        self._bpg = s.banks_per_group

    def access(self, address: int, nbytes: int, *, write: bool, arrival: int) -> Access:
        """Serve `nbytes` from byte `address` arriving at DRAM clock `arrival`, burst by burst."""
        size = self.spec.burst_bytes
        first = address - address % size
        start, end = -1, arrival
        before = (self.counts.hits, self.counts.misses, self.counts.conflicts)
        for burst_address in range(first, address + max(nbytes, 1), size):
            issued, done = self._burst(burst_address, write, arrival)
            start = issued if start < 0 else min(start, issued)
            end = max(end, done)
        self.last_end = max(self.last_end, end)
        c = self.counts
        return Access(
            start=start, end=end, hits=c.hits - before[0], misses=c.misses - before[1],
            conflicts=c.conflicts - before[2],
        )  # fmt: skip

    def stream(self, first: int, arrivals: Sequence[int], *, write: bool) -> list[int]:
        """Serve consecutive bursts from burst-aligned `first`, burst i arriving at `arrivals[i]`
        (non-decreasing); returns each one's data-done clock, exactly as `access` burst by burst.

        A burst that hits its bank's open row with nothing able to interleave is one short step:
        open page, no refresh due, its bank's last column command (and ACT + tRCD) done, and no
        column command in the channel within the longest column-to-column gap before its
        arrival. The latest column command bounds every queued one (the queues hold column and
        arrival clocks no later than it), so neither queue can hold it back either: its RD/WR
        issues on arrival, which is what `_burst` finds after its searches, and the state is
        left as `_burst` leaves it. Every other burst takes `_burst`.
        """
        s, c, size = self.spec, self.counts, self.spec.burst_bytes
        decode, bpg, reach = self.decoder.decode, self._bpg, self._reach
        page_open = self.page == "open"
        delay = self._write_delay if write else self._read_delay
        after = self._write_delay + s.twr if write else s.trtp  # column command to PRE
        dones: list[int] = []
        fast = 0
        for i, t in enumerate(arrivals):
            address = first + i * size
            ch, ra, bg, ba, row, _ = decode(address)
            channel = self.channels[ch]
            rank = channel.ranks[ra]
            bank = bg * bpg + ba
            cols = channel.cols
            if (
                page_open and rank.open_row[bank] == row and t < rank.next_refresh
                and rank.next_col[bank] <= t and (not cols or cols[-1][0] <= t - reach)
            ):  # fmt: skip
                channel.window.append(t)
                rank.queues[bank].append(t)
                rank.next_col[bank] = t
                rank.next_pre[bank] = max(rank.next_pre[bank], t + after)
                floor = t if self.earliest is None else self.earliest
                del cols[: bisect_left(cols, (floor - 2 * reach, -1, -1, False))]  # as _place_col
                cols.append((t, ra, bg, write))
                c.hits += 1
                fast += 1
                done = t + delay
            else:
                done = self._burst(address, write, t)[1]
            dones.append(done)
        if write:
            c.wr += fast
        else:
            c.rd += fast
        self.last_end = max(self.last_end, max(dones, default=0))
        return dones

    def _burst(self, address: int, write: bool, arrival: int) -> tuple[int, int]:
        """Schedule one burst; (column command clock, data done clock)."""
        s, c = self.spec, self.counts
        ch, ra, bg, ba, row, _ = self.decoder.decode(address)
        channel = self.channels[ch]
        rank = channel.ranks[ra]
        bank = bg * self._bpg + ba
        window, queue = channel.window, rank.queues[bank]
        floor = arrival if self.earliest is None else self.earliest  # older commands may go
        t = max(arrival, window[0]) if len(window) == QUEUE_DEPTH else arrival
        if len(queue) == BANK_DEPTH:
            t = max(t, queue[0])
        window.append(t)
        if t >= rank.next_refresh:
            self._refresh(rank, t)
        open_row = rank.open_row[bank]
        if open_row == row:
            c.hits += 1
            ready = max(t, rank.next_col[bank])
        else:
            act = max(t, rank.next_act[bank])
            if open_row >= 0:
                c.conflicts += 1
                c.pre += 1
                pre = max(t, rank.next_pre[bank])
                rank.active.append((rank.opened_at[bank], pre))
                act = max(act, pre + s.trp)
            else:
                c.misses += 1
            act = self._place_act(rank, bg, act, floor)
            c.act += 1
            rank.open_row[bank] = row
            rank.opened_at[bank] = act
            rank.next_act[bank] = act + s.trc
            rank.next_pre[bank] = act + s.tras
            ready = max(act + s.trcd, rank.next_col[bank])
        col = self._place_col(channel, ra, bg, write, ready, floor)
        queue.append(col)
        rank.next_col[bank] = col
        if write:
            rank.next_pre[bank] = max(rank.next_pre[bank], col + self._write_delay + s.twr)
            c.wr += 1
            done = col + self._write_delay
        else:
            rank.next_pre[bank] = max(rank.next_pre[bank], col + s.trtp)
            c.rd += 1
            done = col + self._read_delay
        if self.page == "closed":
            pre = rank.next_pre[bank]
            c.pre += 1
            rank.active.append((rank.opened_at[bank], pre))
            rank.open_row[bank] = -1
            rank.next_act[bank] = max(rank.next_act[bank], pre + s.trp)
        return col, done

    def _place_act(self, rank: _Rank, bg: int, t: int, floor: int) -> int:
        """The earliest clock >= t an ACT in bank group `bg` keeps tRRD_S/L and tFAW.

        No later ACT goes before `floor` (arrivals only grow), so older ones are dropped.
        """
        s, acts = self.spec, rank.acts
        del acts[: bisect_left(acts, (floor - 2 * max(s.trrd_l, s.tfaw), -1))]
        reach = max(s.trrd_l, s.trrd_s)
        moved = True
        while moved:
            moved = False
            k = bisect_left(acts, (t, -1))
            # tRRD: every ACT closer than the longer gap, not only the neighbours (a same-group
            # ACT two back is within tRRD_L when tRRD_L > 2 x tRRD_S)
            near = bisect_left(acts, (t - reach + 1, -1))
            for other, other_bg in acts[near : bisect_left(acts, (t + reach, -1))]:
                gap = s.trrd_l if other_bg == bg else s.trrd_s
                if abs(t - other) < gap:
                    t, moved = other + gap, True
                    break
            if moved:
                continue
            times = [a for a, _ in acts[max(0, k - 4) : k + 4]]
            here = min(k, 4)
            times.insert(here, t)
            for j in range(max(0, here - 4), min(here, len(times) - 5) + 1):  # five in a row
                if times[j + 4] - times[j] < s.tfaw:
                    t, moved = times[j] + s.tfaw if j < here else times[j + 4] + 1, True
                    break
        insort(acts, (t, bg))
        return t

    def _place_col(
        self, channel: _Channel, rank: int, bg: int, write: bool, t: int, floor: int
    ) -> int:
        """The earliest clock >= t a RD/WR keeps every column-to-column gap with placed ones."""
        cols, gap, reach = channel.cols, self._gap, self._reach
        del cols[: bisect_left(cols, (floor - 2 * reach, -1, -1, False))]
        moved = True
        while moved:
            moved = False
            k = bisect_left(cols, (t - reach, -1, -1, False))
            for other, other_rank, other_bg, other_write in cols[k:]:
                if other >= t + reach:
                    break
                where = 2 if other_rank != rank else 0 if other_bg == bg else 1
                if other <= t:
                    need = gap[other_write][write][where]
                    if t - other < need:
                        t, moved = other + need, True
                        break
                elif other - t < gap[write][other_write][where]:
                    # after `other`, never before it: a gap below 0 (CWL > CL + burst) moved t
                    # back before `other` and the search went round forever
                    t, moved = other + max(gap[other_write][write][where], 0), True
                    break
        insort(cols, (t, rank, bg, write))
        return t

    def _refresh(self, rank: _Rank, now: int) -> None:
        """Every refresh due by `now`: close open rows, REF, tRFC before the next ACT."""
        s, c = self.spec, self.counts
        while rank.next_refresh <= now:
            due = rank.next_refresh
            ref = max(due, max(rank.next_act))  # tRC / tRP of earlier commands: as an ACT would
            for bank, row in enumerate(rank.open_row):
                if row >= 0:
                    pre = max(due, rank.next_pre[bank])
                    rank.active.append((rank.opened_at[bank], pre))
                    rank.open_row[bank] = -1
                    c.pre += 1
                    ref = max(ref, pre + s.trp)
            c.ref += 1
            ready = ref + s.trfc
            rank.next_act = [ready] * len(rank.next_act)
            rank.next_col = [ready] * len(rank.next_col)
            rank.next_refresh += s.trefi

    def finish(self, until: int) -> None:
        """Refreshes due up to `until` (the end of the run), so energy counts them too."""
        for channel in self.channels:
            for rank in channel.ranks:
                self._refresh(rank, until)

    def active_cycles(self, until: int) -> int:
        """Clocks, summed over ranks, with at least one row open, up to `until`."""
        total = 0
        for channel in self.channels:
            for rank in channel.ranks:
                spans = list(rank.active)
                spans += [(rank.opened_at[b], until) for b, r in enumerate(rank.open_row) if r >= 0]
                total += _union(spans, until)
        return total


def _union(spans: list[tuple[int, int]], until: int) -> int:
    """Length of the union of [start, end) spans, clipped at `until`."""
    total, reach = 0, _NEVER
    for start, end in sorted(spans):
        end, start = min(end, until), max(start, reach)
        if end <= start:  # (after `until`, or inside the union so far)
            continue
        total += end - start
        reach = end
    return total
