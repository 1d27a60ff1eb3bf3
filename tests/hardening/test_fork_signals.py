"""A worker forked while the parent handles SIGTERM by raising SystemExit (the CLI does, to
unwind and remove half-written files) must not run that handler if SIGTERM comes before it has
its own dispositions: in its fork hooks the exception prints "Exception ignored in:
_after_fork" and a traceback on the terminal both share (a refused sweep stopping a pool that
had just started did so). `forking()` holds SIGTERM and SIGHUP back across the fork and
`die_with_parent` gives them their default action, then lets them through."""

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
