"""The workload as plain data: tensors, ops in topological order, and the graph holding them.

The importer builds these from ONNX; everything downstream (lowering, planner, simulator, paper
model) reads them and never touches ONNX. Nothing here knows about hardware: sizes are element
counts, and bytes are asked for with the bit width the hardware file gives.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

TensorKind = Literal["input", "weight", "activation", "output"]

ASSUMED = "accelsim.assumed"
"""Op attribute: True on an op without a cost rule costed as one vector op per output element
(`--unsupported=vector`); reports list these as assumptions."""


WORST_CASE = "accelsim.worst_case"
"""Op attribute: True on an op whose output size depends on the data (NonZero): the size is
its rule's worst case (`CostRule.worst_case`); reports list these as assumptions."""
UNKNOWN_SHAPES = "accelsim.unknown_shapes"
"""Op attribute of an op kept unmodelled for listing (`accelsim inspect`): the names of its
tensors whose shape is unknown (their `Tensor.shape` is then an empty placeholder)."""


@dataclass(frozen=True, slots=True)
class Tensor:
    """A named tensor: graph input, weight (initializer), intermediate activation or output."""

    name: str
    shape: tuple[int, ...]
    kind: TensorKind

    @property
    def elements(self) -> int:
        return math.prod(self.shape)

    def nbytes(self, bits: int) -> int:
        """Bytes at `bits` per element, rounded up to a whole byte."""
        return -(-self.elements * bits // 8)


@dataclass(frozen=True, slots=True)
class Op:
    """One ONNX node with its cost.

    `inputs`/`outputs` name the tensors whose data the op reads/writes on the accelerator
    (shape, axes and other parameters folded at import are not listed). `macs` is work for the
    matrix engine (2 FLOPs each); `vector_ops` is element work for the vector unit. `is_view` ops
    (Reshape, Flatten, Identity, ...) move no data: their output aliases their first input.
    """

    name: str
    op_type: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    macs: int
    vector_ops: int
    attributes: Mapping[str, object] = field(default_factory=dict, compare=False, hash=False)
    is_view: bool = False


@dataclass(frozen=True, slots=True)
class Graph:
    """A whole model: `ops` in a valid execution (topological) order."""

    name: str
    tensors: Mapping[str, Tensor]
    ops: tuple[Op, ...]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    metadata: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    def tensor(self, name: str) -> Tensor:
        return self.tensors[name]

    def weights_of(self, op: Op) -> tuple[Tensor, ...]:
        return tuple(self.tensors[n] for n in op.inputs if self.tensors[n].kind == "weight")

    @property
    def total_macs(self) -> int:
        return sum(op.macs for op in self.ops)

    @property
    def parameter_count(self) -> int:
        return sum(t.elements for t in self.tensors.values() if t.kind == "weight")
