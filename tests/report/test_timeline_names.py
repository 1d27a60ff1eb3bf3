"""A layer's name is written into its run of timeline cells only with a glyph of its colour left
on each side (a run of len(name) + 2 cells or more), centred; a shorter run shows glyphs only."""

from __future__ import annotations

import pytest

from accelsim.report.timeline import Cell, draw_cells


@pytest.mark.parametrize(
    ("run", "drawn"),
    [
        (4, "####"),  # "conv" would fill the run edge to edge: glyphs only
        (5, "#####"),  # one glyph short of a margin on each side
        (6, "#conv#"),  # 6 = 4 + 2: one glyph, the name, one glyph
        (9, "##conv###"),  # (9 - 4) // 2 = 2 glyphs on the left, the other 3 on the right
    ],
)
def test_a_name_is_written_only_with_a_glyph_on_each_side(run, drawn):
    cells = [Cell(".", -1), *[Cell("#", 0)] * run, Cell(".", -1)]  # idle cells around it
    assert draw_cells(cells, ["conv"]).plain == f".{drawn}."
