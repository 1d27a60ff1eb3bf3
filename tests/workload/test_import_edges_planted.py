"""Import checks at rarely taken branches, each guarding a single-line bug that survived the rest
of the suite: the default domain spelt "ai.onnx", ..."""

from __future__ import annotations

import onnx
import pytest
from onnx import TensorProto, helper

from accelsim.errors import WorkloadError
from accelsim.workload._onnx_checks import check_opset


def _identity(domain: str, opset: int) -> onnx.ModelProto:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x], [y])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid(domain, opset)])


def test_the_default_domain_spelt_ai_onnx_is_checked_too() -> None:
    newest = onnx.defs.onnx_opset_version()
    check_opset(_identity("ai.onnx", newest), "m")
    with pytest.raises(WorkloadError, match=f"^m: opset {newest + 1} of the default ONNX domain"):
        check_opset(_identity("ai.onnx", newest + 1), "m")
    check_opset(_identity("com.example", newest + 1), "m")  # another domain is not onnx's
