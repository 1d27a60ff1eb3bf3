"""The width of piped output: COLUMNS when it is a positive whole number, else 132 columns
(rich's 80 would hide columns a file has room for)."""

from __future__ import annotations

import io

import pytest

from accelsim.cli._terminal import terminal_console


@pytest.mark.parametrize(
    ("columns", "width"),
    [
        ("100", 100),
        ("1", 1),
        ("", 132),
        ("0", 132),
        ("000", 132),
        ("-5", 132),
        ("wide", 132),
        ("1e3", 132),
    ],
)
def test_piped_width_is_a_positive_columns_else_132(monkeypatch, columns, width):
    monkeypatch.setattr("sys.stdout", io.StringIO())  # a pipe: not a terminal
    monkeypatch.setenv("COLUMNS", columns)
    assert terminal_console().width == width
