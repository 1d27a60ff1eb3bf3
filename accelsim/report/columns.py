"""Tables that fit the terminal by choosing columns, never by cutting cells.

Told to fit a table into too few columns, rich truncates cells with an ellipsis (`677,3…`,
`Conv+BN…`), which makes numbers wrong rather than short. A `FittedTable` decides at render
time, from the width it is given: it adds columns in priority order while the table still fits
and leaves the rest out, naming them in a line below it, so the reader knows what a wider
terminal (or `--json`) shows. Required columns are always shown; when even they do not fit,
the ones marked `fold` (names) wrap onto more lines, whole, and numbers never wrap. Columns are
a list, so a table may have any number of them (one per hardware unit, one per sweep axis).

Where no style can show (piped output, no colour) a table that fits is drawn as its text, as
rich would draw it, without rich laying out each cell (most of `accelsim run`'s report time).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich import box
from rich.cells import cell_len
from rich.measure import Measurement
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from accelsim._text import printable

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult
    from rich.text import TextType

__all__ = ["Column", "FittedTable"]

REQUIRED = None
"""`Column.priority` of a column shown at any width."""


@dataclass(frozen=True, slots=True)
class Column:
    """A column: its header, how it is aligned, and how much it matters.

    `priority` None means always shown; otherwise higher numbers are kept longer when space is
    short. `fold` lets a required column (a layer name) wrap onto several lines.
    """

    header: str
    priority: int | None = REQUIRED
    justify: str = "right"
    fold: bool = False


@dataclass(frozen=True, slots=True)
class FittedTable:
    """A rich renderable: `rows` (one cell per column) under the columns that fit the width.

    A `str` cell is plain text, shown as written (control characters escaped, never markup); a
    `Text` cell keeps its style and is the caller's to make printable.
    """

    columns: Sequence[Column]
    rows: Sequence[Sequence[TextType]]
    title: str | None = None

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        shown, cells, widths, left_out = self._fit(console, options.max_width)
        lines = None
        if widths is not None and _text_only(console, options):
            lines = self._plain_lines(shown, cells, widths)
        if lines is None:
            yield self._table(shown, cells, widths)
        else:
            for line in lines:
                yield Segment(line)
                yield Segment.line()
        if left_out:
            yield Text(
                f"not shown at {options.max_width} columns: {', '.join(left_out)} "
                "(a wider terminal or --json shows them)",
                style="dim",
            )

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        table, _ = self.fitted(console, options.max_width)
        return Measurement.get(console, options, table)

    def fitted(self, console: Console, width: int) -> tuple[Table, list[str]]:
        """The table with the most important columns that fit in `width` cells, and the
        headers of those left out."""
        shown, cells, widths, left_out = self._fit(console, width)
        return self._table(shown, cells, widths), left_out

    def _fit(
        self, console: Console, width: int
    ) -> tuple[list[int], list[list[Text]], list[int] | None, list[str]]:
        """The columns shown, every row's cells, the column widths where the table fits in
        `width` (None where it must fold), and the headers left out."""
        order = sorted(range(len(self.columns)), key=lambda i: _rank(self.columns[i]))
        wide = console.options.update(width=1 << 16)
        # NOTE: a column is as wide as its widest cell or header, so each trial is measured from
        # those widths, O(columns), and a table that fits is rendered with them: told its widths,
        # rich measures no cell (measuring every cell was most of a layer table's rendering).
        cells = [[_cell(value) for value in row] for row in self.rows]
        widths = [
            max([_cell(column.header).cell_len, *(row[i].cell_len for row in cells)])
            for i, column in enumerate(self.columns)
        ]
        shown: list[int] = []
        fits = True
        for index in order:
            trial = sorted([*shown, index])
            required = self.columns[index].priority is REQUIRED
            trial_fits = Measurement.get(console, wide, self._table(trial, [], widths)).maximum \
                <= width  # fmt: skip
            if required or trial_fits:
                shown, fits = trial, trial_fits
        left_out = [self.columns[i].header for i in range(len(self.columns)) if i not in shown]
        return shown, cells, widths if fits else None, left_out

    def _plain_lines(
        self, shown: list[int], cells: list[list[Text]], widths: list[int]
    ) -> list[str] | None:
        """The lines rich draws for this table at these widths, as text alone: title, header,
        rule, rows, cells justified and two spaces apart (padding 1 and a blank divider);
        None where a cell would need rich itself (markup or emoji in a header or the title,
        a control character, a cell with its own justify, overflow or wrap)."""
        columns = [self.columns[i] for i in shown]
        headers = [column.header for column in columns]
        rows = [[row[i] for i in shown] for row in cells]
        if not columns or not all(map(_plain_markup, headers)):
            return None
        if any(column.justify not in ("left", "right") for column in columns):
            return None
        if any(not c.plain.isprintable() or _styled_layout(c) for row in rows for c in row):
            return None
        sizes = [widths[i] for i in shown]
        width = sum(sizes) + 2 * (len(sizes) - 1)
        lines = []
        if self.title is not None:
            if not _plain_markup(self.title) or cell_len(self.title) > width:
                return None
            lines.append(_justified(self.title, width, "left"))
        lines.append(_joined(headers, sizes, columns))
        lines.append("─" * width)
        lines.extend(_joined([cell.plain for cell in row], sizes, columns) for row in rows)
        return lines

    def _table(self, shown: list[int], cells: Sequence[Sequence[Text]],
               widths: list[int] | None = None) -> Table:  # fmt: skip
        table = Table(
            title=self.title, title_justify="left", header_style="bold", box=box.SIMPLE_HEAD,
            show_edge=False, pad_edge=False, padding=(0, 1), collapse_padding=True,
        )  # fmt: skip
        for index in shown:
            column = self.columns[index]
            table.add_column(
                column.header,
                justify=column.justify,  # type: ignore[arg-type]
                no_wrap=not column.fold,
                overflow="fold",
                width=None if widths is None else widths[index],
            )
        for row in cells:
            table.add_row(*(row[index] for index in shown))
        return table


def _rank(column: Column) -> tuple[bool, int]:
    """Sort key: required columns first, then by priority, highest first."""
    return (column.priority is not REQUIRED, -(column.priority or 0))


def _cell(value: TextType) -> Text:
    return value if isinstance(value, Text) else Text(printable(value))


def _text_only(console: Console, options: ConsoleOptions) -> bool:
    """Output where no style shows (no colour system, nothing recorded) and boxes are drawn
    as they are: there a table is its text, and the text alone can be drawn without rich."""
    return (
        console.color_system is None
        and not console.record
        and not options.ascii_only
        and not options.legacy_windows
    )


def _plain_markup(text: str) -> bool:
    """Whether rich draws `text` (a header or title, which it reads as markup with emoji
    codes) exactly as written."""
    return text.isprintable() and "[" not in text and ":" not in text


def _styled_layout(cell: Text) -> bool:
    """Whether a cell sets its own layout (rich would follow it, not the column's)."""
    return cell.justify is not None or cell.overflow is not None or cell.no_wrap is not None


def _joined(texts: Sequence[str], widths: list[int], columns: Sequence[Column]) -> str:
    return "  ".join(
        _justified(text, width, column.justify)
        for text, width, column in zip(texts, widths, columns, strict=True)
    )


def _justified(text: str, width: int, justify: str) -> str:
    """As rich justifies one line in `width` cells: right-justified text loses its trailing
    spaces first."""
    if justify == "right":
        text = text.rstrip()
        return " " * (width - cell_len(text)) + text
    return text + " " * (width - cell_len(text))
