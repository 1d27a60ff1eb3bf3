"""Where the points of a sweep run: this process, a local process pool, or a Dask cluster.

Every executor gets the `Job` (the imported graph and the base machine) once per worker, not
once per point: the local pool's workers are forked with it (with the plans its first points
take made here first, `plan_ahead`: every worker inherits them instead of making its own), and
Dask scatters it to every worker. Points travel in small batches and results stream back as
each batch finishes, in completion order, so the caller can store each batch the moment it is
known.

A local worker that dies (SIGKILL, the OOM killer) loses the batches it held, and the other
workers go on with the rest; then the points it was running are each retried once, alone in a
fresh one-worker pool (a point whose worker dies again is recorded as that point's "failed"
result), and the rest of its batches run in a fresh pool.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import signal
from collections.abc import Generator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from accelsim._workers import die_with_parent, held_fork_context, pool_size
from accelsim.errors import AccelsimError
from accelsim.sweep.results import Job, PointResult, evaluate, plan_ahead, preload

if TYPE_CHECKING:
    from accelsim.sweep.grid import Point

__all__ = ["DaskExecutor", "Executor", "LocalExecutor", "batches"]

MAX_BATCH = 8
"""Most points per task: enough to amortise a round trip, few enough to report often."""


class Executor(Protocol):
    """Runs `evaluate(job, point)` for every point; yields each batch's results as it completes."""

    def run(self, job: Job, points: Sequence[Point]) -> Generator[list[PointResult], None, None]:
        """First an empty batch, once every point is submitted (the caller may do other work
        while they run), then each batch's results as it completes (more empty batches
        carry nothing)."""

    def close(self) -> None:
        """Release what the executor holds between sweeps (a cluster connection)."""


def batches(points: Sequence[Point], workers: int) -> list[list[Point]]:
    """Split `points` into batches of at most MAX_BATCH, each half of a worker's share of the
    points left: the last ones hold a point or two, so the workers finish together."""
    chunks, start = [], 0
    while start < len(points):
        size = max(1, min(MAX_BATCH, math.ceil((len(points) - start) / (2 * max(1, workers)))))
        chunks.append(list(points[start : start + size]))
        start += size
    return chunks


class LocalExecutor:
    """A process pool on this machine: `jobs` workers (default: every CPU), never more than the
    CPUs or the points (`accelsim._workers.pool_size`); 1 runs in-process. Workers die with
    the sweep's process, even when only it is killed."""

    def __init__(self, jobs: int | None = None) -> None:
        self.jobs = jobs

    def run(self, job: Job, points: Sequence[Point]) -> Generator[list[PointResult], None, None]:
        workers = pool_size(self.jobs, len(points))
        if workers <= 1:
            yield []
            for point in points:
                yield [evaluate(job, point)]
            return
        if _FORK:
            plan_ahead(job, points[:MAX_BATCH])
        remaining = list(points)
        while remaining:
            broken = yield from _pool_pass(job, remaining, workers)
            if broken is None:
                return
            unfinished, running = broken
            # NOTE: with no point known to be running, isolating one still makes progress.
            suspects = running or unfinished[:1]
            for point in suspects:
                again = yield from _pool_pass(job, [point], 1)
                if again is not None:
                    yield [_died(point)]
            remaining = [point for point in unfinished if point not in suspects]

    def close(self) -> None:
        """Nothing to release: each `run` starts and stops its own pool."""


_FORK = "fork" in multiprocessing.get_all_start_methods()
"""Fork where the platform has it: workers start in milliseconds and inherit the imported
modules, the Job with its plans and the batches (nothing is pickled on the way in but batch
numbers); spawned workers (elsewhere) get the Job and the batches pickled once, and plan for
themselves."""

QUEUED = 2
"""Batches a worker holds at once: the one it runs and the next, so it never waits a round trip
for work."""

_Broken = tuple[list["Point"], list["Point"]]
"""A pass whose worker(s) died: the points without a result, and those of them that were
running."""


class _Pool:
    """Worker processes (`_serve`), each with a duplex pipe that takes batch numbers and gives
    back each batch's results, and its slot in `running` (the index + 1 of the point it is on).

    NOTE: not `concurrent.futures.ProcessPoolExecutor`: its manager and feeder threads and the
    pickling of every batch took CPU that the 2 workers of a 2-core machine needed (the typical
    grid ~8 % faster without them, reports/speed/README.md), and one dead worker broke it all.
    """

    def __init__(self, workers: int, job: Job, chunks: list[list[Point]]) -> None:
        # (forked with SIGTERM and SIGHUP held until a worker has its own dispositions)
        context = held_fork_context() or multiprocessing.get_context("spawn")
        if _FORK:
            preload(job.base)  # once here, not once per worker
        self.running = context.Array("q", workers, lock=False)
        self.processes: list[Any] = []
        self.pipes: list[Any] = []
        for slot in range(workers):
            ours, theirs = context.Pipe()
            process = context.Process(
                target=_serve, args=(job, chunks, os.getpid(), self.running, slot, theirs),
                name=f"accelsim-sweep-{slot}", daemon=True,
            )  # fmt: skip
            process.start()
            theirs.close()
            self.processes.append(process)
            self.pipes.append(ours)

    def stop(self, *, wait: bool) -> None:
        """Tell each worker to exit (not waited for: it exits while this process stores and
        writes the results); with `wait` (the pass was cut short), stop them now and wait.

        NOTE: a message, not the pipe's end: a forked worker holds copies of this process's
        ends of its own pipe and of those made before it, so it would never read an end."""
        for pipe in self.pipes:
            with contextlib.suppress(OSError):  # a dead worker's
                pipe.send(None)
            pipe.close()
        if wait:
            for process in self.processes:
                process.terminate()
            for process in self.processes:
                process.join()


