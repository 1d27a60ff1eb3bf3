"""Walk back from a task through what set each start: the chain of tasks that decided a time.

Every task started when the last of its conditions was met (`Event.waited`): the end of a
dependency or of the task before it on its unit, or the start of the task issued before it.
Following those causes back from any task tiles the time before its end, without gaps, with the
working intervals of the tasks on the chain. Each interval is labelled with what it cost the
task after it: the label of the unit kind it waited for (`bus`, `matrix`, `vector`), the
kind's `startup` part (`latency`) for the fixed start-up at the head of a transfer, or `sram`
when the next task was waiting for the SRAM space this one released. A transfer on a queued
channel whose data had to wait behind the data of the channel's transfer before it
(`data_behind`) ended because that one did: the walk holds its data time and steps to that
transfer.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from accelsim.explain.columns import KIND_NAMES, Timeline, previous_of, timeline_of
from accelsim.kinds import KINDS
from accelsim.plan import Columns
from accelsim.sim.trace import WAITED

if TYPE_CHECKING:
    import numpy.typing as npt

    from accelsim.explain.columns import Column
    from accelsim.sim.trace import Event, Trace

KIND_LABELS = {k.name: k.label for k in KINDS}
"""How reports name what a unit kind costs: time spent waiting on DMA transfers is `bus` time."""
STARTUP_PARTS = {k.name: k.startup for k in KINDS}
"""The part a kind's per-task start-up is reported as ("" for kinds without one)."""
PARTS = (*(part for k in KINDS for part in (k.label, k.startup) if part), "sram")
"""Every label a part of the time can carry, in report order (ties in `bound` go to the first)."""


class Step(NamedTuple):
    """Task `task` on the chain, holding [start, end) of it; `label` says what it cost."""

    task: int
    start: int
    end: int
    label: str


class Chain(Columns[Step]):
    """Steps kept in one int64 array, four numbers a step (task, start, end, and the label's
    place in `PARTS`), read as `Step` records: a large run's critical path has a step by the
    million (LLaMA-7B prefill: ~1.9 million), ~100 B each as records, 32 here."""

    __slots__ = ("flat",)

    def __init__(self) -> None:
        self.flat = array("q")  # appended to by `walk_back`, a step at a time

    def __len__(self) -> int:
        return len(self.flat) // 4

    def _record(self, index: int) -> Step:
        task, start, end, label = self.flat[4 * index : 4 * index + 4]
        return Step(task=task, start=start, end=end, label=PARTS[label])

    def column(self, field: int) -> array[int]:
        """Every step's task (0), start (1), end (2) or label's place in `PARTS` (3)."""
        return self.flat[field::4]

    def __iter__(self) -> Iterator[Step]:
        """The steps in order, built from whole columns (not one `_record` read a step: a
        report walks a large run's million steps)."""
        flat = self.flat
        labels = map(PARTS.__getitem__, flat[3::4])
        return map(Step._make, zip(flat[0::4], flat[1::4], flat[2::4], labels, strict=True))

    def __reversed__(self) -> Iterator[Step]:
        flat = self.flat
        labels = map(PARTS.__getitem__, flat[-1::-4])
        return map(Step._make, zip(flat[-4::-4], flat[-3::-4], flat[-2::-4], labels, strict=True))


_CODES = {part: code for code, part in enumerate(PARTS)}
_SRAM = _CODES["sram"]
_SPACE, _ISSUE = 1, 2  # how the walk reached a task: `_ARRIVED` of the `waited` that led there
_ARRIVED = [_SPACE if name == "space" else _ISSUE if name == "issue" else 0 for name in WAITED]


def data_behind(events: Sequence[Event] | Timeline, startup: int) -> tuple[int, ...]:
    """For each transfer whose data waited behind the data of the transfer before it on its
    channel (that one ended after this one's start-up), that transfer's id; else -1. Only a
    channel that keeps several transfers in flight has any (empty when no transfer waited)."""
    behind = _behind(timeline_of(events), startup)
    return () if behind is None else tuple(behind.tolist())


def _behind(line: Timeline, startup: int) -> Column | None:
    """`data_behind` as a column (None: no transfer waited)."""
    moves = np.flatnonzero(line.nbytes > 0)
    before = previous_of(line.unit, moves)  # ids grow in each channel's issue order
    waited = before >= 0
    waited[waited] = line.end[before[waited]] > line.start[moves[waited]] + startup
    if not waited.any():
        return None
    behind = np.full(len(line), -1, np.int64)
    behind[moves[waited]] = before[waited]
    return behind


