"""Static shapes for an ONNX model: resolve the batch dimension, then run ONNX shape inference."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from accelsim.errors import WorkloadError
from accelsim.workload._onnx_files import bounded, onnx_error, run_checker

if TYPE_CHECKING:
    import onnx

Shape = tuple[int, ...]

FOLD_LIMIT_ELEMENTS = 1 << 20
"""Largest constant import may compute (8 MB of int64): shape arithmetic is far smaller."""

_GENERATORS = frozenset({"Range", "ConstantOfShape"})
"""Ops whose output size comes from their input values, which data propagation would build."""


def graph_inputs(graph: onnx.GraphProto) -> list[onnx.ValueInfoProto]:
    """Real inputs: old exporters also list initializers among the inputs."""
    initializers = {tensor.name for tensor in graph.initializer}
    return [value for value in graph.input if value.name not in initializers]


def _dims(value: onnx.ValueInfoProto) -> Iterable[onnx.TensorShapeProto.Dimension]:
    return value.type.tensor_type.shape.dim


def _symbol(dim: onnx.TensorShapeProto.Dimension) -> str:
    return dim.dim_param or "?"


def resolve_batch(model: onnx.ModelProto, batch: int | None, label: str) -> None:
    """Give the first dimension of every input the value `batch` where it is symbolic.

    The same symbol is replaced wherever else it appears (outputs, value_info). Edits `model`.

    Raises:
        WorkloadError: an input without a tensor shape, a symbolic batch and no `batch`, another
            symbolic input dimension, or a `batch` that contradicts a fixed batch dimension.
    """
    if batch is not None and batch < 1:
        raise WorkloadError(f"{label}: --batch must be a positive integer, got {batch}")
    inputs = graph_inputs(model.graph)
    batch_symbols: set[str] = set()
    value_of_batch = batch or 0  # only written once `batch` is known to be given
    for value in inputs:
        if not value.type.tensor_type.HasField("shape"):
            raise WorkloadError(f'{label}: input "{value.name}" has no shape; accelsim needs one')
        dims = list(_dims(value))
        if not dims or dims[0].HasField("dim_value"):
            continue
        if batch is None:
            raise WorkloadError(
                f'{label}: input "{value.name}" has symbolic dimension "{_symbol(dims[0])}"; '
                "pass --batch N"
            )
        batch_symbols.add(dims[0].dim_param)
        dims[0].dim_value = value_of_batch
    graph = model.graph
    for value in [*graph.input, *graph.output, *graph.value_info]:
        for dim in _dims(value):
            if dim.dim_param and dim.dim_param in batch_symbols:
                dim.dim_value = value_of_batch
    for value in inputs:
        for index, dim in enumerate(_dims(value)):
            if not dim.HasField("dim_value"):
                raise WorkloadError(
                    f'{label}: input "{value.name}" dimension {index} is symbolic '
                    f'("{_symbol(dim)}"); only the batch (first) dimension can be set, with --batch'
                )
    if batch is not None and not batch_symbols:
        _check_fixed_batch(inputs, batch, label)


def _check_fixed_batch(inputs: list[onnx.ValueInfoProto], batch: int, label: str) -> None:
    """A fixed batch dimension is never silently changed: --batch must agree with it."""
    for value in inputs:
        dims = list(_dims(value))
        if dims and dims[0].dim_value != batch:
            raise WorkloadError(
                f'{label}: input "{value.name}" has a fixed batch of {dims[0].dim_value}; '
                f"--batch {batch} cannot change it"
            )


KEEP_INFERRED = 4
"""Models whose checks passed kept per process (`infer`), the newest; MobileNet's ~0.2 MB."""

_PASSED: dict[tuple[bytes, ...], bytes] = {}
"""SHA-256 of a model (and of its checked copy) as onnx reads them -> the inferred model: what
onnx's checks answered for these very bytes, in this process."""


