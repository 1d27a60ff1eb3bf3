"""A worker forked while the parent handles SIGTERM by raising SystemExit (the CLI does, to
unwind and remove half-written files) must not run that handler if SIGTERM comes before it has
its own dispositions: in its fork hooks the exception prints "Exception ignored in:
_after_fork" and a traceback on the terminal both share (a refused sweep stopping a pool that
had just started did so). `forking()` holds SIGTERM and SIGHUP back across the fork and
`die_with_parent` gives them their default action, then lets them through; a
`ProcessPoolExecutor` (the trainer's decode pool) starts its workers through
`held_fork_context`, whose processes start inside `forking()`."""

from __future__ import annotations

import os
import signal
import time

import pytest

from accelsim._workers import die_with_parent, forking

pytestmark = pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX only")


def _blocked() -> set[int]:
    return set(signal.pthread_sigmask(signal.SIG_BLOCK, []))


def test_forking_holds_sigterm_and_sighup_back_and_restores_the_mask():
    before = _blocked()
    with forking():
        assert {signal.SIGTERM, signal.SIGHUP} <= _blocked()
    assert _blocked() == before


def test_a_sigterm_at_once_after_the_fork_kills_the_child_without_the_parents_handler():
    read_end, write_end = os.pipe()

    def handler(signum: int, frame: object) -> None:  # the CLI's: a Python exception
        os.write(write_end, b"handled")
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        with forking():
            child = os.fork()
        if child == 0:  # the child's start-up (its fork hooks), then its own dispositions
            try:
                time.sleep(0.5)
                die_with_parent(os.getppid())
                time.sleep(5)
            finally:
                os._exit(0)
        os.kill(child, signal.SIGTERM)  # while the child is still starting up
        _, status = os.waitpid(child, 0)
    finally:
        signal.signal(signal.SIGTERM, previous)
        os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        assert pipe.read() == b""
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM


def test_a_process_pool_executors_worker_sent_sigterm_as_it_starts_dies_by_it():
    # The trainer's decode pool (`held_fork_context`): a worker sent SIGTERM during its
    # start-up dies by it, not by the parent's handler (whose SystemExit in the initializer the
    # pool would log as a traceback and survive, exit code 0)
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from accelsim._workers import held_fork_context

    def late(parent: int) -> None:
        time.sleep(0.5)
        die_with_parent(parent)

    def handler(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    context = held_fork_context()
    if context is None:
        pytest.skip("no fork here")
    previous = signal.signal(signal.SIGTERM, handler)
    try:
        with ProcessPoolExecutor(1, mp_context=context, initializer=late,
                                 initargs=(os.getpid(),)) as pool:  # fmt: skip
            future = pool.submit(int)
            worker = next(iter(pool._processes.values()))  # (started by the submit)
            os.kill(worker.pid, signal.SIGTERM)
            worker.join(10)
            with pytest.raises(BrokenProcessPool):
                future.result(10)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert worker.exitcode == -signal.SIGTERM


def test_the_trainers_decode_pool_starts_its_workers_held(monkeypatch, tmp_path):
    # the image folder decoded by a pool of 2 (chunks of 4 images) is the one decoded alone,
    # and the pool's workers were started inside `forking` (its context's)
    from multiprocessing.context import ForkProcess

    import numpy as np

    from accelsim.train import imagefolder
    from tests.image_zips import image_zip

    contexts = []
    real = imagefolder.ProcessPoolExecutor

    def spy(*args: object, **kwargs: object) -> object:
        contexts.append(kwargs.get("mp_context"))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(imagefolder, "ProcessPoolExecutor", spy)
    monkeypatch.setattr(imagefolder, "_CHUNK", 4)
    path = image_zip(tmp_path / "cifar.zip", train=8, test=2)
    pooled, alone = imagefolder.load(path, workers=2), imagefolder.load(path, workers=1)
    for name in ("train_images", "train_labels", "test_images", "test_labels"):
        assert np.array_equal(getattr(pooled, name), getattr(alone, name)), name
    assert contexts and all(
        context is not None and context.Process.start is not ForkProcess.start
        for context in contexts
    )
