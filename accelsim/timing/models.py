"""Timing models by name, as hardware files choose them (`timing: rate`), and how to build them.

A model turns a task's work into cycles. `estimate(work)` is pure: planners and the tiler use it
to choose. `run(work, now)` is what the simulator calls when the task starts on the unit, at
cycle `now`; a model may keep state there (DRAM rows, caches), so the simulation is the judge.
Each run builds fresh models (`build_units`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from accelsim.errors import ConfigError

if TYPE_CHECKING:
    from accelsim.hardware import Hardware
    from accelsim.work import Work

__all__ = ["TIMING_MODELS", "TimingModel", "build_units", "estimate", "timing_model"]


class TimingModel(Protocol):
    """One unit's timing: the kind of unit it times and work -> cycles."""

    kind: str

    def estimate(self, work: Work) -> int:
        """Cycles `work` would take, without changing any state."""
        ...

    def run(self, work: Work, now: int) -> int:
        """Cycles `work` takes when it starts at cycle `now` (may update the model's state)."""
        ...


ModelFactory = Callable[..., TimingModel]  # (unit: the model's unit type, hw: Hardware)
TIMING_MODELS: dict[str, ModelFactory] = {}
"""Factories by the name hardware files use; each takes the unit's fields and the machine."""


def timing_model(name: str) -> Callable[[ModelFactory], ModelFactory]:
    """Register a timing model under `name` (a `timing:` value in hardware files)."""

    def register(factory: ModelFactory) -> ModelFactory:
        if name in TIMING_MODELS:
            raise ValueError(f"timing model {name!r} registered twice")
        TIMING_MODELS[name] = factory
        return factory

    return register


def _factory(name: str) -> ModelFactory:
    _load_models()
    try:
        return TIMING_MODELS[name]
    except KeyError:
        known = ", ".join(sorted(TIMING_MODELS))
        raise ConfigError(f'timing: unknown timing model "{name}"; known: {known}') from None


def build_units(hw: Hardware) -> dict[str, TimingModel]:
    """A fresh timing model for every declared unit, by unit name, in declaration order."""
    return {name: _factory(unit.timing)(unit, hw) for name, unit in hw.units.items()}


def estimate(hw: Hardware, kind: str, work: Work) -> int:
    """Cycles `work` would take on one unit of `kind` (they are identical), for planning.

    The planning models of the last machine asked about are kept (estimates are pure), so the
    tiler's many questions about one machine build them once.
    """
    models: dict[str, TimingModel] | None = None
    if _planning and _planning[0] is hw:
        models = _planning[1]
    if models is None:
        models = {k: _factory(hw.unit_of(k).timing)(hw.unit_of(k), hw) for k in _KINDS}
        _planning[:] = [hw, models]
    return models[kind].estimate(work)


_KINDS = ("dma", "matrix", "vector")
_planning: list[Any] = []  # [hardware, {kind: model}] of the last machine estimated


def _load_models() -> None:
    # NOTE: importing the model modules runs their @timing_model decorators; done on first use
    # so that importing this module has no side effects and no import cycle.
    from accelsim.timing import array, rate  # noqa: F401