def _pool_pass(
    job: Job, points: list[Point], workers: int
) -> Generator[list[PointResult], None, _Broken | None]:
    """Run `points` on a fresh pool of `workers`, yielding each batch's results as it comes;
    returns None, or, if a worker died, the points of its batches (they have no result) and
    the ones it was running. The other workers go on with the rest meanwhile."""
    from multiprocessing.connection import wait

    chunks = batches(points, workers)
    pool = _Pool(workers, job, chunks)
    todo = list(range(len(chunks) - 1, -1, -1))  # batch numbers, the next one last
    held: list[list[int]] = [[] for _ in pool.pipes]  # per worker, its batches in order
    dead: list[int] = []  # slots
    finished = False

    def give(slot: int) -> None:
        if todo:
            held[slot].append(todo.pop())
            with contextlib.suppress(OSError):  # a dead worker: its sentinel says so
                pool.pipes[slot].send(held[slot][-1])

    try:
        for slot in range(len(held)):
            for _ in range(QUEUED):
                give(slot)
        yield []
        busy = {slot for slot, numbers in enumerate(held) if numbers}
        while busy:
            ready = set(wait([pool.pipes[s] for s in busy] +
                             [pool.processes[s].sentinel for s in busy]))  # fmt: skip
            for slot in sorted(busy):
                pipe, exited = pool.pipes[slot], pool.processes[slot].sentinel in ready
                if pipe not in ready and not exited:
                    continue
                try:
                    while pipe.poll():  # what it sent before it exited too
                        number, results = pipe.recv()
                        held[slot].remove(number)
                        give(slot)
                        yield results
                except (EOFError, OSError):  # the end of a pipe whose worker is gone
                    exited = True
                if exited:
                    dead.append(slot)
                if exited or not held[slot]:
                    busy.discard(slot)
        finished = True
        if not dead:
            return None
        lost = [number for slot in dead for number in held[slot]] + todo
        running = {pool.running[slot] for slot in dead}
        unfinished = [point for number in sorted(lost) for point in chunks[number]]
        return unfinished, [point for point in unfinished if point.index + 1 in running]
    finally:
        pool.stop(wait=not finished or bool(dead))


def _died(point: Point) -> PointResult:
    settings = tuple((s.path, s.label) for s in point.settings)
    error = "its worker process died twice while simulating it (a signal, or out of memory)"
    return PointResult(point.key, point.index, settings, "failed", error)


def _serve(job: Job, chunks: list[list[Point]], parent: int, running: Any, slot: int,
           pipe: Any) -> None:  # fmt: skip
    """A worker: evaluate each batch whose number comes down `pipe` and send back its number
    and results, marking `running[slot]` with the index + 1 of the point it is on (0 between
    batches), until None comes. Ctrl-C is its parent's to handle (it stops the workers)."""
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(EOFError, OSError):
        while (number := pipe.recv()) is not None:
            results = []
            for point in chunks[number]:
                running[slot] = point.index + 1
                results.append(evaluate(job, point))
            running[slot] = 0
            pipe.send((number, results))


def _evaluate_batch(job: Job, points: list[Point]) -> list[PointResult]:
    return [evaluate(job, point) for point in points]


class DaskExecutor:
    """A Dask distributed cluster at `address` (e.g. tcp://host:8786), connected on creation.

    Connecting first means a wrong address fails before anything is written. Workers must have
    accelsim installed; the model file need not be on them (the imported graph is scattered
    from here). Close it (or use it as a context manager) to disconnect.
    """

    def __init__(self, address: str, *, timeout_s: float = 10.0) -> None:
        from accelsim._extras import require

        require("dask.distributed", purpose=f"--dask {address}")
        self.client = _connect(address, timeout_s)

    def run(self, job: Job, points: Sequence[Point]) -> Generator[list[PointResult], None, None]:
        from dask.distributed import as_completed

        client = self.client
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        shared = client.scatter(job, broadcast=True)
        futures = [
            client.submit(_evaluate_batch, shared, batch, pure=False)
            for batch in batches(points, workers)
        ]
        try:
            yield []
            for future in as_completed(futures):
                yield future.result()
        finally:
            client.cancel(futures)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _connect(address: str, timeout_s: float) -> Any:
    """A Dask Client for `address`, or AccelsimError within about `timeout_s` seconds.

    NOTE: Client's own timeout covers the TCP connect, not a peer that accepts and then says
    nothing or speaks another protocol (a wrong port); so the connect runs in a daemon thread
    the caller stops waiting for, and any error it raises (garbage read as a message header can
    even ask for exabytes) becomes the one-line error.
    """
    import threading

    from dask.distributed import Client

    outcome: dict[str, Any] = {}

    def connect() -> None:
        try:
            outcome["client"] = Client(address, timeout=timeout_s)
        except Exception as exc:  # dask raises OSError, TimeoutError, ValueError, MemoryError...
            outcome["error"] = exc

    hint = "start one with `dask scheduler` or check the address"
    thread = threading.Thread(target=connect, name="accelsim-dask-connect", daemon=True)
    thread.start()
    thread.join(timeout_s + 2)
    if "client" in outcome:
        return outcome["client"]
    if "error" in outcome:
        problem = str(outcome["error"]).splitlines()[0] if str(outcome["error"]) else "failed"
        reason = f"cannot reach the scheduler ({type(outcome['error']).__name__}: {problem})"
    else:
        reason = f"no answer from a Dask scheduler within {timeout_s + 2:g} s"
    raise AccelsimError(f"--dask {address}: {reason}; {hint}")
