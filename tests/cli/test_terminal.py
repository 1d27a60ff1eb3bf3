"""What the terminal shows: tables that fit 80/100/132 columns with every cell whole, COLUMNS
honoured for piped output, and names from the user's files shown as text, never obeyed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from onnx import helper

from tests import onnx_builders as builders
from tests.cli.test_run import EDGE1, MOBILENET, accelsim, assert_clean_failure

WIDTHS = (80, 100, 132)

# MobileNet conv1 (Table 1): 3x3 conv, 3 -> 32 channels, 28x28 output.
CONV1_MACS = "677,376"  # 28*28*32*27
CONV1_READ = "3,248"  # input 28*28*3 = 2,352 B + weights 32*27 = 864 B + folded bias 32 B
CONV1_PARAMS = "864"  # 32*3*3*3 (BN is a separate op in the ONNX file)


def lines_at(width: int, monkeypatch: pytest.MonkeyPatch, *args: object) -> list[str]:
    monkeypatch.setenv("COLUMNS", str(width))
    proc = accelsim(*args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def assert_fits(lines: list[str], width: int) -> None:
    assert max(len(line) for line in lines) <= width
    assert "…" not in "\n".join(lines)


def row(lines: list[str], name: str) -> list[str]:
    """The cells of the first table row with a cell `name` (cells are 2+ spaces apart)."""
    rows = (re.split(r" {2,}", line.strip()) for line in lines)
    return next(cells for cells in rows if name in cells)


@pytest.mark.parametrize("width", WIDTHS)
def test_run_table_fits_and_keeps_known_numbers_whole(width, monkeypatch):
    lines = lines_at(width, monkeypatch, "run", MOBILENET, "--hw", EDGE1)
    assert_fits(lines, width)
    conv1 = row(lines, "conv1")
    assert CONV1_MACS in conv1 and CONV1_READ in conv1
    assert conv1[-1] == "bus"  # 3,248 B take 3.248 µs on the bus, 2*677,376 FLOP 1.355 µs
    assert "3.25" in conv1  # transfer µs, to 2 decimals
    hidden = " ".join(line for line in lines if "not shown at" in line)
    assert ("not shown" in hidden) == (width < 132)


@pytest.mark.parametrize("width", WIDTHS)
def test_inspect_table_fits_and_keeps_known_numbers_whole(width, monkeypatch):
    lines = lines_at(width, monkeypatch, "inspect", MOBILENET)
    assert_fits(lines, width)
    conv1 = row(lines, "conv1")
    assert CONV1_MACS in conv1 and "Conv" in conv1
    if width >= 100:
        assert CONV1_PARAMS in conv1


@pytest.mark.parametrize("width", WIDTHS)
def test_paper_table_fits(width, monkeypatch):
    lines = lines_at(width, monkeypatch, "paper", MOBILENET, "--hw", EDGE1)
    assert_fits(lines, width)
    # Table 4, layer 1: 3.923 µs = 2.568 µs to move + 1.355 µs to compute.
    assert row(lines, "conv1")[-1] == "3.923 µs"


def test_sweep_table_fits_at_every_width(tmp_path, monkeypatch):
    sweep = ["sweep", MOBILENET, "--hw", EDGE1, "--set", "sram.capacity=512KiB,1MiB",
             "--out", tmp_path / "s", "--no-plots", "--jobs", "1"]  # fmt: skip
    for width in WIDTHS:
        lines = lines_at(width, monkeypatch, *sweep, "--resume")
        assert_fits(lines, width)
        one_mib = next(line for line in lines if " 1MiB " in line)
        assert "575.5 µs" in one_mib  # the README's 575,491 cycles at 1 GHz


def test_piped_output_is_132_columns_unless_columns_says(monkeypatch):
    monkeypatch.setenv("COLUMNS", "")
    wide = accelsim("inspect", MOBILENET).stdout.splitlines()
    assert max(map(len, wide)) <= 132 and max(map(len, wide)) > 100
    assert max(map(len, lines_at(90, monkeypatch, "inspect", MOBILENET))) <= 90


# Names a hostile or careless file may hold: a closing markup tag, an escape code, a newline.
OOPS, RED, NEWLINE = "[/oops]", "\x1b[31m", "two\nlines"


@pytest.fixture
def hostile_model(tmp_path: Path) -> Path:
    """x -> Conv "[/oops]" -> Relu "<ESC>[31m two<LF>lines" -> y, tensors and graph named alike."""
    nodes = [
        helper.make_node("Conv", [OOPS, "w"], [RED], name=OOPS, kernel_shape=[3, 3], pads=[1] * 4),
        helper.make_node("Relu", [RED], ["y"], name=f"{RED}{NEWLINE}"),
    ]
    model = builders.make_model(
        nodes, {OOPS: [1, 3, 8, 8]}, {"w": builders.weights((8, 3, 3, 3))}, ["y"],
        name=f"[bold]{RED}",
    )  # fmt: skip
    return builders.save(model, tmp_path / "hostile.onnx")


@pytest.fixture
def hostile_machine(tmp_path: Path) -> Path:
    """edge1-unfused (so the Relu is a layer of its own) named with markup and an escape code."""
    text = (EDGE1.parent / "edge1-unfused.yaml").read_text(encoding="utf-8")
    path = tmp_path / "hostile.yaml"
    path.write_text(re.sub(r"(?m)^name: .*$", r'name: "[/hw]\\x1b[2J"', text), encoding="utf-8")
    return path


def assert_shown_as_text(output: str) -> None:
    assert "\x1b" not in output and "Traceback" not in output
    assert OOPS in output and r"\x1b[31m" in output and r"\x1b[31mtwo\nlines" in output


def test_hostile_names_print_as_text_in_run_timeline_and_svg(
    hostile_model, hostile_machine, tmp_path
):
    svg = tmp_path / "t.svg"
    proc = accelsim("run", hostile_model, "--hw", hostile_machine, "--timeline", "--svg", svg)
    assert proc.returncode == 0, proc.stderr
    assert_shown_as_text(proc.stdout)
    assert r"[/hw]\x1b[2J" in proc.stdout
    assert "\x1b" not in svg.read_text(encoding="utf-8")


@pytest.mark.parametrize("command", ["inspect", "paper"])
def test_hostile_names_print_as_text_in_inspect_and_paper(hostile_model, command):
    machine = [] if command == "inspect" else ["--hw", EDGE1]
    proc = accelsim(command, hostile_model, *machine)
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stdout and OOPS in proc.stdout


def test_hostile_name_in_an_error_stays_one_line(tmp_path):
    node = helper.make_node("SpaceToDepth", ["x"], ["y"], name=f"{OOPS}{RED}{NEWLINE}",
                            blocksize=2)  # fmt: skip
    model = builders.make_model([node], {"x": [1, 3, 8, 8]}, {}, ["y"])
    path = builders.save(model, tmp_path / "bad.onnx")
    proc = accelsim("run", path, "--hw", EDGE1)
    assert_clean_failure(proc, r'node "[/oops]\x1b[31mtwo\nlines" (SpaceToDepth)')
    assert "\x1b" not in proc.stderr


def test_hostile_name_in_a_failed_sweep_point(hostile_model, tmp_path):
    proc = accelsim("sweep", hostile_model, "--hw", EDGE1, "--set", "sram.capacity=16B,1MiB",
                    "--out", tmp_path / "s", "--no-plots", "--jobs", "1")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stdout + proc.stderr
    assert f'layer "{OOPS}"' in proc.stderr  # reported as it happens, as text
