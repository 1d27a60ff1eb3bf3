"""The pool's handling of a dead worker: which points are suspects (the ones a worker was
running, by the 1-based slot numbers in the shared array), that each suspect runs alone once and
only a second death is its "failed" result, that the rest goes on without the suspects (scripts
standing in for a pass, no process); which batches a pass gives each real worker, forked with a
stand-in `evaluate` that kills some of them, and what it returns; what a worker's slot holds
while it evaluates; and that a pass cut short as it starts stops its workers with SIGTERM's
default action. Every expected value is worked by hand beside it."""

from __future__ import annotations

import multiprocessing
import os
import signal
from concurrent.futures import Future
from types import SimpleNamespace

import pytest

from accelsim.sweep import executors
from accelsim.sweep.executors import LocalExecutor
from accelsim.sweep.grid import Point, Setting
from accelsim.sweep.results import PointResult

DIED = "its worker process died twice while simulating it (a signal, or out of memory)"


def _points(count: int) -> list[Point]:
    return [Point(i, (Setting("units.vector.lanes", f"L{i}", i),)) for i in range(count)]


def _ok(point: Point) -> PointResult:
    return PointResult(point.key, point.index, (("units.vector.lanes", f"L{point.index}"),), "ok")


class _Script:
    """Stands in for `_pool_pass`: each call takes the next (results, broken) from the script,
    yields [] then the results, and returns `broken` as (unfinished, running) indices."""

    def __init__(self, *steps):
        self.steps = list(steps)
        self.calls: list[tuple[list[int], int]] = []

    def __call__(self, job, points, workers):
        self.calls.append(([p.index for p in points], workers))
        done, broken = self.steps.pop(0)
        by_index = {p.index: p for p in points}
        yield []
        if done:
            yield [_ok(by_index[i]) for i in done]
        if broken is None:
            return None
        unfinished, running = broken
        return [by_index[i] for i in unfinished], [by_index[i] for i in running]


def _run(monkeypatch, script: _Script, count: int) -> list[list[PointResult]]:
    monkeypatch.setattr(executors, "_pool_pass", script)
    monkeypatch.setattr(executors, "pool_size", lambda jobs, work: 2)
    monkeypatch.setattr(executors, "plan_ahead", lambda job, points: None)
    executor = LocalExecutor(2)
    return list(executor.run(object(), _points(count)))  # type: ignore[arg-type]


def _flat(yielded: list[list[PointResult]]) -> list[tuple[int, str]]:
    return [(r.index, r.status) for batch in yielded for r in batch]


def test_a_point_whose_worker_dies_twice_is_failed_and_the_rest_runs_without_it(monkeypatch):
    # 6 points; 0 and 1 finish, then a worker dies on 3 (2, 4, 5 unfinished too). 3 alone in a
    # one-worker pool dies again: failed. Then 2, 4, 5 (not 3) on a fresh pool of 2.
    script = _Script(([0, 1], ([2, 3, 4, 5], [3])), ([], ([3], [3])), ([2, 4, 5], None))
    yielded = _run(monkeypatch, script, 6)
    assert script.calls == [
        ([0, 1, 2, 3, 4, 5], 2), ([3], 1), ([2, 4, 5], 2)
    ]  # fmt: skip
    assert _flat(yielded) == [(0, "ok"), (1, "ok"), (3, "failed"), (2, "ok"), (4, "ok"),
                              (5, "ok")]  # fmt: skip
    (failed,) = [r for batch in yielded for r in batch if r.status == "failed"]
    assert (failed.key, failed.settings, failed.error, failed.metrics) == (
        _points(6)[3].key, (("units.vector.lanes", "L3"),), DIED, None
    )  # fmt: skip


