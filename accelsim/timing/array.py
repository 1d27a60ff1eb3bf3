"""The `systolic` timing model for matrix units: a layer's GEMM shape on a rows x cols array.

Cycles come from `accelsim.timing.systolic.systolic_cycles` (SCALE-Sim v3's fold formula for
ws/os/is, validated against SCALE-Sim in reports/systolic/), so they depend on the GEMM's M, K,
N and groups, not only on its MACs. Depthwise and grouped convs follow the unit's
`group_mapping`: `simple` (default) runs one group after another, one column each; `packed`
puts as many groups side by side as fit one fold. Stateless: `run` is `estimate`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accelsim.timing.models import memo_of, timing_model
from accelsim.timing.systolic import systolic_cycles
from accelsim.work import Gemm

if TYPE_CHECKING:
    from accelsim.hardware import Hardware, MatrixUnit
    from accelsim.timing.ddr import DdrTiming
    from accelsim.timing.models import Steady
    from accelsim.work import Work


@timing_model("systolic")
class SystolicModel:
    """Stall-free fold cycles of each GEMM on the unit's array (memoised per work record)."""

    depth = 1

    def __init__(self, unit: MatrixUnit, hw: Hardware, ddr: DdrTiming | None) -> None:
        assert unit.rows is not None and unit.cols is not None and unit.dataflow is not None
        self.kind: str = unit.kind
        self.rows, self.cols, self.dataflow = unit.rows, unit.cols, unit.dataflow
        self.group_mapping = unit.group_mapping or "simple"
        self._memo: dict[Work, int] = memo_of(
            "systolic", self.rows, self.cols, self.dataflow, self.group_mapping)  # fmt: skip

    def estimate(self, work: Work) -> int:
        cycles = self._memo.get(work)
        if cycles is None:
            assert isinstance(work, Gemm), "a systolic array only runs matrix layers"
            cycles = self._memo[work] = systolic_cycles(
                m=work.m, k=work.k, n=work.n, groups=work.groups, rows=self.rows,
                cols=self.cols, dataflow=self.dataflow, group_mapping=self.group_mapping,
            ).cycles  # fmt: skip
        return cycles

    def run(self, work: Work, now: int) -> int:
        return self.estimate(work)

    def steady_parts(self) -> tuple[Steady, ...]:
        return ()  # stateless