def path_of_records(events: Sequence[Event], startup: int) -> Chain:
    """`Walks.path` read off the records, one Python pass: on a small run (a trace without
    columns, `engine.COLUMNS_FROM`) numpy's fixed cost a call is more than the whole walk
    (MobileNet untiled: 88 tasks, ~60 on its path)."""
    behind = [-1] * len(events)  # `data_behind`
    moved: dict[str, int] = {}  # each channel's transfer before
    last, latest = -1, -1
    for task, event in enumerate(events):
        if event.end >= latest:  # the later task among equals
            last, latest = task, event.end
        if event.nbytes:
            before = moved.get(event.resource, -1)
            moved[event.resource] = task
            if before >= 0 and events[before].end - startup > event.start:
                behind[task] = before
    steps = Chain()
    add = steps.flat.extend
    task, via = last, "data"
    while task >= 0:  # `walk_back` from it to cycle 0
        event = events[task]
        start, end = event.start, event.end
        if end <= 0:
            break
        sram = via == "space"
        label = _SRAM if sram else _LABEL_BY_NAME[event.unit_kind]
        queued = behind[task] if via != "issue" else -1
        if queued >= 0:  # its data followed the channel's transfer before
            add((task, events[queued].end, end, label))
            task, via = queued, "data"
            continue
        if via != "issue" and end > start:
            first = -1 if sram else _STARTUP_BY_NAME[event.unit_kind]
            head = start + startup if first >= 0 and event.nbytes > 0 else start
            if head > start:  # the transfer's start-up
                middle = head if head < end else end
                if middle < end:
                    add((task, middle, end, label))
                add((task, start, middle, first))
            else:
                add((task, start, end, label))
        if start <= 0:
            break
        task, via = event.waited_on, event.waited
    return steps


_CHUNK = 1 << 17
"""States whose steps are worked out at once: large enough for numpy, small enough that a
large run's walks (LLaMA-7B prefill: ~2.8 million states on its critical path) take a few MB
of columns at a time, not hundreds."""