def infer(
    model: onnx.ModelProto,
    label: str,
    *,
    checked: onnx.ModelProto | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> onnx.ModelProto:
    """ONNX shape inference: a strict pass (a node that contradicts its inputs is an error, as
    in onnxruntime), then a lenient one with data propagation for shape arithmetic; first, the
    ONNX checker on `checked` if given (one stoppable child for both: `bounded`, which runs
    `meanwhile` in this process as they run).

    The same model again in this process (the same bytes to onnx: a sweep run again, each
    repeat of a benchmark) gets the answer its checks gave without a child (MobileNet's: a fork,
    ~2,750 copy-on-write faults and an exit for ~2.5 ms of onnx's work); a model they refused
    is checked again, and refused again, each time.

    Raises:
        WorkloadError: the checker or inference failed; the message names the node.
    """
    import hashlib

    import onnx

    key = tuple(hashlib.sha256(m.SerializeToString(deterministic=True)).digest()
                for m in (model, checked) if m is not None)  # fmt: skip
    passed = _PASSED.get(key)
    if passed is not None:
        if meanwhile is not None:
            meanwhile()
        return onnx.ModelProto.FromString(passed)
    try:
        # NOTE: data propagation materialises what it propagates: a Range to 1e12 would take
        # terabytes. A plain pass first gives the sizes, and refuses a generator over the limit.
        inferred = bounded(lambda: _infer_both(model, label, checked), label, meanwhile=meanwhile)
    except (onnx.shape_inference.InferenceError, onnx.checker.ValidationError) as error:
        raise WorkloadError(f"{label}: {onnx_error(error, 'shape inference failed')}") from None
    if len(_PASSED) >= KEEP_INFERRED:
        del _PASSED[next(iter(_PASSED))]  # the oldest
    _PASSED[key] = inferred.SerializeToString()
    return inferred


def _infer_both(
    model: onnx.ModelProto, label: str, checked: onnx.ModelProto | None
) -> onnx.ModelProto:
    import onnx

    if checked is not None:
        run_checker(checked, label)
    _refuse_bombs(onnx.shape_inference.infer_shapes(model, strict_mode=True), label)
    return onnx.shape_inference.infer_shapes(model, strict_mode=False, data_prop=True)


def _refuse_bombs(model: onnx.ModelProto, label: str) -> None:
    """Generators whose inferred output exceeds `FOLD_LIMIT_ELEMENTS` are refused by name."""
    shapes = static_shapes(model)
    for index, node in enumerate(model.graph.node):
        if node.op_type not in _GENERATORS:
            continue
        elements = math.prod(shapes.get(node.output[0], ()))
        if elements > FOLD_LIMIT_ELEMENTS:
            raise WorkloadError(
                f'{label}: node "{node.name or f"{node.op_type}_{index}"}" ({node.op_type}) would '
                f"fold to {elements:,} elements, over the folding limit of {FOLD_LIMIT_ELEMENTS:,}"
            )


def static_shape(value: onnx.ValueInfoProto) -> Shape | None:
    """The shape if every dimension is a known non-negative integer, else None."""
    tensor_type = value.type.tensor_type
    if not value.type.HasField("tensor_type") or not tensor_type.HasField("shape"):
        return None
    dims = list(tensor_type.shape.dim)
    if not all(dim.HasField("dim_value") and dim.dim_value >= 0 for dim in dims):
        return None
    return tuple(int(dim.dim_value) for dim in dims)


def static_shapes(model: onnx.ModelProto) -> dict[str, Shape]:
    """Every tensor name with a fully static shape: initializers, inputs, value_info, outputs."""
    graph = model.graph
    shapes: dict[str, Shape] = {tensor.name: tuple(tensor.dims) for tensor in graph.initializer}
    for value in [*graph.input, *graph.value_info, *graph.output]:
        shape = static_shape(value)
        if shape is not None:
            shapes.setdefault(value.name, shape)
    return shapes


def value_types(model: onnx.ModelProto) -> dict[str, onnx.ValueInfoProto]:
    """Inferred ValueInfo by tensor name (used to declare folded tensors for a second pass)."""
    graph = model.graph
    return {value.name: value for value in [*graph.input, *graph.value_info, *graph.output]}
