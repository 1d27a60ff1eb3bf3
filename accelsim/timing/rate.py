"""The `rate` timing model: a fixed rate per unit, the paper's model and accelsim's default.

- dma: `ddr.latency + latency + ceil(nbytes / bytes per cycle)`, bytes per cycle being
  min(bandwidth, ddr.bandwidth) / clock; 0 for 0 bytes.
- matrix: `ceil(2 x MACs / FLOPs per cycle)`.
- vector: `ceil(ops / ops per cycle)`; with `lanes`, elements count in whole lane groups
  (ceil(elements / lanes) x lanes), so a short vector pays for its idle lanes.

Stateless: `run` is `estimate`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accelsim.timing.models import timing_model
from accelsim.work import Gemm, Transfer, Vector

if TYPE_CHECKING:
    from accelsim.hardware import Hardware, Unit
    from accelsim.work import Work


@timing_model("rate")
class RateModel:
    """Cycles at the unit's peak rate (see the module docstring); memoised per work record."""

    def __init__(self, unit: Unit, hw: Hardware) -> None:
        self.kind = unit.kind
        self.hw = hw
        self.lanes = getattr(unit, "lanes", None)
        self._memo: dict[Work, int] = {}

    def estimate(self, work: Work) -> int:
        cycles = self._memo.get(work)
        if cycles is None:
            cycles = self._memo[work] = self._cycles(work)
        return cycles

    def run(self, work: Work, now: int) -> int:
        return self.estimate(work)

    def _cycles(self, work: Work) -> int:
        hw = self.hw
        if isinstance(work, Transfer):
            return hw.transfer_cycles(work.nbytes)
        if isinstance(work, Gemm):
            return hw.matrix_cycles(2 * work.macs)
        assert isinstance(work, Vector)
        if self.lanes is None or work.elements == 0:
            return hw.vector_cycles(work.ops)
        padded = -(-work.elements // self.lanes) * self.lanes
        return hw.vector_cycles(work.ops * padded / work.elements)
