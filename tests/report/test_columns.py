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


def _layer_row(name: str, op: str, start: int, end: int) -> tuple[object, ...]:
    # layer, ops, unit, MACs, read, write, xfer, comp, start, end, SRAM, energy, util, bound
    return (name, op, "u", "1", "0", "0", "0", "1", str(start), str(end), "1 kB", "1", "", "b")


def test_a_repeated_block_of_layers_folds_into_one_row_per_block_row():
    from accelsim.report.tables import FOLD_MIN_ROWS, fold_repeats

    # a head, then 10 steps of (MatMul, LSTM) = 20 rows >= 16, then a different tail
    steps = [_layer_row(f"s:{i}", "MatMul" if i % 2 == 0 else "LSTM", i, i + 1) for i in range(20)]
    rows = [_layer_row("head", "Conv", 0, 0), *steps, _layer_row("tail", "Relu", 20, 21)]
    assert FOLD_MIN_ROWS == 16
    assert fold_repeats(rows) == [
        rows[0],
        _layer_row("s:0 … s:18 (x10)", "MatMul", 0, 19),
        _layer_row("s:1 … s:19 (x10)", "LSTM", 1, 20),
        rows[-1],
    ]
    # 15 alike rows are fewer than FOLD_MIN_ROWS: shown one by one
    alike = [_layer_row(f"r:{i}", "Relu", i, i + 1) for i in range(15)]
    assert fold_repeats(alike) == alike
    assert fold_repeats([*alike, _layer_row("r:15", "Relu", 15, 16)])[0][0] == "r:0 … r:15 (x16)"


