"""`--set` text at its edges: a range is only the WHOLE value (a comma after it is a list), flow
mappings and lists keep their commas, every unit family labels its own range, and an empty path
is refused. Expected values are worked by hand in the comments."""

from __future__ import annotations

import pytest

from accelsim.errors import ConfigError
from accelsim.sweep.grid import _split_top_level, expand, parse_set


def _pairs(text: str) -> list[tuple[str, object]]:
    return [(s.label, s.value) for s in parse_set(text).settings]


def test_a_range_followed_by_a_comma_is_a_list_not_a_range_that_drops_the_rest():
    # `1..4:+1,8`: the range pattern must match the whole text; it does not (a step has no
    # comma), so this is a two-item list: the string "1..4:+1" (the schema refuses it per point)
    # and 8. Were the pattern unanchored at the end it would give 1, 2, 3, 4 and lose the 8.
    assert _pairs("dtypes.weights=1..4:+1,8") == [("1..4:+1", "1..4:+1"), ("8", 8)]


def test_a_comma_before_a_range_or_inside_its_stop_is_a_list_too():
    # start and stop have no comma: "8,1..4:+1" is the items 8 and "1..4:+1"
    assert _pairs("dtypes.weights=8,1..4:+1") == [("8", 8), ("1..4:+1", "1..4:+1")]
    # "1..4,8:+1" is "1..4" and "8:+1" (a colon without a space is plain YAML text)
    assert _pairs("dtypes.weights=1..4,8:+1") == [("1..4", "1..4"), ("8:+1", "8:+1")]


def test_flow_mappings_and_nested_lists_keep_their_commas():
    # depth: `{` +1, `,` inside (depth 1) kept, `}` -1, then the top-level comma splits
    assert _pairs("matrix_engine.fuses={a: 1, b: 2},[x, y]") == [
        ("{a: 1, b: 2}", {"a": 1, "b": 2}),
        ("[x, y]", ["x", "y"]),
    ]
    # [[1,2],3] climbs to depth 2 and back to 0 before the last comma
    assert _pairs("matrix_engine.fuses=[[1,2],3],4") == [("[[1,2],3]", [[1, 2], 3]), ("4", 4)]
    assert _split_top_level(" a , {b: [c, d]} ,e") == ["a", "{b: [c, d]}", "e"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # frequency: 1 GHz + k * 0.5 GHz up to 2 GHz, labelled with Hz prefixes
        ("clock=1GHz..2GHz:+0.5GHz", [("1GHz", 1e9), ("1.5GHz", 1.5e9), ("2GHz", 2e9)]),
        # energy: 1 pJ * 10^k up to 100 pJ, labelled in J prefixes
        ("energy.mac=1pJ..100pJ:x10", [("1pJ", 1e-12), ("10pJ", 1e-11), ("100pJ", 1e-10)]),
        # a plain field: general format, 1.5 + 1.5 = 3
        ("dtypes.weights=1.5..3:+1.5", [("1.5", 1.5), ("3", 3)]),
    ],
)
def test_every_unit_family_labels_its_range_in_its_unit(text, expected):
    got = _pairs(text)
    assert [label for label, _ in got] == [label for label, _ in expected]
    assert [value for _, value in got] == pytest.approx([value for _, value in expected])


def test_decimal_sizes_are_labelled_in_decimal_units():
    # no "i" in the start: 500 kB, 1 MB (1,000,000 B), 2 MB
    assert _pairs("sram.capacity=500kB..2MB:x2") == [
        ("500kB", 500_000), ("1MB", 1_000_000), ("2MB", 2_000_000)
    ]  # fmt: skip


@pytest.mark.parametrize("text", ["=1MB", "  =1MB", "=", ""])
def test_a_set_without_a_path_is_refused(text):
    with pytest.raises(ConfigError, match=r"expected PATH=VALUES, e\.g\. sram\.capacity="):
        parse_set(text)


def test_a_range_bound_that_is_not_a_number_is_one_line_naming_the_range():
    with pytest.raises(ConfigError, match=r'^--set: dtypes\.weights: range "1\.\.z:\+1": '):
        parse_set("dtypes.weights=1..z:+1")
    with pytest.raises(ConfigError, match=r'range "1\.\.4:\+0" is empty or endless; need STEP > 0'):
        parse_set("dtypes.weights=1..4:+0")
    with pytest.raises(ConfigError, match=r"need START > 0 and FACTOR > 1"):
        parse_set("dtypes.weights=0..4:x2")


def test_point_keys_and_overrides_follow_the_axes():
    points = expand([parse_set("dtypes.weights=4,8"), parse_set("clock=1GHz")])
    # key: JSON of [path, value] pairs in axis order
    assert points[1].key == '[["dtypes.weights", 8], ["clock", "1GHz"]]'
    assert points[1].overrides == {"dtypes.weights": 8, "clock": "1GHz"}
    assert points[1].label == "dtypes.weights=8 clock=1GHz"


def test_labels_follow_the_start_not_the_stop():
    # decimal start, binary stop: 500,000 B and 1,000,000 B (2,000,000 > 1 MiB = 1,048,576),
    # labelled as the start is written
    assert _pairs("sram.capacity=500kB..1MiB:x2") == [("500kB", 500_000), ("1MB", 1_000_000)]
    # binary start, decimal stop: 512 KiB, 1 MiB (2 MiB > 2 MB = 2,000,000)
    assert _pairs("sram.capacity=512KiB..2MB:x2") == [("512KiB", 524_288), ("1MiB", 1_048_576)]


def test_spaces_around_the_path_and_the_values_are_dropped():
    axis = parse_set("  sram.capacity = 1MB, 2MB ")
    assert axis.path == "sram.capacity"
    assert [(s.path, s.label, s.value) for s in axis.settings] == [
        ("sram.capacity", "1MB", "1MB"), ("sram.capacity", "2MB", "2MB")
    ]  # fmt: skip
    # a range is recognised after the spaces go
    assert _pairs("dtypes.weights= 4..8:+4 ") == [("4", 4), ("8", 8)]
