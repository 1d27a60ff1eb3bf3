"""The command line `paper --report` writes into its report to regenerate it: every option that
changed the table, in the order given, and none left at its default."""

from __future__ import annotations

import argparse

from accelsim.cli.paper import _command


def _args(**given: object) -> argparse.Namespace:
    fields = {"model": "m.onnx", "hw": "edge1", "rules": "paper", "set": [], "batch": None,
              "report": "out"}  # fmt: skip
    return argparse.Namespace(**{**fields, **given})


def test_defaults_are_left_out():
    assert _command(_args()) == "accelsim paper m.onnx --hw edge1 --report out"


def test_rules_overrides_and_batch_are_written_back():
    args = _args(rules="corrected", set=["sram.capacity=2 MiB", "clock=2 GHz"], batch=4)
    assert _command(args) == (
        'accelsim paper m.onnx --hw edge1 --rules corrected --set "sram.capacity=2 MiB" '
        '--set "clock=2 GHz" --batch 4 --report out'
    )
