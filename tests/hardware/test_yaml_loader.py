"""The YAML loader: line of every key, duplicate keys refused, YAML features kept."""

from __future__ import annotations

import pytest

from accelsim._yaml import parse_yaml
from accelsim.errors import ConfigError

TEXT = """\
# comment on line 1
a:
  b: 1
  c:
    - x
    - {d: 2}
e: "1 MiB"
"""


def test_lines_of_keys_and_items() -> None:
    doc = parse_yaml(TEXT, source="t.yaml")
    assert doc.data == {"a": {"b": 1, "c": ["x", {"d": 2}]}, "e": "1 MiB"}
    # counted by hand from TEXT above (1-based, comment on line 1)
    assert doc.lines == {
        ("a",): 2,
        ("a", "b"): 3,
        ("a", "c"): 4,
        ("a", "c", 0): 5,
        ("a", "c", 1): 6,
        ("a", "c", 1, "d"): 6,
        ("e",): 7,
    }


def test_missing_key_falls_back_to_its_parent_line() -> None:
    doc = parse_yaml(TEXT, source="t.yaml")
    assert doc.where(("a", "missing")) == "t.yaml:2"
    assert doc.where(("nothing",)) == "t.yaml"


def test_nested_duplicate_key() -> None:
    with pytest.raises(
        ConfigError, match=r"^t\.yaml:4: a\.b: duplicate key \(first given at line 2\)$"
    ):
        parse_yaml("a:\n  b: 1\n  c: 2\n  b: 3\n", source="t.yaml")


def test_anchors_and_merge_keys_work_like_safe_load() -> None:
    text = "base: &base {x: 1, y: 2}\nthing:\n  <<: *base\n  y: 3\n"
    doc = parse_yaml(text, source="t.yaml")
    assert doc.data["thing"] == {"x": 1, "y": 3}  # the explicit key wins over the merged one
    assert doc.lines[("thing", "y")] == 4
    again = parse_yaml(text + "other: &o\n  <<: *base\n  x: 5\ncopy: *o\n", source="t.yaml")
    assert again.data["copy"] == {"x": 5, "y": 2}  # an alias of a merged mapping, built twice


def test_syntax_error_names_the_line() -> None:
    # the unclosed quote on line 2 is found when the scanner reaches the end (line 3)
    with pytest.raises(ConfigError, match=r"^t\.yaml:3: not valid YAML: .*quoted scalar.*$"):
        parse_yaml('a: 1\nb: "open\n', source="t.yaml")
