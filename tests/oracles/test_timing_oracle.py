"""Timing models against routes of their own, over random inputs.

- The `rate` DDR tier: a fluid bus shared first come first served, replayed here clock by clock
  with exact fractions (each clock a request takes what the bus has left, up to its channel's
  rate, and keeps the clock it finishes in).
- The `banked` tier's estimate: first data of a closed bank (tRCD + CL + burst DRAM clocks) then
  the device's peak rate, from the preset's JEDEC figures and the machine's clock.
- The systolic model: SCALE-Sim's fold formula enumerated fold by fold (each fold streams the
  temporal dimension plus R - 1 + C - 1 of skew, plus R of preload for ws and is), groups one
  after another, or packed p to a pass, p found by trying every count.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

import pytest

from accelsim.dram import DRAM_PRESETS
from accelsim.hardware_file import with_overrides
from accelsim.timing.ddr import RateDdr
from accelsim.timing.ddr_banked import BankedDdr
from accelsim.timing.models import build_units
from accelsim.timing.systolic import systolic_cycles
from accelsim.work import Gemm, Transfer, Vector
from tests.sim.toy import toy_machine


class Fluid:
    """The bus clock by clock: each clock a request takes what is left, up to its rate."""

    def __init__(self, per_cycle: Fraction) -> None:
        self.per_cycle = per_cycle
        self.used: dict[int, Fraction] = {}

    def serve(self, arrive: int, nbytes: int, rate: Fraction) -> int:
        """The clock after the one in which the request's last byte went."""
        cap = min(rate, self.per_cycle)
        left, clock = Fraction(nbytes), arrive
        while True:
            room = min(cap, self.per_cycle - self.used.get(clock, Fraction(0)))
            if room > 0:
                self.used[clock] = self.used.get(clock, Fraction(0)) + room
                left -= room
                if left <= 0:
                    return clock + 1
            clock += 1


def _fluid(requests: list[tuple[int, int, int, Fraction]], per_cycle: Fraction) -> list[int]:
    """End clock of each (now, arrive, bytes, channel rate) request, served in call order."""
    bus = Fluid(per_cycle)
    return [bus.serve(arrive, nbytes, rate) for _, arrive, nbytes, rate in requests]


@pytest.mark.parametrize("seed", range(25))
def test_the_rate_tier_is_a_fluid_bus_first_come_first_served(seed: int) -> None:
    rng = random.Random(seed)
    bandwidth = rng.choice([Fraction(1), Fraction(5, 2), Fraction(4), Fraction(8)])  # B/cycle
    machine = toy_machine(ddr=f"{float(bandwidth)} GB/s")  # at 1 GHz: bytes per cycle
    ddr = RateDdr(machine)
    requests, now = [], 0
    for _ in range(40):
        now += rng.choice([0, 0, 1, 5, 30])
        arrive = now + rng.choice([0, 0, 2, 10, 60])
        rate = rng.choice([Fraction(1, 2), Fraction(1), Fraction(3), Fraction(16)])
        requests.append((now, arrive, rng.randint(1, 200), rate))
    got = [ddr.run(Transfer(nbytes=n, direction="in"), now, arrive=a, rate=float(r))
           for now, a, n, r in requests]  # fmt: skip
    assert got == _fluid(requests, bandwidth)
    assert ddr.estimate(Transfer(nbytes=101, direction="in")) == math.ceil(101 / bandwidth)


@pytest.mark.parametrize("share", [Fraction(1), Fraction(1, 2)])
def test_a_request_that_just_fills_the_gap_before_a_busy_stretch_ends_there(share) -> None:  # type: ignore[no-untyped-def]
    # 1 B/cycle of DDR; the first request takes [10, 20) at `share` B/cycle; the second, 10 B
    # from 0 at 1 B/cycle, is through by 10 exactly, before the busy stretch
    ddr = RateDdr(toy_machine(ddr="1 GB/s"))
    requests = [(0, 10, int(10 * share), share), (0, 0, 10, Fraction(1))]
    got = [ddr.run(Transfer(nbytes=n, direction="in"), now, arrive=a, rate=float(r))
           for now, a, n, r in requests]  # fmt: skip
    assert got == _fluid(requests, Fraction(1)) == [20, 10]


