"""`accelsim inspect`: the model's metadata in --json, a scalar shape in the table, and the
attention line the table ends with (matched by its Q·Kᵀ op, or why a softmax stays unfused)."""

from __future__ import annotations

import json

from onnx import helper

from accelsim.cli import main
from accelsim.cli.inspect import attention_line
from tests.onnx_builders import make_model, save
from tests.test_attention import _attention


def test_the_json_carries_the_models_metadata(tmp_path, capsys):
    model = make_model([helper.make_node("Relu", ["x"], ["y"], name="relu")], {"x": [4]}, {},
                       ["y"])  # fmt: skip
    model.producer_name = "hand"
    path = save(model, tmp_path / "m.onnx")
    assert main(["inspect", str(path), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    opset = str(model.opset_import[0].version)
    assert document["metadata"] == {"source": str(path), "producer": "hand", "opset": opset}
    assert document["outputs"] == [{"name": "y", "shape": [4], "kind": "output"}]


def test_a_scalar_shape_is_named_in_the_table(tmp_path, capsys, monkeypatch):
    # ReduceSum over every axis without keepdims: a 0-d (scalar) output
    node = helper.make_node("ReduceSum", ["x"], ["y"], name="sum", keepdims=0)
    save(make_model([node], {"x": [2, 3]}, {}, ["y"]), tmp_path / "s.onnx")
    monkeypatch.chdir(tmp_path)
    assert main(["inspect", "s.onnx"]) == 0
    row = capsys.readouterr().out.splitlines()[3].split()
    assert row[:5] == ["1", "sum", "ReduceSum", "2x3", "scalar"]


def test_the_table_ends_with_the_attention_matched_by_its_query_key_product(tmp_path, capsys):
    assert main(["inspect", str(_attention(tmp_path, mask=False))]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "attention: 1 matched for fused lowering (qk)"  # the Q·Kᵀ MatMul's name
    )


def test_the_table_says_why_a_softmax_that_looks_like_attention_stays_unfused(tmp_path, capsys):
    assert main(["inspect", str(_attention(tmp_path, mask=False, probs_read_twice=True))]) == 0
    words = " ".join(capsys.readouterr().out.split())  # the long line wraps at the width
    assert "attention: 0 matched for fused lowering; 1 left unfused: softmax: " in words


def test_no_attention_line_without_a_softmax(tmp_path, capsys, monkeypatch):
    model = make_model([helper.make_node("Relu", ["x"], ["y"], name="relu")], {"x": [4]}, {},
                       ["y"])  # fmt: skip
    save(model, tmp_path / "m.onnx")
    monkeypatch.chdir(tmp_path)  # the folder's name holds this test's name
    assert main(["inspect", "m.onnx"]) == 0
    assert "attention" not in capsys.readouterr().out


def test_two_matches_name_the_first_and_the_last():
    line = attention_line({"matched": ["qk0", "qk1"], "unfused": []})
    assert line == "attention: 2 matched for fused lowering (qk0 ... qk1)"
