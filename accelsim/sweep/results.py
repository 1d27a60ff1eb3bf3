"""One design point's outcome, small enough to ship between processes and store as a row.

Workers simulate and reduce each RunResult to `Metrics` right away: the trace stays in the
worker, only numbers travel. `evaluate` is the one function both executors run per point.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Literal

from accelsim.errors import AccelsimError, ConfigError
from accelsim.kinds import KINDS
from accelsim.sweep.reuse import Planned, Reuse

if TYPE_CHECKING:
    from collections.abc import Sequence

    from accelsim.energy import EnergyBreakdown
    from accelsim.hardware import Hardware
    from accelsim.sim.trace import Trace
    from accelsim.summary import Floor, RunResult
    from accelsim.sweep.grid import Point
    from accelsim.workload.graph import Graph

__all__ = [
    "METRIC_FIELDS", "Job", "Metrics", "PointResult", "Status", "evaluate", "metrics_of",
    "plan_ahead", "preload",
]

Status = Literal["ok", "invalid", "failed"]
"""ok; invalid: the schema rejected a value; failed: the machine cannot run the model."""


@dataclass(frozen=True, slots=True)
class Job:
    """What every point of a sweep shares; shipped once per worker, not once per point (with
    an empty `reuse`, which each worker then fills)."""

    graph: Graph
    base: Hardware
    model: str
    policy: str
    overlap: bool
    reuse: Reuse = field(default_factory=Reuse, compare=False)


@dataclass(frozen=True, slots=True)
class Metrics:
    """A simulated point's numbers (SI units: cycles, seconds, bytes, joules)."""

    latency_cycles: int
    latency_s: float
    energy_j: float
    energy_ddr_j: float
    energy_sram_read_j: float
    energy_sram_write_j: float
    energy_bus_j: float
    energy_matrix_j: float
    energy_vector_j: float
    energy_sram_leakage_j: float
    energy_logic_leakage_j: float
    sram_capacity_bytes: int
    sram_peak_bytes: int
    bus_read_bytes: int
    bus_write_bytes: int
    spilled_bytes: int
    reloaded_bytes: int
    utilisation_bus: float
    utilisation_matrix: float
    utilisation_vector: float
    floor_cycles: int
    floor_bound: str
    gap: float
    bound: str  # what the run's critical path lost most time to (`Breakdown.bound`)

    def as_dict(self) -> dict[str, float | int | str]:
        """Field name -> value, in field order (`dataclasses.asdict` copies each value
        recursively: several times slower, per point, for plain numbers)."""
        return dict(zip(_METRIC_NAMES, self.values(), strict=True))

    def values(self) -> tuple[float | int | str, ...]:
        """The values in field order (read in C by one `attrgetter`: per point, by the store
        and each output)."""
        return _metric_values(self)


_METRIC_NAMES = tuple(f.name for f in fields(Metrics))
_metric_values = attrgetter(*_METRIC_NAMES)
METRIC_FIELDS = frozenset(_METRIC_NAMES)
"""What a stored point's metrics must name (a store from another version names others)."""


@dataclass(frozen=True, slots=True)
class PointResult:
    """A point's key (see `Point.key`), index, settings as (path, label), status and metrics."""

    key: str
    index: int
    settings: tuple[tuple[str, str], ...]
    status: Status
    error: str = ""
    metrics: Metrics | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "index": self.index,
            "settings": [list(s) for s in self.settings],
            "status": self.status,
            "error": self.error,
            "metrics": None if self.metrics is None else self.metrics.as_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PointResult:
        metrics = data["metrics"]
        return cls(
            key=data["key"],
            index=data["index"],
            settings=tuple((path, label) for path, label in data["settings"]),
            status=data["status"],
            error=data["error"],
            metrics=None if metrics is None else Metrics(**metrics),
        )


def preload(base: Hardware) -> None:
    """Import what `evaluate` runs (the simulator and SimPy, summary, energy, the base machine's
    timing models), so that workers forked after this inherit it instead of each importing it
    again (~0.1 s of CPU apiece; SimPy and the models alone ~7 ms of a worker's first point)."""
    import simpy  # noqa: F401  (the engine imports it on its first run)

    import accelsim.api  # noqa: F401
    import accelsim.energy  # noqa: F401
    import accelsim.hardware_file  # noqa: F401
    import accelsim.lowering  # noqa: F401
    import accelsim.memory.planner  # noqa: F401
    import accelsim.sim.engine  # noqa: F401
    import accelsim.summary  # noqa: F401
    from accelsim.timing.models import build_units

    build_units(base)  # loads the timing models and DDR tier the base machine names


