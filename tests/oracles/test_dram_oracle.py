"""Banked DRAM against the JEDEC rules, over random devices and random address streams.

Every device is a bundled preset with its timings redrawn at random (kept in the relations JEDEC
tables keep: tRRD_L >= tRRD_S and so on) and one or two ranks. Three independent routes:

- the address bits, decoded here from the mapping string, and one open row per bank tracked
  here give each access's hits, misses and conflicts, and the ACT/PRE/RD/WR counts;
- every command the model places is judged against every JEDEC constraint between every pair
  (tRCD, tRAS, tRP, tRC, tRRD_S/L, tFAW, tCCD_S/L, the read/write turnarounds, tRTRS), and each
  burst's data time is its column command plus CL (CWL) plus the burst;
- patterns short enough to schedule by hand give exact clocks (one burst from a closed bank, a
  row's bursts back to back, a row conflict, two banks, five activations, a write then a read).
"""

from __future__ import annotations

import dataclasses
import math
import random
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from accelsim.dram import DRAM_PRESETS, BankedDram
from accelsim.dram.mapping import MAPPINGS
from accelsim.dram.spec import DramSpec

NO_REFRESH = 1 << 40


def _device(rng: random.Random, preset: str, *, ranks: int = 1) -> DramSpec:
    """`preset` with every timing redrawn (refresh off unless asked for)."""
    r = rng.randint
    rrd_s, ccd_s, wtr_s = r(1, 8), r(1, 6), r(1, 8)
    return dataclasses.replace(
        DRAM_PRESETS[preset], ranks=ranks, cl=r(4, 30), cwl=r(2, 20), trcd=r(4, 30),
        trp=r(4, 30), tras=r(10, 60), twr=r(4, 30), trtp=r(2, 14), twtr_s=wtr_s,
        twtr_l=wtr_s + r(0, 8), trrd_s=rrd_s, trrd_l=rrd_s + r(0, 3 * rrd_s), tfaw=r(4, 50),
        tccd_s=ccd_s, tccd_l=ccd_s + r(0, 6), trefi=NO_REFRESH, trfc=r(50, 500), trtrs=r(1, 3),
    )  # fmt: skip


