"""The grid's boundaries, by hand: the point limit exactly, a one-value range, integer values
from ranges, labels of typed values and points, and point numbering from 0."""

from __future__ import annotations

import pytest

from accelsim.errors import ConfigError
from accelsim.sweep.grid import MAX_POINTS, Axis, Setting, axis_from_values, expand, parse_set


def _axis(path: str, count: int) -> Axis:
    return Axis(path, tuple(Setting(path, str(i), i) for i in range(count)))


def test_a_grid_of_exactly_the_most_points_is_expanded_and_one_more_is_refused():
    assert MAX_POINTS == 100_000
    points = expand([_axis("a", 100), _axis("b", 1_000)])
    assert (len(points), points[0].index, points[-1].index) == (100_000, 0, 99_999)
    with pytest.raises(ConfigError, match="the grid has 100,001 points, more than 100,000"):
        expand([_axis("a", 11), _axis("b", 9_091)])


def test_a_range_of_more_than_the_most_values_is_refused():
    with pytest.raises(ConfigError, match=r'range "1\.\.100001:\+1" has over 100,000 values'):
        parse_set("units.vector.lanes=1..100001:+1")
    settings = parse_set("units.vector.lanes=1..100000:+1").settings  # exactly the most: kept
    assert (len(settings), settings[-1].value) == (100_000, 100_000)


def test_a_range_whose_stop_is_its_start_is_that_one_value():
    (only,) = parse_set("sram.capacity=1MiB..1MiB:x2").settings
    assert (only.label, only.value) == ("1MiB", 1_048_576)


def test_range_values_are_ints_where_whole_and_points_show_labels():
    lanes = parse_set("units.vector.lanes=8..32:x2")
    assert [(s.value, type(s.value)) for s in lanes.settings] == [(8, int), (16, int), (32, int)]
    points = expand([parse_set("sram.capacity=256KiB..512KiB:x2"), lanes])
    assert [p.index for p in points] == list(range(6))
    assert points[1].label == "sram.capacity=256KiB units.vector.lanes=16"
    assert points[1].overrides == {"sram.capacity": 262_144, "units.vector.lanes": 16}


def test_typed_values_from_a_sweep_file_are_labelled_as_yaml_writes_them():
    axis = axis_from_values("units.vector.lanes", [8, True, [1, 2], "x"], source="f")
    assert [s.label for s in axis.settings] == ["8", "true", "[1, 2]", "x"]
