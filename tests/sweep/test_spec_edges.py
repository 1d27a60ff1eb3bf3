"""Sweep files at their edges: each key's wrong type is one line naming file, line and key, every
key of the docstring's example is read, and names and titles keep to folder-safe characters."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelsim.errors import ConfigError
from accelsim.sweep.grid import parse_set
from accelsim.sweep.spec import SweepSpec, load_sweep_file


def _load(tmp_path: Path, text: str) -> SweepSpec:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return load_sweep_file(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: 5\n", r"s\.yaml:1: name: expected a non-empty string$"),
        ("model: ''\n", r"s\.yaml:1: model: expected a non-empty string$"),
        ("x: 1\nhardware: [a]\n", r"s\.yaml:1: x: unknown key"),
        ("hardware: [a]\n", r"s\.yaml:1: hardware: expected a non-empty string$"),
        ("policy: 1\n", r"s\.yaml:1: policy: expected a non-empty string$"),
        ("overlap: 'no'\n", r"s\.yaml:1: overlap: expected true or false$"),
        ("overlap: 0\n", r"s\.yaml:1: overlap: expected true or false$"),
        ("batch: true\n", r"s\.yaml:1: batch: expected an integer >= 1$"),
        ("batch: 1.5\n", r"s\.yaml:1: batch: expected an integer >= 1$"),
        ("batch: -3\n", r"s\.yaml:1: batch: expected an integer >= 1$"),
        ("batch: 0\n", r"s\.yaml:1: batch: expected an integer >= 1$"),
        ("grid: [a]\n", r"s\.yaml:1: grid: expected a mapping of dotted paths to value lists$"),
        ("grid:\n  sram.capacity: {a: 1}\n", r"s\.yaml:2: grid\.sram\.capacity: expected a list"),
    ],
)
def test_each_keys_wrong_type_is_one_line(tmp_path, text, message):
    with pytest.raises(ConfigError, match=rf"^{tmp_path}/{message}"):
        _load(tmp_path, text)


def test_every_key_is_read_and_paths_are_relative_to_the_file(tmp_path):
    spec = _load(tmp_path, "name: n\nmodel: m.onnx\nhardware: ../h.yaml\npolicy: liveness\n"
                           "overlap: true\nbatch: 1\ngrid:\n  clock: 1GHz,2GHz\n")  # fmt: skip
    assert (spec.name, spec.policy, spec.overlap, spec.batch) == ("n", "liveness", True, 1)
    assert (spec.model, spec.hardware) == (tmp_path / "m.onnx", tmp_path / "../h.yaml")
    assert [(s.label, s.value) for s in spec.axes[0].settings] == [("1GHz", "1GHz"),
                                                                    ("2GHz", "2GHz")]  # fmt: skip
    batch = _load(tmp_path, "batch: 7\n")
    assert (batch.batch, batch.overlap, batch.model, batch.axes) == (7, True, None, ())


def test_an_empty_grid_list_is_refused_naming_the_line(tmp_path):
    with pytest.raises(ConfigError, match=r"s\.yaml:3: sram\.capacity: empty list of values$"):
        _load(tmp_path, "model: m.onnx\ngrid:\n  sram.capacity: []\n")


@pytest.mark.parametrize("name", ["a", "A.b_c-9", "0x"])
def test_folder_safe_names_pass(name):
    SweepSpec(model=Path("m"), hardware=Path("h"), axes=(parse_set("clock=1GHz"),),
              name=name).checked()  # fmt: skip


@pytest.mark.parametrize("name", [".hidden", "-x", "a b", "a\n", "é", "a/b", "_x"])
def test_names_that_are_no_plain_folder_name_are_refused(name):
    spec = SweepSpec(model=Path("m"), hardware=Path("h"), axes=(parse_set("clock=1GHz"),),
                     name=name)  # fmt: skip
    with pytest.raises(ConfigError, match=r"is not a folder name; use letters, digits, \. _ -$"):
        spec.checked()


def test_the_title_makes_odd_characters_underscores_and_prefers_the_name():
    odd = SweepSpec(model=Path("a b/m é.onnx"), hardware=Path("x/h+w.v1.yaml"))
    assert odd.title == "m__-h_w.v1"
    assert SweepSpec(model=Path("m.onnx"), hardware=Path("h.yaml"), name="given").title == "given"


def test_merging_keeps_what_is_not_given_and_appends_new_axes():
    base = SweepSpec(model=Path("a.onnx"), hardware=Path("h.yaml"), batch=2, overlap=False,
                     axes=(parse_set("clock=1GHz"),))  # fmt: skip
    merged = base.merged(axes=(parse_set("sram.capacity=1MB"),), model=None, overlap=None,
                         batch=None, hardware=Path("g.yaml"))  # fmt: skip
    assert (merged.model, merged.hardware, merged.batch, merged.overlap) == (
        Path("a.onnx"), Path("g.yaml"), 2, False
    )  # fmt: skip
    assert [a.path for a in merged.axes] == ["clock", "sram.capacity"]
