"""Paper-report edges planted by hand in session 10 (issue 19): each test fails with the bug
named in its comment; expected values are worked by hand."""

from __future__ import annotations

from types import SimpleNamespace

from accelsim.paper import findings
from accelsim.paper._format import hwc


def test_bits_read_as_a_feature_map_give_height_then_width():
    # a 2-row, 3-column output (NCHW 1 x 8 x 2 x 3) at 8 bits per value: 240 bits are
    # 240 / 8 / (2 * 3) = 5 channels -> "2x3x5" (taking the width twice would say "3x3x3.33")
    row = SimpleNamespace(out_shape=(1, 8, 2, 3))
    assert findings._ashwc(240, row, 8) == "2x3x5"


def test_a_feature_map_is_written_height_by_width_by_channels():
    # as Table 1 writes them: NCHW (1, 3, 4, 5) is 4 rows of 5 columns of 3 channels
    assert hwc((1, 3, 4, 5)) == "4x5x3"
    assert hwc((7, 2)) == "7x2"  # any other rank: its dims in order