def test_a_suspect_that_runs_alone_is_reported_once_as_ok(monkeypatch):
    # the retry of 3 succeeds: it is ok once, never also failed; two were running (1 and 3)
    script = _Script(([0], ([1, 2, 3], [1, 3])), ([1], None), ([3], None), ([2], None))
    yielded = _run(monkeypatch, script, 4)
    assert [indices for indices, _ in script.calls] == [[0, 1, 2, 3], [1], [3], [2]]
    assert _flat(yielded) == [(0, "ok"), (1, "ok"), (3, "ok"), (2, "ok")]


def test_with_no_point_known_running_the_first_unfinished_is_the_suspect(monkeypatch):
    # the pool broke before any worker took a point (a worker died at set-up)
    script = _Script(([], ([0, 1, 2], [])), ([0], None), ([1, 2], None))
    yielded = _run(monkeypatch, script, 3)
    assert [indices for indices, _ in script.calls] == [[0, 1, 2], [0], [1, 2]]
    assert _flat(yielded) == [(0, "ok"), (1, "ok"), (2, "ok")]


def test_one_worker_runs_the_points_here_in_order(monkeypatch):
    monkeypatch.setattr(executors, "pool_size", lambda jobs, work: 1)
    monkeypatch.setattr(executors, "evaluate", lambda job, point: _ok(point))
    yielded = list(LocalExecutor(1).run(object(), _points(3)))  # type: ignore[arg-type]
    assert yielded[0] == []
    assert _flat(yielded) == [(0, "ok"), (1, "ok"), (2, "ok")]
    assert [len(batch) for batch in yielded] == [0, 1, 1, 1]


# --- one pass over a pool of real workers (forked: they inherit the stand-ins) ----------------


_FORKS = "fork" in multiprocessing.get_all_start_methods()
_JOB = SimpleNamespace(base=None)  # what the pool reads of a Job (`preload` is stood in for)


def _dying_at(*indices: int):
    """A stand-in for `evaluate` whose worker is killed (SIGKILL) on the points `indices`."""

    def evaluate(job, point):
        if point.index in indices:
            os.kill(os.getpid(), signal.SIGKILL)
        return _ok(point)

    return evaluate


def _pass(monkeypatch, points, workers, evaluate):
    monkeypatch.setattr(executors, "evaluate", evaluate)
    monkeypatch.setattr(executors, "preload", lambda base: None)
    gen = executors._pool_pass(_JOB, points, workers)  # type: ignore[arg-type]
    yielded = []
    try:
        while True:
            yielded.append(next(gen))
    except StopIteration as stop:
        return yielded, stop.value


@pytest.mark.skipif(not _FORKS, reason="the stand-ins reach the workers by fork")
def test_a_dead_worker_loses_its_batches_and_names_the_point_it_was_on(monkeypatch):
    # 6 points, 2 workers: batches [0, 1], [2], [3], [4], [5] (ceil(6/4) = 2, then 1s). Each
    # worker is given two at the start: worker 0 [0, 1] and [2], worker 1 [3] and [4]. Worker 1
    # dies on point 3: its two batches have no result and point 3 (its slot: index + 1 = 4) is
    # the one it was on; worker 0 goes on with [2] and the last batch, [5].
    yielded, (unfinished, running) = _pass(monkeypatch, _points(6), 2, _dying_at(3))
    assert yielded[0] == []
    assert sorted(index for index, _ in _flat(yielded)) == [0, 1, 2, 5]
    assert [p.index for p in unfinished] == [3, 4]
    assert [p.index for p in running] == [3]


@pytest.mark.skipif(not _FORKS, reason="the stand-ins reach the workers by fork")
def test_a_worker_dead_on_point_0_names_point_0(monkeypatch):
    # 3 points, 2 workers: batches [0], [1], [2]; worker 0 holds [0] and [1], worker 1 [2].
    # Worker 0 dies on point 0 (its slot holds 1, not 0 "idle")
    yielded, (unfinished, running) = _pass(monkeypatch, _points(3), 2, _dying_at(0))
    assert _flat(yielded) == [(2, "ok")]
    assert [p.index for p in unfinished] == [0, 1]
    assert [p.index for p in running] == [0]


