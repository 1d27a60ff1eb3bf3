"""`accelsim inspect` of a model whose last op has no static output shape: the op is listed
(unmodelled), its output shape shown as unknown, never as a scalar, and its bytes left out.

x (2 floats) -> ArgMax "argmax" -> xi (1 element) -> Reshape(x, xi) "reshape" -> y, whose
shape depends on xi's value (tests/workload/test_onnx_errors.py builds the same model).
"""

from __future__ import annotations

import json

import pytest
from onnx import helper

from accelsim.cli import main
from tests.onnx_builders import make_model, save


@pytest.fixture
def model(tmp_path, monkeypatch):
    nodes = [
        helper.make_node("ArgMax", ["x"], ["xi"], name="argmax"),
        helper.make_node("Reshape", ["x", "xi"], ["y"], name="reshape"),
    ]
    graph = make_model(nodes, {"x": [2]}, {}, ["xi"])
    graph.graph.output[0].CopyFrom(helper.make_tensor_value_info("y", 1, ["a"]))
    save(graph, tmp_path / "r.onnx")
    monkeypatch.chdir(tmp_path)
    return "r.onnx"


def test_the_table_shows_the_unknown_shape_as_a_question_mark(capsys, model):
    assert main(["inspect", model, "--bits", "16"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "r.onnx: graph 'test', inputs x 2, 16-bit elements"
    rows = [line.split() for line in lines[3:5]]  # after the header line, headings and rule
    # #, layer, op, input shapes, output shape, MACs, vector ops, params, act. bytes, modelled;
    # argmax's one int64 output at 16 bits is 2 B; reshape's unknown output counts 0 B
    assert rows == [
        ["1", "argmax", "ArgMax", "2", "1", "0", "1", "0", "2", "yes"],
        ["2", "reshape", "Reshape", "2,", "1", "?", "0", "0", "0", "0", "no"],
    ]


def test_the_json_gives_the_unknown_shape_as_null_in_the_op_and_the_model_outputs(capsys, model):
    assert main(["inspect", model, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    reshape = document["ops"][1]
    assert [(t["name"], t["shape"]) for t in reshape["inputs"]] == [("x", [2]), ("xi", [1])]
    assert reshape["outputs"] == [{"name": "y", "shape": None, "kind": "output"}]
    assert (reshape["activation_bytes"], reshape["modelled"]) == (0, False)
    assert document["inputs"] == [{"name": "x", "shape": [2], "kind": "input"}]
    assert document["outputs"] == [{"name": "y", "shape": None, "kind": "output"}]
    assert (document["graph"], document["bits"]) == ("test", 8)
    assert document["totals"]["unsupported_ops"] == 1
