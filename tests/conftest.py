"""Fixtures for the whole suite."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _piped_output_width(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start every test with COLUMNS empty, so output to a pipe is the documented 132 columns.

    accelsim honours COLUMNS, and GNU readline (which pytest imports) exports the terminal's
    width as COLUMNS to child processes; tests that want a width set it themselves.
    """
    monkeypatch.setenv("COLUMNS", "")