def _decode(mapping: str, spec: DramSpec, address: int) -> dict[str, int]:
    """The fields of `address`: the burst offset lowest, then the mapping's fields from its
    last (least significant) to its first."""
    text = MAPPINGS.get(mapping, mapping)
    counts = {"ch": spec.channels, "ra": spec.ranks, "bg": spec.bankgroups,
              "ba": spec.banks_per_group, "ro": spec.rows,
              "co": spec.row_bytes // spec.burst_bytes}  # fmt: skip
    value = address // spec.burst_bytes
    fields = {}
    for name in reversed([text[i : i + 2] for i in range(0, 12, 2)]):
        value, fields[name] = divmod(value, counts[name])
    return fields


@dataclass
class Burst:
    address: int
    write: bool
    arrival: int
    act: int | None = None
    col: int = -1
    done: int = -1


class Recorder:
    """Wraps a BankedDram's burst, ACT and column placement to log each burst's commands."""

    def __init__(self, dram: BankedDram) -> None:
        self.bursts: list[Burst] = []
        burst, place_act, place_col = dram._burst, dram._place_act, dram._place_col

        def record_burst(address: int, write: bool, arrival: int) -> tuple[int, int]:
            self.bursts.append(Burst(address, write, arrival))
            col, done = burst(address, write, arrival)
            self.bursts[-1].done = done
            return col, done

        def record_act(*args: object) -> int:
            t = place_act(*args)  # type: ignore[arg-type]
            self.bursts[-1].act = t
            return t

        def record_col(*args: object) -> int:
            t = place_col(*args)  # type: ignore[arg-type]
            self.bursts[-1].col = t
            return t

        dram._burst, dram._place_act, dram._place_col = record_burst, record_act, record_col  # type: ignore[method-assign]


def _stream(rng: random.Random, spec: DramSpec, count: int) -> list[tuple[int, int, bool, int]]:
    """Random requests (address, bytes, write, arrival): a few hot rows so hits, misses and
    conflicts all occur, arrivals non-decreasing."""
    rows = [rng.randrange(spec.capacity // spec.row_bytes) * spec.row_bytes for _ in range(6)]
    requests, now = [], 0
    for _ in range(count):
        base = rng.choice(rows) if rng.random() < 0.7 else rng.randrange(spec.capacity)
        offset = rng.randrange(spec.row_bytes)
        now += rng.choice([0, 0, 1, 3, 10, 40])
        requests.append(((base + offset) % spec.capacity, rng.randint(1, 3 * spec.burst_bytes),
                         rng.random() < 0.3, now))  # fmt: skip
    return requests


CONFIGS = [(preset, mapping, page, ranks) for preset in DRAM_PRESETS for mapping in MAPPINGS
           for page, ranks in (("open", 1), ("open", 2), ("closed", 1))]  # fmt: skip


@contextmanager
def _deadline(seconds: int) -> Iterator[None]:
    """Fail instead of hanging: the placement searches once went round forever."""

    def expired(*_: object) -> None:
        raise TimeoutError(f"the DRAM model ran past {seconds} s on a short stream")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _run(seed: int, preset: str, mapping: str, page: str, ranks: int, count: int = 150):
    rng = random.Random(seed)
    spec = _device(rng, preset, ranks=ranks)
    dram = BankedDram(spec, mapping=mapping, page=page)  # type: ignore[arg-type]
    recorder = Recorder(dram)
    accesses = []
    with _deadline(20):
        for address, nbytes, write, arrival in _stream(rng, spec, count):
            accesses.append(
                (
                    address,
                    nbytes,
                    write,
                    arrival,
                    dram.access(address, nbytes, write=write, arrival=arrival),
                )
            )
    return spec, dram, recorder.bursts, accesses


@pytest.mark.parametrize(("preset", "mapping", "page", "ranks"), CONFIGS)
def test_hits_misses_and_conflicts_follow_the_open_rows(preset, mapping, page, ranks) -> None:  # type: ignore[no-untyped-def]
    spec, dram, bursts, accesses = _run(1, preset, mapping, page, ranks)
    open_rows: dict[tuple[int, int, int, int], int] = {}
    totals = {"hits": 0, "misses": 0, "conflicts": 0}
    size = spec.burst_bytes
    for address, nbytes, _, _, access in accesses:
        found = {"hits": 0, "misses": 0, "conflicts": 0}
        for burst in range(address - address % size, address + nbytes, size):
            f = _decode(mapping, spec, burst)
            bank = (f["ch"], f["ra"], f["bg"], f["ba"])
            row = open_rows.get(bank)
            kind = "hits" if row == f["ro"] else "misses" if row is None else "conflicts"
            found[kind] += 1
            if page == "open":
                open_rows[bank] = f["ro"]
        assert (access.hits, access.misses, access.conflicts) == tuple(found.values())
        for key in totals:
            totals[key] += found[key]
    c = dram.counts
    assert (c.hits, c.misses, c.conflicts) == tuple(totals.values())
    assert c.act == totals["misses"] + totals["conflicts"]
    bursts_total = sum(totals.values())
    assert c.pre == (totals["conflicts"] if page == "open" else bursts_total)
    assert c.rd + c.wr == bursts_total == len(bursts)
    assert c.wr == sum(b.write for b in bursts)


def _gaps(s: DramSpec) -> Callable[[Burst, Burst, int], int]:
    """Least clocks from column command `a` to a later `b`: relation 0 same bank group, 1 same
    rank, 2 another rank (DRAMsim3's encoding of the JEDEC rules)."""
    burst = s.burst_length // 2

    def gap(a: Burst, b: Burst, relation: int) -> int:
        if a.write == b.write:
            if relation == 2:
                return burst + (0 if a.write else s.trtrs)
            return max(burst, s.tccd_l if relation == 0 else s.tccd_s)
        if a.write:  # write then read
            if relation == 2:
                return s.cwl + burst + s.trtrs - s.cl
            return s.cwl + burst + (s.twtr_l if relation == 0 else s.twtr_s)
        return s.cl + burst + s.trtrs - s.cwl  # read then write, any relation

    return gap


@pytest.mark.parametrize(("preset", "mapping", "page", "ranks"), CONFIGS)
def test_every_command_keeps_every_jedec_constraint(preset, mapping, page, ranks) -> None:  # type: ignore[no-untyped-def]
    spec, _, bursts, accesses = _run(2, preset, mapping, page, ranks)
    s, burst_clocks, gap = spec, spec.burst_length // 2, _gaps(spec)
    where = {id(b): _decode(mapping, spec, b.address) for b in bursts}
    bad: list[str] = []
    # each burst: its data, its ACT and the commands of its bank before it
    last: dict[tuple[int, int, int, int], Burst] = {}
    last_act: dict[tuple[int, int, int, int], int] = {}
    for b in bursts:
        f = where[id(b)]
        bank = (f["ch"], f["ra"], f["bg"], f["ba"])
        if b.col < b.arrival or b.done != b.col + (s.cwl if b.write else s.cl) + burst_clocks:
            bad.append(f"{b}: data time")
        if b.act is not None:
            if b.act < b.arrival or b.col < b.act + s.trcd:
                bad.append(f"{b}: tRCD or before its arrival")
            before, act_before = last.get(bank), last_act.get(bank)
            if before is not None and page == "open" and act_before is not None:
                to_pre = s.cwl + burst_clocks + s.twr if before.write else s.trtp
                if b.act < before.col + to_pre + s.trp or b.act < act_before + s.tras + s.trp:
                    bad.append(f"{b}: PRE after {before} too early (tRTP/tWR, tRAS, tRP)")
            if before is not None and page == "closed":
                to_pre = s.cwl + burst_clocks + s.twr if before.write else s.trtp
                pre = max(before.col + to_pre, (act_before or 0) + s.tras)
                if b.act < pre + s.trp:
                    bad.append(f"{b}: auto-precharge after {before} too early")
            last_act[bank] = b.act
        last[bank] = b
    acts: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for b in bursts:
        if b.act is not None:
            f = where[id(b)]
            acts.setdefault((f["ch"], f["ra"]), []).append((b.act, f["bg"]))
    for times in acts.values():
        times.sort()
        for i, (t, group) in enumerate(times):
            for u, other in times[i + 1 :]:
                if u - t >= max(s.trrd_l, s.trrd_s):
                    break
                if u - t < (s.trrd_l if group == other else s.trrd_s):
                    bad.append(f"ACTs at {t} and {u} (bank groups {group}, {other}): tRRD")
            if i + 4 < len(times) and times[i + 4][0] - t < s.tfaw:
                bad.append(f"five ACTs from {t} to {times[i + 4][0]}: tFAW")
    by_channel: dict[int, list[Burst]] = {}
    for b in bursts:
        by_channel.setdefault(where[id(b)]["ch"], []).append(b)
    for column in by_channel.values():
        column.sort(key=lambda b: b.col)
        for i, a in enumerate(column):
            for b in column[i + 1 :]:
                if b.col - a.col > 200:
                    break
                fa, fb = where[id(a)], where[id(b)]
                relation = 2 if fa["ra"] != fb["ra"] else 0 if fa["bg"] == fb["bg"] else 1
                if b.col - a.col < gap(a, b, relation):
                    bad.append(f"columns {a.col} then {b.col} (relation {relation}): too close")
    size, position = spec.burst_bytes, 0
    for address, nbytes, _, _, access in accesses:  # a request ends with its last burst's data
        own = bursts[position : position + len(range(address - address % size, address + nbytes,
                                                         size))]  # fmt: skip
        position += len(own)
        if (access.start, access.end) != (min(b.col for b in own), max(b.done for b in own)):
            bad.append(f"request at {address}: start {access.start}, end {access.end}")
    assert not bad, f"{len(bad)} violations:\n" + "\n".join(bad[:8])


# ---- exact clocks of short patterns, scheduled by hand ----------------------------------------


def _fresh(seed: int, preset: str = "ddr4-3200") -> tuple[DramSpec, BankedDram]:
    spec = _device(random.Random(seed), preset)
    return spec, BankedDram(spec, mapping="row_bank_column")


def _address(spec: DramSpec, *, bg: int = 0, ba: int = 0, row: int = 0, col: int = 0) -> int:
    """A byte address under "rochrababgco" (one channel, one rank): fields by hand."""
    columns = spec.row_bytes // spec.burst_bytes
    value = ((row * spec.banks_per_group + ba) * spec.bankgroups + bg) * columns + col
    return value * spec.burst_bytes


SEEDS = range(12)


@pytest.mark.parametrize("seed", SEEDS)
def test_one_burst_from_a_closed_bank(seed: int) -> None:
    s, dram = _fresh(seed)
    burst = s.burst_length // 2
    assert dram.access(0, 1, write=False, arrival=7).end == 7 + s.trcd + s.cl + burst
    assert dram.access(_address(s, bg=1), 1, write=True, arrival=100).end == (
        max(100 + s.trcd, 7 + s.trcd + s.cl + burst + s.trtrs - s.cwl) + s.cwl + burst
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_a_rows_bursts_back_to_back(seed: int) -> None:
    s, dram = _fresh(seed)
    burst, n = s.burst_length // 2, 12
    access = dram.access(0, n * s.burst_bytes, write=False, arrival=0)
    assert (access.misses, access.hits) == (1, n - 1)
    assert access.start == s.trcd
    assert access.end == s.trcd + (n - 1) * max(burst, s.tccd_l) + s.cl + burst


@pytest.mark.parametrize("seed", SEEDS)
def test_a_row_conflict_waits_for_tras_trtp_trp_and_trc(seed: int) -> None:
    s, dram = _fresh(seed)
    burst = s.burst_length // 2
    dram.access(0, 1, write=False, arrival=0)  # ACT 0, RD tRCD
    pre = max(s.tras, s.trcd + s.trtp)
    act = max(pre + s.trp, s.tras + s.trp)
    access = dram.access(_address(s, row=1), 1, write=False, arrival=0)
    assert access.conflicts == 1
    assert access.end == act + s.trcd + s.cl + burst


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("same_group", [True, False])
def test_two_closed_banks(seed: int, same_group: bool) -> None:
    s, dram = _fresh(seed)
    burst = s.burst_length // 2
    rrd, ccd = (s.trrd_l, s.tccd_l) if same_group else (s.trrd_s, s.tccd_s)
    dram.access(0, 1, write=False, arrival=0)
    other = _address(s, ba=1) if same_group else _address(s, bg=1)
    col = max(rrd + s.trcd, s.trcd + max(burst, ccd))
    assert dram.access(other, 1, write=False, arrival=0).end == col + s.cl + burst


@pytest.mark.parametrize("seed", SEEDS)
def test_activations_keep_trrd_and_the_fifth_waits_for_tfaw(seed: int) -> None:
    # bank groups 0, 1, 2, 3 then 0 again, all at clock 0: each ACT tRRD_S after the one before;
    # the fifth also tRRD_L after the first (same group) and tFAW after it (five in a window)
    s, _ = _fresh(seed)
    dram = BankedDram(s, mapping="row_bank_column")
    recorder = Recorder(dram)
    for bg, ba in [(0, 0), (1, 0), (2, 0), (3, 0), (0, 1)]:
        dram.access(_address(s, bg=bg, ba=ba), 1, write=False, arrival=0)
    acts = [0, s.trrd_s, 2 * s.trrd_s, 3 * s.trrd_s]
    acts.append(max(4 * s.trrd_s, s.trrd_l, s.tfaw))
    assert [b.act for b in recorder.bursts] == acts


@pytest.mark.parametrize("seed", SEEDS)
def test_a_same_group_activation_two_back_still_keeps_trrd_l(seed: int) -> None:
    # bank group 0 at 0, group 1 at tRRD_S, group 0 again arriving at 2 x tRRD_S: it must wait
    # for tRRD_L after the first, however far the one between lets it go
    s, _ = _fresh(seed)
    s = dataclasses.replace(s, trrd_l=3 * s.trrd_s, tfaw=1)
    dram = BankedDram(s, mapping="row_bank_column")
    recorder = Recorder(dram)
    for (bg, ba), arrival in zip([(0, 0), (1, 0), (0, 1)], [0, 0, 2 * s.trrd_s], strict=True):
        dram.access(_address(s, bg=bg, ba=ba), 1, write=False, arrival=arrival)
    assert [b.act for b in recorder.bursts] == [0, s.trrd_s, 3 * s.trrd_s]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_read_after_a_write_in_the_same_row_waits_for_twtr_l(seed: int) -> None:
    s, dram = _fresh(seed)
    burst = s.burst_length // 2
    write = dram.access(0, 1, write=True, arrival=0)
    col_w = s.trcd
    assert write.end == col_w + s.cwl + burst
    read = dram.access(s.burst_bytes, 1, write=False, arrival=0)
    assert read.hits == 1
    assert read.end == col_w + s.cwl + burst + s.twtr_l + s.cl + burst


@pytest.mark.parametrize("preset", list(DRAM_PRESETS))
def test_peak_rate_and_burst_from_the_device_figures(preset: str) -> None:
    s = DRAM_PRESETS[preset]
    # double data rate: 2 beats a clock on bus_width bits, every channel
    assert s.peak_bytes_per_second == pytest.approx(
        s.channels * s.bus_width / 8 * 2 / (s.tck_ns * 1e-9)
    )
    assert s.burst_bytes * 8 == s.bus_width * s.burst_length
    assert math.prod((s.channels, s.ranks, s.bankgroups, s.banks_per_group, s.rows,
                      s.row_bytes)) == s.capacity  # fmt: skip
