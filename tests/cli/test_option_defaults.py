"""Each subcommand's options when none is given, as --help states them: run, inspect, diff,
sweep and paper read with nothing but their required arguments."""

from __future__ import annotations

import pytest

from accelsim.cli import _build_parser


def _parsed(*argv: str) -> dict[str, object]:
    return vars(_build_parser(list(argv)).parse_args(list(argv)))


def test_run_defaults():
    args = _parsed("run", "m.onnx", "--hw", "edge1")
    assert {k: args[k] for k in ("batch", "set", "policy", "no_overlap", "json", "trace",
                                 "dram_trace", "cycles", "unsupported", "timeline", "start",
                                 "end", "html", "svg")} == {  # fmt: skip
        "batch": None, "set": [], "policy": "liveness", "no_overlap": False, "json": False,
        "trace": None, "dram_trace": None, "cycles": False, "unsupported": "error",
        "timeline": False, "start": None, "end": None, "html": None, "svg": None,
    }  # fmt: skip


def test_inspect_defaults():
    args = _parsed("inspect", "m.onnx")
    assert (args["batch"], args["json"], args["bits"], args["unsupported"]) == (
        None, False, 8, "list")  # fmt: skip


def test_diff_defaults():
    args = _parsed("diff", "a.json", "b.json")
    assert {k: args[k] for k in ("model", "batch", "policy", "overlap", "top", "json",
                                 "cycles")} == {  # fmt: skip
        "model": None, "batch": None, "policy": "liveness", "overlap": "on", "top": 5,
        "json": False, "cycles": False,
    }


def test_sweep_defaults():
    args = _parsed("sweep", "m.onnx")
    assert {k: args[k] for k in ("hw", "set", "file", "name", "out", "resume", "jobs", "dask",
                                 "policy", "no_overlap", "batch", "top", "no_plots",
                                 "json")} == {  # fmt: skip
        "hw": None, "set": [], "file": None, "name": None, "out": None, "resume": False,
        "jobs": None, "dask": None, "policy": None, "no_overlap": False, "batch": None,
        "top": 20, "no_plots": False, "json": False,
    }  # fmt: skip


@pytest.mark.parametrize("command", ["run", "paper"])
def test_hw_is_required(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        _parsed(command, "m.onnx")
    assert exit_.value.code == 2
    assert "the following arguments are required: --hw" in capsys.readouterr().err


def test_paper_defaults():
    args = _parsed("paper", "m.onnx", "--hw", "edge1")
    assert {k: args[k] for k in ("batch", "set", "rules", "compare", "json", "report")} == {
        "batch": None, "set": [], "rules": "paper", "compare": False, "json": False,
        "report": None,
    }
