"""Files that are not what they claim: devices, FIFOs, oversized files, YAML alias bombs."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from accelsim._inputs import YAML_LIMIT_BYTES
from tests.hostile.conftest import EDGE1, MOBILENET, refused

BILLION_LAUGHS = "\n".join(
    ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]" for i in range(8)]
    + ["name: bomb"]
)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
@pytest.mark.parametrize("role", ["model", "hw"])
def test_a_device_as_model_or_hardware_is_refused_by_kind(device: str, role: str) -> None:
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    model, hw = (device, EDGE1) if role == "model" else (MOBILENET, device)
    line = refused("run", model, "--hw", hw)
    assert line == f"accelsim: error: {device}: not a regular file (a device, FIFO or socket); " + (
        "expected an .onnx file" if role == "model" else "expected a YAML file"
    )


def test_a_fifo_as_the_model_does_not_block(tmp_path: Path) -> None:
    fifo = tmp_path / "model.onnx"
    os.mkfifo(fifo)
    line = refused("inspect", fifo)
    assert line.endswith(
        f"{fifo}: not a regular file (a device, FIFO or socket); expected an .onnx file"
    )


def test_a_sweep_file_fifo_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "study.yaml"
    os.mkfifo(fifo)
    assert "not a regular file" in refused("sweep", "--file", fifo)


def test_an_oversized_hardware_file_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as stream:
        stream.truncate(100_000_000)  # sparse: 100 MB on paper, nothing on disk
    line = refused("run", MOBILENET, "--hw", big)
    assert line == (
        f"accelsim: error: {big}: 100,000,000 bytes is over the {YAML_LIMIT_BYTES:,}-byte limit "
        "for a YAML file"
    )


@pytest.mark.parametrize("where", ["hw", "sweep"])
def test_a_billion_laughs_alias_bomb_is_refused(tmp_path: Path, where: str) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BILLION_LAUGHS + "\n")
    args = ["run", MOBILENET, "--hw", bomb] if where == "hw" else ["sweep", "--file", bomb]
    line = refused(*args)
    assert re.fullmatch(
        rf"accelsim: error: {re.escape(str(bomb))}:\d+: more than 100,000 values once aliases "
        r"\(\*name\) are expanded; write the values out instead of nesting aliases",
        line,
    ), line


def test_deeply_nested_yaml_is_refused(tmp_path: Path) -> None:
    deep = tmp_path / "deep.yaml"
    deep.write_text("name: " + "[" * 50_000 + "]" * 50_000 + "\n")
    assert refused("run", MOBILENET, "--hw", deep).endswith(
        f"{deep}: nested too deeply to be a hardware or sweep file"
    )


def test_a_control_character_in_yaml_is_refused(tmp_path: Path) -> None:
    """Found by scripts/fuzz_inputs.py (seed 21): the reader raised before the parser's guard."""
    bad = tmp_path / "ctl.yaml"
    bad.write_bytes(EDGE1.read_bytes().replace(b"name: edge1", b"name: edge\x1e1"))
    assert refused("run", MOBILENET, "--hw", bad) == (
        f"accelsim: error: {bad}: not valid YAML: unacceptable character #x001e: special "
        "characters are not allowed"
    )