class Walks:
    """The walks of one trace (`walk_back`, the layers' windows, the critical path).

    A walk follows each task's cause back: inherently one task after another, so that part is
    a tight loop over the columns (`_chase`, a few reads a task); what each task on the chain
    adds (its steps, their labels, the clipping at the floor) is worked out for many at once
    with numpy. Walks that reach the critical path (most layers' windows, soon after their
    last task) follow it from there: the rest is a slice of its states (`_Trunk`).
    """

    __slots__ = ("_behind", "_end", "_hop", "_issued", "_on", "_path", "_start", "_trunk",
                 "line", "startup")  # fmt: skip

    def __init__(self, line: Timeline, *, startup: int,
                 behind: Sequence[int] | None = None) -> None:  # fmt: skip
        """`behind`: see `walk_back` (None: `data_behind` worked out here)."""
        self.line, self.startup = line, startup
        if behind is None:
            queued = _behind(line, startup)
        else:
            queued = np.asarray(behind, np.int64) if max(behind, default=-1) >= 0 else None
        self._behind = queued
        # the chase reads single numbers: memoryviews give them as ints, with no list of a
        # million ints each
        self._end, self._start, self._on = line.end.data, line.start.data, line.waited_on.data
        self._issued = np.array(_ARRIVED, np.int8)[line.waited].data
        self._hop = None if queued is None else queued.data
        self._path: Column | None = None  # the critical path's states (`path`)
        self._trunk: _Trunk | None = None  # and where other walks meet it (`cycles`)

    @classmethod
    def of(cls, events: Trace | Sequence[Event] | Timeline | Walks, *, startup: int,
           behind: Sequence[int] | None = None) -> Walks:  # fmt: skip
        """The walks of `events` (given Walks, those)."""
        if isinstance(events, Walks):
            return events
        return cls(timeline_of(events), startup=startup, behind=behind)

    def chain(self, task: int, floor: int = 0) -> Chain:
        """`walk_back` from `task`."""
        return self._chain(np.frombuffer(self._chase(task, floor)[0], np.int64), floor)

    def path(self) -> Chain:
        """The chain from the task that ended last (the later task among equals) to cycle 0:
        the critical path's steps."""
        return self._chain(self._path_states(), 0)

    def cycles(self, tasks: Sequence[int], floors: Sequence[int]) -> list[list[int]]:
        """For each (task, floor), the cycles `chain(task, floor)` has of each label of
        `PARTS` (the chains' steps worked out together, `_CHUNK` states or so at a time)."""
        trunk = self._trunk_of()
        sums = np.zeros(len(tasks) * len(PARTS))
        batch: list[tuple[int, int, Column]] = []  # (walk, floor, its states)
        held = 0
        for walk, (task, floor) in enumerate(zip(tasks, floors, strict=True)):
            walked, place = self._chase(task, floor, trunk.meet)
            batch.append((walk, floor, np.frombuffer(walked, np.int64)))
            if place >= 0:  # on the path from here: up to its first state at or before `floor`
                stop = max(place, int(np.searchsorted(trunk.down, -floor)))
                if stop < len(trunk.down) and self._end[trunk.states[stop] // 3] > floor:
                    stop += 1  # it ends after the floor, and starts at or before it: the last
                batch.append((walk, floor, trunk.states[place:stop]))
                held += stop - place
            held += len(walked)
            if held >= _CHUNK:
                self._add_cycles(batch, sums)
                batch, held = [], 0
        self._add_cycles(batch, sums)
        return sums.astype(np.int64).reshape(len(tasks), len(PARTS)).tolist()

    def _add_cycles(self, batch: list[tuple[int, int, Column]],
                    sums: npt.NDArray[np.float64]) -> None:  # fmt: skip
        """Add each state's cycles by label to its walk's row of `sums` (float sums of whole
        cycles: exact below 2**53)."""
        if not batch:
            return
        lengths = [len(states) for _, _, states in batch]
        owner = np.repeat([walk for walk, _, _ in batch], lengths) * len(PARTS)
        part = self._parts(np.concatenate([states for _, _, states in batch]),
                           np.repeat([floor for _, floor, _ in batch], lengths))  # fmt: skip
        own, startup = part.own, part.startup
        sums += np.bincount((owner + part.label)[own], (part.end - part.middle)[own], len(sums))
        sums += np.bincount((owner + part.first)[startup], (part.middle - part.low)[startup],
                            len(sums))  # fmt: skip

    def _chase(self, task: int, floor: int,
               meet: memoryview | None = None) -> tuple[array[int], int]:  # fmt: skip
        """The states the walk from `task` passes, latest first (3 x task + how it was
        reached: 0, `_SPACE` or `_ISSUE`), and with `meet` (`_Trunk.meet`), the place on the
        path where it reached it, before that place's state (-1: it did not)."""
        end, start, on, issued, hop = self._end, self._start, self._on, self._issued, self._hop
        states = array("q")
        add = states.append
        via = 0
        while task >= 0 and end[task] > floor:
            if meet is not None:
                place = meet[task]
                if place >= 0 and place % 3 == via:
                    return states, place // 3
            add(3 * task + via)
            queued = hop[task] if hop is not None else -1
            if queued >= 0 and via != _ISSUE:  # its data followed the channel's transfer before
                task, via = queued, 0
            elif start[task] <= floor:
                break
            else:
                task, via = on[task], issued[task]
        return states, -1

    def _path_states(self) -> Column:
        """`_chase` from the task that ended last to cycle 0, each step read off a table of
        every state's next (`_next_states`): the path passes most tasks of a tiled run (one
        DMA channel sets nearly every start), where the chase's reads a step cost more than
        the table whole."""
        if self._path is None:
            end = self.line.end
            last = len(end) - 1 - int(np.argmax(end[::-1])) if len(end) else -1
            states = array("q")
            if last >= 0 and end[last] > 0:
                add, following, state = states.append, self._next_states().data, 3 * last
                while state >= 0:
                    add(state)
                    state = following[state]
            self._path = np.frombuffer(states, np.int64)
        return self._path

    def _next_states(self) -> Column:
        """For each state (3 x task + how it was reached), the state `_chase` with floor 0
        steps to from it, -1 where it stops there: a cause past cycle 0 (it ends at or after
        the start it set, so a start past 0 is enough), a hop to a transfer ending past 0."""
        line = self.line
        on = line.waited_on
        reached = np.array(_ARRIVED, np.int64)[line.waited]
        step = np.where((line.start > 0) & (on >= 0), 3 * on + reached, -1)
        following = np.repeat(step, 3).reshape(len(line), 3)
        if self._behind is not None:  # reached for its data: to the channel's transfer before
            hops = np.flatnonzero(self._behind >= 0)
            before = self._behind[hops]
            following[hops, :_ISSUE] = np.where(line.end[before] > 0, 3 * before, -1)[:, None]
        return following.ravel()

    def _trunk_of(self) -> _Trunk:
        if self._trunk is None:
            states = self._path_states()
            # the first place a walk with a later floor stops: where its end or (stepping on
            # through its start) its start is at or before that floor
            down = np.empty(len(states), np.int64)
            for low in range(0, len(states), _CHUNK):
                part = self._parts(states[low : low + _CHUNK], np.zeros(1, np.int64))
                down[low : low + _CHUNK] = np.where(
                    part.hopped, part.end, np.minimum(self.line.start[part.task], part.end))
            meet = None
            if (down[1:] <= down[:-1]).all():  # later along the path is never later in time
                places = np.full(len(self.line), -1, np.int64)
                places[states // 3] = 3 * np.arange(len(states)) + states % 3
                meet = places.data
            self._trunk = _Trunk(states=states, down=np.negative(down, out=down), meet=meet)
        return self._trunk

    def _chain(self, states: Column, floor: int) -> Chain:
        steps = Chain()
        for first in range(0, len(states), _CHUNK):
            part = self._parts(states[first : first + _CHUNK], np.full(1, floor, np.int64))
            # each state's own step, then its start-up's, where it has them
            pick = np.flatnonzero(np.stack((part.own, part.startup), axis=1).ravel())
            row, head = pick >> 1, (pick & 1).astype(bool)
            low, middle = part.low[row], part.middle[row]
            rows = np.stack((part.task[row], np.where(head, low, middle),
                             np.where(head, middle, part.end[row]),
                             np.where(head, part.first[row], part.label[row])), axis=1)  # fmt: skip
            steps.flat.frombytes(rows.tobytes())
        return steps

    def _parts(self, states: Column, floors: Column) -> _Parts:
        """The steps of `states` clipped at `floors` (each state's; see `_Parts`)."""
        task, via = states // 3, states % 3
        line = self.line
        start, end = line.start[task], line.end[task]
        unit_kind = line.unit_kind[task]
        label = np.where(via == _SPACE, _SRAM, _LABEL_OF[unit_kind])
        first = np.where(via == _SPACE, -1, _STARTUP_OF[unit_kind])
        counted = (via != _ISSUE) & (end > start)
        if self._behind is None:
            hopped = np.zeros(len(states), bool)
        else:
            queued = self._behind[task]
            hopped = (queued >= 0) & (via != _ISSUE)
            start = np.where(hopped, line.end[queued], start)  # held from the data before's end
        low = np.maximum(start, floors)
        head = np.where((first >= 0) & (line.nbytes[task] > 0), start + self.startup, start)
        split = ~hopped & counted & (head > low)
        middle = np.where(split, np.minimum(head, end), low)
        return _Parts(task=task, low=low, middle=middle, end=end, label=label, first=first,
                      hopped=hopped, own=hopped | (counted & (middle < end)),
                      startup=split)  # fmt: skip


_LABEL_BY_NAME = {name: _CODES[KIND_LABELS[name]] for name in KIND_NAMES}
_STARTUP_BY_NAME = {name: _CODES[STARTUP_PARTS[name]] if STARTUP_PARTS[name] else -1
                    for name in KIND_NAMES}  # fmt: skip
"""By unit kind: the label of its tasks' time, and of their start-ups (-1: none)."""
_LABEL_OF = np.array([_LABEL_BY_NAME[name] for name in KIND_NAMES], np.int64)
_STARTUP_OF = np.array([_STARTUP_BY_NAME[name] for name in KIND_NAMES], np.int64)
"""The same by unit kind code (`columns.KIND_NAMES`), for whole columns."""


class _Parts(NamedTuple):
    """Each state's steps as columns: its own [middle, end) labelled `label` where `own`, and
    where `startup`, its start-up [low, middle) labelled `first` (a transfer's start-up
    inside the window)."""

    task: Column
    low: Column
    middle: Column
    end: Column
    label: Column
    first: Column
    hopped: Column  # its data followed the channel's transfer before (`data_behind`)
    own: Column
    startup: Column


class _Trunk(NamedTuple):
    """The critical path's states (`Walks._chase`), where a walk along it with a floor stops
    (`down`: minus the time a state's end, or its start for a state that can stop the walk,
    reaches; never decreasing along it), and `meet`, by task: its place on the path x 3 + how
    the path reached it (-1: not on it; None: the path is not ordered in time and no walk
    follows it)."""

    states: Column
    down: Column
    meet: memoryview | None


def walk_back(events: Sequence[Event] | Timeline, task: int, *, floor: int = 0,
              startup: int = 0, behind: Sequence[int] = ()) -> Chain:  # fmt: skip
    """The chain that set `task`'s end, latest first, clipped at cycle `floor`.

    `startup` is the fixed start-up cycles of every transfer (labelled `latency`); `behind`
    is `data_behind(events, startup)` (empty: no transfer waited behind another). Intervals
    reached through a zero-length hop (in-order issue) or of zero cycles are left out, so the
    steps' lengths add up to `events[task].end - floor` (0 if it ended before `floor`).
    """
    return Walks.of(events, startup=startup, behind=behind).chain(task, floor)
