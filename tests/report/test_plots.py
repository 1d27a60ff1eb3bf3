"""The PNG figures draw what they are given: pixel checks of known plot elements.

Colours come from their published definitions, not from the code under test: viridis runs from
#440154 (dark purple) to #fde725 (yellow), and heatmap_png reverses it (small = yellow);
matplotlib's tab:red is #d62728, tab:blue #1f77b4; CSS lightgrey is #d3d3d3.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image

from accelsim.report.plots import ScatterPanel, categories_png, heatmap_png, pareto_png

YELLOW, PURPLE, LIGHTGREY = (0xFD, 0xE7, 0x25), (0x44, 0x01, 0x54), (0xD3, 0xD3, 0xD3)
TAB_RED = (0xD6, 0x27, 0x28)
# tab:blue at alpha 0.6 over white: 0.6 * c + 0.4 * 255
FADED_BLUE = tuple(round(0.6 * c + 0.4 * 255) for c in (0x1F, 0x77, 0xB4))


def _pixels(path, colour, tolerance=4):
    """(rows, columns) of the pixels within `tolerance` of `colour` in every channel."""
    with Image.open(path) as image:
        rgb = np.asarray(image.convert("RGB"), dtype=int)
    match = np.all(np.abs(rgb - np.array(colour)) <= tolerance, axis=-1)
    return np.nonzero(match)


def test_heatmap_paints_each_cell_its_value_and_nan_grey(tmp_path):
    path = tmp_path / "h.png"
    # row 0: 1 (smallest: yellow), 2; row 1: 3 (largest: purple), NaN (grey)
    heatmap_png(path, [[1.0, 2.0], [3.0, math.nan]], rows=["r0", "r1"], columns=["c0", "c1"],
                row_title="rows", column_title="columns", title="t", value_label="v")  # fmt: skip
    yellow, purple, grey = (_pixels(path, c) for c in (YELLOW, PURPLE, LIGHTGREY))
    # A cell is thousands of pixels; the colour bar's ends are a few rows of ~20 pixels.
    assert min(len(yellow[0]), len(purple[0]), len(grey[0])) > 2000
    centre = {name: (rows.mean(), cols.mean()) for name, (rows, cols) in
              {"yellow": yellow, "purple": purple, "grey": grey}.items()}  # fmt: skip
    assert centre["yellow"][0] < centre["purple"][0]  # row 0 above row 1
    assert centre["purple"][1] < centre["grey"][1]  # column 0 left of column 1
    assert abs(centre["yellow"][1] - centre["purple"][1]) < 20  # same column


@pytest.mark.parametrize("front", [[True, False, False], [False, False, False]])
def test_pareto_draws_front_points_red_and_dominated_faded_blue(tmp_path, front):
    path = tmp_path / "p.png"
    panel = ScatterPanel(x=[1.0, 2.0, 3.0], y=[3.0, 4.0, 5.0], front=front, x_label="x",
                         y_label="y", title="t")  # fmt: skip
    pareto_png(path, [panel], title="t")
    red, blue = (_pixels(path, c) for c in (TAB_RED, FADED_BLUE))
    assert (len(red[0]) > 20) == any(front)  # no front point, no red anywhere (legend included)
    assert len(blue[0]) > 20


def _size(path):
    with Image.open(path) as image:
        return image.size


def test_figures_grow_with_their_cells_at_120_dpi(tmp_path):
    # heatmap: (1.4 + 1.1 x max(3, columns)) x (1.6 + 0.6 x max(2, rows)) inches at 120 dpi
    small, large = tmp_path / "s.png", tmp_path / "l.png"
    heatmap_png(small, [[1.0]], rows=["r"], columns=["c"], row_title="", column_title="",
                title="", value_label="")  # fmt: skip
    assert _size(small) == (round(4.7 * 120), round(2.8 * 120))  # 3 columns, 2 rows at least
    values = [[float(c + r) for c in range(5)] for r in range(4)]
    heatmap_png(large, values, rows=list("abcd"), columns=list("vwxyz"), row_title="",
                column_title="", title="", value_label="")  # fmt: skip
    assert _size(large) == (round(6.9 * 120), round(4.0 * 120))
    # categories: 1 inch wider for the legend; pareto: 5.2 x 4.4 inches a panel
    categories_png(small, [["a"]], rows=["r"], columns=["c"], row_title="", column_title="",
                   title="")  # fmt: skip
    assert _size(small) == (round(5.7 * 120), round(2.8 * 120))
    panel = ScatterPanel(x=[1.0], y=[1.0], front=[True], x_label="", y_label="", title="")
    pareto_png(large, [panel, panel], title="")
    assert _size(large) == (round(10.4 * 120), round(4.4 * 120))


def test_categories_paint_each_word_its_colour_and_empty_cells_grey(tmp_path):
    # words sorted: a -> C0 (tab:blue #1f77b4), b -> C1 (tab:orange #ff7f0e); "" -> lightgrey
    path = tmp_path / "c.png"
    categories_png(path, [["a", "b"], ["", "a"]], rows=["r0", "r1"], columns=["c0", "c1"],
                   row_title="", column_title="", title="")  # fmt: skip
    blue, orange, grey = (_pixels(path, c) for c in ((0x1F, 0x77, 0xB4), (0xFF, 0x7F, 0x0E),
                                                     LIGHTGREY))  # fmt: skip
    # two cells of a, one of b, one empty (the legend's swatches are a few hundred pixels)
    assert 1.6 < len(blue[0]) / len(orange[0]) < 2.4
    assert 0.7 < len(grey[0]) / len(orange[0]) < 1.3
    # b at row 0, column 1 (up, right); the empty cell at row 1, column 0 (down, left)
    assert orange[0].mean() < grey[0].mean() and orange[1].mean() > grey[1].mean()
