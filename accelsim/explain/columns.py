"""A trace's events as columns, one row per task, for the summary's numpy passes.

The walks, stall windows and per-layer sums read a handful of fields of every event; reading
them record by record in Python was most of what a tiled run's summary cost (~3 µs a task).
A simulated trace carries its times, causes and units as columns (`Trace.columns`, the
engine's); the rest, and everything of a hand-made trace or a small run's (no columns), is read
off the records once.
Strings become small codes: the unit by its place in `Trace.units` (a hand-made trace's: in
the order units first appear), the unit kind by its place in `kinds.KINDS`, the task kind in
`plan.TaskKind`, `waited` in `sim.trace.WAITED`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING, Any, get_args

import numpy as np

from accelsim.kinds import KINDS
from accelsim.plan import TaskKind
from accelsim.sim.trace import WAITED, Event, Trace

if TYPE_CHECKING:
    import numpy.typing as npt

    Column = npt.NDArray[np.int64]
    Codes = npt.NDArray[np.signedinteger[Any]]  # small codes (int16 where made here)

TASK_KINDS: tuple[TaskKind, ...] = get_args(TaskKind)
KIND_NAMES = tuple(k.name for k in KINDS)
"""The unit kinds' names, in the order of their codes (`kinds.KINDS`'s)."""


class _Codes(dict[str, int]):
    """Names numbered in the order they are first looked up."""

    def __missing__(self, name: str) -> int:
        self[name] = code = len(self)
        return code


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
    events = source.events if isinstance(source, Trace) else source
    count = len(events)

    def read(field: str, dtype: type[np.signedinteger[Any]]) -> Codes:
        return np.fromiter(map(itemgetter(_FIELDS[field]), events), dtype, count)

    def codes(field: str, names: dict[str, int]) -> Codes:
        fields = map(itemgetter(_FIELDS[field]), events)
        return np.fromiter(map(names.__getitem__, fields), np.int16, count)

    made = source.columns if isinstance(source, Trace) else None
    if made is None:
        start, end = read("start", np.int64), read("end", np.int64)
        waited_on, waited = read("waited_on", np.int64), codes("waited", _numbered(WAITED))
        unit = codes("resource", _Codes())
    else:
        start, end, waited_on, waited, unit = (
            made.start, made.end, made.waited_on, made.waited, made.unit)  # fmt: skip
    # a unit runs tasks of one kind: its kind is its first task's
    first = [int(np.argmax(unit == code)) for code in range(int(unit.max(initial=-1)) + 1)]
    kind_of = [KIND_NAMES.index(events[task].unit_kind) for task in first]
    return Timeline(
        start=start, end=end, waited_on=waited_on, waited=waited,
        layer=np.fromiter(map(itemgetter(_FIELDS["layer"]), events), np.int32, count),
        nbytes=read("nbytes", np.int64), unit=unit,
        unit_kind=np.array(kind_of, np.int16)[unit], kind=codes("kind", _numbered(TASK_KINDS)),
    )  # fmt: skip


_FIELDS = {name: place for place, name in enumerate(Event._fields)}


def _numbered(names: tuple[str, ...]) -> dict[str, int]:
    return {name: code for code, name in enumerate(names)}


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
