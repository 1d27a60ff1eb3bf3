"""What the ONNX checker lets through but a simulation cannot take: a newer opset than the
installed onnx knows, non-numeric tensors, and sizes past documented limits.

The limits keep a hostile or mistaken model (a dimension of 2^40, a 10^15-MAC MatMul) from
reaching the planner, whose work grows with tensor sizes; each error names the node and limit.
They are far above any real network: the largest tensor of ResNet-50 at batch 8 has 6.4 M
elements and its largest layer 0.9 G MACs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from accelsim.errors import WorkloadError

if TYPE_CHECKING:
    import onnx

MAX_TENSOR_ELEMENTS = 2**31
"""Most elements one tensor may have (8 GiB at fp32)."""
MAX_OP_WORK = 10**13
"""Most MACs plus vector operations one op may do (10 s at 1 TFLOPS)."""
MAX_MODEL_WORK = 10**15
"""Most MACs plus vector operations in the whole model."""

_NOT_NUMERIC = {"STRING", "COMPLEX64", "COMPLEX128", "UNDEFINED"}
"""Element types no op here computes on (BOOL is kept: comparisons and Where use masks)."""


def check_opset(model: onnx.ModelProto, label: str) -> None:
    """The default-domain opset must be one the installed onnx knows (shape inference and the
    reference folder silently skip ops of an unknown opset).

    Raises:
        WorkloadError: an opset below 1 or above `onnx.defs.onnx_opset_version()`.
    """
    import onnx

    newest = onnx.defs.onnx_opset_version()
    for opset in model.opset_import:
        if opset.domain in ("", "ai.onnx") and not 1 <= opset.version <= newest:
            raise WorkloadError(
                f"{label}: opset {opset.version} of the default ONNX domain is not one onnx "
                f"{onnx.__version__} knows (1..{newest}); export the model with opset <= {newest}"
            )


def element_types(model: onnx.ModelProto) -> dict[str, int]:
    """ONNX element type of every tensor whose type is known (inputs, weights, value_info)."""
    graph = model.graph
    types = {tensor.name: tensor.data_type for tensor in graph.initializer}
    for value in [*graph.input, *graph.value_info, *graph.output]:
        if value.type.HasField("tensor_type"):
            types.setdefault(value.name, value.type.tensor_type.elem_type)
    return types


def check_numeric(names: Iterable[str], types: Mapping[str, int], where: str) -> None:
    """Every named tensor of a simulated op holds numbers.

    Raises:
        WorkloadError: `where: tensor "t" holds BOOL elements; ...`.
    """
    import onnx

    for name in names:
        kind = onnx.TensorProto.DataType.Name(types.get(name, onnx.TensorProto.FLOAT))
        if kind in _NOT_NUMERIC:
            raise WorkloadError(
                f'{where}: tensor "{name}" holds {kind} elements; accelsim simulates numeric '
                "tensors only"
            )


def check_elements(name: str, shape: tuple[int, ...], where: str) -> None:
    """A tensor's element count is within MAX_TENSOR_ELEMENTS.

    Raises:
        WorkloadError: names the tensor, its shape and the limit.
    """
    elements = math.prod(shape)
    if elements > MAX_TENSOR_ELEMENTS:
        dims = "x".join(str(d) for d in shape)
        raise WorkloadError(
            f'{where}: tensor "{name}" ({dims}) has {elements:.3g} elements, over the limit of '
            f"{MAX_TENSOR_ELEMENTS:,} per tensor"
        )


def check_nonempty(names: Iterable[str], shapes: Mapping[str, tuple[int, ...]], where: str) -> None:
    """Every tensor an op reads or writes has elements: a 0-batch MatMul has nothing to time,
    and the planner cannot place a 0-byte buffer.

    Raises:
        WorkloadError: names the tensor and its shape.
    """
    for name in names:
        shape = shapes.get(name, ())
        if shape and math.prod(shape) == 0:
            dims = "x".join(str(d) for d in shape)
            raise WorkloadError(f'{where}: tensor "{name}" ({dims}) has no elements; '
                                "accelsim simulates tensors with at least one element")  # fmt: skip


def check_work(work: int, where: str, *, limit: int = MAX_OP_WORK, what: str = "per op") -> None:
    """MACs plus vector operations within `limit` (MAX_OP_WORK, or MAX_MODEL_WORK for a model).

    Raises:
        WorkloadError: names `where` (the node or file) and the limit.
    """
    if work > limit:
        raise WorkloadError(
            f"{where}: {work:.3g} MACs and vector operations, over the limit of {limit:.0e} {what}"
        )
