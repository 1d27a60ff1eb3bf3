"""Where the points of a sweep run: this process, a local process pool, or a Dask cluster.

Every executor gets the `Job` (the imported graph and the base machine) once per worker, not
once per point: the local pool's workers are forked with it (with the plans its first points
take made here first, `plan_ahead`: every worker inherits them instead of making its own), and
Dask scatters it to every worker. Points travel in small batches and results stream back as
each batch finishes, in completion order, so the caller can store each batch the moment it is
known.

A local worker that dies (SIGKILL, the OOM killer) breaks its pool: the points that were
running are each retried once, alone in a fresh one-worker pool; a point whose worker dies
again is recorded as that point's "failed" result, and the rest of the grid goes on.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from collections.abc import Generator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from accelsim._workers import die_with_parent, pool_size
from accelsim.errors import AccelsimError
from accelsim.sweep.results import Job, PointResult, evaluate, plan_ahead, preload

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

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
modules and the Job with its plans (the initializer's arguments are not pickled); the Job still
goes through the initializer, so spawn works too (each worker then plans for itself)."""

_Broken = tuple[list["Point"], list["Point"]]
"""A pool that broke: the points without a result, and those of them that were running."""


class _Pool:
    """A process pool whose workers each know their slot in `running` (per worker: index + 1
    of the point it is on) and their Job."""

    def __init__(self, workers: int, job: Job) -> None:
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("fork" if _FORK else "spawn")
        if _FORK:
            preload(job.base)  # once here, not once per worker
        self.running = context.Array("q", workers, lock=False)
        installed = (job, os.getpid(), self.running, context.Value("i", 0))
        self.executor: ProcessPoolExecutor = ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_install, initargs=installed
        )

    def stop(self, *, wait: bool) -> None:
        self.executor.shutdown(wait=wait, cancel_futures=True)


def _pool_pass(
    job: Job, points: list[Point], workers: int, pool: _Pool | None = None
) -> Generator[list[PointResult], None, _Broken | None]:
    """Run `points` on `pool` (else a fresh pool of `workers`); returns None, or what was left
    when a worker died and broke the pool."""
    from concurrent.futures import as_completed
    from concurrent.futures.process import BrokenProcessPool

    if pool is None:
        pool = _Pool(workers, job)
    done: set[int] = set()
    finished = False
    try:
        futures = [pool.executor.submit(_evaluate_installed, b) for b in batches(points, workers)]
        yield []
        for future in as_completed(futures):
            results = future.result()
            done.update(result.index for result in results)
            yield results
        finished = True
        return None
    except BrokenProcessPool:  # a worker died running a batch
        in_flight = set(pool.running[:])
        unfinished = [p for p in points if p.index not in done]
        return unfinished, [p for p in unfinished if p.index + 1 in in_flight]
    finally:
        # NOTE: with every point in, the idle workers exit while this process stores and
        # writes the results (waiting for them took 3-10 ms of a sweep); otherwise wait.
        pool.stop(wait=not finished)


def _died(point: Point) -> PointResult:
    settings = tuple((s.path, s.label) for s in point.settings)
    error = "its worker process died twice while simulating it (a signal, or out of memory)"
    return PointResult(point.key, point.index, settings, "failed", error)


_INSTALLED: list[Any] = []
"""The worker process's Job, its slot in the shared `running` array, and that array (a list so
no `global` is needed); set once by `_install`."""


def _install(job: Job, parent: int, running: Any, slots: Any) -> None:
    die_with_parent(parent)
    with slots.get_lock():
        slot = slots.value
        slots.value += 1
    _INSTALLED[:] = [job, slot, running]


def _evaluate_installed(points: list[Point]) -> list[PointResult]:
    job, slot, running = _INSTALLED
    results = []
    for point in points:
        running[slot] = point.index + 1
        results.append(evaluate(job, point))
    running[slot] = 0
    return results


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
