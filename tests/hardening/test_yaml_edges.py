"""The YAML reader's one-line errors, in process: which ones carry a line (a file's) and which
do not (a --set value's), nesting and huge integers, characters YAML refuses, bytes that are
not UTF-8, and merge keys from several mappings (the first listed wins, as YAML says)."""

from __future__ import annotations

import pytest

from accelsim._yaml import VALUE_LIMIT, load_yaml, parse_value, parse_yaml
from accelsim.errors import ConfigError


def _error(call, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        call(text, source="f")
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_nesting_too_deep_says_which_kind_of_input():
    deep = "[" * 600 + "]" * 600
    assert _error(parse_yaml, f"a: {deep}") == "f: nested too deeply to be a hardware or sweep file"
    assert _error(parse_value, deep) == "f: nested too deeply to be a hardware value"


def test_an_integer_python_will_not_convert_is_not_valid_yaml():
    for call, text in ((parse_yaml, "a: " + "9" * 5000), (parse_value, "9" * 5000)):
        assert _error(call, text).startswith(
            "f: not valid YAML: Exceeds the limit (4300 digits) for integer string conversion"
        )


def test_a_file_error_names_its_line_and_a_value_error_does_not():
    assert _error(parse_yaml, "a: 1\n---\nb: 2\n") == (
        "f:2: not valid YAML: expected a single document in the stream but found another document"
    )
    assert _error(parse_value, "a: 1\n---\nb: 2\n") == (
        "f: not valid YAML: expected a single document in the stream but found another document"
    )
    # context and problem together, the problem's line (the stream's end: line 2)
    assert _error(parse_yaml, "a: [1, 2\n") == (
        "f:2: not valid YAML: while parsing a flow sequence expected ',' or ']', but got "
        "'<stream end>'"
    )
    assert _error(parse_yaml, "\ta: 1\n").startswith("f:1: not valid YAML: while scanning for the")


def test_a_character_yaml_refuses_is_found_before_any_line():
    assert _error(parse_yaml, "a: \x07\n") == (
        "f: not valid YAML: unacceptable character #x0007: special characters are not allowed"
    )


def test_a_file_that_is_not_utf8_is_one_line(tmp_path):
    path = tmp_path / "h.yaml"
    path.write_bytes(b"a: \xff\xfe\n")
    with pytest.raises(ConfigError) as caught:
        load_yaml(path)
    assert str(caught.value) == f"{path}: not a text file (not UTF-8); expected YAML"
    path.write_text("a:\n  b: 1\n")
    document = load_yaml(path)
    assert (document.data, document.source) == ({"a": {"b": 1}}, str(path))
    assert document.where(("a", "b")) == f"{path}:2"


def test_merging_several_mappings_keeps_the_first_listed_and_an_explicit_key_wins():
    text = "p: &p {x: 1, y: 1}\nq: &q {x: 2, z: 2}\nc:\n  <<: [*p, *q]\n  z: 3\n"
    document = parse_yaml(text, source="f")
    assert document.data["c"] == {"x": 1, "y": 1, "z": 3}
    assert document.lines[("c", "z")] == 5


def test_a_value_may_be_a_mapping_or_nothing_and_keeps_yaml_types():
    assert parse_value("{a: 1, b: [x, 2.5]}", source="f") == {"a": 1, "b": ["x", 2.5]}
    assert parse_value("  ", source="f") is None
    assert parse_value("'1'", source="f") == "1"
    assert VALUE_LIMIT == 100_000
