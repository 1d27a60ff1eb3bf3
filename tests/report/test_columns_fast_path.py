"""FittedTable's text-only drawing must be what rich draws in the cases it leaves to rich (an
emoji code in a header, a cell with its own justify, a centred column, no columns at all), and
the caption names every column left out."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.text import Text

from accelsim.report.columns import Column, FittedTable
from tests.report.test_columns import render


def test_every_column_left_out_is_named():
    table = FittedTable([Column("a"), Column("b", 2), Column("c", 1)], [("1", "2" * 80, "3" * 80)])
    lines = render(table, 80)
    assert lines[0].split() == ["a"]
    assert lines[-1] == "not shown at 80 columns: b, c (a wider terminal or --json shows them)"


def _by_rich(table: FittedTable, width: int) -> list[str]:
    console = Console(width=width, file=io.StringIO(), color_system=None)
    drawn, _ = table.fitted(console, width)
    console.print(drawn)
    return console.file.getvalue().splitlines()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "table",
    [
        FittedTable([Column(":thumbs_up: ok"), Column("n")], [("1", "2")]),
        FittedTable([Column("name"), Column("n")], [(Text("ab", justify="left"), "2")]),
        FittedTable([Column("name", justify="center"), Column("n")], [("a", "2")]),
        FittedTable([], []),
    ],
    ids=["emoji-code-header", "cell-justify", "centred-column", "no-columns"],
)
def test_what_rich_would_draw_differently_is_drawn_by_rich(table):
    assert render(table, 40) == _by_rich(table, 40)
