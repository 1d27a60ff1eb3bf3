"""A trace's events as int64 columns, one row per task, for the summary's numpy passes.

The walks, stall windows and per-layer sums read a handful of fields of every event; reading
them record by record in Python was most of what a tiled run's summary cost (~3 µs a task).
Strings become small codes: the unit by its place in the order units first appear, the unit
kind by its place in `kinds.KINDS`, the task kind in `plan.TaskKind`, `waited` in `WAITED`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING, get_args

import numpy as np

from accelsim.kinds import KINDS
from accelsim.plan import TaskKind
from accelsim.sim.trace import Event, Waited

if TYPE_CHECKING:
    import numpy.typing as npt

    Column = npt.NDArray[np.int64]
    Codes = npt.NDArray[np.int16]  # names as small codes (2 B a task, not 8)

WAITED: tuple[Waited, ...] = get_args(Waited)
"""`Event.waited`'s names, in the order of their codes."""
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
    unit: Codes  # code in `units`
    unit_kind: Codes  # code in KIND_NAMES
    kind: Codes  # code in TASK_KINDS
    units: tuple[str, ...]  # resource names, by code

    def __len__(self) -> int:
        return len(self.start)


def timeline_of(events: Sequence[Event] | Timeline) -> Timeline:
    """The columns of `events` (task ids are positions); a Timeline is returned as it is."""
    if isinstance(events, Timeline):
        return events
    count = len(events)

    def ints(field: str) -> Column:
        return np.fromiter(map(itemgetter(_FIELDS[field]), events), np.int64, count)

    def codes(field: str, names: dict[str, int]) -> Codes:
        fields = map(itemgetter(_FIELDS[field]), events)
        return np.fromiter(map(names.__getitem__, fields), np.int16, count)

    units = _Codes()
    unit = codes("resource", units)
    # a unit runs tasks of one kind: its kind is its first task's
    first = [int(np.argmax(unit == code)) for code in range(len(units))]
    kind_of = [KIND_NAMES.index(events[task].unit_kind) for task in first]
    return Timeline(
        start=ints("start"), end=ints("end"), waited_on=ints("waited_on"),
        waited=codes("waited", _numbered(WAITED)),
        layer=np.fromiter(map(itemgetter(_FIELDS["layer"]), events), np.int32, count),
        nbytes=ints("nbytes"), unit=unit, unit_kind=np.array(kind_of, np.int16)[unit],
        kind=codes("kind", _numbered(TASK_KINDS)), units=tuple(units),
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
