"""Run a Plan as a SimPy simulation: per unit kind, tasks issue in plan order to a free unit.

Each kind of unit (dma, matrix, vector) has a dispatcher process that takes the kind's tasks in
plan order, waits for each task's dependencies, then starts it on whichever unit of the kind
can take it first, a unit keeping up to its timing model's `depth` tasks in flight (list
scheduling with in-order issue; with one unit per kind of depth 1 this is an in-order server).
A dispatcher times every task whose dependencies' ends are known in one process step and
yields to SimPy only to wait for a task another dispatcher has not issued yet (`_dispatch`):
SimPy orders the processes, and the cycles are the dispatchers' own arithmetic (SimPy's clock
does not move), equal to what an event per task gave (`tests/property/test_engine_equal.py`).
A run of identical tiles (the plan's run index) is timed in one process step for all its
kinds, and its tiles after the first that repeat the state are written in bulk
(`accelsim.sim.runs`); a small plan is left to the dispatchers (`RUNS_FROM`), and a small
trace has no columns (`COLUMNS_FROM`). Time is integer cycles. SRAM occupancy is derived from
the plan's allocations and the task times (a range is in use from the start of the task that
fills it to the end of the last task that releases it).
"""

from __future__ import annotations

from collections import deque
from itertools import chain
from typing import TYPE_CHECKING, NoReturn, cast

from accelsim.kinds import kind_running
from accelsim.plan import Ranges, Tasks
from accelsim.sim.runs import blocks_of, parts_of
from accelsim.sim.trace import (
    FILLED,
    TASK_KINDS,
    WAITED,
    Columns,
    Event,
    Records,
    Steps,
    Trace,
    Waited,
)
from accelsim.timing.models import reads_addresses
from accelsim.work import Transfer

if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Mapping, MutableSequence, Sequence

    import numpy as np
    import numpy.typing as npt
    import simpy

    from accelsim.plan import Plan
    from accelsim.sim.runs import Block
    from accelsim.timing.models import TimingModel

    Issue = Callable[[Sequence[int], int, int], Generator[simpy.Event, object, None]]
    """`Kind.issue`: (tasks, from, to), waiting in SimPy for a dependency not issued yet."""


def simulate(plan: Plan, *, units: Mapping[str, TimingModel], clock_hz: float) -> Trace:
    """Simulate `plan` on `units` (name -> its timing model, in report order); every event."""
    import simpy

    env = simpy.Environment()
    tasks = Tasks.of(plan.tasks)
    runs = len(tasks) >= RUNS_FROM
    run = _Run(env, tasks, tuple(units), records=len(tasks) < min(COLUMNS_FROM, RUNS_FROM),
               runs=runs)  # fmt: skip
    kinds: dict[str, Kind] = {}
    for kind in dict.fromkeys(model.kind for model in units.values()):
        names = [name for name, model in units.items() if model.kind == kind]
        kinds[kind] = Kind(names, [units[n] for n in names], run)
    blocks = blocks_of(tasks, kinds, run) if runs else {}
    for kind, queue in _queues(tasks, kinds, blocks).items():
        if queue:
            env.process(_dispatch(kinds[kind], queue, blocks.get(kind, {})))
    env.run()
    if run.events is not None:
        if min(run.end, default=0) < 0:
            _never_ran(run.end)
        events: Sequence[Event] = cast("tuple[Event, ...]", tuple(run.events))
        sram, end = _occupancy(plan, run.start, run.end), max(run.end, default=0)
    else:
        columns = run.columns()
        if columns.end.min(initial=0) < 0:
            _never_ran(columns.end)
        events, sram = Records(columns), _occupancy(plan, columns.start, columns.end)
        end = int(columns.end.max(initial=0))
    return Trace(events=events, units=tuple(units), sram=sram, clock_hz=clock_hz, end=end)


def _never_ran(ends: Sequence[int] | npt.NDArray[np.int64]) -> NoReturn:
    unfinished = [task for task, end in enumerate(ends) if end < 0]
    raise AssertionError(f"tasks never ran (dependency cycle?): {unfinished[:5]}")


