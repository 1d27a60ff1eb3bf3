"""Sweep files: keys, relative paths, typed grids, errors with file:line, merging the CLI."""

from __future__ import annotations

import pytest

from accelsim.errors import ConfigError
from accelsim.sweep.grid import parse_set
from accelsim.sweep.spec import SweepSpec, load_sweep_file


def _write(tmp_path, text: str):
    path = tmp_path / "study.yaml"
    path.write_text(text)
    return path


def test_sweep_file_with_lists_and_ranges(tmp_path):
    path = _write(
        tmp_path,
        """\
name: study
model: ../m.onnx
hardware: hw.yaml
overlap: false
grid:
  sram.capacity: [256KiB, 1MiB]
  bus.bandwidth: 1GB/s..4GB/s:x2
  matrix_engine.fuses: [[], [Relu]]
""",
    )
    spec = load_sweep_file(path)
    assert spec.model == tmp_path / "../m.onnx"  # relative to the sweep file
    assert spec.hardware == tmp_path / "hw.yaml"
    assert (spec.name, spec.overlap, spec.policy) == ("study", False, "liveness")
    assert [[s.value for s in a.settings] for a in spec.axes] == [
        ["256KiB", "1MiB"], [1e9, 2e9, 4e9], [[], ["Relu"]],
    ]  # fmt: skip
    assert [s.label for s in spec.axes[2].settings] == ["[]", "[Relu]"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("modle: m.onnx\n", r"study\.yaml:1: modle: unknown key; expected one of: name, model"),
        ("model: m.onnx\nbatch: 0\n", r"study\.yaml:2: batch: expected an integer >= 1$"),
        ("grid:\n  sram.capacity: 5\n", r"study\.yaml:2: grid\.sram\.capacity: expected a list"),
        (
            "grid:\n  sram.size: [1MB]\n",
            r"study\.yaml:2: sram\.size: unknown field; fields of sram",
        ),
    ],
)
def test_sweep_file_errors_name_file_line_and_key(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_sweep_file(_write(tmp_path, text))


def test_command_line_overrides_the_file_and_replaces_same_path_axes(tmp_path):
    from pathlib import Path

    axes = (parse_set("sram.capacity=1MB"), parse_set("bus.bandwidth=1GB/s"))
    file_spec = SweepSpec(model=Path("a.onnx"), hardware=Path("h.yaml"), axes=axes)
    merged = file_spec.merged(axes=(parse_set("sram.capacity=2MB,4MB"),), policy=None, name="x")
    assert [a.path for a in merged.axes] == ["bus.bandwidth", "sram.capacity"]
    assert [s.label for s in merged.axes[1].settings] == ["2MB", "4MB"]
    assert (merged.policy, merged.title) == ("liveness", "x")  # None leaves the file's value
    assert SweepSpec(model=Path("w/m.onnx"), hardware=Path("edge1.yaml")).title == "m-edge1"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (SweepSpec(), r"^sweep: no model; give MODEL\.onnx or `model:`"),
        (SweepSpec(model="m"), r"^sweep: no base machine; give --hw"),
        (SweepSpec(model="m", hardware="h"), r"^sweep: nothing to sweep; give --set"),
        (SweepSpec(model="m", hardware="h", axes=(parse_set("sram.capacity=1MB"),), name="a/b"),
         r"^sweep: name 'a/b' is not a folder name"),
    ],
)  # fmt: skip
def test_incomplete_specs_are_refused(spec, message):
    with pytest.raises(ConfigError, match=message):
        spec.checked()
