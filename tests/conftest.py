"""Fixtures for the whole suite."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import judged


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "unjudged(why): the test's runs are not judged (`tests/judged.py`)"
    )


@pytest.fixture(autouse=True)
def _piped_output_width(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start every test with COLUMNS empty, so output to a pipe is the documented 132 columns.

    accelsim honours COLUMNS, and GNU readline (which pytest imports) exports the terminal's
    width as COLUMNS to child processes; tests that want a width set it themselves.
    """
    monkeypatch.setenv("COLUMNS", "")


@pytest.fixture(autouse=True)
def _judge_every_run(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Judge every plan the test makes and runs in this process (`tests/judged.py`)."""
    judged.install(request, monkeypatch)
    yield
    judged.forget()


_STREAMS = {Path(f"/dev/{name}"): f"/proc/self/fd/{fd}"
            for fd, name in enumerate(("stdin", "stdout", "stderr"))}  # fmt: skip


@pytest.fixture(autouse=True)
def _standard_streams_kept() -> Iterator[None]:
    """Fail a test that replaced /dev/stdout (or stdin, stderr) with a file, and put the link back.

    Run as root, an output bug that renames a temporary file over its target (a planted one in a
    mutation round) turns /dev/stdout into a regular file for the whole machine, and every later
    test that writes to it fails for that reason instead of its own.
    """
    links = {path: target for path, target in _STREAMS.items()
             if path.is_symlink() and os.readlink(path) == target}  # fmt: skip
    yield
    replaced = [path for path in links if not path.is_symlink()]
    for path in replaced:
        path.unlink()
        path.symlink_to(links[path])
    assert not replaced, f"the test replaced {', '.join(map(str, replaced))} (link restored)"
