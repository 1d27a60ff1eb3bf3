"""The paper model's results as plain data: JSON-ready dicts, CSV text and atomic file writes.

`--json`, the CSV files of the report and the terminal tables all read the same PaperTable and
Comparison, so they cannot disagree. Files are written whole or not at all, and never over a
file accelsim did not write.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from accelsim.errors import AccelsimError
from accelsim.outputs import check_folder, claim_folder, write_text

if TYPE_CHECKING:
    from collections.abc import Mapping

    from accelsim.paper.compare import Comparison
    from accelsim.paper.model import PaperRow, PaperTable

ROW_FIELDS = (
    "index", "name", "op_types", "stride", "in_bits", "out_bits", "weight_bits", "internal_bits",
    "move_bits", "spilled", "macs", "vector_ops", "move_s", "compute_s", "perf_s",
)  # fmt: skip
"""Columns of a model row in CSV and JSON, in table order (shapes are JSON-only)."""


def row_to_dict(row: PaperRow) -> dict[str, Any]:
    data = {name: getattr(row, name) for name in ROW_FIELDS}
    data["op_types"] = list(row.op_types)
    data["out_shape"] = list(row.out_shape)
    data["filter_shapes"] = [list(shape) for shape in row.filter_shapes]
    return data


def table_to_dict(table: PaperTable) -> dict[str, Any]:
    """The whole evaluated table, with the rules and machine figures it used."""
    return {
        "model": table.model,
        "hardware": table.hardware,
        "rules": asdict(table.rules),
        "capacity_bits": table.capacity_bits,
        "bandwidth_bytes_per_s": table.bandwidth_bytes_per_s,
        "matrix_peak_flops": table.matrix_peak_flops,
        "vector_peak_ops": table.vector_peak_ops,
        "rows": [row_to_dict(row) for row in table.rows],
        "total_s": table.total_s,
        "spills": list(table.spills),
    }


def comparison_to_dict(comparison: Comparison) -> dict[str, Any]:
    """Agreement counts and every printed cell beside the model's value."""
    keys = dict.fromkeys(cell.column.key for cell in comparison.cells)
    return {
        "agreeing": comparison.agreeing,
        "printed": len(comparison.cells),
        "columns": {key: list(comparison.column_agreement(key)) for key in keys},
        "cells": [
            {
                "table": cell.column.table,
                "column": cell.column.key,
                "layer": cell.layer,
                "paper": cell.paper.value,
                "paper_text": cell.paper.text,
                "ours": cell.ours,
                "agree": cell.agree,
                "reason": cell.reason,
            }
            for cell in comparison.cells
        ],
    }


def number(value: float | int | None) -> str:
    """A value as the CSV and markdown files show it: integers whole, others to 7 digits."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if float(value).is_integer() and abs(value) >= 1:
        return f"{int(value)}"
    return f"{value:.7g}"


def rows_csv(table: PaperTable) -> str:
    """The model's rows (every layer, head included) as CSV text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ROW_FIELDS)
    for row in table.rows:
        values = [getattr(row, name) for name in ROW_FIELDS]
        values[ROW_FIELDS.index("op_types")] = "+".join(row.op_types)
        writer.writerow(v if isinstance(v, str) else number(v) for v in values)
    return out.getvalue()


def cells_csv(comparison: Comparison) -> str:
    """Every printed cell: table, column, layer, paper (as printed), ours, agree, reason."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("table", "column", "layer", "paper", "ours", "agree", "reason"))
    for cell in comparison.cells:
        layer = "total" if cell.layer is None else cell.layer
        writer.writerow(
            (
                cell.column.table,
                cell.column.key,
                layer,
                cell.paper.text,
                number(cell.ours),
                number(cell.agree),
                cell.reason,
            )
        )
    return out.getvalue()


def report_folder(folder: str | Path) -> Path:
    """`folder` as a Path, checked before any work is done.

    Raises:
        AccelsimError: `folder` is missing, not a folder, or cannot be written.
    """
    target = Path(folder)
    check_folder(target, option="--report")  # a folder the user may not enter, a file
    if not target.is_dir():
        raise AccelsimError(f"{target}: report folder does not exist; create it first")
    return target


def write_files(folder: str | Path, files: Mapping[str, str]) -> None:
    """Write each `name: text` into `folder`, each whole or not at all.

    Only files accelsim wrote there before are replaced (see `accelsim.outputs.claim_folder`).

    Raises:
        AccelsimError: `folder` is missing or not a folder, or holds a file of one of the names
            that accelsim did not write.
    """
    target = report_folder(folder)
    claim_folder(target, files, command="paper --report")
    for name, text in files.items():
        write_text(target / name, text)