@pytest.mark.skipif(not _FORKS, reason="the stand-ins reach the workers by fork")
def test_every_worker_dead_leaves_every_batch_unfinished(monkeypatch):
    # 6 points, 2 workers: batches [0, 1], [2], [3], [4], [5]; worker 0 holds [0, 1] and [2],
    # worker 1 [3] and [4], [5] is not given yet; both die on their first point
    yielded, (unfinished, running) = _pass(monkeypatch, _points(6), 2, _dying_at(0, 3))
    assert yielded == [[]]
    assert [p.index for p in unfinished] == [0, 1, 2, 3, 4, 5]
    assert [p.index for p in running] == [0, 3]


@pytest.mark.skipif(not _FORKS, reason="the stand-ins reach the workers by fork")
def test_a_finished_pass_returns_none_and_its_workers_exit(monkeypatch):
    before = set(multiprocessing.active_children())
    yielded, broken = _pass(monkeypatch, _points(9), 2, _dying_at())
    assert broken is None
    assert yielded[0] == [] and sorted(i for i, _ in _flat(yielded)) == list(range(9))
    workers = set(multiprocessing.active_children()) - before
    for worker in workers:  # told to exit, not waited for: they go by themselves
        worker.join(10)
    assert len(workers) == 2 and all(w.exitcode == 0 for w in workers)


@pytest.mark.skipif(not _FORKS, reason="the stand-ins reach the workers by fork")
def test_a_pass_cut_short_stops_its_workers(monkeypatch):
    import time

    def slow(job, point):
        time.sleep(0.05)
        return _ok(point)

    monkeypatch.setattr(executors, "evaluate", slow)
    monkeypatch.setattr(executors, "preload", lambda base: None)
    before = set(multiprocessing.active_children())
    gen = executors._pool_pass(_JOB, _points(40), 2)  # type: ignore[arg-type]
    assert next(gen) == []
    assert len(next(gen)) >= 1
    workers = set(multiprocessing.active_children()) - before
    gen.close()  # the caller stops (an error storing a batch, Ctrl-C)
    assert len(workers) == 2 and not any(w.is_alive() for w in workers)


# --- what a worker does ------------------------------------------------------------------------


class _Pipe:
    """Stands in for a worker's end of its pipe: gives `numbers`, then None; keeps what is sent."""

    def __init__(self, *numbers):
        self.given = [*numbers, None]
        self.sent: list[object] = []

    def recv(self):
        return self.given.pop(0)

    def send(self, message):
        self.sent.append(message)


def test_a_worker_marks_its_slot_with_index_plus_one_and_sends_each_batch(monkeypatch):
    seen = []
    running = [7, 0, 9]  # the other workers' slots must stay as they are

    def evaluate(job, point):
        seen.append((job, list(running)))
        return _ok(point)

    signals = []
    monkeypatch.setattr(executors, "evaluate", evaluate)
    monkeypatch.setattr(executors, "die_with_parent", lambda parent: None)
    monkeypatch.setattr(
        executors.signal, "signal", lambda number, how: signals.append((number, how))
    )
    chunks = [_points(6)[4:6], _points(6)[0:1]]  # batch 0: points 4 and 5; batch 1: point 0
    pipe = _Pipe(0, 1)
    executors._serve("JOB", chunks, 123, running, 1, pipe)
    assert seen == [("JOB", [7, 5, 9]), ("JOB", [7, 6, 9]), ("JOB", [7, 1, 9])]
    assert running == [7, 0, 9]  # idle again after its batches
    assert [(number, [r.index for r in results]) for number, results in pipe.sent] == [
        (0, [4, 5]), (1, [0])
    ]  # fmt: skip
    assert signals == [(signal.SIGINT, signal.SIG_IGN)]  # Ctrl-C is the sweep's to handle