def _queues(
    tasks: Tasks, kinds: Mapping[str, Kind], blocks: Mapping[str, Mapping[int, Block]]
) -> dict[str, list[int]]:
    """Each kind's tasks in plan order, a run of tiles (`blocks`) as the kind's first task in
    it; a kind no unit runs has none (its tasks never run)."""
    queues: dict[str, list[int]] = {kind: [] for kind in kinds}
    entries = sorted((task, kind, block) for kind, of in blocks.items()
                     for task, block in of.items())  # fmt: skip
    unit_kind, done = tasks.unit_kind, 0
    for entry, kind, block in (*entries, (len(tasks), "", None)):
        if entry > done:  # the tasks up to it, no run among them
            for task in range(done, entry):
                queue = queues.get(unit_kind[task])
                if queue is not None:
                    queue.append(task)
        if block is not None:
            queues[kind].append(entry)
            done = max(done, block.end)
    return queues


RUNS_FROM = 3_000
"""Tasks from which a plan's runs of tiles are timed whole (`runs.blocks_of`); a smaller plan is
left to the kinds' dispatchers, which time it as fast or faster (tiled MobileNet: 0.79-0.99 of
the time up to 2,691 tasks, 1.16 at 4,172, 1.7 at 18,091; reports/speed/README.md)."""
COLUMNS_FROM = 500
"""Tasks from which a trace's events are kept as numpy columns (`Trace.columns`, records built
when read); a smaller plan whose runs are not timed whole gets its records as issued, and its
readers read them (`explain.path.path_steps` in Python), faster there (a sweep point's critical
path: 0.38 of the time at 88 tasks, 0.95 at 458; 1.13 at 629)."""
TRANSFERS = kind_running(Transfer)
"""The kind whose tasks move bytes (its units run transfers only, the others none)."""
DATA, SPACE, SERIAL, UNIT, ISSUE, NONE = (
    WAITED.index(name) for name in ("data", "space", "serial", "unit", "issue", "none")
)
"""Codes of `Waited`'s names in `WAITED` (`Columns.waited`), as the issuer writes them."""
END = FILLED.index("end")