@pytest.mark.parametrize("period", [3, 4, 5])
def test_blocks_of_up_to_four_layers_fold_and_longer_ones_do_not(period):
    from accelsim.report.tables import FOLD_PERIOD, fold_repeats

    # a block of `period` different ops repeated to cover 20 rows or more (>= 16): blocks of
    # 3 and 4 (FOLD_PERIOD) fold into one row per op of the block; a block of 5 is too long
    ops = ["Conv", "Relu", "Add", "MatMul", "Softmax"][:period]
    times = -(-20 // period)  # 7 blocks of 3, 5 of 4, 4 of 5
    rows = [_layer_row(f"l:{i}", ops[i % period], i, i + 1) for i in range(times * period)]
    assert FOLD_PERIOD == 4
    if period > FOLD_PERIOD:
        assert fold_repeats(rows) == rows
        return
    last = (times - 1) * period  # the first row of the last block
    assert fold_repeats(rows) == [
        _layer_row(f"l:{k} … l:{last + k} (x{times})", ops[k], k, last + k + 1)
        for k in range(period)
    ]


def test_fitting_a_long_table_measures_widths_not_every_row():
    # 2,000 rows fit as fast as a handful: the width of a column is its widest cell's
    import time

    rows = [(f"layer{i}", f"{i:,}", "x" * (i % 7)) for i in range(2000)]
    columns = [Column("name", justify="left"), Column("n", 2), Column("pad", 1)]
    start = time.process_time()
    lines = render(FittedTable(columns, rows), width=20)
    assert time.process_time() - start < 5  # about 0.5 s; ~30 s when every row was re-measured
    assert header(lines) == ["name", "n"]  # 9 + 2 + 5 = 16; "pad" (6 wide) needs 24 > 20


def test_a_fitted_table_is_laid_out_cell_by_cell_at_any_width():
    # Widest cells in different rows, a header ("lost") wider than its cells, styled cells.
    # Fitting, each column is as wide as its widest cell or header (layer 7, MACs 7, lost 4),
    # 2 cells apart; too narrow for the required columns, the name folds and rich lays it out.
    from rich.text import Text

    table = FittedTable(
        [Column("layer", fold=True, justify="left"), Column("MACs"),
         Column("lost", 2, justify="left")],
        [("c1", "677,376", Text.assemble(("bb", "yellow"), ("m", "cyan"))),
         ("softmax", "2", Text("v", style="magenta"))],
        title="Layers",
    )  # fmt: skip
    assert render(table, 40) == [
        "Layers                ",
        "layer       MACs  lost",
        "──────────────────────",
        "c1       677,376  bbm ",
        "softmax        2  v   ",
    ]
    assert render(table, 12)[:8] == [
        "Layers      ", "lay         ", "er      MACs", "────────────",
        "c1   677,376", "sof        2", "tma         ", "x           ",
    ]  # fmt: skip
    console = Console(width=40, file=io.StringIO(), force_terminal=True, color_system="standard")
    console.print(table)
    assert console.file.getvalue() == (  # type: ignore[attr-defined]
        "\x1b[3mLayers                \x1b[0m\n"
        "\x1b[1mlayer  \x1b[0m\x1b[1m \x1b[0m \x1b[1m   MACs\x1b[0m"
        "\x1b[1m \x1b[0m \x1b[1mlost\x1b[0m\n"
        "──────────────────────\n"
        "c1       677,376  \x1b[33mbb\x1b[0m\x1b[36mm\x1b[0m \n"
        "softmax        2  \x1b[35mv   \x1b[0m\n"
    )


def _cells(draw_random, count: int) -> list[object]:
    """Cells of every sort a table gets: numbers, names with spaces at either end, wide and
    combining characters, empty ones, styled Text with several spans, markup-like text."""
    from rich.text import Text

    pieces = ["1", "677,376", "conv 1", " x", "y ", "", "µs", "名前", "é", "[b]x[/b]", ":ok:",
              "n" * 12]  # fmt: skip
    out: list[object] = []
    for _ in range(count):
        text = "".join(draw_random.choice(pieces) for _ in range(draw_random.randint(0, 3)))
        if draw_random.random() < 0.01:
            text += "a\tb"  # a control character: rich's own layout
        if draw_random.random() < 0.25:
            styled = Text()
            for part in text.split(" "):
                styled.append(part, style=draw_random.choice(["red", "bold", ""]))
                styled.append(" ")
            out.append(styled)
        else:
            out.append(text)
    return out


@pytest.mark.parametrize("seed", range(40))
def test_a_fitted_table_drawn_as_text_is_what_rich_draws(seed):
    """Where no style can show, a table that fits is drawn without rich's per-cell layout;
    every line must be rich's own (its Table, given the widths the fitting chose)."""
    import random

    draw = random.Random(seed)
    headers = ["layer", "MACs", "lost", "E µJ", "a b", " pad ", "名"]
    if seed % 8 == 0:  # headers and titles are markup to rich: drawn by rich
        headers.append(draw.choice(["[x]", "t:y"]))
    columns = [
        Column(h, draw.choice([None, 1, 2, 3]), justify=draw.choice(["left", "right"]),
               fold=draw.random() < 0.3)
        for h in draw.sample(headers, draw.randint(1, 5))
    ]  # fmt: skip
    rows = [_cells(draw, len(columns)) for _ in range(draw.randint(0, 6))]
    title = draw.choice([None, "Layers", "B - A", "x:y", "a long title here"])
    table = FittedTable(columns, rows, title=title)
    for width in (12, 30, 60, 132):
        console = Console(width=width, file=io.StringIO(), color_system=None)
        drawn, left_out = table.fitted(console, width)
        console.print(drawn)
        by_rich = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
        lines = render(table, width)
        assert lines[: len(by_rich)] == by_rich
        assert (len(lines) > len(by_rich)) == bool(left_out)  # then the line naming them


def test_a_table_that_fits_is_drawn_without_rich_where_no_style_shows(monkeypatch):
    from rich.table import Table

    table = FittedTable([Column("layer", fold=True, justify="left"), Column("MACs")],
                        [("c1", "677,376"), ("softmax", "2")], title="Layers")  # fmt: skip
    with_rich = render(table, 40)

    def refuse(*args, **kwargs):
        raise AssertionError("rich drew the table")

    monkeypatch.setattr(Table, "_render", refuse)
    assert render(table, 40) == with_rich == [
        "Layers          ", "layer       MACs", "────────────────", "c1       677,376",
        "softmax        2",
    ]  # fmt: skip
    with pytest.raises(AssertionError, match="rich drew"):  # too narrow: the name folds
        render(table, 12)
