"""The cost-rule registry: one small function per ONNX op_type, looked up loudly.

A rule sees only static shapes and attributes (`NodeShapes`) and returns an `OpCost`; it never
touches ONNX, so every rule can be called alone in a test. The rules themselves live in
`accelsim.workload.rules` (one module per op family) and register with `@cost_rule`.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from accelsim.errors import UnsupportedOpError

Shape = tuple[int, ...]


class InvalidNode(ValueError):
    """A node the ONNX spec (and onnxruntime) rejects: a rule found an attribute or shape that
    contradicts another; the importer names the node."""


def axis_in(axis: int, rank: int, name: str = "axis") -> int:
    """`axis` (negative counts from the end) as 0..rank-1.

    Raises:
        InvalidNode: outside [-rank, rank - 1].
    """
    if not -rank <= axis < rank:
        raise InvalidNode(f"{name} {axis} is out of range for a rank-{rank} input")
    return axis % rank


@dataclass(frozen=True, slots=True)
class NodeShapes:
    """What a rule sees of one node: shapes by ONNX input/output position, and its attributes.

    `inputs[i]` is None where the ONNX input at position i is an omitted optional input.
    `attributes` holds the decoded ONNX attributes, constant parameter inputs folded at import
    (under the ONNX input name, e.g. Reshape's "shape") and the defaults `resolve` filled in.
    """

    inputs: tuple[Shape | None, ...]
    outputs: tuple[Shape, ...]
    attributes: Mapping[str, object] = field(default_factory=dict)
    opset: int = 17
    """Version of the default ONNX domain the model imports (some ops changed meaning)."""

    def input(self, position: int) -> Shape:
        """Shape of a present input; a missing one is a bug in the importer, not user input."""
        shape = self.inputs[position] if position < len(self.inputs) else None
        if shape is None:
            raise ValueError(f"input {position} is absent")
        return shape

    def has_input(self, position: int) -> bool:
        """True when the ONNX input at `position` is given (optional inputs may be omitted)."""
        return position < len(self.inputs) and self.inputs[position] is not None

    def ints(self, name: str, default: Shape = ()) -> Shape:
        """An integer-list attribute as a tuple, `default` when absent."""
        value = self.attributes.get(name)
        if value is None:
            return default
        if not isinstance(value, (tuple, list)):
            raise TypeError(f"attribute {name!r} is not a list of integers")
        return tuple(int(item) for item in value)

    def integer(self, name: str, default: int) -> int:
        """An integer attribute, `default` when absent."""
        value = self.attributes.get(name, default)
        if not isinstance(value, (int, float)):
            raise TypeError(f"attribute {name!r} is not a number")
        return int(value)

    def number(self, name: str) -> float | None:
        """A numeric attribute or folded scalar input (a one-element list read as its element);
        None when absent or not a number (an input that is not a constant)."""
        value = self.attributes.get(name)
        if isinstance(value, (tuple, list)) and len(value) == 1:
            value = value[0]
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    @property
    def output_elements(self) -> int:
        """Elements of the first output, the unit most element-wise rules count in."""
        return math.prod(self.outputs[0])


@dataclass(frozen=True, slots=True)
class Step:
    """One step of an op that runs as a sequence (a recurrent op: a GEMM, then its gates, ...).

    `op_type` picks the unit the way the hardware file's op list does (the gate GEMM is a
    "MatMul"); `output` is the shape the step writes; `weights` says whether it reads the op's
    weights (the GEMMs do, the element-wise gates do not).
    """

    op_type: str
    macs: int
    vector_ops: int
    output: Shape
    weights: bool


@dataclass(frozen=True, slots=True)
class OpCost:
    """Work of one op: `macs` for the matrix engine, `vector_ops` for the vector unit."""

    macs: int = 0
    vector_ops: int = 0
    is_view: bool = False
    """True when the output aliases the first input (no data moves, no work)."""
    partial_reads: tuple[tuple[int, Shape], ...] = ()
    """(input position, shape read): a weight of which the op reads only part (an embedding
    Gather reads the rows it looks up, not the table)."""
    per_output: bool = False
    """Each output is written by its own copy (a Split's parts), so each can be planned and
    tiled alone; `vector_ops` is then their total."""
    steps: tuple[Step, ...] = ()
    """When given, the op runs as these steps one after another, each reading the previous
    step's output; `macs` and `vector_ops` are then their totals."""


CostFunction = Callable[[NodeShapes], OpCost]
ResolveFunction = Callable[[NodeShapes], Mapping[str, object]]
WorstCaseFunction = Callable[[NodeShapes], tuple[Shape, ...]]
OutputShapeFunction = Callable[[NodeShapes], Shape]


@dataclass(frozen=True, slots=True)
class CostRule:
    """A registered rule: its cost function plus what the importer must know about the op."""

    op_type: str
    cost: CostFunction
    params: Mapping[int, str]
    """ONNX input positions that are parameters, not data: folded into `attributes` under the
    given name when constant (Reshape's shape, Clip's min/max) and then not listed as inputs."""
    resolve: ResolveFunction | None
    """Fills attribute defaults a planner needs (Conv: kernel_shape, strides, pads, ...)."""
    keeps_shape: bool = False
    """The output has the first input's shape: the importer uses it where ONNX shape inference
    gives none (GroupNormalization, a function op, has no inference)."""
    worst_case: WorstCaseFunction | None = None
    """For an op whose output sizes depend on the data (NonZero): the largest shape of each ONNX
    output, from the input shapes alone. The importer assumes them (and flags the op) where
    inference leaves a size unknown; its `NodeShapes.outputs` is then empty."""
    reads_data: bool = True
    """False for ops that read only their input's shape (Shape, Size): the input is neither
    listed as read nor needs a static shape."""
    multiplies: bool = False
    """The op multiply-accumulates (Conv, MatMul, ...): an output stage cannot apply it for free,
    so a machine may not list it as fused."""
    output_shape: OutputShapeFunction | None = None
    """For an op whose ONNX shape inference differs from onnxruntime in some cases: the shape of
    every output, from the resolved input and inferred output shapes. The importer re-infers
    the graph downstream with it."""

    def resolved(self, shapes: NodeShapes) -> NodeShapes:
        """`shapes` with the defaults of `resolve` merged into its attributes."""
        if self.resolve is None:
            return shapes
        attributes = {**shapes.attributes, **self.resolve(shapes)}
        return NodeShapes(shapes.inputs, shapes.outputs, attributes, shapes.opset)


_RULES: dict[str, CostRule] = {}
_RULE_PACKAGE = "accelsim.workload.rules"


def cost_rule(
    *op_types: str,
    params: Mapping[int, str] | None = None,
    resolve: ResolveFunction | None = None,
    keeps_shape: bool = False,
    worst_case: WorstCaseFunction | None = None,
    reads_data: bool = True,
    multiplies: bool = False,
    output_shape: OutputShapeFunction | None = None,
) -> Callable[[CostFunction], CostFunction]:
    """Register the decorated function as the cost rule of each ONNX `op_types` (the keywords
    are `CostRule`'s fields).

    Raises:
        ValueError: an op_type is registered twice (a programming error, caught at import).
    """

    def register(function: CostFunction) -> CostFunction:
        for op_type in op_types:
            if op_type in _RULES:
                raise ValueError(f"cost rule for {op_type!r} registered twice")
            _RULES[op_type] = CostRule(
                op_type=op_type, cost=function, params=dict(params or {}), resolve=resolve,
                keeps_shape=keeps_shape, worst_case=worst_case, reads_data=reads_data,
                multiplies=multiplies, output_shape=output_shape,
            )  # fmt: skip
        return function

    return register


def _registry() -> dict[str, CostRule]:
    # NOTE: importing the rules package runs its @cost_rule decorators; done on first use so
    # importing this module has no side effects and no cycle (rules import cost_rule from here).
    importlib.import_module(_RULE_PACKAGE)
    return _RULES


def supported_op_types() -> tuple[str, ...]:
    """Every ONNX op_type with a cost rule, sorted."""
    return tuple(sorted(_registry()))


def find_rule(op_type: str) -> CostRule | None:
    """The rule for `op_type`, or None (callers that list unsupported ops use this)."""
    return _registry().get(op_type)


def unsupported_message(where: str, op_type: str) -> str:
    """The one-line miss message: `<where> (<op_type>): op not supported; supported: ...`."""
    return f"{where} ({op_type}): op not supported; supported: {', '.join(supported_op_types())}"


def rule_for(op_type: str, *, where: str) -> CostRule:
    """The rule for `op_type`.

    Raises:
        UnsupportedOpError: no rule; the message starts with `where` (file and node) and lists
            every supported op_type.
    """
    rule = find_rule(op_type)
    if rule is None:
        raise UnsupportedOpError(unsupported_message(where, op_type))
    return rule


def op_cost(op_type: str, shapes: NodeShapes) -> OpCost:
    """Cost of one node given its shapes, with the rule's attribute defaults applied."""
    rule = rule_for(op_type, where=f"op {op_type!r}")
    return rule.cost(rule.resolved(shapes))