class _Run:
    """A run's bookkeeping, by task id: the trace's columns (`trace.FILLED`; `end` is what its
    dependents read, -1 until the task is issued), written as each task is issued, and a
    run's repeating tiles as copies of a tile (`write`); for a small plan (`records`) each
    task's record as it is issued (`events`) and its start and end alone.

    The columns are lists, or int64 numpy arrays (written through memoryviews, `arrays`) on a
    plan whose runs are timed whole (`runs`): a value converted as it is written, while hot,
    the arrays the trace's columns (read back from lists, such a plan's columns were made of
    int objects from all over the heap: 0.3 ms a column of 4,700 tasks, tiled MobileNet at 4
    KiB); a list is written and read a little faster a task at a time (~4 % of the engine on
    a plan without runs).

    A task's times are fixed when it is issued; that triggers a SimPy event only if another
    dispatcher is waiting to read them.
    """

    def __init__(self, env: simpy.Environment, tasks: Tasks, units: tuple[str, ...], *,
                 records: bool, runs: bool) -> None:  # fmt: skip
        import numpy as np

        size = len(tasks)
        self.env = env
        self.tasks = tasks
        self.units = units
        self.places = {name: place for place, name in enumerate(units)}
        self.events: list[Event | None] | None = [None] * size if records else None
        columns: list[MutableSequence[int]]
        self.arrays: list[npt.NDArray[np.int64]] = []
        if runs:
            # (rows of one table: the summary's gathers across columns run ~10 % faster on it
            # than on an array each, tiled MobileNet at 4 KiB)
            self.arrays = list(np.zeros((len(FILLED), size), np.int64))
            self.arrays[END][:] = -1
            columns = [cast("MutableSequence[int]", values.data) for values in self.arrays]
        else:
            columns = [[-1 if name == "end" else 0] * size for name in FILLED]
        (self.issued, self.deps_done, self.space_free, self.unit_free, self.freed_by,
         self.waited_on, self.start, self.end, self.unit, self.waited, self.kind,
         self.nbytes) = columns  # fmt: skip
        self.waiting: dict[int, simpy.Event] = {}
        # the runs' tiles written in bulk: (tile, width, tiles after it) and each of the tile's
        # tasks' steps (`write`)
        self.copied: list[tuple[int, int, int]] = []
        self.steps: list[list[int]] = []

    def write(self, base: int, width: int, later: int, steps: list[list[int]]) -> None:
        """Write the `later` tiles after the tile of `width` tasks at `base` as its copies,
        each column of task j moved on `steps[j]` (`trace.FILLED`) a tile, `end` as much for
        every task (a period: `runs.Block._steps`). Only `end` now (dependents read it); the
        rest when the columns are made, all runs at once in numpy (`columns`): a run's tiles
        are most of a large plan's tasks, and numpy calls per run cost more than its records
        (tiled MobileNet: ~450 runs of ~76 tasks)."""
        import numpy as np

        assert self.arrays, "runs are timed whole only on plans kept as arrays"
        ends, first, period = self.arrays[END], base + width, steps[0][END]
        moves = np.arange(1, later + 1).reshape(later, 1) * period
        ends[first : first + later * width].reshape(later, width)[:] = ends[base:first] + moves
        self.copied.append((base, width, later))
        self.steps.extend(steps)

    def columns(self) -> Columns:
        """The columns as numpy arrays (the run's `arrays`), with the plan's fields. A task
        written in bulk is a copy of its run's first tile: that task's values plus its steps
        times the tiles between (`write`)."""
        import numpy as np

        arrays = self.arrays or [np.array(getattr(self, name), np.int64) for name in FILLED]
        table = dict(zip(FILLED, arrays, strict=True))
        copies = self._copies()
        if copies is not None:
            source, target, tiles, rows, steps = copies
            # (in place, into two buffers: a fresh array per column faults its pages in)
            moved, copied = np.empty(len(target), np.int64), np.empty(len(target), np.int64)
            for values, step in zip(table.values(), steps, strict=True):
                np.take(values, source, out=copied)
                if step.any():  # (the codes and bytes never move)
                    np.take(step, rows, out=moved)
                    np.multiply(moved, tiles, out=moved)
                    np.add(copied, moved, out=copied)
                values[target] = copied
        tasks = self.tasks
        return Columns(
            **table, unit_kind=tasks.unit_kind, layer=tasks.layer, tile=tasks.tile,
            buffer=tasks.buffer, units=self.units,
        )  # fmt: skip

    def _copies(self) -> tuple[npt.NDArray[np.int64], ...] | None:
        """Of each task written in bulk (`write`), in one numpy pass over all runs: the task
        of the first tile it copies, itself, the tiles between and its tile task's row in
        `steps`; and `steps` as a row per column. None if no task was. (In place: fresh
        memory's pages cost more than the arithmetic.)"""
        import numpy as np

        if not self.copied:
            return None
        base, width, later = np.array(self.copied, np.int64).T
        written = later * width
        run = np.repeat(np.arange(len(written)), written)
        place = np.arange(int(written.sum()))
        place -= (np.cumsum(written) - written)[run]
        widths = width[run]
        tiles, spot = np.divmod(place, widths)
        tiles += 1
        source = base[run]
        source += spot
        rows = (np.cumsum(width) - width)[run]
        rows += spot
        target = widths
        target *= tiles
        target += source
        count = len(self.steps)
        steps = np.fromiter(chain.from_iterable(self.steps), np.int64, len(FILLED) * count)
        return source, target, tiles, rows, np.ascontiguousarray(steps.reshape(count, -1).T)

    def wait_for(self, task: int) -> simpy.Event:
        event = self.waiting.get(task)
        if event is None:
            event = self.waiting[task] = self.env.event()
        return event


def _dispatch(
    kind: Kind, queue: list[int], blocks: dict[int, Block]
) -> Generator[simpy.Event, object, None]:
    """Issue a kind's tasks in plan order, each once its dependencies are issued (`Kind.issue`
    times them); a run of tiles from a task of `queue` (`blocks`) is timed whole (`Block.take`)."""
    issue = kind.issue
    stops = [position for position, task in enumerate(queue) if task in blocks] if blocks else []
    position = 0
    for stop in (*stops, len(queue)):
        if stop > position:  # (none between most runs: a call each would be ~1,300 a plan)
            yield from issue(queue, position, stop)
        if stop < len(queue):
            yield from blocks[queue[stop]].take(kind)
        position = stop + 1


