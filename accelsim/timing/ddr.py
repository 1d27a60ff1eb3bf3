"""DDR timing tiers by name (`ddr.timing:` in hardware files): the DDR side of every transfer.

DDR is one resource all DMA channels share. Each run builds one DDR model (`build_ddr`) and hands
it to every DMA channel's timing model; a transfer then takes

    start-up = ceil((ddr.latency + channel latency) x clock)      (paid on the channel)
    arrive   = when the start-up is over and the channel has moved the data of the transfers
               before it (a queue depth > 1 lets start-ups overlap earlier data)
    end      = max(arrive + the channel's own data cycles, ddr.run(transfer, now, ...))

so the slower of channel and DDR holds the transfer, and a busy DDR holds every channel.

The interface a tier implements (register it with `@ddr_model("name")`; its factory takes the
machine's `Hardware`):

- `estimate(transfer) -> int`: cycles DDR needs to serve `transfer` alone, changing nothing.
  Planners, the tiler and the floor use it.
- `run(transfer, now, *, arrive, rate) -> int`: the cycle at which DDR has served the last
  byte of `transfer`, whose request reaches DDR at cycle `arrive` (>= now) from a channel that
  takes at most `rate` bytes per cycle. `now` is the simulation cycle of the call: it never
  decreases from one call to the next (`arrive` may: a channel with a queue sends a request
  behind its own earlier data). Called once per transfer of a run; may keep state (what the
  data bus has promised, open rows, refresh). The transfer's bytes are DDR addresses
  `[transfer.address, transfer.address + transfer.nbytes)`; `direction` "in" reads DDR,
  "out" writes it. Zero-byte transfers are never asked.

Tier `rate` (the default, the paper's model): one data bus of `ddr.bandwidth`, handed out first
come first served as a fluid. A request takes what the bus has left at each cycle, up to its
channel's rate, from `arrive` until its bytes are through; requests taken earlier keep what
they were given. Alone, a transfer runs at min(channel, ddr.bandwidth): ceil(nbytes / that
rate) cycles. Two 1 GB/s channels over a 1 GB/s DDR move 1 GB/s together; over a 2 GB/s DDR,
both run at full rate. Addresses do not matter to this tier.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from accelsim.errors import ConfigError
from accelsim.hardware import whole_cycles
from accelsim.timing.models import memo_of
from accelsim.timing.registry import registrar

if TYPE_CHECKING:
    from accelsim.hardware import Hardware
    from accelsim.work import Transfer

__all__ = ["DDR_MODELS", "DdrTiming", "RateDdr", "build_ddr", "ddr_model"]


class DdrTiming(Protocol):
    """The DDR side of transfers (see the module docstring for the contract)."""

    def estimate(self, transfer: Transfer) -> int:
        """Cycles DDR needs to serve `transfer` alone, without changing any state."""
        ...

    def run(self, transfer: Transfer, now: int, *, arrive: int, rate: float) -> int:
        """The cycle DDR has served `transfer` (request at `arrive`, channel `rate` B/cycle)."""
        ...


DdrFactory = Callable[["Hardware"], DdrTiming]
DDR_MODELS: dict[str, DdrFactory] = {}
"""DDR tiers by the name hardware files give `ddr.timing`."""


ddr_model = registrar(DDR_MODELS, "ddr model")
"""Register a DDR tier under a name (a `ddr.timing:` value in hardware files)."""


def build_ddr(hw: Hardware) -> DdrTiming:
    """A fresh DDR model of the tier `hw.ddr.timing` names."""
    _load_tiers()
    try:
        factory = DDR_MODELS[hw.ddr.timing]
    except KeyError:
        known = ", ".join(sorted(DDR_MODELS))
        raise ConfigError(
            f'ddr.timing: unknown DDR model "{hw.ddr.timing}"; known: {known}'
        ) from None
    return factory(hw)


@ddr_model("rate")
class RateDdr:
    """One data bus at ddr.bandwidth, shared as a fluid, first come first served (docstring).

    `times[i]` starts a stretch in which requests already taken use `used[i]` bytes per cycle;
    the last stretch runs forever. Stretches ended before the newest `now` are dropped.
    """

    reads_addresses = False  # (`models.reads_addresses`: a fluid bus)

    def __init__(self, hw: Hardware) -> None:
        self.per_cycle = hw.ddr.bandwidth / hw.clock
        self.times: list[int] = [0]
        self.used: list[float] = [0.0]
        # (bytes, rate) -> cycles when idle
        self._took: dict[tuple[int, float], int] = memo_of("rate ddr", self.per_cycle)

    def estimate(self, transfer: Transfer) -> int:
        return whole_cycles(transfer.nbytes / self.per_cycle)

    def run(self, transfer: Transfer, now: int, *, arrive: int, rate: float) -> int:
        cap = self.per_cycle
        if rate < cap:
            cap = rate
        times, used = self.times, self.used
        last = times[-1]
        if arrive >= last:  # idle from `arrive` on (the common case): the whole `cap`
            key = (transfer.nbytes, cap)
            took = self._took.get(key)
            if took is None:
                took = self._took[key] = whole_cycles(transfer.nbytes / cap)
            if arrive > last:
                times.append(arrive)
                used.append(cap)
            else:
                used[-1] = cap
            times.append(arrive + took)
            used.append(0.0)
            if len(times) > 64:
                self._forget_before(now)
            return arrive + took
        self._forget_before(now)
        first = self._split(arrive)
        left = float(transfer.nbytes)
        index = first
        while True:
            room = min(cap, self.per_cycle - used[index])
            last = index + 1 == len(times)
            if room > 1e-12 * cap:
                span = left / room
                if last or span <= times[index + 1] - times[index] + 1e-9:
                    end = times[index] + whole_cycles(span)
                    break
                left -= room * (times[index + 1] - times[index])
            index += 1
        self._split(end)
        for i in range(first, bisect_left(times, end)):
            used[i] += min(cap, self.per_cycle - used[i])
        return end

    def steady_state(self, since: int, origin: int) -> tuple[tuple[int, ...], tuple[float, ...]]:
        # the stretches from the one holding `since` on (calls come no earlier), its start
        # taken as `since` (a request at or after it splits it there either way)
        first = max(0, bisect_right(self.times, since) - 1)
        return (
            tuple(max(time, since) - origin for time in self.times[first:]),
            tuple(self.used[first:]),
        )

    def shift(self, cycles: int) -> None:
        self.times = [time + cycles for time in self.times]

    def _split(self, time: int) -> int:
        """Make `time` start a stretch; its index."""
        index = bisect_right(self.times, time) - 1
        if self.times[index] != time:
            index += 1
            self.times.insert(index, time)
            self.used.insert(index, self.used[index - 1])
        return index

    def _forget_before(self, now: int) -> None:
        drop = bisect_right(self.times, now) - 1
        if drop > 0:
            del self.times[:drop], self.used[:drop]


def _load_tiers() -> None:
    # NOTE: tiers in other modules register on import; import them here (first use, no cycle).
    from accelsim.timing import ddr_banked  # noqa: F401
