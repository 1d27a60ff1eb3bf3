"""DRAM energy per command and per clock of standby, from the device's IDD currents.

The method of Micron TN-40-07 ("Calculating Memory Power for DDR4 SDRAM"), as DRAMPower and
DRAMsim3 apply it; VDD x mA x ns = pJ, times the devices of a rank:

- activate: VDD (IDD0 tRC - (IDD3N tRAS + IDD2N tRP)) per ACT; it covers the ACT-PRE pair, so a
  PRE costs nothing of its own (its count is reported, its energy is in `activate_j`);
- read / write: VDD (IDD4R - IDD3N) or (IDD4W - IDD3N) x burst clocks per RD / WR;
- refresh: VDD (IDD5B - IDD3N) tRFC per REF;
- background: VDD IDD3N per clock with a row open in the rank, VDD IDD2N per clock with none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accelsim.dram.banked import BankedDram

__all__ = ["DRAM_PARTS", "DramEnergy", "dram_energy"]

DRAM_PARTS: tuple[str, ...] = ("activate", "read", "write", "refresh", "background")
"""Parts of the DRAM energy, in the order reports list them."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DramEnergy:
    """Joules by part (see the module docstring) over `cycles` DRAM clocks."""

    activate_j: float
    read_j: float
    write_j: float
    refresh_j: float
    background_j: float
    cycles: int

    def parts(self) -> dict[str, float]:
        return {name: getattr(self, f"{name}_j") for name in DRAM_PARTS}

    @property
    def total_j(self) -> float:
        return sum(self.parts().values())


def dram_energy(dram: BankedDram, until: int) -> DramEnergy:
    """Energy of everything `dram` did up to DRAM clock `until` (refreshes due by then included)."""
    dram.finish(until)
    s, c = dram.spec, dram.counts
    pj = s.vdd * s.tck_ns * s.devices * 1e-12  # J per (mA x clock)
    active = dram.active_cycles(until)
    idle = until * s.channels * s.ranks - active
    return DramEnergy(
        activate_j=c.act * pj * (s.idd0 * s.trc - (s.idd3n * s.tras + s.idd2n * s.trp)),
        read_j=c.rd * pj * (s.idd4r - s.idd3n) * s.burst_cycles,
        write_j=c.wr * pj * (s.idd4w - s.idd3n) * s.burst_cycles,
        refresh_j=c.ref * pj * (s.idd5b - s.idd3n) * s.trfc,
        background_j=pj * (active * s.idd3n + max(0, idle) * s.idd2n),
        cycles=until,
    )
