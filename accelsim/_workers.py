"""Worker processes that neither outnumber the CPUs nor outlive the process that started them.

`pool_size` caps a requested pool at the work and the CPUs (`--jobs 1000` on 2 cores would fork
1000 processes for nothing). `die_with_parent` runs first in every pool worker: on Linux the
kernel sends it SIGTERM when its parent dies (prctl PR_SET_PDEATHSIG), so killing only the
parent (`kill -9`) does not leave workers alive forever; elsewhere it is a no-op.
"""

from __future__ import annotations

import os
import signal
import sys

__all__ = ["cpu_count", "die_with_parent", "pool_size"]

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def cpu_count() -> int:
    """CPUs this process may run on (its affinity mask where known), at least 1."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def pool_size(requested: int | None, work: int) -> int:
    """Workers for `work` items: `requested` (default: every CPU), at most the CPUs and the work."""
    return max(1, min(requested or cpu_count(), cpu_count(), work))


def die_with_parent(parent: int) -> None:
    """Pool initializer: ask the kernel to SIGTERM this worker when `parent` (the pid that
    created the pool) dies, and exit at once if it already has.

    SIGTERM gets its default action back: a forked worker inherits the CLI's handler, which
    raises SystemExit, and the pool would catch that as a task's failure and keep waiting.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:  # died before prctl took effect: we were re-parented
        os._exit(1)
