"""Constant nodes whose values folding reads: a value_ints list of up to VALUE_LIMIT_ELEMENTS
(4,096) entries is decoded, one more is not; scalar value_int / value_float and string
constants fold too."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from onnx import helper

from accelsim.errors import WorkloadError
from accelsim.workload import import_onnx
from tests.onnx_builders import make_model, save


@pytest.mark.parametrize("entries", [4096, 4097])
def test_a_value_ints_constant_of_up_to_4096_entries_is_folded(tmp_path: Path, entries) -> None:
    # The Reshape's shape is the first two entries of a Constant's value_ints, (2, 50), picked by
    # a GatherElements (which ONNX's data propagation does not compute): only the importer's own
    # folding gives it, and it decodes a list of 4,096 entries, not 4,097
    listed = [2, 50, *([0] * (entries - 2))]
    nodes = [
        helper.make_node("Constant", [], ["d"], name="d", value_ints=listed),
        helper.make_node("GatherElements", ["d", "i"], ["s"], name="gather", axis=0),
        helper.make_node("Reshape", ["x", "s"], ["y"], name="reshape"),
        helper.make_node("Relu", ["y"], ["z"], name="relu"),
    ]
    init = {"i": np.array([0, 1], np.int64)}
    model = make_model(nodes, {"x": [100]}, init, ["z"], output_dims={"z": ["a", "b"]})
    path = save(model, tmp_path / "m.onnx")
    if entries == 4096:
        graph = import_onnx(path)
        assert [op.name for op in graph.ops] == ["reshape", "relu"]
        assert graph.tensor("z").shape == (2, 50)
        return
    with pytest.raises(WorkloadError, match='node "reshape" .* no static shape'):
        import_onnx(path)
