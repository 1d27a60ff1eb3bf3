"""`--set` parsing and grid expansion: lists, typed YAML items, ranges in the field's unit."""

from __future__ import annotations

import pytest

from accelsim.errors import ConfigError
from accelsim.sweep.grid import expand, parse_set


def _values(text: str) -> list[tuple[str, object]]:
    return [(s.label, s.value) for s in parse_set(text).settings]


def test_value_lists_keep_unit_strings_for_the_schema_and_type_yaml_items():
    # Items without spaces must reach the unit parser as written ("256KiB" = 262,144 B there).
    assert _values("sram.capacity=256KiB, 1MiB") == [("256KiB", "256KiB"), ("1MiB", "1MiB")]
    assert _values("matrix_engine.fold_batchnorm=true,false") == [("true", True), ("false", False)]
    # A flow list is one value: its commas do not split the --set list.
    assert _values("matrix_engine.fuses=[],[Relu,Clip]") == [
        ("[]", []),
        ("[Relu,Clip]", ["Relu", "Clip"]),
    ]
    assert _values("dtypes.weights=4,int8") == [("4", 4), ("int8", "int8")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 256 KiB * 2^k up to 2 MiB: 262,144, 524,288, 1,048,576, 2,097,152 B
        (
            "sram.capacity=256KiB..2MiB:x2",
            [("256KiB", 262144), ("512KiB", 524288), ("1MiB", 1048576), ("2MiB", 2097152)],
        ),
        # 0.5 GB/s + k * 0.5 GB/s up to 2 GB/s (stop included)
        (
            "bus.bandwidth=0.5GB/s..2GB/s:+0.5GB/s",
            [("500MB/s", 5e8), ("1GB/s", 1e9), ("1.5GB/s", 1.5e9), ("2GB/s", 2e9)],
        ),
        # 1, 4, 16 TFLOPS; the next step (64) passes the stop (20)
        (
            "matrix_engine.peak=1TFLOPS..20TFLOPS:x4",
            [("1TFLOPS", 1e12), ("4TFLOPS", 4e12), ("16TFLOPS", 16e12)],
        ),
        # a plain (unit-less) field: 4, 8, 12, 16 bits
        ("dtypes.weights=4..16:+4", [("4", 4), ("8", 8), ("12", 12), ("16", 16)]),
        ("bus.latency=0ns..100ns:+50ns", [("0s", 0), ("50ns", 5e-8), ("100ns", 1e-7)]),
        # a unit's own field, by any unit name (the machine's names are checked per point)
        (
            "units.mxu0.peak=1TFLOPS..4TFLOPS:x2",
            [("1TFLOPS", 1e12), ("2TFLOPS", 2e12), ("4TFLOPS", 4e12)],
        ),
        ("units.mxu0.rows=16..64:x2", [("16", 16), ("32", 32), ("64", 64)]),
        ("units.vpu.lanes=8,16", [("8", 8), ("16", 16)]),
    ],
)
def test_ranges_expand_in_the_fields_unit(text, expected):
    got = _values(text)
    assert [label for label, _ in got] == [label for label, _ in expected]
    assert [value for _, value in got] == pytest.approx([value for _, value in expected])


def test_grid_is_the_cartesian_product_last_axis_fastest():
    points = expand(
        [parse_set("sram.capacity=1MB,2MB"), parse_set("bus.bandwidth=1GB/s,2GB/s,3GB/s")]
    )
    assert len(points) == 6  # 2 x 3
    assert [p.label for p in points[:4]] == [
        "sram.capacity=1MB bus.bandwidth=1GB/s",
        "sram.capacity=1MB bus.bandwidth=2GB/s",
        "sram.capacity=1MB bus.bandwidth=3GB/s",
        "sram.capacity=2MB bus.bandwidth=1GB/s",
    ]
    assert points[5].overrides == {"sram.capacity": "2MB", "bus.bandwidth": "3GB/s"}
    assert len({p.key for p in points}) == 6


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sram.capacity", r'^--set "sram.capacity": expected PATH=VALUES, e\.g\. '),
        ("sram.cap=1MB", r"^--set: sram\.cap: unknown field; fields of sram: capacity$"),
        ("sram=1MB", r"^--set: sram: is a section; set one of sram\.capacity$"),
        ("name.x=1", r"^--set: name\.x: name has no fields$"),
        (
            "units.mxu0.rowz=16",
            r"^--set: units\.mxu0\.rowz: unknown field; fields of units\.mxu0: kind, timing, "
            r"bandwidth, latency, depth, peak, rows, cols, dataflow, group_mapping, lanes$",
        ),
        ("units.mxu0=1", r"^--set: units\.mxu0: is a unit; set one of its fields$"),
        ("sram.capacity=1MB,,2MB", r'^--set: sram\.capacity: empty value in "1MB,,2MB"'),
        ("sram.capacity=2MB..1MB:x2", r'range "2MB\.\.1MB:x2" is empty or endless'),
        ("sram.capacity=1MB..2MB:x1", r"need START > 0 and FACTOR > 1, STOP >= START$"),
        ("bus.bandwidth=1GB/s..2GB/z:+1GB/s", r'"2GB/z" is not a bandwidth'),
    ],
)
def test_bad_set_arguments_are_one_line_config_errors(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_set(text)


def test_an_axis_set_twice_is_refused():
    with pytest.raises(ConfigError, match=r"^sram\.capacity: set twice; give all its values"):
        expand([parse_set("sram.capacity=1MB"), parse_set("sram.capacity=2MB")])
