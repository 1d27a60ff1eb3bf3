"""Worker processes that neither outnumber the CPUs nor outlive the process that started them.

`pool_size` caps a requested pool at the work and the CPUs (`--jobs 1000` on 2 cores would fork
1000 processes for nothing). `die_with_parent` runs first in every pool worker: on Linux the
kernel sends it SIGTERM when its parent dies (prctl PR_SET_PDEATHSIG), so killing only the
parent (`kill -9`) does not leave workers alive forever; elsewhere it is a no-op. `forking`
holds SIGTERM and SIGHUP back across a fork until the worker has its own dispositions; the
sweep's pool and the trainer's fork their workers through `held_fork_context`, which does so.
"""

from __future__ import annotations

import os
import signal
import sys
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from multiprocessing.context import ForkContext

__all__ = ["cpu_count", "die_with_parent", "forking", "held_fork_context", "pool_size"]

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_HELD = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))
"""The signals the CLI handles by raising SystemExit (`cli._raise_on_termination`), which a
forked worker must not run before it has its own dispositions (`forking`)."""


def cpu_count() -> int:
    """CPUs this process may run on (its affinity mask where known), at least 1."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def pool_size(requested: int | None, work: int) -> int:
    """Workers for `work` items: `requested` (default: every CPU), at most the CPUs and the work."""
    return max(1, min(requested or cpu_count(), cpu_count(), work))


@contextmanager
def forking() -> Iterator[None]:
    """Around a fork: SIGTERM and SIGHUP held back (blocked) in the calling thread, so the child
    starts with them blocked until `die_with_parent` gives them their default action. One sent
    at once (a pool stopped as it starts) would otherwise run the parent's Python handler in
    the child's fork hooks, which prints "Exception ignored in: _after_fork" and a traceback
    on the terminal the two share. The parent gets any it held once the fork is done; a child
    that leaves the block (`os.fork` inside it) keeps them held for `die_with_parent`."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    parent = os.getpid()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        if os.getpid() == parent:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def held_fork_context() -> ForkContext | None:
    """A fork context whose processes start inside `forking` (also a `ProcessPoolExecutor`'s
    `mp_context`, which forks its workers itself); None where there is no fork."""
    import multiprocessing
    from multiprocessing.context import ForkContext, ForkProcess

    if "fork" not in multiprocessing.get_all_start_methods():
        return None

    class HeldProcess(ForkProcess):
        def start(self) -> None:
            with forking():
                super().start()

    class HeldContext(ForkContext):
        Process = HeldProcess

    return HeldContext()


def die_with_parent(parent: int) -> None:
    """Pool initializer: ask the kernel to SIGTERM this worker when `parent` (the pid that
    created the pool) dies, and exit at once if it already has.

    SIGTERM and SIGHUP get their default action back, then are let through (`forking` held
    them): a forked worker inherits the CLI's handler, which raises SystemExit, and the pool
    would catch that as a task's failure and keep waiting.
    """
    for number in _HELD:
        signal.signal(number, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:  # died before prctl took effect: we were re-parented
        os._exit(1)
