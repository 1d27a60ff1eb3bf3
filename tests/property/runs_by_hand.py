"""A run index found by comparing consecutive tiles field by field (`plan.Tasks`'s contract),
for plans made by hand or before the planner indexed its runs: the engine's fast path must
give the event-by-event schedule on whatever index the contract allows."""

from __future__ import annotations

from array import array

from accelsim.plan import Tasks
from accelsim.work import Transfer


def _same(tasks: Tasks, a: int, b: int) -> bool:
    """Task b repeats task a (a transfer's DDR address aside)."""
    wa, wb = tasks.work[a], tasks.work[b]
    if isinstance(wa, Transfer) and isinstance(wb, Transfer):
        same_work = (wa.nbytes, wa.direction) == (wb.nbytes, wb.direction)
    else:
        same_work = wa == wb
    return same_work and all(
        column[a] == column[b]
        for column in (tasks.unit_kind, tasks.kind, tasks.layer, tasks.buffer, tasks.reasons)
    )


def _moves(tasks: Tasks, a: int, width: int) -> tuple[tuple[int, ...], ...] | None:
    """How the tile at `a + width` depends on what the tile at `a` did: per task, each
    dependency's step (0 or `width`); None if it does not repeat it."""
    steps = []
    for task in range(a, a + width):
        if not _same(tasks, task, task + width):
            return None
        before, after = tasks.deps_of(task), tasks.deps_of(task + width)
        if len(before) != len(after):
            return None
        step = tuple(y - x for x, y in zip(before, after, strict=True))
        if any(s not in (0, width) for s in step):
            return None
        steps.append(step)
    return tuple(steps)


def index_runs(tasks: Tasks, widths: range = range(1, 9)) -> Tasks:
    """`tasks` with a run index found greedily: at each task, the narrowest width whose tiles
    repeat at least twice."""
    first, width_of, count_of = array("q"), array("q"), array("q")
    position, total = 0, len(tasks)
    while position < total:
        for width in widths:
            count = 1
            moves = None
            while position + (count + 1) * width <= total:
                found = _moves(tasks, position + (count - 1) * width, width)
                if found is None or (moves is not None and found != moves):
                    break
                moves = found
                count += 1
            if count >= 2:
                first.append(position)
                width_of.append(width)
                count_of.append(count)
                position += count * width
                break
        else:
            position += 1
    return with_index(tasks, first, width_of, count_of)


class _Indexed(Tasks):
    __slots__ = ("run_count", "run_first", "run_width")  # until `Tasks` has them


def with_index(tasks: Tasks, first: array, width: array, count: array) -> Tasks:
    """A copy of `tasks`' columns with the given run index."""
    indexed = _Indexed()
    for name in ("unit_kind", "kind", "layer", "tile", "buffer", "work", "address", "deps",
                 "first", "reasons"):  # fmt: skip
        setattr(indexed, name, getattr(tasks, name))
    indexed.run_first, indexed.run_width, indexed.run_count = first, width, count
    return indexed
