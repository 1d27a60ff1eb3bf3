"""Constant folding at import: Constant nodes and the shape arithmetic exporters emit.

A node folds when every input is constant (an initializer, a Constant output or another folded
output), or when it is Shape/Size of a tensor whose shape is static. A folded node becomes no Op.
Its outputs are computed only when the kept graph needs them (a Reshape's shape, a Slice's
starts) and every input is a small in-memory value; a node that reads big or external weights is
folded by shape alone (a weight the exporter preprocessed, e.g. a transposed matrix), so no
weight data is ever read. Each node is computed alone: by onnx.reference, else by onnxruntime,
and never when its output would exceed `FOLD_LIMIT_ELEMENTS` (a Range to 1e12). A node no route
folds keeps its statically inferred shape; the failure is named only if a shape is then missing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from accelsim.workload._onnx_files import first_line
from accelsim.workload._onnx_shapes import FOLD_LIMIT_ELEMENTS

if TYPE_CHECKING:
    import numpy as np
    import onnx

Shape = tuple[int, ...]

VALUE_LIMIT_ELEMENTS = 4096
"""Largest constant whose values folding may read; shape tensors are far smaller, weights larger."""

_NEVER_FOLD = frozenset(
    {"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial"}
)
"""Ops whose output is not a function of their inputs."""


@dataclass
class Folding:
    """What folding found: constant tensors, the values known for some, the nodes it removed."""

    constants: set[str] = field(default_factory=set)
    """Names of every constant tensor (weights included)."""
    values: dict[str, np.ndarray] = field(default_factory=dict)
    """Computed values of folded outputs and Constant nodes (small tensors only)."""
    folded: set[int] = field(default_factory=set)
    """Indices of the ONNX nodes folded away."""
    computed: bool = False
    """True when some value was computed, so shapes may now be inferable that were not."""
    failures: dict[str, str] = field(default_factory=dict)
    """Output name -> why its node could not be computed (quoted if its shape is then needed)."""
    refused: str | None = None
    """Why both evaluators refused a node the graph needs (a Range to infinity): the model is
    invalid, as onnxruntime would say when it runs it."""
    _small_initializers: dict[str, onnx.TensorProto] = field(default_factory=dict)
    _known: set[str] = field(default_factory=set)

    def value(self, name: str) -> np.ndarray | None:
        """The value of constant `name` if it is small enough to read, decoding on first use."""
        if name not in self.values and name in self._small_initializers:
            from onnx import numpy_helper

            self.values[name] = numpy_helper.to_array(self._small_initializers[name])
        return self.values.get(name)

    def knows(self, name: str) -> bool:
        """True when the value of `name` is (or, once computed, will be) available."""
        return name in self._known or name in self._small_initializers

    def set_value(self, name: str, value: np.ndarray) -> None:
        self.values[name] = value
        self._known.add(name)

    def will_compute(self, names: list[str]) -> None:
        """Mark outputs of a node queued for evaluation as known, so its consumers fold too."""
        self._known.update(names)


def _is_small(tensor: onnx.TensorProto) -> bool:
    import onnx

    return (
        tensor.data_location != onnx.TensorProto.EXTERNAL
        and math.prod(tensor.dims) <= VALUE_LIMIT_ELEMENTS
    )


def _constant_value(node: onnx.NodeProto) -> np.ndarray | None:
    """The value of a Constant node, or None when it is big, external or sparse."""
    import numpy as np
    from onnx import helper, numpy_helper

    attribute = node.attribute[0]
    value = helper.get_attribute_value(attribute)
    scalars = {"value_float": np.float32, "value_int": np.int64}
    lists = {"value_floats": np.float32, "value_ints": np.int64}
    if attribute.name == "value":
        return numpy_helper.to_array(value) if _is_small(value) else None
    if attribute.name in scalars:
        return np.array(value, dtype=scalars[attribute.name])
    if attribute.name in lists and len(value) <= VALUE_LIMIT_ELEMENTS:
        return np.array(value, dtype=lists[attribute.name])
    if attribute.name == "value_string":
        return np.array(value.decode("utf-8"), dtype=object)
    if attribute.name == "value_strings":
        return np.array([item.decode("utf-8") for item in value], dtype=object)
    return None


def _shape_value(node: onnx.NodeProto, shape: Shape) -> np.ndarray:
    """Shape (with opset-15 start/end) or Size of a statically shaped tensor."""
    import numpy as np
    from onnx import helper

    if node.op_type == "Size":
        return np.array(math.prod(shape), dtype=np.int64)
    attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    start, end = attributes.get("start", 0), attributes.get("end", len(shape))
    return np.array(shape[start:end], dtype=np.int64)


def _has_subgraph(node: onnx.NodeProto) -> bool:
    return any(a.HasField("g") or len(a.graphs) for a in node.attribute)


def fold(model: onnx.ModelProto, shapes: dict[str, Shape]) -> Folding:
    """Find the foldable nodes of `model` (in order) and compute the values the rest needs.

    A node that cannot be computed is recorded in `Folding.failures`, never raised here.
    """
    graph = model.graph
    folding = Folding(
        constants={tensor.name for tensor in graph.initializer},
        _small_initializers={t.name: t for t in graph.initializer if _is_small(t)},
    )
    to_compute: list[onnx.NodeProto] = []
    for index, node in enumerate(graph.node):
        inputs = [name for name in node.input if name]
        if node.domain not in ("", "ai.onnx") or node.op_type in _NEVER_FOLD or _has_subgraph(node):
            continue
        if node.op_type in ("Shape", "Size") and inputs[0] in shapes:
            folding.set_value(node.output[0], _shape_value(node, shapes[inputs[0]]))
        elif node.op_type == "Constant":
            value = _constant_value(node)
            if value is not None:
                folding.set_value(node.output[0], value)
        elif not inputs or not all(name in folding.constants for name in inputs):
            continue
        elif all(folding.knows(name) for name in inputs):
            to_compute.append(node)
            folding.will_compute([name for name in node.output if name])
        folding.folded.add(index)
        folding.constants.update(name for name in node.output if name)
    for node in _needed(graph, to_compute, folding):
        _compute(model, node, folding, shapes)
    return folding


def _needed(
    graph: onnx.GraphProto, nodes: list[onnx.NodeProto], folding: Folding
) -> list[onnx.NodeProto]:
    """The nodes among `nodes` whose values the kept graph reads, directly or through others."""
    producer = {name: node for node in nodes for name in node.output if name}
    wanted = [
        name
        for index, node in enumerate(graph.node)
        if index not in folding.folded
        for name in node.input
        if name in producer
    ]
    chosen: set[int] = set()
    while wanted:
        node = producer[wanted.pop()]
        if id(node) not in chosen:
            chosen.add(id(node))
            wanted.extend(name for name in node.input if name in producer)
    return [node for node in nodes if id(node) in chosen]


def _compute(
    model: onnx.ModelProto, node: onnx.NodeProto, folding: Folding, shapes: dict[str, Shape]
) -> None:
    """Evaluate one node (small inputs only) by onnx.reference, else onnxruntime."""
    import numpy as np

    where = f'node "{node.name or node.op_type}" ({node.op_type})'
    outputs = [name for name in node.output if name]
    inputs: dict[str, np.ndarray] = {}
    for name in filter(None, node.input):
        value = folding.value(name)
        if value is None:
            reason = folding.failures.get(name, f'input "{name}" has no value')
            folding.failures.update(dict.fromkeys(outputs, reason))
            return
        inputs[name] = value
    if node.op_type == "Range" and not _finite_steps(list(inputs.values())):
        folding.refused = folding.refused or (
            f"{where}: invalid node: start, limit and delta must be finite scalars, delta not 0"
        )
        return
    bound = _output_bound(node, inputs, [shapes.get(name) for name in outputs])
    if bound > FOLD_LIMIT_ELEMENTS:
        folding.failures.update(dict.fromkeys(outputs, (
            f"{where} would fold to {bound:,} elements, over the folding limit of "
            f"{FOLD_LIMIT_ELEMENTS:,}"
        )))  # fmt: skip
        return
    errors = []
    for evaluate in (_by_reference, _by_onnxruntime):
        try:
            results = evaluate(model, node, inputs, outputs)
        except Exception as error:  # evaluators raise anything; the message says which failed
            errors.append(f"{evaluate.__doc__}: {first_line(error)}")
            continue
        for name, result in zip(outputs, results, strict=True):
            folding.set_value(name, np.asarray(result))
        folding.computed = True
        return
    reason = f"cannot fold {where}: {'; '.join(errors)}"
    folding.failures.update(dict.fromkeys(outputs, reason))
    folding.refused = folding.refused or reason


def _submodel(
    model: onnx.ModelProto, node: onnx.NodeProto, inputs: dict[str, np.ndarray], outputs: list[str]
) -> onnx.ModelProto:
    from onnx import helper, numpy_helper

    feeds = [numpy_helper.from_array(value, name) for name, value in inputs.items()]
    declared = [helper.make_empty_tensor_value_info(name) for name in outputs]
    graph = helper.make_graph([node], "folding", [], declared, feeds)
    submodel = helper.make_model(graph, opset_imports=model.opset_import)
    submodel.ir_version = model.ir_version
    return submodel


def _by_reference(
    model: onnx.ModelProto, node: onnx.NodeProto, inputs: dict[str, np.ndarray], outputs: list[str]
) -> list[object]:
    """onnx.reference"""
    from onnx.reference import ReferenceEvaluator

    return list(ReferenceEvaluator(_submodel(model, node, inputs, outputs)).run(None, {}))


def _by_onnxruntime(
    model: onnx.ModelProto, node: onnx.NodeProto, inputs: dict[str, np.ndarray], outputs: list[str]
) -> list[object]:
    """onnxruntime"""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 4  # fatal only: a failure is reported by us, in one line
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    data = _submodel(model, node, inputs, outputs).SerializeToString()
    session = onnxruntime.InferenceSession(data, options, providers=["CPUExecutionProvider"])
    return list(session.run(None, {}))


def _output_bound(
    node: onnx.NodeProto, inputs: dict[str, np.ndarray], shapes: list[Shape | None]
) -> int:
    """Most elements an output of `node` can hold, known before computing it.

    Inferred shapes when ONNX gives them; the generators from their arguments (Range from its
    bounds, ConstantOfShape/Expand/Tile from the shape they build); anything else from its
    inputs broadcast together (element-wise, selections and reshapes never grow past that).
    """
    if all(shape is not None for shape in shapes):
        return max((math.prod(shape) for shape in shapes if shape is not None), default=0)
    values = [inputs[name] for name in node.input if name]
    if node.op_type == "Range":
        start, limit, delta = (float(value) for value in values[:3])
        count = (limit - start) / delta if delta else 0.0
        return max(0, math.ceil(count)) if math.isfinite(count) else 0  # evaluators refuse inf
    sizes = [tuple(int(d) for d in value.shape) for value in values]
    if node.op_type == "ConstantOfShape":
        return math.prod(_ints(values[0]))
    if node.op_type == "Expand":
        sizes.append(tuple(_ints(values[1])))
    if node.op_type == "Tile":
        return math.prod(sizes[0]) * math.prod(_ints(values[1]))
    rank = max((len(size) for size in sizes), default=0)
    broadcast = [1] * rank
    for size in sizes:
        for axis, dim in enumerate(size, start=rank - len(size)):
            broadcast[axis] = max(broadcast[axis], dim)
    return max([math.prod(broadcast), *(math.prod(size) for size in sizes)])


def _finite_steps(values: list[np.ndarray]) -> bool:
    """Range's start, limit and delta are finite scalars and delta is not 0."""
    numbers = [float(value.reshape(-1)[0]) for value in values[:3] if value.size == 1]
    return len(numbers) == 3 and all(map(math.isfinite, numbers)) and numbers[2] != 0


def _ints(value: np.ndarray) -> list[int]:
    """A shape-like tensor's values as Python ints."""
    return [int(item) for item in value.reshape(-1).tolist()]
