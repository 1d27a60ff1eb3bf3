"""`accelsim run --timeline/--from/--to/--svg` through `python -m accelsim`."""

from __future__ import annotations

import pytest

from tests.cli.test_run import accelsim, assert_clean_failure

RUN = ["run", "workloads/mobilenet.onnx", "--hw", "hardware/edge1.yaml"]


def test_timeline_follows_the_tables_and_zooms_to_a_layer_range(tmp_path):
    svg = tmp_path / "timeline.svg"
    proc = accelsim(*RUN, "--timeline", "--from", "conv13", "--to", "conv15", "--svg", svg)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.index("gap to floor") < out.index("timeline mobilenet.onnx on edge1")
    lines = out[out.index("timeline mobilenet.onnx") :].splitlines()
    assert [line.split()[0] for line in lines[1:5]] == ["bus", "matrix", "vector", "SRAM"]
    assert all(len(line) <= 132 for line in lines)  # piped output is 132 columns wide
    assert "\x1b[" not in out  # piped: no colour codes
    text = svg.read_text(encoding="utf-8")
    assert text.startswith("<svg") and "conv15" in text
    assert f"timeline written to {svg}" in out


def test_run_table_shows_energy_per_layer_and_by_component():
    proc = accelsim(*RUN)
    assert proc.returncode == 0, proc.stderr
    assert "E µJ" in proc.stdout
    for component in ("DDR", "SRAM read", "SRAM write", "bus", "matrix engine", "vector unit"):
        assert f"\n {component} " in proc.stdout
    assert "timeline" not in proc.stdout  # only with --timeline


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "conv3"], "--from/--to zoom the timeline; add --timeline or --svg"),
        (["--to", "conv3"], "--from/--to zoom the timeline; add --timeline or --svg"),
        (["--timeline", "--json"], "--timeline draws in the terminal"),
        (["--timeline", "--from", "conv99"], '--from "conv99": not a layer nor a time'),
        (
            ["--svg", "no/such/dir/t.svg"],
            "--svg no/such/dir/t.svg: cannot write: folder no/such/dir does not exist",
        ),
    ],
)
def test_bad_timeline_options_fail_with_one_line(args, message):
    proc = accelsim(*RUN, *args)
    assert_clean_failure(proc, message)
    assert proc.stdout == ""
