"""`accelsim diff A B --model M --batch N` runs both machines at batch N: a model with a
symbolic batch dimension needs it (tests/cli/test_inspect.py's: at batch 2, 2 x 8 x 8 x 8 =
1,024 conv outputs of 27 MACs each)."""

from __future__ import annotations

import json

from accelsim.cli import main
from tests.onnx_builders import save, symbolic_batch


def test_batch_reaches_both_runs(tmp_path, capsys):
    model = str(save(symbolic_batch("N"), tmp_path / "s.onnx"))
    assert main(["diff", "edge1", "edge1", "--model", model, "--batch", "2", "--json"]) == 0
    diff = json.loads(capsys.readouterr().out)
    assert diff["latency_delta_cycles"] == 0 and diff["a"]["latency_cycles"] > 0
    assert main(["diff", "edge1", "edge1", "--model", model, "--json"]) == 2  # no batch: refused
    assert 'has symbolic dimension "N"; pass --batch N' in capsys.readouterr().err
