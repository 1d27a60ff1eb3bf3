"""What the banked DDR did for each layer: bursts, row hits, achieved bandwidth, command energy.

Read from a finished run: the DDR model logged every transfer as it started (`DramRun`); each
is matched to its trace event by start cycle and size (a channel starts one transfer a cycle).
Refresh and background energy belong to the run, not a layer: they are shared out by bytes moved.
None of this exists for the `rate` tier (`layer_ddr` returns None).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accelsim.summary import RunResult

__all__ = ["LayerDdr", "layer_ddr"]


@dataclass(frozen=True, slots=True, kw_only=True)
class LayerDdr:
    """One layer's DDR traffic on the banked tier; `busy_cycles` sums its transfers' durations."""

    nbytes: int
    bursts: int
    hits: int
    misses: int
    conflicts: int
    busy_cycles: int
    energy_j: float

    @property
    def row_hit_rate(self) -> float | None:
        return self.hits / self.bursts if self.bursts else None

    def bandwidth(self, clock_hz: float) -> float | None:
        """Bytes/s while its transfers were in flight."""
        return self.nbytes * clock_hz / self.busy_cycles if self.busy_cycles else None


def layer_ddr(result: RunResult) -> tuple[LayerDdr, ...] | None:
    """Per layer (program order) DDR traffic of a banked run; None on the rate tier."""
    dram = result.dram
    if dram is None:
        return None
    pending: dict[tuple[int, int], list[int]] = {}
    for index, record in enumerate(dram.transfers):
        pending.setdefault((record.now, record.nbytes), []).append(index)
    sums = [[0, 0, 0, 0, 0, 0, 0.0] for _ in result.program.layers]
    for start, end, nbytes, layer in result.trace.rows("start", "end", "nbytes", "layer"):
        queue = pending.get((start, nbytes)) if nbytes else None
        if not queue:
            continue
        record = dram.transfers[queue.pop(0)]
        row = sums[layer]
        row[0] += record.nbytes
        row[1] += record.bursts
        row[2] += record.hits
        row[3] += record.misses
        row[4] += record.conflicts
        row[5] += end - start
        row[6] += dram.command_energy(record)
    shared = dram.energy.refresh_j + dram.energy.background_j
    moved = sum(int(row[0]) for row in sums)
    return tuple(
        LayerDdr(
            nbytes=int(row[0]), bursts=int(row[1]), hits=int(row[2]), misses=int(row[3]),
            conflicts=int(row[4]), busy_cycles=int(row[5]),
            energy_j=row[6] + (shared * row[0] / moved if moved else 0.0),
        )  # fmt: skip
        for row in sums
    )
