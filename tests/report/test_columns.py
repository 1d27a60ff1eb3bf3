"""FittedTable: the most important columns that fit, whole cells, and a caption naming the rest."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from accelsim.report.columns import Column, FittedTable

# Natural widths: a 4 ("aaaa"), b 6 ("bbbbbb"), c 2 ("cc"); columns sit 2 cells apart, no edges.
COLUMNS = (Column("aaaa"), Column("bbbbbb", 2), Column("cc", 1))
ROWS = [("1", "22", "3")]


def render(table: FittedTable, width: int) -> list[str]:
    console = Console(width=width, file=io.StringIO(), color_system=None)
    console.print(table)
    return console.file.getvalue().splitlines()  # type: ignore[attr-defined]


def header(lines: list[str]) -> list[str]:
    return lines[0].split()


@pytest.mark.parametrize(
    ("width", "shown"),
    [
        (16, ["aaaa", "bbbbbb", "cc"]),  # 4 + 2 + 6 + 2 + 2 = 16: all fit
        (15, ["aaaa", "bbbbbb"]),  # c (lowest priority) goes first: 4 + 2 + 6 = 12
        (11, ["aaaa", "cc"]),  # b needs 12; c still fits beside a: 4 + 2 + 2 = 8
        (5, ["aaaa"]),  # a is required: shown even when nothing else fits
    ],
)
def test_fitted_table_keeps_the_most_important_columns_that_fit(width, shown):
    lines = render(FittedTable(COLUMNS, ROWS), width)
    assert header(lines) == shown
    assert "…" not in "".join(lines)


def test_fitted_table_names_the_columns_it_left_out():
    lines = render(FittedTable(COLUMNS, ROWS), 40)
    assert not any("not shown" in line for line in lines)
    text = " ".join(line.strip() for line in render(FittedTable(COLUMNS, ROWS), 11))
    assert "not shown at 11 columns: bbbbbb" in text


def test_fitted_table_folds_a_long_required_name_instead_of_cutting_it():
    name = "n" * 30
    lines = render(
        FittedTable([Column("layer", fold=True), Column("MACs")], [(name, "677,376")]), 20
    )
    assert all(len(line) <= 20 for line in lines)
    assert "677,376" in "".join(lines)  # numbers never wrap
    assert "".join(line.split()[0] for line in lines[2:] if line.strip()).startswith(name)


def test_fitted_table_shows_string_cells_as_written_never_as_markup():
    lines = render(
        FittedTable([Column("layer", justify="left")], [("[/oops] [bold]x\x1b[2J",)]), 40
    )
    assert lines[2].rstrip() == r"[/oops] [bold]x\x1b[2J"
