"""ONNX file -> `Graph`: read safely, resolve the batch, infer shapes, fold constants, cost each op.

Steps, each in its own module: `_onnx_files.read_model` (file checks, external data kept inside
the model's folder), `_onnx_shapes` (batch, the ONNX checker and shape inference),
`_onnx_folding` (Constant and shape arithmetic become no ops), then here the surviving nodes are
costed with the rules of `costs.py`. Knows nothing of hardware. `import onnx` happens inside
functions so importing this module stays cheap.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from accelsim.errors import UnsupportedOpError, WorkloadError
from accelsim.workload._onnx_checks import (
    MAX_MODEL_WORK,
    check_elements,
    check_nonempty,
    check_numeric,
    check_opset,
    check_work,
    element_types,
)
from accelsim.workload._onnx_files import checkable, read_model
from accelsim.workload._onnx_folding import Folding, fold
from accelsim.workload._onnx_shapes import (
    Shape,
    graph_inputs,
    infer,
    resolve_batch,
    static_shapes,
    value_types,
)
from accelsim.workload.costs import (
    CostRule,
    InvalidNode,
    NodeShapes,
    OpCost,
    find_rule,
    unsupported_message,
)
from accelsim.workload.graph import (
    ASSUMED,
    UNKNOWN_SHAPES,
    WORST_CASE,
    Graph,
    Op,
    Tensor,
    TensorKind,
)

if TYPE_CHECKING:
    import numpy as np
    import onnx

UNSUPPORTED = "accelsim.unsupported"
"""Attribute set to True on ops kept by `keep_unsupported=True` that have no cost rule."""


_DEFAULT_DOMAINS = ("", "ai.onnx")


def import_onnx(
    path: str | Path,
    *,
    batch: int | None = None,
    keep_unsupported: bool = False,
    assume_vector: bool = False,
    meanwhile: Callable[[], object] | None = None,
) -> Graph:
    """Read an ONNX model into a `Graph` with static shapes and a cost for every op.

    Args:
        path: the .onnx file; external data must sit inside its folder.
        batch: value for a symbolic first input dimension; must match a fixed one.
        keep_unsupported: keep ops without a cost rule as zero-cost ops whose attributes carry
            `UNSUPPORTED: True` (for listings such as `accelsim inspect`; never simulate these).
        assume_vector: cost ops without a cost rule as one vector op per output element, their
            attributes carrying `ASSUMED: True` (`--unsupported=vector`; these do simulate).
        meanwhile: called in this process while onnx's checks of the model run in their own
            (`_onnx_files.bounded`): a command imports what it needs after the model.

    Raises:
        WorkloadError: the file is missing, not ONNX, fails the checker, has external data outside
            its folder, or a shape the ops need is not static. UnsupportedOpError (a
            WorkloadError) for an op with no cost rule, naming the file, node and op_type.
    """
    path = Path(path)
    label = str(path)
    model = read_model(path, label)
    checked = checkable(model)  # before the batch is resolved: the model as the user gave it
    check_opset(model, label)
    resolve_batch(model, batch, label)
    inferred = infer(model, label, checked=checked, meanwhile=meanwhile)
    shapes, fixed = _onnxruntime_shapes(inferred, label)
    worst: dict[str, Shape] = {}
    # NOTE: each round shapes more tensors or stops, so it ends within one round per node: a
    # model whose every layer reshapes by its input's shape (through a Div, which ONNX's data
    # propagation does not cover) folds one layer per round, however deep onnxruntime runs it.
    for _ in range(len(inferred.graph.node) + 1):
        folding = fold(inferred, shapes)
        if folding.refused:
            raise WorkloadError(f"{label}: {folding.refused}")
        shapes.update({name: tuple(value.shape) for name, value in folding.values.items()})
        assumed = _worst_cases(inferred, folding, shapes, label)
        worst.update(assumed)
        shapes.update(assumed)
        if not ((folding.computed or assumed) and _missing_shapes(inferred, folding, shapes)):
            break
        # NOTE: data propagation in ONNX inference covers Shape/Gather/Concat but not e.g. Div
        # or Range; with the folded values written in as constants (and the worst-case sizes
        # declared), another pass sees them, and the Shape nodes of the tensors it shapes fold
        # in the pass after.
        known = len(shapes)
        refolded = _refold_model(inferred, folding, worst, fixed, label)
        for name, shape in static_shapes(refolded).items():
            shapes.setdefault(name, shape)
        if len(shapes) == known:
            break
    builder = _GraphBuilder(inferred, folding, shapes, label, keep_unsupported, assume_vector,
                            worst=set(worst))  # fmt: skip
    return builder.build(path, batch)


def opset_of(model: onnx.ModelProto) -> int:
    """Version of the default ONNX domain the model imports."""
    return next((o.version for o in model.opset_import if o.domain in _DEFAULT_DOMAINS), 1)


def _onnxruntime_shapes(
    model: onnx.ModelProto, label: str
) -> tuple[dict[str, Shape], dict[str, Shape]]:
    """The static shapes of the inferred `model`, with the outputs of each node whose rule gives
    its `output_shape` set to that (where ONNX inference and onnxruntime differ) and the graph
    after them inferred again with those outputs declared as inputs; and those outputs."""
    shapes = static_shapes(model)
    fixed: dict[str, Shape] = {}
    for _ in range(len(model.graph.node)):  # each round fixes a node or stops
        found = {
            name: shape for name, shape in _output_shapes(model, shapes).items()
            if shapes.get(name) != shape
        }  # fmt: skip
        if not found:
            break
        fixed.update(found)
        shapes = static_shapes(infer(_declared(model, fixed), label))
    return shapes, fixed


def _output_shapes(model: onnx.ModelProto, shapes: dict[str, Shape]) -> dict[str, Shape]:
    """Each output's shape by its rule's `output_shape`, for nodes whose tensors are shaped (a
    node the rule refuses is left to the builder, which names it)."""
    found: dict[str, Shape] = {}
    for node in model.graph.node:
        rule = find_rule(node.op_type) if node.domain in _DEFAULT_DOMAINS else None
        names = [name for name in [*node.input, *node.output] if name]
        if rule is None or rule.output_shape is None or not all(n in shapes for n in names):
            continue
        inputs = tuple(shapes[name] if name else None for name in node.input)
        outputs = tuple(shapes[name] for name in node.output if name)
        node_shapes = NodeShapes(inputs, outputs, _decode_attributes(node), opset_of(model))
        try:
            shape = rule.output_shape(rule.resolved(node_shapes))
        except (InvalidNode, ArithmeticError, IndexError, KeyError, TypeError, ValueError):
            continue
        found.update((name, shape) for name in node.output if name)
    return found


def _declared(model: onnx.ModelProto, fixed: Mapping[str, Shape]) -> onnx.ModelProto:
    """`model` without the nodes that write `fixed` tensors, which become inputs of that shape
    (inference takes an input's shape as given), and with no inferred shapes left in it."""
    import onnx

    declared = onnx.ModelProto()
    declared.CopyFrom(model)
    graph = declared.graph
    del graph.node[:]
    graph.node.extend(_as_inputs(model, list(model.graph.node), fixed, graph))
    del graph.value_info[:]
    return declared


def _as_inputs(
    model: onnx.ModelProto, nodes: list[onnx.NodeProto], fixed: Mapping[str, Shape],
    graph: onnx.GraphProto,
) -> list[onnx.NodeProto]:  # fmt: skip
    """`nodes` less those that write `fixed` tensors, which become inputs of `graph`; its outputs
    lose their shapes if any (inferred before, they may contradict the fixed ones)."""
    from onnx import helper

    types = value_types(model)
    for output in graph.output if fixed else ():
        output.type.tensor_type.ClearField("shape")
    for name, shape in fixed.items():
        element = types[name].type.tensor_type.elem_type if name in types else 0
        graph.input.append(helper.make_tensor_value_info(name, element, shape))
    return [node for node in nodes if not fixed.keys() & set(node.output)]


def _worst_cases(
    model: onnx.ModelProto, folding: Folding, shapes: dict[str, Shape], label: str
) -> dict[str, Shape]:
    """Sizes assumed for the data-dependent outputs inference left unknown (NonZero's count of
    non-zeros): each rule's `worst_case`, once every input of the node is shaped."""
    found: dict[str, Shape] = {}
    kept = _kept_nodes(model, folding)
    names = unique_op_names(kept)
    for index, node in kept:
        rule = find_rule(node.op_type) if node.domain in _DEFAULT_DOMAINS else None
        if rule is None or rule.worst_case is None:
            continue
        if all(name in shapes for name in node.output if name) or any(
            name and name not in shapes for name in node.input
        ):
            continue
        inputs = tuple(shapes[name] if name else None for name in node.input)
        attributes = _attributes(node, rule.params, folding)
        node_shapes = NodeShapes(inputs, (), attributes, opset_of(model))
        where = f'{label}: node "{names[index]}" ({node.op_type})'
        try:
            sizes = rule.worst_case(rule.resolved(node_shapes))
        except InvalidNode as error:
            raise WorkloadError(f"{where}: invalid node: {error}") from None
        except (ArithmeticError, IndexError, KeyError, TypeError, ValueError) as error:
            raise WorkloadError(f"{where}: cannot size its output: {error}") from None
        for name, shape in zip(node.output, sizes, strict=False):
            if name and name not in shapes:
                check_elements(name, shape, where)
                found[name] = shape
    return found


def _kept_nodes(model: onnx.ModelProto, folding: Folding) -> list[tuple[int, onnx.NodeProto]]:
    return [(i, node) for i, node in enumerate(model.graph.node) if i not in folding.folded]


def _missing_shapes(model: onnx.ModelProto, folding: Folding, shapes: dict[str, Shape]) -> bool:
    return any(
        name and name not in shapes
        for _, node in _kept_nodes(model, folding)
        for name in [*node.input, *node.output]
    )


def _refold_model(
    model: onnx.ModelProto, folding: Folding, worst: Mapping[str, Shape],
    fixed: Mapping[str, Shape], label: str,
) -> onnx.ModelProto:  # fmt: skip
    """The kept nodes alone, with folded values as initializers, the `worst` sizes declared and
    the `fixed` tensors as inputs (see `_onnxruntime_shapes`), re-run through shape inference.

    Weights are declared by type only, so no weight data is copied.
    """
    import onnx
    from onnx import helper, numpy_helper

    kept = [node for _, node in _kept_nodes(model, folding)]
    initializers = {tensor.name: tensor for tensor in model.graph.initializer}
    types = value_types(model)
    refolded = onnx.ModelProto(ir_version=model.ir_version, opset_import=model.opset_import)
    graph = refolded.graph
    graph.name = model.graph.name
    graph.input.extend(graph_inputs(model.graph))
    graph.output.extend(model.graph.output)
    graph.node.extend(_as_inputs(model, kept, fixed, graph))
    for name, shape in worst.items():  # inference keeps a declared size it cannot refine
        element = types[name].type.tensor_type.elem_type if name in types else 0
        graph.value_info.append(helper.make_tensor_value_info(name, element, shape))
    consumed = sorted({name for node in kept for name in node.input if name} & folding.constants)
    for name in consumed:
        value = folding.value(name)
        if value is not None:
            graph.initializer.append(numpy_helper.from_array(value, name))
        elif name in initializers:
            tensor = initializers[name]
            graph.input.append(helper.make_tensor_value_info(name, tensor.data_type, tensor.dims))
        elif name in types:
            graph.input.append(types[name])
    return infer(refolded, label)


def _plain(value: object) -> object:
    """ONNX attribute values as plain Python: bytes -> str, lists -> tuples."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, list):
        return tuple(_plain(item) for item in value)
    return value


def _decode_attributes(node: onnx.NodeProto) -> dict[str, object]:
    """Scalar and list attributes (tensor and graph attributes are of no use to a cost rule)."""
    from onnx import AttributeProto, helper

    plain_types = {
        AttributeProto.FLOAT,
        AttributeProto.INT,
        AttributeProto.STRING,
        AttributeProto.FLOATS,
        AttributeProto.INTS,
        AttributeProto.STRINGS,
    }
    return {
        attribute.name: _plain(helper.get_attribute_value(attribute))
        for attribute in node.attribute
        if attribute.type in plain_types
    }


def _attributes(
    node: onnx.NodeProto, parameters: Mapping[int, str], folding: Folding
) -> dict[str, object]:
    """The node's attributes, with each constant parameter input's value under its name."""
    attributes = _decode_attributes(node)
    for position, parameter in parameters.items():
        tensor = node.input[position] if position < len(node.input) else ""
        if tensor in folding.constants:
            value = folding.value(tensor)
            if value is not None:
                attributes[parameter] = _parameter(value)
    return attributes


def _parameter(value: np.ndarray) -> object:
    """A folded parameter input as an attribute: a scalar or a flat tuple."""
    if value.ndim == 0:
        return value.item()
    return tuple(value.reshape(-1).tolist())


def unique_op_names(nodes: Iterable[tuple[int, onnx.NodeProto]]) -> dict[int, str]:
    """Node index -> op name: the ONNX name, else `<op_type>_<index>`; made unique by suffixes.

    Names the model gives are kept verbatim where they are unique, so they win over generated ones.
    """
    nodes = list(nodes)
    taken: set[str] = set()
    names: dict[int, str] = {}
    for explicit_first in (True, False):
        for index, node in nodes:
            if bool(node.name) != explicit_first:
                continue
            base = node.name or f"{node.op_type}_{index}"
            name, suffix = base, 1
            while name in taken:
                name, suffix = f"{base}_{suffix}", suffix + 1
            taken.add(name)
            names[index] = name
    return names


@dataclass(frozen=True, slots=True)
class _NodeIO:
    """A node's tensors as the Op lists them, and the shapes its rule sees."""

    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    shapes: NodeShapes


class _GraphBuilder:
    """Turns the kept ONNX nodes into Ops and collects the tensors they touch."""

    def __init__(
        self,
        model: onnx.ModelProto,
        folding: Folding,
        shapes: dict[str, Shape],
        label: str,
        keep_unsupported: bool,
        assume_vector: bool,
        *,
        worst: set[str],
    ) -> None:
        self.model = model
        self.folding = folding
        self.shapes = shapes
        self.label = label
        self.keep_unsupported = keep_unsupported
        self.assume_vector = assume_vector
        self.kept = _kept_nodes(model, folding)
        self.outputs = [value.name for value in model.graph.output]
        self.consumed = {name for _, node in self.kept for name in node.input if name}
        self.consumed.update(self.outputs)
        self.opset = opset_of(model)
        self.worst = worst
        """Outputs whose size is a rule's worst case (`_worst_cases`): their ops are flagged."""
        self.unknown: set[str] = set()
        """Tensors without a shape, kept for listing (`keep_unsupported`) by unmodelled ops."""
        self.parts: set[str] = set()
        """Weights of which an op reads only a part (`OpCost.partial_reads`), as own tensors."""
        self.types = element_types(model)

    def build(self, path: Path, batch: int | None) -> Graph:
        names = unique_op_names(self.kept)
        ops = tuple(op for index, node in self.kept for op in self._ops(node, names[index]))
        total = sum(op.macs + op.vector_ops for op in ops)
        check_work(total, self.label, limit=MAX_MODEL_WORK, what="per model")
        inputs = tuple(value.name for value in graph_inputs(self.model.graph))
        for name in self.outputs:
            if name in self.folding.constants:
                raise WorkloadError(
                    f'{self.label}: output "{name}" is a constant folded at import; '
                    "there is nothing to simulate"
                )
        tensors: dict[str, Tensor] = {}
        for name in [*inputs, *(n for op in ops for n in (*op.inputs, *op.outputs)), *self.outputs]:
            if name not in tensors:
                shape = () if name in self.unknown else self._shape(name, "tensor")
                tensors[name] = Tensor(name, shape, self._kind(name, inputs))
        producer = f"{self.model.producer_name} {self.model.producer_version}".strip()
        metadata = {"source": self.label, "producer": producer, "opset": str(self.opset)}
        if batch is not None:
            metadata["batch"] = str(batch)
        return Graph(
            name=self.model.graph.name or path.stem,
            tensors=tensors,
            ops=ops,
            inputs=inputs,
            outputs=tuple(self.outputs),
            metadata=metadata,
        )

    def _kind(self, name: str, inputs: tuple[str, ...]) -> TensorKind:
        if name in inputs:
            return "input"
        if name in self.outputs:
            return "output"
        if name in self.folding.constants or name in self.parts:
            return "weight"
        return "activation"

    def _shape(self, name: str, role: str, where: str | None = None) -> Shape:
        shape = self.shapes.get(name)
        if shape is None and name in self.folding.failures:  # a constant no route could fold
            raise WorkloadError(f"{self.label}: {self.folding.failures[name]}")
        if shape is None:
            raise WorkloadError(
                f'{where or self.label}: {role} "{name}" has no static shape after shape inference'
            )
        check_elements(name, shape, where or self.label)
        return shape

    def _ops(self, node: onnx.NodeProto, name: str) -> list[Op]:
        """The node's Op; one Op per step for ops that run as a sequence (`OpCost.steps`); one
        Op per output for ops whose outputs are written apart (`OpCost.per_output`)."""
        op, cost = self._op(node, name)
        if cost.per_output and len(op.outputs) > 1:
            return [
                Op(f"{name}:{number}", op.op_type, op.inputs, (output,), 0,
                   math.prod(self.shapes[output]), op.attributes)
                for number, output in enumerate(op.outputs)
            ]  # fmt: skip
        steps = cost.steps
        if not steps:
            return [op]
        weights = tuple(n for n in op.inputs if self._kind(n, ()) == "weight")
        data = tuple(n for n in op.inputs if n not in weights)
        ops: list[Op] = []
        previous: tuple[str, ...] = ()
        for number, step in enumerate(steps):
            outputs = op.outputs if number == len(steps) - 1 else (f"{name}:{number}",)
            self.shapes.setdefault(outputs[0], step.output)
            reads = (*data, *previous, *weights) if step.weights else previous
            ops.append(Op(f"{name}:{number}", step.op_type, reads, outputs, step.macs,
                          step.vector_ops, op.attributes))  # fmt: skip
            previous = outputs[:1]
        return ops

    def _partial(self, node: onnx.NodeProto, inputs: tuple[str, ...], cost: OpCost,
                 name: str) -> tuple[str, ...]:  # fmt: skip
        """Inputs with each partly read weight replaced by a tensor of the part read."""
        replaced = dict(zip(inputs, inputs, strict=True))
        for position, shape in cost.partial_reads:
            tensor = node.input[position]
            if tensor in replaced and tensor in self.folding.constants:
                part = f"{tensor}[{name}]"
                self.shapes[part] = shape
                self.parts.add(part)
                replaced[tensor] = part
        return tuple(replaced.values())

    def _op(self, node: onnx.NodeProto, name: str) -> tuple[Op, OpCost]:
        default_domain = node.domain in _DEFAULT_DOMAINS
        op_type = node.op_type if default_domain else f"{node.domain}.{node.op_type}"
        node_where = f'{self.label}: node "{name}"'
        where = f"{node_where} ({op_type})"
        rule = find_rule(node.op_type) if default_domain else None
        reads_unknown = any(name in self.unknown for name in node.input)
        if self.keep_unsupported and reads_unknown and (rule is None or rule.reads_data):
            return self._unshaped(node, name, op_type), OpCost()
        if rule is None:
            if not (self.keep_unsupported or self.assume_vector):
                raise UnsupportedOpError(unsupported_message(node_where, op_type))
            try:
                io = self._io(node, {}, where)
            except WorkloadError:
                if self.keep_unsupported:  # listed all the same, its shapes unknown
                    return self._unshaped(node, name, op_type), OpCost()
                raise UnsupportedOpError(unsupported_message(node_where, op_type)) from None
            if self.assume_vector:  # one vector op per output element, flagged as an assumption
                elements = sum(math.prod(shape) for shape in io.shapes.outputs)
                attributes = {**io.shapes.attributes, ASSUMED: True}
                return Op(name, op_type, io.inputs, io.outputs, 0, elements, attributes), OpCost()
            attributes = {**io.shapes.attributes, UNSUPPORTED: True}
            return Op(name, op_type, io.inputs, io.outputs, 0, 0, attributes), OpCost()
        if rule.keeps_shape and node.input[0] in self.shapes:
            self.shapes.setdefault(node.output[0], self.shapes[node.input[0]])
        try:
            io = self._io(node, rule.params, where, reads_data=rule.reads_data)
        except WorkloadError:
            if not self.keep_unsupported:
                raise
            return self._unshaped(node, name, op_type), OpCost()  # listed, its shapes unknown
        check_numeric((*io.inputs, *io.outputs), self.types, where)
        check_nonempty((*io.inputs, *io.outputs), self.shapes, where)
        shapes, cost = self._cost(rule, io.shapes, where)
        check_work(cost.macs + cost.vector_ops, where)
        attributes = dict(shapes.attributes)
        if self.worst.intersection(node.output):
            attributes[WORST_CASE] = True
        op = Op(
            name,
            op_type,
            self._partial(node, io.inputs, cost, name),
            io.outputs,
            cost.macs,
            cost.vector_ops,
            attributes,
            cost.is_view,
        )
        return op, cost

    def _unshaped(self, node: onnx.NodeProto, name: str, op_type: str) -> Op:
        """An unmodelled op for listing whose tensors are not all shaped (`UNKNOWN_SHAPES`)."""
        inputs = tuple(n for n in node.input if n)
        outputs = tuple(n for n in node.output if n)
        unknown = tuple(n for n in (*inputs, *outputs) if n not in self.shapes)
        self.unknown.update(unknown)
        attributes = {**_decode_attributes(node), UNSUPPORTED: True, UNKNOWN_SHAPES: unknown}
        return Op(name, op_type, inputs, outputs, 0, 0, attributes)

    def _io(
        self, node: onnx.NodeProto, parameters: Mapping[int, str], where: str, *,
        reads_data: bool = True,
    ) -> _NodeIO:  # fmt: skip
        """Data inputs, written outputs and shapes; constant parameters move to attributes.
        Without `reads_data` (Shape, Size) no input is read and none needs a static shape."""
        attributes = _attributes(node, parameters, self.folding)
        input_shapes: list[Shape | None] = []
        inputs: list[str] = []
        for position, tensor in enumerate(node.input):
            if not tensor or not reads_data:
                input_shapes.append(self.shapes.get(tensor))
                continue
            input_shapes.append(self._shape(tensor, "input", where))
            if position in parameters and tensor in self.folding.constants:
                continue
            inputs.append(tensor)
        outputs = [
            tensor
            for position, tensor in enumerate(node.output)
            if tensor and (position == 0 or tensor in self.consumed)
        ]
        unshaped = any(tensor not in self.shapes for tensor in outputs)
        failed = [self.folding.failures[n] for n in node.input if n in self.folding.failures]
        if unshaped and failed:  # the shape hangs on a constant that no route could fold
            raise WorkloadError(f"{self.label}: {failed[0]}")
        output_shapes = tuple(self._shape(tensor, "output", where) for tensor in outputs)
        shapes = NodeShapes(tuple(input_shapes), output_shapes, attributes, self.opset)
        return _NodeIO(tuple(inputs), tuple(outputs), shapes)

    @staticmethod
    def _cost(rule: CostRule, shapes: NodeShapes, where: str) -> tuple[NodeShapes, OpCost]:
        try:
            resolved = rule.resolved(shapes)
            return resolved, rule.cost(resolved)
        except InvalidNode as error:
            raise WorkloadError(f"{where}: invalid node: {error}") from None
        except (ArithmeticError, IndexError, KeyError, TypeError, ValueError) as error:
            raise WorkloadError(f"{where}: cannot cost this node: {error}") from None
