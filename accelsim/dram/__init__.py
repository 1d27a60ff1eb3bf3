"""Banked DRAM: device presets, address mappings, a burst-level timing model, command energy.

Pure data and state, no simulator: `BankedDram.access` takes a request (address, bytes, read or
write, arrival clock) and returns when it is done and what each burst found (hit, miss,
conflict). The DDR tier of a hardware file (`ddr.tier: banked`) drives it; DRAMsim3 is its oracle
(scripts/dramsim3_compare.py).
"""

from accelsim.dram.banked import Access, BankedDram, Counts, PagePolicy
from accelsim.dram.energy import DRAM_PARTS, DramEnergy, dram_energy
from accelsim.dram.mapping import MAPPINGS, mapping_problem
from accelsim.dram.spec import DRAM_PRESETS, TIMING_FIELDS, DramSpec

__all__ = [
    "DRAM_PARTS",
    "DRAM_PRESETS",
    "MAPPINGS",
    "TIMING_FIELDS",
    "Access",
    "BankedDram",
    "Counts",
    "DramEnergy",
    "DramSpec",
    "PagePolicy",
    "dram_energy",
    "mapping_problem",
]
