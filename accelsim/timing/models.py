"""Timing models by name, as hardware files choose them (`timing: rate`), and how to build them.

A model turns a task's work into cycles. `estimate(work)` is pure: planners and the tiler use it
to choose. `run(work, now)` is what the simulator calls when the task starts on the unit, at
cycle `now`; a model may keep state there (DRAM rows, caches), so the simulation is the judge.
Each run builds fresh models (`build_units`), DMA channels over one shared DDR model
(`accelsim.timing.ddr`). `depth` is how many tasks a unit keeps in flight (a DMA channel's
descriptor queue; 1 for compute units): the simulator issues a task to a unit once fewer than
`depth` of its tasks are unfinished.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, Protocol

from accelsim.errors import ConfigError
from accelsim.kinds import kind_running
from accelsim.timing.registry import registrar
from accelsim.work import Transfer

if TYPE_CHECKING:
    from accelsim.hardware import Hardware
    from accelsim.timing.ddr import DdrTiming
    from accelsim.work import Work

__all__ = [
    "KEPT_MODELS", "TIMING_MODELS", "Steady", "TimingModel", "build_units", "channel_latency",
    "estimate", "memo_of", "planning_key", "planning_model", "reads_addresses", "steady_parts",
    "timing_model",
]  # fmt: skip


class TimingModel(Protocol):
    """One unit's timing: the kind of unit it times, its queue depth and work -> cycles."""

    kind: str
    depth: int

    def estimate(self, work: Work) -> int:
        """Cycles `work` would take, without changing any state."""
        ...

    def run(self, work: Work, now: int) -> int:
        """Cycles `work` takes when it starts at cycle `now` (may update the model's state)."""
        ...


class Steady(Protocol):
    """Part of a unit's timing state that is the same function of relative time at any cycle
    (the simulator skips repeating tiles with it, `accelsim.sim.runs`)."""

    def steady_state(self, since: int, origin: int) -> Hashable:
        """What decides every later `run` called at cycles >= `since`, times less `origin`:
        equal values give the same cycles to the same calls `origin` apart."""
        ...

    def shift(self, cycles: int) -> None:
        """Move the state `cycles` later (as if every earlier call came that much later)."""
        ...


def reads_addresses(model: object) -> bool:
    """Whether a unit's or DDR tier's `model` reads a transfer's DDR address, from its optional
    `reads_addresses` (True if it does not say). A plan keeps addresses in a column beside one
    work record per transfer size (`plan.Tasks.address`); the simulator builds each transfer
    with its address only for the models that read it."""
    return bool(getattr(model, "reads_addresses", True))


def steady_parts(model: TimingModel) -> tuple[Steady, ...] | None:
    """The parts of `model`'s state (none: stateless), from its optional `steady_parts()`;
    None if it has none of them or keeps absolute time (the banked DDR's refresh)."""
    parts = getattr(model, "steady_parts", None)
    return None if parts is None else parts()


ModelFactory = Callable[..., TimingModel]  # (unit, hw: Hardware, ddr: DdrTiming | None)
TIMING_MODELS: dict[str, ModelFactory] = {}
"""Factories by the name hardware files use; each takes the unit's fields, the machine and the
run's shared DDR model (None: a fresh one, for estimates). Of the machine a model reads only
the clock and DDR: planning shares models on that (`planning_model`)."""


timing_model = registrar(TIMING_MODELS, "timing model")
"""Register a timing model under a name (a `timing:` value in hardware files)."""


def _factory(name: str) -> ModelFactory:
    _load_models()
    try:
        return TIMING_MODELS[name]
    except KeyError:
        known = ", ".join(sorted(TIMING_MODELS))
        raise ConfigError(f'timing: unknown timing model "{name}"; known: {known}') from None


def build_units(hw: Hardware) -> dict[str, TimingModel]:
    """A fresh timing model for every declared unit, by unit name, in declaration order; the
    DMA channels share one fresh DDR model."""
    from accelsim.timing.ddr import build_ddr

    ddr: DdrTiming = build_ddr(hw)
    return {name: _factory(unit.timing)(unit, hw, ddr) for name, unit in hw.units.items()}


def estimate(hw: Hardware, kind: str, work: Work) -> int:
    """Cycles `work` would take on one unit of `kind` (they are identical), for planning."""
    return planning_model(hw, kind).estimate(work)


def planning_model(hw: Hardware, kind: str) -> TimingModel:
    """The model `estimate` asks about a unit of `kind` on `hw`.

    Planning models are kept (estimates are pure) by what they read: the unit, the clock and
    DDR. Machines that differ only elsewhere (the SRAM, another kind's units: a sweep's points)
    share one model, the same object, and the answers it has memoised; the last `KEPT_MODELS`
    are kept.
    """
    key = planning_key(hw, kind)
    model = _planning.get(key)
    if model is None:
        if len(_planning) >= KEPT_MODELS:
            del _planning[next(iter(_planning))]  # the oldest
        unit = hw.unit_of(kind)
        model = _planning[key] = _factory(unit.timing)(unit, hw, None)
    return model


def planning_key(hw: Hardware, kind: str) -> tuple[object, ...]:
    """What a model of a unit of `kind` reads of `hw` (the unit, the clock, DDR): machines with
    equal keys get the same planning model, so the same estimates."""
    return (hw.unit_of(kind), hw.clock, hw.ddr)


def channel_latency(hw: Hardware) -> int:
    """Start-up cycles every transfer pays on a DMA channel of `hw` (its model's `latency`)."""
    channel: Any = planning_model(hw, _DMA)
    latency: int = channel.latency
    return latency


def memo_of(*key: Hashable) -> dict[Any, int]:
    """The memo of cycles shared by the models built on `key` (everything its answers depend
    on) in this process, the last `KEPT_MODELS` kept: a sweep builds each point's models
    afresh (`build_units`), and each priced the same works again."""
    memo = _memos.get(key)
    if memo is None:
        if len(_memos) >= KEPT_MODELS:
            del _memos[next(iter(_memos))]  # the oldest
        memo = _memos[key] = {}
    return memo


_DMA = kind_running(Transfer)
KEPT_MODELS = 64
"""Planning models kept (`planning_model`): a sweep's distinct units, each with its memo; and
as many memos (`memo_of`)."""
_planning: dict[tuple[object, ...], TimingModel] = {}
_memos: dict[tuple[Hashable, ...], dict[Any, int]] = {}


def _load_models() -> None:
    # NOTE: importing the model modules runs their @timing_model decorators;
    # done on first use so that importing this module has no side effects and no import cycle.
    from accelsim.timing import array, rate  # noqa: F401
