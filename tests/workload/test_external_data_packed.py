"""External data of 4-bit tensors (INT4, UINT4, FLOAT4E2M1: two elements a byte) must hold the
tensor's bytes rounded up: an odd count's last element takes a byte of its own."""

from __future__ import annotations

from pathlib import Path

import onnx
import pytest

from accelsim.errors import WorkloadError
from accelsim.workload._onnx_files import check_external_data


def _model_with(tmp_path: Path, data_type: int, elements: int, stored: int) -> onnx.ModelProto:
    """A model whose one initializer `w` of `elements` is external, `stored` bytes in w.bin."""
    (tmp_path / "w.bin").write_bytes(b"\x11" * stored)
    w = onnx.TensorProto(name="w", data_type=data_type, dims=[elements],
                         data_location=onnx.TensorProto.EXTERNAL)  # fmt: skip
    w.external_data.add(key="location", value="w.bin")
    node = onnx.helper.make_node("Identity", ["w"], ["y"])
    y = onnx.helper.make_tensor_value_info("y", data_type, [elements])
    return onnx.helper.make_model(onnx.helper.make_graph([node], "g", [], [y], [w]))


@pytest.mark.parametrize("data_type", ["INT4", "UINT4", "FLOAT4E2M1"])
@pytest.mark.parametrize(("elements", "needs"), [(1, 1), (3, 2), (4, 2), (5, 3)])
def test_a_4_bit_tensor_needs_its_bytes_rounded_up(tmp_path, data_type, elements, needs):
    # 4 bits an element: 1 -> 4 bits, 1 B; 3 -> 12 bits, 2 B; 4 -> 16 bits, 2 B; 5 -> 20, 3 B
    code = getattr(onnx.TensorProto, data_type)
    check_external_data(_model_with(tmp_path, code, elements, needs), tmp_path, "m.onnx")
    with pytest.raises(WorkloadError) as caught:
        check_external_data(_model_with(tmp_path, code, elements, needs - 1), tmp_path, "m.onnx")
    assert str(caught.value) == (
        f'm.onnx: tensor "w": external data "w.bin" holds {needs - 1} bytes; the tensor needs '
        f"bytes 0..{needs}"
    )
