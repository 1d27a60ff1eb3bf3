"""The paper's Tables 3 and 4 exactly as printed, read from the package data.

The CSVs under `accelsim/data/paper/` were transcribed from the seed paper and checked against
its text row by row; values keep the printed digits (typos included). Nothing here computes:
these are the numbers the model is compared with, never inputs to it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from accelsim.errors import DataError

SPILL_NOTE = "Memory limit exceeded, so data is moved."
"""The line the paper prints after the row whose internal memory overflows."""

# Our field names -> the CSV columns of the transcription.
_BIT_COLUMNS = {
    "in_bits": "in_fmap_bits",
    "out_bits": "out_fmap_bits",
    "internal_bits": "internal_mem_bits",
    "move_bits": "data_move_bits",
}
_TIME_COLUMNS = {"move_s": "data_move_s", "compute_s": "compute_s", "perf_s": "perf_s"}


@dataclass(frozen=True, slots=True)
class PublishedValue:
    """One printed number: its value and the text as the paper prints it."""

    value: float
    text: str


@dataclass(frozen=True, slots=True)
class PublishedRow:
    """One layer of Table 3 (bits) and Table 4 (seconds) as printed."""

    layer: int
    in_bits: PublishedValue
    out_bits: PublishedValue
    internal_bits: PublishedValue
    move_bits: PublishedValue
    move_s: PublishedValue
    compute_s: PublishedValue
    perf_s: PublishedValue
    spilled: bool
    """True for the row the paper marks "Memory limit exceeded, so data is moved."."""

    def value(self, column: str) -> PublishedValue:
        """The printed cell of `column` (a field name such as "move_s")."""
        cell = getattr(self, column)
        assert isinstance(cell, PublishedValue)
        return cell


@dataclass(frozen=True, slots=True)
class Published:
    """Tables 3 and 4 of the seed paper."""

    rows: tuple[PublishedRow, ...]
    total_s: PublishedValue
    """The printed "Total Performance Time"."""

    def row(self, layer: int) -> PublishedRow:
        """The row of layer `layer` (1-based)."""
        return self.rows[layer - 1]


DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "paper"
"""Where the transcribed tables live (package data, installed with accelsim)."""


def _read(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _number(text: str, where: str) -> PublishedValue:
    try:
        return PublishedValue(value=float(text), text=text)
    except ValueError:
        raise DataError(f"accelsim/data/paper/{where}: {text!r} is not a number") from None


def load_published() -> Published:
    """Tables 3 and 4 as printed.

    Raises:
        DataError: a package data file is damaged (a broken install).
    """
    table3 = _read("table3.csv")
    table4 = {row["layer"]: row for row in _read("table4.csv")}
    rows = []
    for row3 in table3:
        layer = row3["layer"]
        row4 = table4[layer]
        bits = {
            k: _number(row3[c], f"table3.csv layer {layer}: {c}") for k, c in _BIT_COLUMNS.items()
        }
        times = {
            k: _number(row4[c], f"table4.csv layer {layer}: {c}") for k, c in _TIME_COLUMNS.items()
        }
        rows.append(
            PublishedRow(
                layer=int(layer), **bits, **times, spilled=row3["note"].strip() == SPILL_NOTE
            )
        )
    total = _number(table4["total"]["perf_s"], "table4.csv total")
    return Published(rows=tuple(rows), total_s=total)
