"""Constant folding at import: Constant nodes and the shape arithmetic exporters emit.

A node folds when every input is constant (an initializer, a Constant output or another folded
output), or when it is Shape/Size of a tensor whose shape is static. A folded node becomes no Op.
Its outputs are computed (with onnx.reference on the small subgraph) only when every input is a
small in-memory value; a node that reads big or external weights is folded by shape alone (a
weight the exporter preprocessed, e.g. a transposed matrix), so no weight data is ever read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from accelsim.errors import WorkloadError
from accelsim.workload._onnx_files import first_line

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


def fold(model: onnx.ModelProto, shapes: dict[str, Shape], label: str) -> Folding:
    """Find the foldable nodes of `model` (in order) and compute the small values among them.

    Raises:
        WorkloadError: the reference evaluator failed on the constant subgraph.
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
    if to_compute:
        _compute(model, to_compute, folding, label)
    return folding


def _compute(
    model: onnx.ModelProto, nodes: list[onnx.NodeProto], folding: Folding, label: str
) -> None:
    """Evaluate `nodes` (small inputs only) with onnx.reference and store their outputs."""
    import numpy as np
    from onnx import helper, numpy_helper
    from onnx.reference import ReferenceEvaluator

    produced = {name for node in nodes for name in node.output if name}
    needed = {name for node in nodes for name in node.input if name and name not in produced}
    feeds = []
    for name in sorted(needed):
        value = folding.value(name)
        assert value is not None, f"{name}: nodes are folded only when their inputs are known"
        feeds.append(numpy_helper.from_array(value, name))
    outputs = [helper.make_empty_tensor_value_info(name) for name in sorted(produced)]
    subgraph = helper.make_graph(nodes, "folding", [], outputs, feeds)
    submodel = helper.make_model(subgraph, opset_imports=model.opset_import)
    submodel.ir_version = model.ir_version
    try:
        results = ReferenceEvaluator(submodel).run(None, {})
    except Exception as error:  # the evaluator raises anything; name what it was folding
        shown = 3  # a one-line message names the first few
        names = ", ".join(f'"{node.name or node.op_type}"' for node in nodes[:shown])
        names += f" and {len(nodes) - shown} more" if len(nodes) > shown else ""
        raise WorkloadError(
            f"{label}: cannot fold the constant nodes {names}: {first_line(error)}"
        ) from error
    for name, result in zip(sorted(produced), results, strict=True):
        folding.set_value(name, np.asarray(result))
    folding.computed = True