class Kind:
    """A kind's dispatcher state, and `issue`, which times its next task in plan order.

    A task starts once its dependencies are done and a unit can take it (fewer than the unit's
    `depth` tasks unfinished), or when the task before it was issued if that is later (in-order
    issue). Ties between free units go to the one declared first. The unit's timing model gives
    the task's cycles as it starts (DMA channels share the run's DDR model through theirs, so a
    busy DDR lengthens a transfer).

    A task's start is that max of known times, so any order of issuing that keeps each kind's
    plan order and issues a task after its dependencies gives the event-by-event schedule
    exactly (`tests/property/test_engine_equal.py` keeps it and compares): a timing model's
    state is its own unit's, or for DMA channels the shared DDR, which only this kind calls,
    in issue order, at non-decreasing starts, as SimPy's clock would.

    Each task's record is made as it is issued: when each of its conditions was met (data and
    serial dependencies, the SRAM space it fills, its unit, in-order issue) and which one, met
    last, set its start (`waited`, and `waited_on` the task that set it). Ties go to data, then
    SRAM space, serial order, the unit and in-order issue: the first names the cause to act on.
    """

    __slots__ = ("at", "free_at", "in_flight", "issue", "kind", "models", "names", "parts",
                 "run")  # fmt: skip

    def __init__(self, names: list[str], models: list[TimingModel], run: _Run) -> None:
        self.kind = models[0].kind
        self.names, self.models, self.run = names, models, run
        # The (end cycle, task) of each unit's newest `depth` tasks, oldest first (ends never
        # decrease on one unit): a unit takes a task once the oldest of a full queue has ended
        # (`free_at`; (0, -1) while its queue has room).
        self.in_flight: list[deque[tuple[int, int]]] = [deque(maxlen=m.depth) for m in models]
        self.free_at = [(0, -1)] * len(names)
        self.at = [0, -1]  # when the task before was issued, and that task
        self.parts = parts_of(models)  # the models' state, for runs of tiles (`runs.Block`)
        self.issue = self._issuer()

    def _issuer(self) -> Issue:
        """`issue(tasks, position, stop)`: time `tasks[position:stop]` in turn, making their
        records, waiting in SimPy (a generator) where a dependency is not issued yet (its state
        kept in locals across the wait: a small plan waits at most tasks). A closure over the
        columns it reads, looping over the tasks itself: it runs once per task, by the
        million."""
        names, models, in_flight, free_at, at = (
            self.names, self.models, self.in_flight, self.free_at, self.at
        )
        run = self.run
        events, start, end, waiting = run.events, run.start, run.end, run.waiting
        waited_on, freed_by_column, unit, waited_column = (
            run.waited_on, run.freed_by, run.unit, run.waited
        )
        issued_column, deps_done, space_free, unit_free_column, kind_column, nbytes_column = (
            run.issued, run.deps_done, run.space_free, run.unit_free, run.kind, run.nbytes
        )
        kind_codes = {kind: code for code, kind in enumerate(TASK_KINDS)}
        codes = [run.places[name] for name in names]
        slots = range(len(names))
        new = tuple.__new__
        tasks = run.tasks
        all_reasons, works = tasks.reasons, tasks.work
        # a small plan's as lists (an array's item is a new int object each time it is read)
        deps: Sequence[int] = tasks.deps if events is None else list(tasks.deps)
        first: Sequence[int] = tasks.first if events is None else list(tasks.first)
        several = len(slots) > 1
        moves = models[0].kind == TRANSFERS  # a kind runs transfers only, or none
        # a transfer's DDR address is the plan's column, not its work's: given to the models
        # that read it (the banked DDR tier)
        addresses = tasks.address if any(map(reads_addresses, models)) else None
        unit_kind, kinds, layers, tiles, buffers = (
            tasks.unit_kind, tasks.kind, tasks.layer, tasks.tile, tasks.buffer
        )

        def issue(
            queue: Sequence[int], position: int, stop: int
        ) -> Generator[simpy.Event, object, None]:
            issued, issued_after = at
            for reached in range(position, stop):
                task_id = queue[reached]
                data = space = serial = 0
                data_on = space_on = serial_on = -1
                reasons = all_reasons[task_id]
                if reasons:
                    for dep, reason in zip(deps[first[task_id] : first[task_id + 1]], reasons,
                                           strict=True):  # fmt: skip
                        done = end[dep]  # (an array's item: read once, one int object)
                        if done < 0:
                            yield run.wait_for(dep)
                            done = end[dep]
                        if reason == "data":
                            if done >= data:
                                data, data_on = done, dep
                        elif reason == "space":
                            if done >= space:
                                space, space_on = done, dep
                        elif done >= serial:
                            serial, serial_on = done, dep
                else:  # all for data
                    for dep in deps[first[task_id] : first[task_id + 1]]:
                        done = end[dep]
                        if done < 0:
                            yield run.wait_for(dep)
                            done = end[dep]
                        if done >= data:
                            data, data_on = done, dep
                now = issued  # the latest of these (comparisons: `max` is a call a task)
                if data > now:
                    now = data
                if space > now:
                    now = space
                if serial > now:
                    now = serial
                slot = min(slots, key=lambda s: free_at[s][0]) if several else 0
                unit_free, freed_by = free_at[slot]
                if unit_free > now:
                    now = unit_free
                work = works[task_id]
                if addresses is not None and work.__class__ is Transfer:
                    work = Transfer(nbytes=work.nbytes, direction=work.direction,
                                    address=addresses[task_id])  # fmt: skip
                cycles = models[slot].run(work, now)
                finish = now + cycles  # one int object for the record, `end` and `free_at`
                # the cause, its task and its code in `WAITED`
                waited: Waited = "none"
                cause, code = -1, NONE
                if data_on >= 0 and data == now:
                    waited, cause, code = "data", data_on, DATA
                elif space_on >= 0 and space == now:
                    waited, cause, code = "space", space_on, SPACE
                elif serial_on >= 0 and serial == now:
                    waited, cause, code = "serial", serial_on, SERIAL
                elif freed_by >= 0 and unit_free == now:
                    waited, cause, code = "unit", freed_by, UNIT
                elif issued_after >= 0 and issued == now:
                    waited, cause, code = "issue", issued_after, ISSUE
                done = data if data > serial else serial
                nbytes = work.nbytes if moves and isinstance(work, Transfer) else 0
                if events is not None:  # a small plan's record, as issued
                    # NOTE: built in `Event`'s field order by `tuple.__new__` (the named
                    # tuple's own constructor is a Python call around it)
                    events[task_id] = new(Event, (
                        task_id, names[slot], unit_kind[task_id], kinds[task_id],
                        layers[task_id], tiles[task_id], buffers[task_id], nbytes, issued,
                        done, space, unit_free, freed_by, waited, cause, now, finish,
                    ))  # fmt: skip
                else:  # what a record holds, as columns (`trace.Records`)
                    issued_column[task_id], deps_done[task_id] = issued, done
                    space_free[task_id], unit_free_column[task_id] = space, unit_free
                    waited_on[task_id], freed_by_column[task_id] = cause, freed_by
                    unit[task_id], waited_column[task_id] = codes[slot], code
                    kind_column[task_id] = kind_codes[kinds[task_id]]
                    nbytes_column[task_id] = nbytes
                start[task_id], end[task_id] = now, finish
                issued, issued_after = now, task_id
                if cycles:
                    ends = in_flight[slot]
                    ends.append((finish, task_id))
                    if len(ends) == ends.maxlen:
                        free_at[slot] = ends[0]
                if waiting:
                    event = waiting.pop(task_id, None)
                    if event is not None:
                        event.succeed()
            at[0], at[1] = issued, issued_after

        return issue


