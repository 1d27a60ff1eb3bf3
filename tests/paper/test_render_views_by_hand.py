"""The terminal views of the paper model, rendered in process from a two-row table made by hand:
which row is marked as spilled, the footer's total and overflow list, the header's memory and
bus, and the comparison's disagreeing cells (session 11, issue 19)."""

from __future__ import annotations

import io

from rich.console import Console

from accelsim.paper.compare import TOTAL, Cell, Column, Comparison
from accelsim.paper.model import PaperRow, PaperTable
from accelsim.paper.published import Published, PublishedRow, PublishedValue
from accelsim.paper.render import comparison_view, model_view, published_pointer
from accelsim.paper.rules import CORRECTED


def _text(renderable) -> str:
    out = io.StringIO()
    Console(file=out, width=240, color_system=None).print(renderable)
    return out.getvalue()


def _row(index: int, name: str, *, spilled: bool, move_s: float, compute_s: float) -> PaperRow:
    return PaperRow(
        index=index, name=name, op_types=("Conv",), stride=1, out_shape=(1, 2, 3, 4),
        filter_shapes=(), in_bits=1_000 * index, out_bits=2_000 * index, weight_bits=0,
        internal_bits=3_000 * index, move_bits=4_000 * index, spilled=spilled, macs=0,
        vector_ops=0, move_s=move_s, compute_s=compute_s,
    )  # fmt: skip


def _table(*, spill_second: bool) -> PaperTable:
    return PaperTable(
        model="tiny", hardware="box", rules=CORRECTED, capacity_bits=8 * 2048,
        bandwidth_bytes_per_s=2e9, matrix_peak_flops=1e12, vector_peak_ops=1e10,
        rows=(
            _row(1, "first", spilled=False, move_s=1e-3, compute_s=2e-3),
            _row(2, "second", spilled=spill_second, move_s=4e-3, compute_s=5e-3),
        ),
    )  # fmt: skip


def test_the_model_view_marks_the_spilled_row_and_totals_the_rows():
    text = _text(model_view(_table(spill_second=True)))
    assert "rules corrected" in text and "tiny on box" in text
    assert "internal memory 2 KiB (16,384 bits), bus 2 GB/s" in text
    lines = text.splitlines()
    first = next(line for line in lines if " first" in line)
    second = next(line for line in lines if " second" in line)
    assert "(spill)" not in first and "second (spill)" in second
    # row 2: in 2,000, out 4,000, used 6,000, moved 8,000 bits; A 4 ms, B 5 ms, A+B 9 ms
    assert second.split() == ["2", "second", "(spill)", "2,000", "4,000", "6,000", "8,000",
                              "4", "ms", "5", "ms", "9", "ms"]  # fmt: skip
    assert first.split()[-2:] == ["3", "ms"]
    # total: 1 + 2 + 4 + 5 ms = 12 ms
    assert "total 0.012 s (12 ms); overflow at layer(s) 2" in text


def test_a_table_without_a_spill_says_none():
    text = _text(model_view(_table(spill_second=False)))
    assert "overflow at layer(s) none" in text
    assert "(spill)" not in text


def _published(*spilled: bool) -> Published:
    value = PublishedValue(value=1.0, text="1")
    rows = tuple(
        PublishedRow(layer=layer, in_bits=value, out_bits=value, internal_bits=value,
                     move_bits=value, move_s=value, compute_s=value, perf_s=value, spilled=spill)
        for layer, spill in enumerate(spilled, start=1)
    )  # fmt: skip
    return Published(rows=rows, total_s=PublishedValue(value=0.0123, text="0.0123"))


def test_the_paper_pointer_names_the_printed_spills_or_none():
    # total 0.0123 s printed to 5 digits is 12.3 ms; the rows the paper marks, by number
    assert "the paper printed total 12.3 ms (0.0123 s), memory exceeded at layer(s) 2, 3," in (
        _text(published_pointer(_published(False, True, True))).replace("\n", " ")
    )
    assert "memory exceeded at layer(s) none, for its MobileNet" in (
        _text(published_pointer(_published(False, False))).replace("\n", " ")
    )


def _cell(column: Column, layer: int | None, ours: float | None, agree: bool) -> Cell:
    return Cell(
        column=column, layer=layer, paper=PublishedValue(value=5.0, text="5.000"), ours=ours,
        agree=agree, reason="" if agree else f"why {layer}",
    )  # fmt: skip


def test_the_comparison_view_counts_agreement_and_lists_only_the_cells_that_differ():
    move = Column("move_bits", 3, "data movement", "bits")
    cells = (
        _cell(move, 1, 5.0, True),
        _cell(move, 2, 6.25, False),
        _cell(move, 3, None, False),  # the model has no layer 3
        _cell(TOTAL, None, 7.5, False),
    )
    comparison = Comparison(table=_table(spill_second=False), published=None, cells=cells)
    text = _text(comparison_view(comparison))
    assert "1/4 printed cells (rules corrected)" in text
    lines = text.splitlines()
    assert any("Table 3: data movement" in line and "1/3" in line for line in lines)
    assert any("Table 4: total performance time" in line and "0/1" in line for line in lines)
    assert any("Table 3: input feature map" in line and "0/0" in line for line in lines)
    below = lines[lines.index("cells that differ") + 3 :]  # past the heading and its rule
    differing = [[part.strip() for part in line.split("\u2502")] for line in below if line]
    assert differing == [
        ["move_bits", "2", "5.000", "6.25", "why 2"],
        ["move_bits", "3", "5.000", "-", "why 3"],  # no model value
        ["total_s", "total", "5.000", "7.5", "why None"],
    ]
