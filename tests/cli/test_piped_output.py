"""Piped output is alike for every subcommand: one width rule (COLUMNS, else 132 columns) and
no line that ends in spaces, on stdout and stderr."""

from __future__ import annotations

import io

import pytest

from accelsim.cli._terminal import _Unpadded
from tests.cli.test_run import EDGE1, MOBILENET, accelsim

COMMANDS = {
    "run": ["run", MOBILENET, "--hw", EDGE1],
    "run tiled": ["run", MOBILENET, "--hw", EDGE1, "--set", "sram.capacity=64KiB"],
    "run --timeline": ["run", MOBILENET, "--hw", EDGE1, "--timeline"],
    "inspect": ["inspect", MOBILENET],
    "schema": ["schema"],
    "hw explain": ["hw", "explain", "edge1"],
    "paper": ["paper", MOBILENET, "--hw", EDGE1],
    "paper --compare": ["paper", MOBILENET, "--hw", EDGE1, "--compare"],
    "help": ["--help"],
    "sweep --help": ["sweep", "--help"],
}


def piped(args: list[object], monkeypatch: pytest.MonkeyPatch, columns: str = "") -> list[str]:
    monkeypatch.setenv("COLUMNS", columns)
    proc = accelsim(*args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines() + proc.stderr.splitlines()


def assert_unpadded(lines: list[str]) -> None:
    padded = [line for line in lines if line != line.rstrip()]
    assert not padded, padded[:3]


@pytest.mark.parametrize("name", COMMANDS)
def test_no_piped_line_ends_in_spaces(name, monkeypatch):
    assert_unpadded(piped(COMMANDS[name], monkeypatch))


def test_sweep_lines_end_without_spaces(tmp_path, monkeypatch):
    lines = piped(["sweep", MOBILENET, "--hw", EDGE1, "--set", "sram.capacity=16B,1MiB",
                   "--out", tmp_path / "s", "--no-plots", "--jobs", "1"], monkeypatch)  # fmt: skip
    assert any(line.startswith("#0 failed") for line in lines)  # stderr, above the bar
    assert_unpadded(lines)


@pytest.mark.parametrize("name", ["run", "inspect", "hw explain", "paper"])
def test_one_width_rule_132_unless_columns_says(name, monkeypatch):
    wide = piped(COMMANDS[name], monkeypatch)
    # hw explain wrapped at rich's 80 before: its balance line is 116 characters long
    assert 80 < max(map(len, wide)) <= 132
    assert max(map(len, piped(COMMANDS[name], monkeypatch, columns="70"))) <= 70


def test_tiled_layers_get_a_legend_for_their_tile_count(monkeypatch):
    lines = piped(COMMANDS["run tiled"], monkeypatch)
    conv3 = next(line for line in lines if line.startswith("conv3 "))
    assert " x13 " in conv3  # conv3's 64 kB weights... in 13 tiles at 64 KiB of SRAM (each
    # tile moves at least 1/16 of SRAM: accelsim/memory/tiling.py FILL)
    assert "ops x13: the layer ran as 13 tiles (its tensors do not fit in SRAM at once)" in lines
    assert not any("ran as" in line for line in piped(COMMANDS["run"], monkeypatch))


def test_hw_explain_and_the_run_header_say_the_same_of_equal_rates(monkeypatch):
    explain = " ".join(piped(COMMANDS["hw explain"], monkeypatch))
    header = " ".join(piped(COMMANDS["run"], monkeypatch)[:8])
    assert "(bus and DDR equal)" in explain  # edge1: bus 1 GB/s, DDR 1 GB/s
    assert "(bus and DDR equal: bus 1 GB/s, DDR 1 GB/s)" in header
    assert "bus-limited" not in explain + header


def test_policy_help_lists_the_policies():
    for command in ("run", "sweep"):
        text = " ".join(accelsim(command, "--help").stdout.split())
        assert "memory placement policy, one of: liveness (default: liveness)" in text


def test_sweep_help_description_is_wrapped_and_examples_kept(monkeypatch):
    lines = piped(["sweep", "--help"], monkeypatch, columns="80")
    assert max(map(len, lines)) <= 80
    assert "      --set sram.capacity=256KiB,512KiB,1MiB,2MiB \\" in lines  # as written


def test_unpadded_stream_strips_line_ends_only():
    out = io.StringIO()
    stream = _Unpadded(out)
    stream.write("a  b   \nc ")
    stream.write(" \n  d")
    assert out.getvalue() == "a  b\nc\n"
    stream.flush()  # an open line is written as it is
    assert out.getvalue() == "a  b\nc\n  d"


@pytest.mark.parametrize("name", ["run", "paper --compare"])
def test_a_reader_that_goes_away_is_not_a_failure(name):
    # `accelsim ... | head -2`: the reader closes the pipe after 200 bytes; the command stops
    # quietly with exit 0 (rich's own handler would exit 1), as for any other closed pipe
    import subprocess
    import sys

    args = [sys.executable, "-m", "accelsim", *map(str, COMMANDS[name])]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(200)
    proc.stdout.close()
    err = proc.stderr.read()
    assert (proc.wait(timeout=60), err) == (0, b"")


def test_an_open_line_of_spaces_alone_is_not_written_on_flush():
    out = io.StringIO()
    stream = _Unpadded(out)
    stream.write("x\n   ")
    stream.flush()  # the spaces rich pads a line with, no text yet: nothing to keep
    assert out.getvalue() == "x\n"


def test_a_stream_without_an_encoding_is_utf8():
    # a StringIO names no encoding; rich draws its boxes and glyphs by this one (ascii would
    # make it fall back to ASCII boxes and lose the timeline's block glyphs)
    assert io.StringIO().encoding is None
    assert _Unpadded(io.StringIO()).encoding == "utf-8"
