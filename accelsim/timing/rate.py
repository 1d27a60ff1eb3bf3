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

from accelsim.hardware import whole_cycles
from accelsim.timing.models import timing_model
from accelsim.work import Gemm, Transfer, Vector

if TYPE_CHECKING:
    from accelsim.hardware import Hardware, Unit
    from accelsim.work import Work


@timing_model("rate")
class RateModel:
    """Cycles at the unit's peak rate (see the module docstring); memoised per work record."""

    def __init__(self, unit: Unit, hw: Hardware) -> None:
        self.kind: str = unit.kind
        self.hw = hw
        self.lanes = getattr(unit, "lanes", None)
        # NOTE: rates read once: Hardware's helpers look the kind's unit up on every call.
        if unit.kind == "dma":
            self.latency, self.per_cycle = hw.transfer_latency_cycles, hw.bus_bytes_per_cycle
        elif unit.kind == "matrix":
            self.latency, self.per_cycle = 0, hw.matrix_flops_per_cycle
        else:
            self.latency, self.per_cycle = 0, hw.vector_ops_per_cycle
        self._memo: dict[Work, int] = {}

    def estimate(self, work: Work) -> int:
        cycles = self._memo.get(work)
        if cycles is None:
            cycles = self._memo[work] = self._cycles(work)
        return cycles

    def run(self, work: Work, now: int) -> int:
        return self.estimate(work)

    def _cycles(self, work: Work) -> int:
        if isinstance(work, Transfer):
            if work.nbytes <= 0:
                return 0
            return self.latency + whole_cycles(work.nbytes / self.per_cycle)
        if isinstance(work, Gemm):
            return whole_cycles(2 * work.macs / self.per_cycle)
        assert isinstance(work, Vector)
        ops = work.ops
        if self.lanes is not None and work.elements:
            ops = ops * (-(-work.elements // self.lanes) * self.lanes) / work.elements
        return whole_cycles(ops / self.per_cycle)
