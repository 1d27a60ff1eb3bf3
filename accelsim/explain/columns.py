"""A trace's events as columns, one row per task, for the summary's numpy passes.

The walks, stall windows and per-layer sums read a handful of fields of every event; reading
them record by record in Python was most of what a tiled run's summary cost (~3 µs a task).
They read the trace's columns (`Trace.table`: a large run's are the engine's, a small run's or
a hand-made one's are read off its records once). Strings are small codes: the unit by its
place in `Trace.units` (then any other, in the order first met), the unit kind by its place
in `kinds.KINDS`, the task kind in `sim.trace.TASK_KINDS`, `waited` in `sim.trace.WAITED`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from accelsim.kinds import KINDS
from accelsim.sim.trace import TASK_KINDS, Event, Trace, columns_of

if TYPE_CHECKING:
    import numpy.typing as npt

    Column = npt.NDArray[np.int64]
    Codes = npt.NDArray[np.signedinteger[Any]]  # small codes (int16 where made here)

__all__ = ["KIND_NAMES", "TASK_KINDS", "Timeline", "previous_of", "timeline_of"]

KIND_NAMES = tuple(k.name for k in KINDS)
"""The unit kinds' names, in the order of their codes (`kinds.KINDS`'s)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Timeline:
    """Every task's event as columns, by task id (see the module docstring)."""

    start: Column
    end: Column
    waited_on: Column
    waited: Codes  # code in WAITED
    layer: npt.NDArray[np.int32]
    nbytes: Column
    unit: Codes  # code of its unit
    unit_kind: Codes  # code in KIND_NAMES
    kind: Codes  # code in TASK_KINDS

    def __len__(self) -> int:
        return len(self.start)


def timeline_of(source: Trace | Sequence[Event] | Timeline) -> Timeline:
    """The columns of a trace or its events (task ids are positions); a Timeline as it is."""
    if isinstance(source, Timeline):
        return source
    made = source.table if isinstance(source, Trace) else columns_of(source)
    unit = made.unit
    # a unit runs tasks of one kind: its kind is its first task's
    first = [int(np.argmax(unit == code)) for code in range(int(unit.max(initial=-1)) + 1)]
    kind_of = [KIND_NAMES.index(made.unit_kind[task]) for task in first]
    return Timeline(
        start=made.start, end=made.end, waited_on=made.waited_on, waited=made.waited,
        layer=np.array(made.layer, np.int32), nbytes=made.nbytes, unit=unit,
        unit_kind=np.array(kind_of, np.int16)[unit], kind=made.kind,
    )  # fmt: skip


def previous_of(groups: Codes, rows: Column) -> Column:
    """For each of `rows` (ascending task ids), the row of `rows` before it with the same
    `groups` value (-1: none): e.g. the transfer before a transfer on its channel."""
    order = np.argsort(groups[rows], kind="stable")  # by group, ids ascending in each
    ranked = rows[order]
    same = groups[ranked[1:]] == groups[ranked[:-1]]
    before = np.full(len(rows), -1, np.int64)
    before[1:][same] = ranked[:-1][same]
    previous = np.empty(len(rows), np.int64)
    previous[order] = before
    return previous
