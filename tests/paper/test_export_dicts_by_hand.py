"""`accelsim paper --json`'s dicts on hand-built tables: filter shapes, the overflow list and
each column's agreement count (session 11, issue 19). Values are from tests/paper/test_model.py's
worked examples."""

from __future__ import annotations

from accelsim.paper import PAPER, PaperModel
from accelsim.paper.compare import Cell, Column, Comparison
from accelsim.paper.export import comparison_to_dict, table_to_dict
from accelsim.paper.published import PublishedValue
from tests.paper.test_model import three_pointwise
from tests.sim.toy import toy_machine


def test_the_table_dict_names_each_rows_filters_and_the_overflow():
    # a 40-byte memory overflows at the second of three 1x1 convs (test_model.py)
    data = table_to_dict(PaperModel(PAPER).evaluate(three_pointwise(), toy_machine(sram=40)))
    assert data["spills"] == [2]
    assert data["capacity_bits"] == 320
    assert data["rules"]["name"] == "paper" and data["rules"]["weight_trips"] == 2
    assert [row["filter_shapes"] for row in data["rows"]] == [[[4, 4, 1, 1]]] * 3
    assert [row["out_shape"] for row in data["rows"]] == [[1, 4, 2, 2]] * 3
    assert [row["spilled"] for row in data["rows"]] == [False, True, False]
    assert [row["internal_bits"] for row in data["rows"]] == [272, 416, 272]


def _cell(key: str, layer: int | None, agree: bool) -> Cell:
    return Cell(
        column=Column(key, 3, key, "bits"), layer=layer,
        paper=PublishedValue(value=2.0, text="2.0"), ours=1.0 if agree else 3.0, agree=agree,
        reason="" if agree else "off",
    )  # fmt: skip


def test_the_comparison_dict_counts_agreeing_then_printed_cells_per_column():
    cells = (_cell("in_bits", 1, True), _cell("in_bits", 2, False), _cell("in_bits", 3, False),
             _cell("out_bits", 1, True))  # fmt: skip
    data = comparison_to_dict(Comparison(table=None, published=None, cells=cells))
    assert (data["agreeing"], data["printed"]) == (2, 4)
    assert data["columns"] == {"in_bits": [1, 3], "out_bits": [1, 1]}
    assert [(c["column"], c["layer"], c["agree"], c["reason"]) for c in data["cells"]] == [
        ("in_bits", 1, True, ""), ("in_bits", 2, False, "off"), ("in_bits", 3, False, "off"),
        ("out_bits", 1, True, ""),
    ]  # fmt: skip
    assert data["cells"][1]["paper_text"] == "2.0" and data["cells"][1]["ours"] == 3.0
