"""Fixtures for the whole suite."""

from __future__ import annotations

from collections.abc import Iterator

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
