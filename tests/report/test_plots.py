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

from accelsim.report.plots import ScatterPanel, heatmap_png, pareto_png

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
