"""`accelsim run` in-process: which outputs each flag writes, what the run says about each, and
which flags go together. The model is one hand-costed conv (tests/cli/test_run.py: 948 cycles on
edge1, 1 GHz: 408 B loaded, 28 cycles of compute, 512 B stored, nothing overlaps)."""

from __future__ import annotations

import json
import os

import pytest

from accelsim.cli import main
from tests import onnx_builders as builders
from tests.cli.test_run import EDGE1

LATENCY = 948  # cycles = ns on edge1's 1 GHz clock


@pytest.fixture
def model(tmp_path, monkeypatch):
    """conv.onnx, named relative to the current folder (tmp_path): the lines that name it fit."""
    builders.save(builders.single_conv(), tmp_path / "conv.onnx")
    monkeypatch.chdir(tmp_path)
    return "conv.onnx"


def run(capsys, *args: object) -> tuple[int, str, str]:
    code = main(["run", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_each_written_file_is_announced_once_after_the_tables(capsys, tmp_path, model):
    trace, html = tmp_path / "t.json", tmp_path / "r.html"
    code, out, err = run(capsys, model, "--hw", EDGE1, "--trace", trace, "--html", html)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    told = [line for line in lines if " written to " in line]
    assert told == [
        f"trace written to {trace} (open in https://ui.perfetto.dev)",
        f"report written to {html}",
    ]
    assert out.index("gap to floor") < out.index("trace written to")
    text = trace.read_text(encoding="utf-8")
    assert text.endswith("}\n") and not text.endswith("\n\n")  # one line end after the document
    events = json.loads(text)["traceEvents"]
    assert sum(1 for e in events if e.get("ph") == "X" and e.get("cat") == "compute") == 1
    assert html.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
    assert "timeline" not in out  # neither --timeline nor --svg


def test_svg_alone_writes_the_timeline_without_printing_it(capsys, tmp_path, model):
    svg = tmp_path / "t.svg"
    code, out, _ = run(capsys, model, "--hw", EDGE1, "--svg", svg, "--from", "conv")
    assert code == 0  # --from goes with --svg as well as with --timeline
    assert "timeline conv.onnx on" not in out
    assert out.rstrip().splitlines()[-1] == f"timeline written to {svg}"
    assert svg.read_text(encoding="utf-8").startswith("<svg")


def test_timeline_and_svg_print_the_chart_once_in_cycles(capsys, tmp_path, model):
    svg = tmp_path / "t.svg"
    code, out, _ = run(capsys, model, "--hw", EDGE1, "--timeline", "--svg", svg, "--cycles")
    assert code == 0
    assert out.count("timeline conv.onnx on edge1") == 1
    assert f"timeline conv.onnx on edge1: 0-{LATENCY} cycles" in out
    assert out.index("timeline conv.onnx") < out.index("timeline written to")


def test_json_goes_with_svg_and_prints_only_the_document(capsys, tmp_path, model):
    svg = tmp_path / "t.svg"
    code, out, _ = run(capsys, model, "--hw", EDGE1, "--json", "--svg", svg)
    assert code == 0
    assert json.loads(out)["totals"]["latency_cycles"] == LATENCY  # nothing but the document
    assert svg.read_text(encoding="utf-8").startswith("<svg")


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--to", "conv"], "--from/--to zoom the timeline; add --timeline or --svg"),
        (["--from", "conv", "--json"], "--from/--to zoom the timeline; add --timeline or --svg"),
        (["--timeline", "--json"], "--timeline draws in the terminal; drop it or --json"),
        (["--timeline", "--json", "--svg", "t.svg"], "--timeline draws in the terminal"),
    ],
)
def test_flags_that_do_not_go_together_are_one_line_and_write_nothing(
    capsys, tmp_path, model, flags, message
):
    trace = tmp_path / "t.json"
    code, out, err = run(capsys, model, "--hw", EDGE1, "--trace", trace, *flags)
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1
    assert err.startswith(f"accelsim: error: {message}")
    assert not trace.exists()


