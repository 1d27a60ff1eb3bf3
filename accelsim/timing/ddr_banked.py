"""The `banked` DDR tier (`ddr.timing: banked`): every transfer as bursts on the DRAM's banks.

A transfer's bytes `[address, address + nbytes)` become bursts of the preset's burst size; the
DMA channel hands them over at its own rate (burst i reaches DDR at `arrive + i x burst / rate`
cycles), and `accelsim.dram.BankedDram` serves each against open rows, bank timings and refresh
(see that module for the scheduling). DDR has served the transfer when its last burst's data is
done; the channel then ends it at the later of that and its own data time, so a slow bus hides
DRAM entirely and a fast one exposes it. Times convert between the machine's clock and DRAM
clocks (tCK) by their ratio, DRAM clocks rounded down on the way in, cycles up on the way out.

Every burst is logged (address, read or write, DRAM clock) for `--dram-trace`, and every
transfer's hits, misses and conflicts for the per-layer row-hit rate; `report` sums the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from accelsim.dram import BankedDram, DramEnergy, DramSpec, dram_energy
from accelsim.hardware import whole_cycles
from accelsim.timing.ddr import ddr_model

if TYPE_CHECKING:
    from collections.abc import Mapping

    from accelsim.dram import Counts
    from accelsim.hardware import Hardware
    from accelsim.work import Transfer

__all__ = ["BankedDdr", "DramRun", "TransferRecord", "dram_run"]


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferRecord:
    """One transfer as DDR saw it: started on its channel at `now`, done at `end` (cycles)."""

    now: int
    address: int
    nbytes: int
    write: bool
    hits: int
    misses: int
    conflicts: int
    arrive: int
    end: int

    @property
    def bursts(self) -> int:
        return self.hits + self.misses + self.conflicts


@dataclass(frozen=True, slots=True, kw_only=True)
class DramRun:
    """What the banked DRAM did in a run: its device, every transfer and burst, the energy."""

    spec: DramSpec
    preset: str
    mapping: str
    page: str
    transfers: tuple[TransferRecord, ...]
    bursts: tuple[tuple[int, bool, int], ...]  # (address, write, DRAM clock it arrived)
    counts: Counts
    energy: DramEnergy

    @property
    def row_hit_rate(self) -> float:
        c = self.counts
        return c.hits / max(1, c.rd + c.wr)

    def command_energy(self, record: TransferRecord) -> float:
        """Joules of a transfer's own commands: an ACT per miss or conflict, a RD/WR per burst."""
        e, c = self.energy, self.counts
        per_act = e.activate_j / c.act if c.act else 0.0
        per_burst = (e.write_j / c.wr if c.wr else 0.0) if record.write else (
            e.read_j / c.rd if c.rd else 0.0
        )
        return (record.misses + record.conflicts) * per_act + record.bursts * per_burst

    def dram_trace(self) -> str:
        """The bursts in DRAMsim3's trace format: hex address, READ or WRITE, DRAM clock."""
        ordered = sorted(self.bursts, key=lambda b: b[2])
        return "".join(f"0x{a:x} {'WRITE' if w else 'READ'} {t}\n" for a, w, t in ordered)


@ddr_model("banked")
class BankedDdr:
    """DDR as a `BankedDram` fed burst by burst at each channel's pace (module docstring)."""

    def __init__(self, hw: Hardware) -> None:
        ddr = hw.ddr
        self.spec = spec = ddr.dram_spec
        self.preset, self.mapping, self.page = str(ddr.preset), ddr.dram_mapping, ddr.page or "open"
        self.dram = BankedDram(spec, mapping=self.mapping, page=self.page)
        self.clocks_per_cycle = 1e9 / (hw.clock * spec.tck_ns)
        self.first_data = spec.trcd + spec.cl + spec.burst_cycles  # DRAM clocks, closed bank
        self.peak_per_cycle = spec.peak_bytes_per_second / hw.clock
        self.transfers: list[TransferRecord] = []
        self.bursts: list[tuple[int, bool, int]] = []

    def estimate(self, transfer: Transfer) -> int:
        """Alone from a closed bank: first data after tRCD + CL + burst, then the peak rate."""
        if transfer.nbytes <= 0:
            return 0
        first = self.first_data / self.clocks_per_cycle
        return whole_cycles(first + transfer.nbytes / self.peak_per_cycle)

    def run(self, transfer: Transfer, now: int, *, arrive: int, rate: float) -> int:
        size, k = self.spec.burst_bytes, self.clocks_per_cycle
        write = transfer.direction == "out"
        first = transfer.address - transfer.address % size
        step = size / rate
        count = len(range(first, transfer.address + transfer.nbytes, size))
        arrivals = [int((arrive + i * step) * k) for i in range(count)]
        c = self.dram.counts
        self.dram.earliest = int(now * k)  # `now` never decreases; other channels' bursts do
        before = (c.hits, c.misses, c.conflicts)
        end = max(self.dram.stream(first, arrivals, write=write), default=0)
        hits, misses, conflicts = c.hits - before[0], c.misses - before[1], c.conflicts - before[2]
        self.bursts.extend((first + i * size, write, t) for i, t in enumerate(arrivals))
        served = whole_cycles(end / k)
        self.transfers.append(
            TransferRecord(
                now=now, address=transfer.address, nbytes=transfer.nbytes, write=write,
                hits=hits, misses=misses, conflicts=conflicts, arrive=arrive, end=served,
            )  # fmt: skip
        )
        return served

    def report(self, end: int) -> DramRun:
        """The run so far, energy up to cycle `end` (refreshes due by then included)."""
        until = int(end * self.clocks_per_cycle)
        energy = dram_energy(self.dram, max(until, self.dram.last_end))
        return DramRun(
            spec=self.spec, preset=self.preset, mapping=self.mapping, page=self.page,
            transfers=tuple(self.transfers), bursts=tuple(self.bursts),
            counts=self.dram.counts, energy=energy,
        )  # fmt: skip


def dram_run(units: Mapping[str, object], end: int) -> DramRun | None:
    """The banked DDR's report of a run on `units` (from `build_units`); None on another tier."""
    for model in units.values():
        ddr = getattr(model, "ddr", None)
        if isinstance(ddr, BankedDdr):
            return ddr.report(end)
    return None
