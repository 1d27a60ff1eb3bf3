"""Bad hardware files: each is rejected with one line naming file:line, the dotted field and why."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from accelsim.errors import ConfigError
from accelsim.hardware_file import load_hardware

# A valid file, built in code so each test can change one line. Line numbers (1-based) matter:
# name=1, clock=2, ddr=3 (capacity 4, bandwidth 5), bus=6 (bandwidth 7), sram=8 (capacity 9),
# matrix_engine=10 (peak 11, ops 12, fold_batchnorm 13, fuses 14), vector_unit=15 (peak 16),
# dtypes=17 (weights 18, activations 19).
VALID = """\
name: toy
clock: 1 GHz
ddr:
  capacity: 1 GiB
  bandwidth: 1 GB/s
bus:
  bandwidth: 1 GB/s
sram:
  capacity: 1 MB
matrix_engine:
  peak: 1 TFLOPS
  ops: [Conv, Gemm, MatMul]
  fold_batchnorm: true
  fuses: [Relu, Clip]
vector_unit:
  peak: 10 GFLOPS
dtypes:
  weights: int8
  activations: int8
"""


def _load(tmp_path: Path, text: str) -> None:
    path = tmp_path / "hw.yaml"
    path.write_text(text, encoding="utf-8")
    load_hardware(path)


def _raises(tmp_path: Path, text: str, message: str) -> None:
    """Loading `text` raises ConfigError whose whole message is `hw.yaml` + `message`."""
    with pytest.raises(ConfigError, match=f"^{re.escape(str(tmp_path / 'hw.yaml'))}{message}$"):
        _load(tmp_path, text)


def test_valid_toy_file_loads(tmp_path: Path) -> None:
    _load(tmp_path, VALID)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        # unit typo (STYLE.md's example "1 GB/z") on line 7
        (
            "  bandwidth: 1 GB/s\nsram",
            "  bandwidth: 1 GB/z\nsram",
            r':7: bus\.bandwidth: "1 GB/z" is not a bandwidth; expected e\.g\. "1 GB/s" or '
            r'"1 GiB/s"',
        ),
        (
            "capacity: 1 MB",
            "capacity: 1 MiBB",
            r':9: sram\.capacity: "1 MiBB" is not a size; expected e\.g\. "1 MiB" or "1048576 B"',
        ),
        # negative and zero sizes/rates
        ("capacity: 1 MB", "capacity: -1 MB", r':9: sram\.capacity: "-1 MB" must be > 0'),
        ("capacity: 1 MB", "capacity: 0", r":9: sram\.capacity: 0 must be > 0"),
        ("clock: 1 GHz", "clock: 0 GHz", r':2: clock: "0 GHz" must be > 0'),
        (
            "peak: 10 GFLOPS",
            "peak: -10 GFLOPS",
            r':16: vector_unit\.peak: "-10 GFLOPS" must be > 0',
        ),
        # unknown key, with a suggestion for the near miss
        (
            "  capacity: 1 MB",
            "  capacty: 1 MB",
            r":9: sram\.capacty: unknown key; did you mean capacity\? expected one of: capacity "
            r"\(and 1 more\)",  # the other error: sram.capacity is then missing
        ),
        (
            "name: toy",
            "name: toy\ncolour: red",
            r":2: colour: unknown key; expected one of: name, description, clock, ddr, sram, "
            r"units, lowering, dtypes, energy",
        ),
        # missing field: reported at its section's line; top-level ones have no line
        (
            "  fold_batchnorm: true\n",
            "",
            r":10: matrix_engine\.fold_batchnorm: required field missing \(see `accelsim schema`\)",
        ),
        ("clock: 1 GHz\n", "", r": clock: required field missing \(see `accelsim schema`\)"),
        # fuse rules
        (
            "fuses: [Relu, Clip]",
            "fuses: [Relu, Conv]",
            r":14: matrix_engine\.fuses: Conv is in both matrix_ops and fuses; an op either runs "
            r"on the engine or rides along on its output",
        ),
        (
            "fuses: [Relu, Clip]",
            "fuses: [BatchNormalization, Relu]",
            r":14: matrix_engine\.fuses: BatchNormalization cannot be fused when fold_batchnorm is "
            r"true \(it is already folded\); remove it from fuses or set fold_batchnorm: false",
        ),
        (
            "fuses: [Relu, Clip]",
            "fuses: [relu]",
            r':14: matrix_engine\.fuses: "relu" is not an ONNX op_type; spell it as ONNX does, '
            r'e\.g\. "Relu"',
        ),
        # op names must be ones the cost registry knows (else they silently match nothing)
        (
            "fuses: [Relu, Clip]",
            "fuses: [ReLU]",
            r':14: matrix_engine\.fuses: unknown op_type "ReLU"; did you mean Relu\? known: '
            r"Abs, Add, And, ArgMax, .*, Unsqueeze, Where, Xor",
        ),
        (
            "fuses: [Relu, Clip]",
            "fuses: [Relu, Qux]",
            r':14: matrix_engine\.fuses: unknown op_type "Qux"; known: Abs, Add, .*',
        ),
        (
            "ops: [Conv, Gemm, MatMul]",
            "ops:\n    - Conv\n    - MatMull",
            r':14: matrix_engine\.ops: unknown op_type "MatMull"; did you mean MatMul\? known: '
            r"Abs, Add, .*",
        ),
        (
            "fuses: [Relu, Clip]",
            "fuses: [Relu, Relu]",
            r":14: matrix_engine\.fuses: Relu listed twice",
        ),
        # strict types
        (
            "fold_batchnorm: true",
            'fold_batchnorm: "yes"',
            r':13: matrix_engine\.fold_batchnorm: Input should be a valid boolean, got "yes"',
        ),
        ("name: toy", "name: 12", r":1: name: Input should be a valid string, got 12"),
        (
            "weights: int8",
            "weights: int7",
            r':18: dtypes\.weights: "int7" is not a data type; expected one of int4, uint4, int8, '
            r"uint8, int16, uint16, fp16, bf16, int32, fp32 or a bit count 1-64",
        ),
    ],
)
def test_bad_field_is_reported_with_line_and_field(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    assert old in VALID
    _raises(tmp_path, VALID.replace(old, new, 1), message)


def test_negative_latency_is_rejected_but_zero_is_allowed(tmp_path: Path) -> None:
    ddr = "  bandwidth: 1 GB/s\nbus"
    _load(tmp_path, VALID.replace(ddr, "  bandwidth: 1 GB/s\n  latency: 0 s\nbus"))
    text = VALID.replace(ddr, "  bandwidth: 1 GB/s\n  latency: -1 ns\nbus")
    _raises(tmp_path, text, r':6: ddr\.latency: "-1 ns" must be >= 0')


def test_duplicate_key_is_rejected(tmp_path: Path) -> None:
    # PyYAML alone would keep the second value silently
    text = VALID.replace("  capacity: 1 MB\n", "  capacity: 1 MB\n  capacity: 2 MB\n")
    _raises(tmp_path, text, r":10: sram\.capacity: duplicate key \(first given at line 9\)")


def test_several_errors_report_the_first_in_file_order(tmp_path: Path) -> None:
    text = VALID.replace("clock: 1 GHz", "clock: 1 GHZ").replace("capacity: 1 MB", "capacity: x")
    _raises(
        tmp_path,
        text,
        r':2: clock: "1 GHZ" is not a frequency; expected e\.g\. "1 GHz" or "800 MHz" '
        r"\(and 1 more\)",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", r": file is empty; expected a mapping of keys to values"),
        ("- 1\n- 2\n", r":1: top level is a list; expected a mapping of keys to values"),
        ("just words\n", r":1: top level is a single value; expected a mapping of keys to values"),
        ("a: [1\n", r":2: not valid YAML: .*"),
        ("1: x\n", r":1: 1: keys must be strings"),
    ],
)
def test_not_a_yaml_mapping(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "hw.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=f"^{re.escape(str(path))}{message}$"):
        load_hardware(path)


def test_missing_file_and_folder_and_binary(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=f"^{re.escape(str(tmp_path / 'nope.yaml'))}: no such file$"
    ):
        load_hardware(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match=r": is a directory; expected a YAML file$"):
        load_hardware(tmp_path)
    binary = tmp_path / "garbage.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError, match=r"garbage\.yaml: not a text file \(not UTF-8\)"):
        load_hardware(binary)


def test_error_message_is_one_line(tmp_path: Path) -> None:
    text = VALID.replace("peak: 1 TFLOPS", "peak: [1, 2]")
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, text)
    assert "\n" not in str(info.value)
    assert ":11: matrix_engine.peak: [1, 2] is not a compute rate" in str(info.value)


def test_an_old_layout_file_needs_every_section_as_a_mapping(tmp_path: Path) -> None:
    # no vector_unit at all: named with the file (a missing section has no line)
    _raises(tmp_path, VALID.replace("vector_unit:\n  peak: 10 GFLOPS\n", ""),
            r": vector_unit: required field missing \(see `accelsim schema`\)")  # fmt: skip
    _raises(tmp_path, VALID.replace("matrix_engine:\n  peak: 1 TFLOPS\n  ops: [Conv, Gemm, "
                                    "MatMul]\n  fold_batchnorm: true\n  fuses: [Relu, Clip]\n",
                                    ""),
            r": matrix_engine: required field missing \(see `accelsim schema`\)")  # fmt: skip
    # bus: a number, not a mapping: at its line, 6
    _raises(tmp_path, VALID.replace("bus:\n  bandwidth: 1 GB/s\n", "bus: 5\n"),
            r":6: bus: expected a mapping")  # fmt: skip


def test_only_an_old_matrix_engine_holds_the_lowering_keys(tmp_path: Path) -> None:
    # ops, fuses and fold_batchnorm moved to `lowering` from matrix_engine alone; under the old
    # vector_unit (line 15, peak 16, the key at 17) or bus (line 6, bandwidth 7, the key at 8)
    # they are unknown keys of that unit, not silently taken as the machine's lowering
    vector_keys = r"unknown key; expected one of: kind, timing, peak, lanes"
    for key, value in (("fuses", "[Relu]"), ("ops", "[Add]"), ("fold_batchnorm", "false")):
        added = f"  peak: 10 GFLOPS\n  {key}: {value}\n"
        _raises(tmp_path, VALID.replace("  peak: 10 GFLOPS\n", added),
                rf":17: vector_unit\.{key}: {vector_keys}")  # fmt: skip
    _raises(tmp_path, VALID.replace("  bandwidth: 1 GB/s\nsram", "  bandwidth: 1 GB/s\n"
                                    "  fold_batchnorm: false\nsram"),
            r":8: bus\.fold_batchnorm: unknown key; expected one of: kind, timing, bandwidth, "
            r"latency, depth")  # fmt: skip
