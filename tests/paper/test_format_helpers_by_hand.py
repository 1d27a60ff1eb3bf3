"""The paper report's small spellings, each by hand: bit counts, seconds, shapes, layer lists
and ranges, corrected values and the CSV number format (session 11, issue 19: these were only
reached through the committed MobileNet report)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from accelsim.paper import findings
from accelsim.paper._format import bits, hwc, listed, seconds
from accelsim.paper.export import number


def test_bits_have_thousands_separators_and_no_decimals():
    assert bits(8202816) == "8,202,816"
    assert bits(999) == "999"
    assert bits(1234.6) == "1,235"  # rounded to a whole count


def test_seconds_keep_six_significant_digits():
    assert seconds(0.000327989123) == "0.000327989 s"
    assert seconds(2.5) == "2.5 s"


def test_shapes_other_than_nchw_are_their_dims_in_order():
    assert hwc((1, 32, 7, 5)) == "7x5x32"
    assert hwc((1, 1000)) == "1x1000"
    assert hwc((2, 3, 4)) == "2x3x4"  # rank 3: not read as a feature map
    assert hwc((1, 2, 3, 4, 5)) == "1x2x3x4x5"


def test_layer_lists_are_comma_separated_and_empty_for_none():
    assert listed((4, 24)) == "4, 24"
    assert listed([7]) == "7"
    assert listed(()) == ""


@pytest.mark.parametrize(
    ("numbers", "text"),
    [([1, 2, 3, 5], "1-3, 5"), ([5, 3, 1, 2], "1-3, 5"), ([9], "9"), ([2, 4, 6], "2, 4, 6"),
     ([1, 2, 4, 5, 7], "1-2, 4-5, 7"), ([], "")],
)  # fmt: skip
def test_runs_of_layers_are_written_as_ranges(numbers, text):
    assert findings._ranges(numbers) == text


def test_a_corrected_value_is_a_whole_count_or_six_digits():
    assert findings._value(None) == "-"
    assert findings._value(20544.0) == "20,544"
    assert findings._value(0.000123456789) == "0.000123457"


def test_filter_shapes_are_joined_in_onnx_order_or_none():
    assert findings._shapes(SimpleNamespace(filter_shapes=((32, 3, 3, 3),))) == "(32, 3, 3, 3)"
    two = SimpleNamespace(filter_shapes=((8, 1, 3, 3), (16, 8, 1, 1)))
    assert findings._shapes(two) == "(8, 1, 3, 3) + (16, 8, 1, 1)"
    assert findings._shapes(SimpleNamespace(filter_shapes=())) == "none"


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), (True, "yes"), (False, "no"), (1, "1"), (-1, "-1"), (2.0, "2"), (0, "0"),
     (0.5, "0.5"), (1e-9, "1e-09"), (123456789, "123456789"), (0.123456789, "0.1234568")],
)  # fmt: skip
def test_csv_numbers(value, text):
    assert number(value) == text