def test_replaced_outputs_are_named_on_stderr_a_link_as_a_link(capsys, tmp_path, model):
    trace, html, kept = tmp_path / "t.json", tmp_path / "r.html", tmp_path / "kept.txt"
    trace.write_text("old", encoding="utf-8")
    kept.write_text("mine", encoding="utf-8")
    os.symlink(kept, html)
    code, _, err = run(capsys, model, "--hw", EDGE1, "--json", "--trace", trace, "--html", html)
    assert code == 0
    assert err.splitlines() == [
        f"accelsim: --trace: replacing existing {trace}",
        f"accelsim: --html: replacing the link {html} (not what it names)",
    ]
    assert kept.read_text(encoding="utf-8") == "mine"  # the link is replaced, not followed
    assert not html.is_symlink()


@pytest.mark.parametrize(
    ("flags", "words"), [([], "overlapped"), (["--no-overlap"], "serial (--no-overlap)")]
)
def test_the_workload_line_says_whether_transfers_overlap(capsys, model, flags, words):
    code, out, _ = run(capsys, model, "--hw", EDGE1, *flags)
    assert code == 0
    (line,) = [line for line in out.splitlines() if line.startswith("workload ")]
    # 1 layer; 13,824 MACs; 216 B of int8 weights (8 x 3 x 3 x 3)
    head = "workload conv.onnx: 1 layers, 13,824 MACs, 216 B of weights; policy liveness"
    assert line == f"{head}, {words}"


def test_unsupported_vector_runs_an_op_without_a_cost_rule_and_says_so(capsys, tmp_path):
    # SpaceToDepth (1x4x8x8 -> 1x16x4x4) has no cost rule: refused by default, and with
    # --unsupported=vector costed as one vector op per output element, 16 * 4 * 4 = 256
    path = builders.save(builders.unsupported_op(), tmp_path / "odd.onnx")
    code, out, _ = run(capsys, path, "--hw", EDGE1, "--unsupported", "vector", "--json")
    assert code == 0
    assert json.loads(out)["notes"] == ["conv_7: no cost rule for SpaceToDepth; assumed one "
                                        "vector op per output element (256), "
                                        "--unsupported=vector"]  # fmt: skip


def test_the_dram_trace_is_an_output_like_the_others(capsys, tmp_path, model):
    # edge1-ddr4 has the banked DDR tier that --dram-trace needs
    trace, dram = tmp_path / "t.json", tmp_path / "d.trace"
    dram.write_text("old", encoding="utf-8")
    code, _, err = run(capsys, model, "--hw", "edge1-ddr4", "--json", "--dram-trace", dram)
    assert code == 0
    assert err.splitlines() == [f"accelsim: --dram-trace: replacing existing {dram}"]
    assert dram.read_text(encoding="utf-8") != "old"
    # the same file as --trace: refused before the run, one line, nothing written
    code, out, err = run(capsys, model, "--hw", "edge1-ddr4", "--trace", trace,
                         "--dram-trace", trace)  # fmt: skip
    assert (code, out, trace.exists()) == (2, "", False)
    assert err == f"accelsim: error: --dram-trace {trace}: would overwrite the output --trace " \
        f"{trace}\n"  # fmt: skip


def test_the_svg_timeline_is_drawn_at_100_columns(capsys, tmp_path, model):
    # the single conv runs 948 cycles on edge1 (tests/cli/test_run.py); at 100 columns the
    # chart is 100 - 7 (labels) - 5 (shares) = 88 columns: 948 / 88 = 10.77 cycles a column
    svg = tmp_path / "t.svg"
    code, _, _ = run(capsys, model, "--hw", EDGE1, "--svg", svg, "--cycles")
    assert code == 0
    text = svg.read_text(encoding="utf-8").replace("&#160;", " ")
    assert "conv.onnx on edge1: 0-948 cycles, 10.8 cycles/column" in text
