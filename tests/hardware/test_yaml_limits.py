"""The YAML loader's limits at their bounds, in process: the last size accepted, the first
refused, counted by hand (a list is one value plus one per item)."""

from __future__ import annotations

import pytest

from accelsim._yaml import (
    SET_VALUE_LIMIT,
    VALUE_LIMIT,
    VALUE_TEXT_LIMIT,
    parse_value,
    parse_yaml,
)
from accelsim.errors import ConfigError


def test_a_set_value_of_exactly_the_most_characters_is_read() -> None:
    assert VALUE_TEXT_LIMIT == 10_000
    assert parse_value("a" * 10_000, source="--set x") == "a" * 10_000
    with pytest.raises(ConfigError, match=r"^--set x: value is 10,001 characters, more than "
                                          r"10,000; a hardware value is short$"):  # fmt: skip
        parse_value("a" * 10_001, source="--set x")


def test_a_set_value_of_exactly_the_most_values_is_read() -> None:
    # a list of 999 items is 1 + 999 = 1,000 values; 1,000 items are 1,001
    assert SET_VALUE_LIMIT == 1_000
    items = parse_value("[" + ",".join(["0"] * 999) + "]", source="--set x")
    assert items == [0] * 999
    with pytest.raises(ConfigError, match=r"^--set x: more than 1,000 values once aliases"):
        parse_value("[" + ",".join(["0"] * 1_000) + "]", source="--set x")
    # through an alias: [&a [0 x 499], *a] = 1 + (1 + 499) x 2 = 1,001
    anchored = "[&a [" + ",".join(["0"] * 499) + "], *a]"
    with pytest.raises(ConfigError, match="more than 1,000 values"):
        parse_value(anchored, source="--set x")
    assert len(parse_value("[&a [" + ",".join(["0"] * 498) + "], *a]", source="s")) == 2  # type: ignore[arg-type]


def _file(zeros: int) -> str:
    # top 1 + a: (1 + 999) + b: (1 + 98 x (1 + 999)) + c: (1 + zeros) = 99,003 + zeros
    return ("a: &a [" + ",".join(["0"] * 999) + "]\n"
            "b: [" + ",".join(["*a"] * 98) + "]\n"
            "c: [" + ",".join(["0"] * zeros) + "]\n")  # fmt: skip


def test_a_file_of_exactly_the_most_values_is_read() -> None:
    assert VALUE_LIMIT == 100_000
    doc = parse_yaml(_file(997), source="f.yaml")
    assert len(doc.data["c"]) == 997  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"^f\.yaml:3: more than 100,000 values once aliases"):
        parse_yaml(_file(998), source="f.yaml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", r"^f: file is empty; expected a mapping of keys to values$"),
        ("- a\n- b\n", r"^f:1: top level is a list; expected a mapping"),
        ("\n\n7\n", r"^f:3: top level is a single value; expected a mapping"),
        ("a: 1\n1: 2\n", r"^f:2: 1: keys must be strings$"),
        ("a: 1\nb: 2\na: 3\n", r"^f:3: a: duplicate key \(first given at line 1\)$"),
        ("a: !!set {x}\n", r"^f:1: not valid YAML: could not determine a constructor for the "
                           r"tag 'tag:yaml.org,2002:set'$"),
        ("a: 1\nb: !!pairs [x: 1]\n", r"^f:2: not valid YAML: could not determine a constructor "
                                     r"for the tag 'tag:yaml.org,2002:pairs'$"),
        ("base: &b {x: 1}\nc:\n  <<: *b\n  x: 2\n  x: 3\n",
         r"^f:5: c\.x: duplicate key \(first given at line 4\)$"),
    ],
)  # fmt: skip
def test_file_errors_name_the_line(text, message) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_yaml(text, source="f")


def test_a_merged_key_may_be_overridden_once_but_not_twice_by_merges() -> None:
    doc = parse_yaml("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  x: 2\n", source="f")
    assert doc.data["c"] == {"x": 2, "y": 2}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2", r"^--set x: not valid YAML: "),
        ("a: 1\n---\nb: 2", r"^--set x: not valid YAML: "),
        ("!!python/object:os.system x", r"^--set x: not valid YAML: "),
    ],
)
def test_set_value_errors_are_one_line_without_a_line_number(text, message) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        parse_value(text, source="--set x")
    assert "\n" not in str(caught.value)


def test_set_values_are_typed_as_yaml_reads_them() -> None:
    assert parse_value("", source="s") is None
    assert parse_value("true", source="s") is True
    assert parse_value("1e12", source="s") == "1e12"  # YAML 1.1: no dot, a string
    assert parse_value("1.0e+12", source="s") == 1.0e12
    assert parse_value("{a: [1, 2]}", source="s") == {"a": [1, 2]}