@pytest.mark.parametrize("preset", list(DRAM_PRESETS))
@pytest.mark.parametrize("clock_ghz", [0.5, 1.0, 1.6, 2.0])
def test_the_banked_estimate_is_first_data_then_the_peak(preset: str, clock_ghz: float) -> None:
    machine = with_overrides(
        toy_machine(),
        {"clock": f"{clock_ghz} GHz", "ddr.timing": "banked", "ddr.preset": preset,
         "ddr.bandwidth": None},
    )  # fmt: skip
    ddr = BankedDdr(machine)
    s = DRAM_PRESETS[preset]
    ns_per_cycle = 1 / clock_ghz
    first_ns = (s.trcd + s.cl + s.burst_length // 2) * s.tck_ns
    bytes_per_ns = s.channels * s.bus_width / 8 * 2 / s.tck_ns  # two beats a clock
    for nbytes in (1, 64, 1000, 6400, 123_457):
        want = (first_ns + nbytes / bytes_per_ns) / ns_per_cycle
        got = ddr.estimate(Transfer(nbytes=nbytes, direction="in"))
        assert got == math.ceil(want - 1e-9), (nbytes, got, want)
    assert ddr.estimate(Transfer(nbytes=0, direction="in")) == 0


FLOWS = {"ws": ("k", "n", "m", True), "os": ("m", "n", "k", False), "is": ("k", "m", "n", True)}
"""SCALE-Sim's dataflows: (on the rows, on the columns, streamed, preloads the stationary)."""


def _enumerated(m: int, k: int, n: int, groups: int, rows: int, cols: int, flow: str,
                per_pass: int) -> tuple[int, int]:  # fmt: skip
    """(cycles, folds): every pass of `per_pass` groups (the last maybe fewer), every fold."""
    on_rows, on_cols, streamed, preload = FLOWS[flow]
    cycles = folds = 0
    left = groups
    while left:
        packed = min(per_pass, left)
        left -= packed
        size = {"m": m, "k": packed * k, "n": packed * n}
        for _row in range(0, size[on_rows], rows):
            for _col in range(0, size[on_cols], cols):
                folds += 1
                cycles += size[streamed] + (rows - 1) + (cols - 1) + (rows if preload else 0)
    return cycles, folds


def _packable(k: int, n: int, groups: int, rows: int, cols: int, flow: str) -> int:
    """The most groups whose block-diagonal (p·K, p·N) block fits the array where K or N sit."""
    on_rows, on_cols, _, _ = FLOWS[flow]
    best = 1
    for p in range(1, groups + 1):
        size = {"m": 0, "k": p * k, "n": p * n}
        fits = all(size[dim] <= limit for dim, limit in ((on_rows, rows), (on_cols, cols))
                   if dim != "m")  # fmt: skip
        if fits:
            best = p
    return best


@pytest.mark.parametrize("seed", range(30))
def test_systolic_cycles_fold_by_fold(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(20):
        m, k, n = rng.randint(1, 300), rng.randint(1, 70), rng.randint(1, 70)
        groups = rng.choice([1, 1, 2, 3, 8, 32])
        rows, cols = rng.choice([4, 8, 16, 32]), rng.choice([4, 8, 16, 32])
        flow = rng.choice(list(FLOWS))
        mapping = rng.choice(["simple", "packed"])
        per_pass = 1 if mapping == "simple" else _packable(k, n, groups, rows, cols, flow)
        got = systolic_cycles(m=m, k=k, n=n, groups=groups, rows=rows, cols=cols,
                              dataflow=flow, group_mapping=mapping)  # fmt: skip
        cycles, folds = _enumerated(m, k, n, groups, rows, cols, flow, per_pass)
        assert (got.cycles, got.folds, got.groups_per_pass) == (cycles, folds, per_pass)
        assert got.macs == m * k * n * groups
        streaming = _streamed_total(m, k, n, groups, rows, cols, flow, per_pass)
        assert got.fill_drain_cycles == cycles - streaming
        assert 0 < got.utilisation <= 1


def _streamed_total(m: int, k: int, n: int, groups: int, rows: int, cols: int, flow: str,
                    per_pass: int) -> int:  # fmt: skip
    """Clocks of every fold spent streaming the temporal dimension (not fill, drain, preload)."""
    on_rows, on_cols, streamed, _ = FLOWS[flow]
    total, left = 0, groups
    while left:
        packed = min(per_pass, left)
        left -= packed
        size = {"m": m, "k": packed * k, "n": packed * n}
        folds = -(-size[on_rows] // rows) * -(-size[on_cols] // cols)
        total += folds * size[streamed]
    return total


@pytest.mark.parametrize("seed", range(15))
def test_dma_channels_over_one_ddr(seed: int) -> None:
    """Identical channels (a kind's units must be). A transfer's request reaches DDR after
    the start-up (DDR and channel latency) or when its channel has moved the data before it,
    whichever is later; it is done when both its channel's own data time and the fluid DDR
    (replayed here) are."""
    rng = random.Random(seed)
    count = rng.choice([1, 2, 3])
    bandwidths = [rng.choice([Fraction(1, 2), Fraction(1), Fraction(2), Fraction(5)])] * count
    ddr_rate = rng.choice([Fraction(1), Fraction(3), Fraction(8)])
    ddr_ns, latency_ns = rng.choice([0, 5, 20]), rng.choice([0, 3, 10])
    machine = with_overrides(toy_machine(ddr=f"{float(ddr_rate)} GB/s", dma_units=count), {
        "ddr.latency": f"{ddr_ns} ns",
        **{f"units.{name}.bandwidth": f"{float(b)} GB/s" for name, b in
           zip(_dma_names(count), bandwidths, strict=True)},
        **{f"units.{name}.latency": f"{latency_ns} ns" for name in _dma_names(count)},
    })  # fmt: skip
    units = build_units(machine)
    channels = [units[name] for name in _dma_names(count)]
    free = [0] * count
    bus = Fluid(ddr_rate)
    want, calls, now = [], [], 0
    for _ in range(30):
        now += rng.choice([0, 1, 7, 40])
        which, nbytes = rng.randrange(count), rng.randint(1, 120)
        arrive = max(now + ddr_ns + latency_ns, free[which])
        own = arrive + math.ceil(Fraction(nbytes) / bandwidths[which])
        free[which] = max(own, bus.serve(arrive, nbytes, bandwidths[which]))
        calls.append((which, nbytes, now))
        want.append(free[which])
    got = [
        channels[which].run(Transfer(nbytes=nbytes, direction="in"), now) + now
        for which, nbytes, now in calls
    ]
    assert got == want


def _dma_names(count: int) -> list[str]:
    return ["bus"] if count == 1 else [f"dma{i}" for i in range(count)]


@pytest.mark.parametrize("lanes", [None, 1, 4, 16, 64])
def test_vector_and_matrix_rates(lanes: int | None) -> None:
    """Matrix: ceil(2 MACs / FLOPs a cycle); vector: ceil(ops / ops a cycle), its elements in
    whole groups of `lanes` (a short vector pays its idle lanes)."""
    rng = random.Random(lanes)
    machine = with_overrides(toy_machine(matrix="7 GFLOPS"), {
        "units.vector.peak": "3 GFLOPS", "units.vector.lanes": lanes})  # fmt: skip
    units = build_units(machine)
    for _ in range(200):
        macs = rng.randint(1, 10_000)
        assert units["matrix"].estimate(Gemm(m=1, k=1, n=macs, groups=1, macs=macs)) == (
            math.ceil(Fraction(2 * macs, 7))
        )
        elements = rng.randint(1, 300)
        ops = elements * rng.choice([1, 2, 5, 13])
        padded = ops if lanes is None else Fraction(ops * (-(-elements // lanes) * lanes), elements)
        assert units["vector"].estimate(Vector(ops=ops, elements=elements)) == math.ceil(
            Fraction(padded) / 3
        )
