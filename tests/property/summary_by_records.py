"""The summary's walks and per-layer sums as they were before they read numpy columns: one
Python pass over the trace's records per question.

Kept only as the oracle of `test_summary_equal.py` (the code under test groups, shifts and
clips whole columns at once and follows the critical path's states instead of walking again;
this walks every chain task by task and sums every layer's records one by one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accelsim.explain.walk import KIND_LABELS, PARTS, STARTUP_PARTS

if TYPE_CHECKING:
    from accelsim.sim.trace import Event

_CODES = {part: code for code, part in enumerate(PARTS)}
_READS, _WRITES = ("load", "reload"), ("store", "spill")


def data_behind(events: tuple[Event, ...], startup: int) -> tuple[int, ...]:
    """Each transfer whose data waited behind the channel's transfer before it: that one."""
    behind = [-1] * len(events)
    last: dict[str, int] = {}
    for event in events:
        if event.nbytes > 0:
            before = last.get(event.resource, -1)
            if before >= 0 and events[before].end > event.start + startup:
                behind[event.task] = before
            last[event.resource] = event.task
    return tuple(behind) if max(behind, default=-1) >= 0 else ()


def walk_back(events: tuple[Event, ...], task: int, *, floor: int = 0, startup: int = 0,
              behind: tuple[int, ...] = ()) -> list[tuple[int, int, int, str]]:  # fmt: skip
    """(task, start, end, label) steps back from `task`, latest first, clipped at `floor`."""
    steps = []
    via = "data"
    while task >= 0:
        event = events[task]
        start, end = event.start, event.end
        if end <= floor:
            break
        sram = via == "space"
        label = "sram" if sram else KIND_LABELS[event.unit_kind]
        queued = behind[task] if behind else -1
        if queued >= 0 and via != "issue":
            steps.append((task, max(events[queued].end, floor), end, label))
            via, task = "data", queued
            continue
        if via != "issue" and end > start:
            low = max(start, floor)
            first = "" if sram else STARTUP_PARTS[event.unit_kind]
            head = start + startup if first and event.nbytes > 0 else start
            if head > low:
                middle = min(head, end)
                if middle < end:
                    steps.append((task, middle, end, label))
                steps.append((task, low, middle, first))
            else:
                steps.append((task, low, end, label))
        if start <= floor:
            break
        via, task = event.waited, event.waited_on
    return steps


def cycles_of(steps: list[tuple[int, int, int, str]]) -> dict[str, int]:
    cycles = dict.fromkeys(PARTS, 0)
    for _, low, high, label in steps:
        cycles[label] += high - low
    return cycles


def path(events: tuple[Event, ...], startup: int) -> list[tuple[int, int, int, str]]:
    """The critical path's steps: back from the later of the tasks that ended last."""
    last = -1
    for event in events:
        if last < 0 or event.end >= events[last].end:
            last = event.task
    behind = data_behind(events, startup)
    return walk_back(events, last, startup=startup, behind=behind) if last >= 0 else []


def windows(events: tuple[Event, ...], layers: int,
            startup: int) -> list[tuple[int, int, dict[str, int]]]:  # fmt: skip
    """Each layer's window (start, end, cycles by label): from the end of the layers before it
    to its own last task's end, walked back from that task."""
    last = [-1] * layers
    for event in events:
        current = last[event.layer]
        if current < 0 or event.end >= events[current].end:
            last[event.layer] = event.task
    behind = data_behind(events, startup)
    found = []
    done = 0
    for task in last:
        end = max(done, events[task].end) if task >= 0 else done
        steps = (walk_back(events, task, floor=done, startup=startup, behind=behind)
                 if end > done else [])  # fmt: skip
        found.append((done, end, cycles_of(steps)))
        done = end
    return found


def layer_sums(events: tuple[Event, ...], layer: int, latency: int) -> dict[str, int]:
    """Layer `layer`'s start and end, compute and engine cycles, bytes read and written, and
    the cycles its transfers held their channels alone and their start-ups that showed."""
    held = shown = 0
    before: dict[str, int] = {}
    for event in events:
        if event.unit_kind == "dma" and event.nbytes > 0:
            previous = before.get(event.resource, event.start)
            if event.layer == layer:
                shown += max(0, min(latency, event.start + latency - previous))
                held += event.end - max(event.start, previous)
            before[event.resource] = event.end
    mine = [e for e in events if e.layer == layer]
    computes = [e for e in mine if e.kind == "compute"]
    transfers = [e for e in mine if e.unit_kind == "dma"]
    return {
        "start": min(e.start for e in computes),
        "end": max(e.end for e in (*computes, *(e for e in transfers if e.kind == "store"))),
        "compute": sum(e.end - e.start for e in computes),
        "engine": sum(e.end - e.start for e in computes if e.unit_kind == "matrix"),
        "read": sum(e.nbytes for e in transfers if e.kind in _READS),
        "written": sum(e.nbytes for e in transfers if e.kind in _WRITES),
        "held": held,
        "shown": shown,
    }