def test_the_pool_cuts_batches_of_at_most_eight():
    assert executors.MAX_BATCH == 8
    # 40 points on 2 workers: ceil(40/4) = 10 -> 8; 32 left -> 8; 24 -> 6; 18 -> 5; 13 -> 4;
    # 9 -> 3; 6 -> 2; 4 -> 1; then 1s
    sizes = [len(b) for b in executors.batches(_points(40), 2)]
    assert sizes == [8, 8, 6, 5, 4, 3, 2, 1, 1, 1, 1]
    assert [len(b) for b in executors.batches(_points(3), 0)] == [2, 1]  # 0 workers as 1


@pytest.mark.parametrize("count", [0])
def test_no_points_no_batches(count):
    assert executors.batches(_points(count), 2) == []


# --- a Dask cluster, with a stand-in client ------------------------------------------------------


class _FakeClient:
    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.scattered: list[tuple[object, bool]] = []
        self.submitted: list[tuple[list[int], bool]] = []
        self.cancelled: list[Future] = []

    def scheduler_info(self):
        return {"workers": {f"w{i}": {} for i in range(self.workers)}}

    def scatter(self, job, broadcast):
        self.scattered.append((job, broadcast))
        return "shared"

    def submit(self, fn, shared, batch, pure):
        assert shared == "shared"
        self.submitted.append(([p.index for p in batch], pure))
        future: Future = Future()
        future.set_result([_ok(p) for p in batch])
        return future

    def cancel(self, futures):
        self.cancelled.extend(futures)


def test_a_dask_cluster_gets_the_job_once_and_batches_cut_for_its_workers(monkeypatch):
    distributed = pytest.importorskip("dask.distributed")
    monkeypatch.setattr(distributed, "as_completed", lambda futures: iter(futures))
    client = _FakeClient(workers=0)  # no worker known yet: cut as for one
    executor = executors.DaskExecutor.__new__(executors.DaskExecutor)
    executor.client = client
    job = object()
    yielded = list(executor.run(job, _points(5)))  # type: ignore[arg-type]
    assert client.scattered == [(job, True)]
    # one worker: ceil(5/2) = 3, then ceil(2/2) = 1, 1; each task impure (a fresh run)
    assert client.submitted == [([0, 1, 2], False), ([3], False), ([4], False)]
    assert yielded[0] == [] and _flat(yielded) == [(i, "ok") for i in range(5)]
    assert len(client.cancelled) == 3  # whatever is left is cancelled at the end
    client = _FakeClient(workers=2)
    executor.client = client
    list(executor.run(job, _points(6)))  # type: ignore[arg-type]
    assert [indices for indices, _ in client.submitted] == [[0, 1], [2], [3], [4], [5]]


@pytest.mark.skipif(not _FORKS, reason="the stand-ins reach the workers by fork")
def test_a_pass_cut_short_as_it_starts_kills_its_workers_not_by_the_parents_handler(monkeypatch):
    # The parent handles SIGTERM by raising SystemExit (as the CLI does); each worker takes
    # 0.3 s before it has its own dispositions (`die_with_parent`), and the pass is cut short
    # meanwhile (a refused store). Held back across the fork, the SIGTERM that stops a worker
    # reaches it only then, with its default action: killed by SIGTERM, not exiting 143 from
    # the parent's handler (which, inside the fork hooks, printed a traceback).
    import time

    real = executors.die_with_parent

    def late(parent):
        time.sleep(0.3)
        real(parent)

    def handler(signum, frame):
        raise SystemExit(128 + signum)

    monkeypatch.setattr(executors, "die_with_parent", late)
    monkeypatch.setattr(executors, "evaluate", _dying_at())
    monkeypatch.setattr(executors, "preload", lambda base: None)
    previous = signal.signal(signal.SIGTERM, handler)
    try:
        before = set(multiprocessing.active_children())
        gen = executors._pool_pass(_JOB, _points(4), 2)  # type: ignore[arg-type]
        assert next(gen) == []
        workers = set(multiprocessing.active_children()) - before
        gen.close()
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert len(workers) == 2
    assert [w.exitcode for w in workers] == [-signal.SIGTERM] * 2