def _occupancy(
    plan: Plan,
    start: npt.NDArray[np.int64] | Sequence[int],
    end: npt.NDArray[np.int64] | Sequence[int],
) -> Steps:
    """SRAM bytes in use as (cycle, bytes) change points, from cycle 0: each cycle where some
    range is taken or freed, with the bytes in use once all of that cycle's changes applied."""
    import numpy as np

    ranges = Ranges.of(plan.allocations)
    count = len(ranges)
    if not count:
        return Steps(np.zeros(1, np.int64), np.zeros(1, np.int64))
    ends = np.asarray(end, np.int64)
    taken = np.asarray(start, np.int64)[np.frombuffer(ranges.first, np.int64)]
    after, also = np.frombuffer(ranges.after, np.int64), np.frombuffer(ranges.also, np.int64)
    freed = np.where(after >= 0, ends[after], ends.max(initial=0))  # none: held to the end
    freed = np.where(also >= 0, np.maximum(freed, ends[also]), freed)
    for index, tasks in ranges.more.items():
        freed[index] = max(end[task] for task in tasks)
    sizes = np.frombuffer(ranges.size, np.int64)
    times = np.concatenate((taken, freed))
    order = np.argsort(times, kind="stable")
    times = times[order]
    used = np.cumsum(np.concatenate((sizes, -sizes))[order])
    last_of_cycle = np.append(times[1:] != times[:-1], True)  # after every change of a cycle
    times, used = times[last_of_cycle], used[last_of_cycle]
    if times[0] != 0:
        times, used = np.insert(times, 0, 0), np.insert(used, 0, 0)
    return Steps(times, used)