def plan_ahead(job: Job, points: Sequence[Point]) -> None:
    """Make the plans of `points` in `job.reuse` until one is tiled (a tiled plan is taken
    only by points whose tiler agrees: most points of a grid that tiles plan for themselves),
    skipping points that fail; a pool forked after this inherits them, and the tiler's
    searches this process cached (`tiling._menu`): MobileNet's typical grid makes its 4 plans
    once instead of once per worker, the small-SRAM grid its 32 KiB search."""
    from accelsim.api import collector_paused
    from accelsim.hardware_file import with_overrides

    with collector_paused():
        for point in points:
            # NOTE: whatever fails here (even a bug) is the point's own result, in its worker
            try:
                hw = with_overrides(job.base, point.overrides)
                planned = job.reuse.planned(job.graph, hw, policy=job.policy, overlap=job.overlap)
            except Exception:
                continue
            if max(planned.plan.tiles, default=1) > 1:
                return


def evaluate(job: Job, point: Point) -> PointResult:
    """Simulate one point; a rejected value, an unrunnable machine or a crash is its result.

    A crash is recorded as "failed" with the exception's type and message, so `--resume`
    does not run it again and the rest of the grid still runs.
    """
    from accelsim.api import collector_paused
    from accelsim.hardware_file import with_overrides

    settings = tuple((s.path, s.label) for s in point.settings)
    try:
        hw = with_overrides(job.base, point.overrides, source=f"point {point.index}")
    except ConfigError as exc:
        return PointResult(point.key, point.index, settings, "invalid", str(exc))
    try:
        with collector_paused():
            planned = job.reuse.planned(job.graph, hw, policy=job.policy, overlap=job.overlap)
            metrics = _simulated(job, planned, hw)
    except AccelsimError as exc:
        return PointResult(point.key, point.index, settings, "failed", str(exc))
    except Exception as exc:  # NOTE: one point's crash (a bug) must not sink the whole sweep
        error = f"internal error: {type(exc).__name__}: {exc}"
        return PointResult(point.key, point.index, settings, "failed", error)
    return PointResult(point.key, point.index, settings, "ok", metrics=metrics)


def _simulated(job: Job, planned: Planned, hw: Hardware) -> Metrics:
    """Run the point's plan and keep its totals, without the per-layer summary a report reads
    (most of a point's time): the same figures as `metrics_of` of the whole run. The banked
    DDR tier's energy is its layers' command energy, so there the whole summary is made."""
    from accelsim.api import run_plan
    from accelsim.energy import run_total
    from accelsim.explain.path import path_steps
    from accelsim.explain.stalls import breakdown_of
    from accelsim.summary import summarize
    from accelsim.timing.models import channel_latency

    program, plan = planned.program, planned.plan
    trace, dram = run_plan(plan, hw)
    if dram is not None:
        whole = summarize(job.model, hw, program, plan, trace, overlap=job.overlap)
        return metrics_of(replace(whole, dram=dram))
    energy = run_total(planned.work, trace.end, hw)
    moved = planned.moved
    steps = path_steps(trace, startup=channel_latency(hw))
    return _metrics(
        hw, trace, energy, floor=job.reuse.floor(program, hw),
        bound=breakdown_of(steps, start=0, end=trace.end).bound,
        read=moved.get("load", 0) + moved.get("reload", 0),
        written=moved.get("store", 0) + moved.get("spill", 0),
        spilled=moved.get("spill", 0), reloaded=moved.get("reload", 0),
    )  # fmt: skip


def _utilisation(trace: Trace, names: tuple[str, ...]) -> float:
    """Mean busy share of the run of units `names` (`RunResult.kind_utilisation`)."""
    if not trace.end:
        return 0.0
    return sum(trace.busy(name) / trace.end for name in names) / len(names)


def metrics_of(result: RunResult) -> Metrics:
    """The numbers a sweep keeps of a run (the same figures `accelsim run --json` reports)."""
    from accelsim.energy import energy_of

    return _metrics(
        result.hardware, result.trace, energy_of(result).total, floor=result.floor,
        bound=result.breakdown.bound, read=result.bus_read_bytes, written=result.bus_write_bytes,
        spilled=result.plan.bytes_of("spill"), reloaded=result.plan.bytes_of("reload"),
    )  # fmt: skip


def _metrics(hw: Hardware, trace: Trace, energy: EnergyBreakdown, *, floor: Floor,
             bound: str | None, read: int, written: int, spilled: int,
             reloaded: int) -> Metrics:  # fmt: skip
    """A point's metrics from its run's totals, whichever route worked them out."""
    latency = trace.end
    return Metrics(
        latency_cycles=latency,
        latency_s=latency / hw.clock,
        energy_j=energy.total_j,
        **{f"energy_{name}_j": joules for name, joules in energy.components().items()},
        sram_capacity_bytes=hw.sram.capacity,
        sram_peak_bytes=trace.sram_peak,
        bus_read_bytes=read,
        bus_write_bytes=written,
        spilled_bytes=spilled,
        reloaded_bytes=reloaded,
        **{f"utilisation_{k.label}": _utilisation(trace, hw.units_of(k.name)) for k in KINDS},
        floor_cycles=floor.cycles,
        floor_bound=floor.limit,
        gap=latency / floor.cycles - 1 if floor.cycles else 0.0,
        bound=bound or "",
    )
