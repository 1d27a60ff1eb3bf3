"""The `rate` timing model: a fixed rate per unit, the paper's model and accelsim's default.

Each model reads the unit it was built for (not the first unit of its kind).

- dma: start-up `ceil((ddr.latency + latency) x clock)`, then the bytes at the channel's
  `bandwidth`, while the run's shared DDR model serves them (`accelsim.timing.ddr`): the
  transfer ends when both are done. Alone that is `start-up + ceil(nbytes / bytes per cycle)`
  at min(bandwidth, ddr.bandwidth); 0 for 0 bytes. With `depth` > 1 a transfer's start-up
  overlaps the data of the transfers before it on the channel.
- matrix: `ceil(2 x MACs / FLOPs per cycle)`.
- vector: `ceil(ops / ops per cycle)`; with `lanes`, elements count in whole lane groups
  (ceil(elements / lanes) x lanes), so a short vector pays for its idle lanes.

Compute units are stateless (`run` is `estimate`); a channel remembers when its data path
frees, and DDR when it does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accelsim.hardware import DmaUnit, whole_cycles
from accelsim.kinds import kind_running
from accelsim.timing.ddr import RateDdr, build_ddr
from accelsim.timing.models import memo_of, reads_addresses, timing_model
from accelsim.work import Gemm, Transfer, Vector

if TYPE_CHECKING:
    from accelsim.hardware import Hardware, Unit
    from accelsim.timing.ddr import DdrTiming
    from accelsim.timing.models import Steady
    from accelsim.work import Work


@timing_model("rate")
def rate_model(unit: Unit, hw: Hardware, ddr: DdrTiming | None = None) -> RateCompute | RateChannel:
    """A rate model of `unit`: a channel over `ddr` (a fresh one if None) or a compute unit."""
    if isinstance(unit, DmaUnit):
        return RateChannel(unit, hw, ddr if ddr is not None else build_ddr(hw))
    return RateCompute(unit, hw)


class RateCompute:
    """Cycles at the unit's peak rate (see the module docstring); memoised per work record
    (shared by the units of this rate, `memo_of`)."""

    depth = 1

    def __init__(self, unit: Unit, hw: Hardware) -> None:
        self.kind: str = unit.kind
        self.lanes = getattr(unit, "lanes", None)
        peak = getattr(unit, "peak", None)
        assert peak is not None, "a unit timed `rate` has a peak (the schema requires it)"
        self.per_cycle: float = peak / hw.clock
        self._memo: dict[Work, int] = memo_of("rate", self.kind, self.lanes, self.per_cycle)

    def estimate(self, work: Work) -> int:
        cycles = self._memo.get(work)
        if cycles is None:
            cycles = self._memo[work] = self._cycles(work)
        return cycles

    def run(self, work: Work, now: int) -> int:
        cycles = self._memo.get(work)  # `estimate`, one call less a task
        if cycles is None:
            cycles = self._memo[work] = self._cycles(work)
        return cycles

    def steady_parts(self) -> tuple[Steady, ...]:
        return ()  # stateless

    def _cycles(self, work: Work) -> int:
        if isinstance(work, Gemm):
            return whole_cycles(2 * work.macs / self.per_cycle)
        assert isinstance(work, Vector), f"a {self.kind} unit does not run {work!r}"
        ops = work.ops
        if self.lanes is not None and work.elements:
            ops = ops * (-(-work.elements // self.lanes) * self.lanes) / work.elements
        return whole_cycles(ops / self.per_cycle)


class RateChannel:
    """A DMA channel at its own bandwidth over the run's shared DDR (module docstring)."""

    kind = kind_running(Transfer)

    def __init__(self, unit: DmaUnit, hw: Hardware, ddr: DdrTiming) -> None:
        self.depth = unit.depth
        self.latency = hw.cycles(hw.ddr.latency + unit.latency)
        self.per_cycle = unit.bandwidth / hw.clock
        self.ddr = ddr
        self.data_free = 0  # cycle at which the channel has moved the data of earlier transfers
        self._memo: dict[int, int] = {}  # bytes -> cycles alone
        # bytes -> cycles of the channel's own data
        self._own: dict[int, int] = memo_of("rate channel", self.per_cycle)

    def estimate(self, work: Work) -> int:
        assert isinstance(work, Transfer), f"a DMA channel does not run {work!r}"
        cycles = self._memo.get(work.nbytes)
        if cycles is None:
            cycles = self._memo[work.nbytes] = self._alone(work)
        return cycles

    def run(self, work: Work, now: int) -> int:
        # NOTE: comparisons, not `max`, and each field read once: called once per transfer of
        # every run, a sweep's largest share of the engine
        assert isinstance(work, Transfer), f"a DMA channel does not run {work!r}"
        nbytes = work.nbytes
        if nbytes <= 0:
            return 0
        request, free = now + self.latency, self.data_free
        if free > request:
            request = free
        own = self._own.get(nbytes)
        if own is None:
            own = self._own[nbytes] = whole_cycles(nbytes / self.per_cycle)
        served = self.ddr.run(work, now, arrive=request, rate=self.per_cycle)
        free = request + own
        if served > free:
            free = served
        self.data_free = free
        return free - now

    @property
    def reads_addresses(self) -> bool:
        """(`models.reads_addresses`) only through its DDR tier."""
        return reads_addresses(self.ddr)

    def steady_parts(self) -> tuple[Steady, ...] | None:
        ddr = self.ddr
        return (self, ddr) if isinstance(ddr, RateDdr) else None

    def steady_state(self, since: int, origin: int) -> int:
        # a request waits for the data path only past its start-up: any earlier is the same
        return max(self.data_free, since + self.latency) - origin

    def shift(self, cycles: int) -> None:
        self.data_free += cycles

    def _alone(self, work: Transfer) -> int:
        if work.nbytes <= 0:
            return 0
        own = whole_cycles(work.nbytes / self.per_cycle)
        return self.latency + max(own, self.ddr.estimate(work))
