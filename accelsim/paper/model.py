"""The seed paper's analytical performance model (its Tables 3 and 4), evaluated on any Graph.

Section 5 of the paper costs one image layer by layer: the feature maps and filter coefficients
a layer keeps in internal memory (a running total that is never freed), the bits it moves over
the DDR bus, a data-movement time (bits / 8 / bandwidth), a compute time (2 x MACs at the matrix
engine's rate plus other ops at the vector unit's) and their sum. When the running total exceeds
the internal memory, everything in it is moved out and the count starts again. This module runs
that recipe over the lowered graph and a hardware file, so every number follows from the model
and the machine: change `sram.capacity` or `bus.bandwidth` and the table changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from accelsim.lowering import Layer, Program, lower
from accelsim.paper.rules import PAPER, PaperRules

if TYPE_CHECKING:
    from accelsim.hardware import Hardware
    from accelsim.workload.graph import Graph

FOLLOWERS = frozenset({"BatchNormalization", "Relu", "Clip"})
"""Ops the paper counts as part of the layer before them ("all layers are followed by a
batchnorm and ReLU nonlinearity"): their time is the layer's, their output is the layer's."""


@dataclass(frozen=True, slots=True)
class PaperRow:
    """One row of Tables 3 and 4: a layer with the batchnorm and ReLU that follow it."""

    index: int
    """1-based layer number, as the paper numbers its rows."""
    name: str
    """Name of the layer's first op (e.g. "conv1")."""
    op_types: tuple[str, ...]
    stride: int
    """Stride of the layer's first op (1 for ops without a window)."""
    out_shape: tuple[int, ...]
    """Shape of the layer's output (N, C, H, W for a conv)."""
    filter_shapes: tuple[tuple[int, ...], ...]
    """Shapes of the filter coefficient tensors counted in `weight_bits`."""
    in_bits: int
    """Input feature map(s) at the activation width (Table 3, first number)."""
    out_bits: int
    """Output feature map at the activation width (Table 3, second number)."""
    weight_bits: int
    """Filter coefficients as the rules count them (kernels and matrices; biases not counted)."""
    internal_bits: int
    """Internal memory used once this layer has run: the running total (Table 3)."""
    move_bits: int
    """Bits over the bus: inputs brought in, coefficient trips, outputs out, a spill (Table 3)."""
    spilled: bool
    """True when `internal_bits` exceeds the internal memory and everything is moved out."""
    macs: int
    vector_ops: int
    move_s: float
    """Data movement time: `move_bits` / 8 / bandwidth (Table 4, column A)."""
    compute_s: float
    """2 x MACs / matrix peak + vector ops / vector peak (Table 4, column B)."""

    @property
    def perf_s(self) -> float:
        """Performance time A + B: the paper adds movement and compute, with no overlap."""
        return self.move_s + self.compute_s


@dataclass(frozen=True, slots=True)
class PaperTable:
    """The model's Tables 3 and 4 for one graph on one machine."""

    model: str
    hardware: str
    rules: PaperRules
    capacity_bits: int
    """Internal memory (SRAM) capacity in bits."""
    bandwidth_bytes_per_s: float
    """The bus rate data moves at: the slower of the bus and the DDR."""
    matrix_peak_flops: float
    vector_peak_ops: float
    rows: tuple[PaperRow, ...]

    @property
    def total_s(self) -> float:
        """Sum of every row's performance time: the model's latency of one image."""
        return sum(row.perf_s for row in self.rows)

    @property
    def spills(self) -> tuple[int, ...]:
        """Numbers of the layers where internal memory overflows."""
        return tuple(row.index for row in self.rows if row.spilled)

    def row(self, index: int) -> PaperRow:
        """The row numbered `index` (1-based)."""
        return self.rows[index - 1]


class PaperModel:
    """The paper's method as a policy object: `PaperModel(rules).evaluate(graph, hw)`."""

    def __init__(self, rules: PaperRules = PAPER) -> None:
        self.rules = rules

    def evaluate(self, graph: Graph, hw: Hardware) -> PaperTable:
        """Tables 3 and 4 for `graph` on `hw` under this model's rules."""
        program = lower(graph, hw)
        shapes = _RowShapes(program, hw, self.rules)
        rows = _account(program, hw, self.rules, shapes, _group(program.layers))
        return PaperTable(
            model=graph.name,
            hardware=hw.name,
            rules=self.rules,
            capacity_bits=hw.sram.capacity * 8,
            bandwidth_bytes_per_s=_bus_rate(hw),
            matrix_peak_flops=hw.peak_of("matrix"),
            vector_peak_ops=hw.peak_of("vector"),
            rows=rows,
        )


def _group(layers: tuple[Layer, ...]) -> list[list[Layer]]:
    """Attach each BN/ReLU that runs as its own layer to the layer whose output it reads."""
    groups: list[list[Layer]] = []
    for layer in layers:
        joins = (
            groups
            and layer.unit == "vector"
            and set(layer.op_types) <= FOLLOWERS
            and layer.reads == groups[-1][-1].writes
        )
        if joins:
            groups[-1].append(layer)
        else:
            groups.append([layer])
    return groups


class _RowShapes:
    """Sizes in bits as the rules count them; remembers what each layer's output was counted as."""

    def __init__(self, program: Program, hw: Hardware, rules: PaperRules) -> None:
        self.program = program
        self.hw = hw
        self.rules = rules
        self.counted: dict[str, int] = {}

    def activation_bits(self, name: str) -> int:
        """Bits of an activation: as counted when it was written, else from its shape."""
        if name in self.counted:
            return self.counted[name]
        return math.prod(self.program.buffers[name].shape) * self.hw.dtypes.activations

    def filters(self, group: list[Layer]) -> tuple[tuple[int, ...], ...]:
        """Shapes of the group's filter coefficients: weights of rank >= 2 (not biases, BN)."""
        shapes = (self.program.buffers[name].shape for layer in group for name in layer.weights)
        return tuple(shape for shape in shapes if len(shape) >= 2)

    def filter_bits(self, filters: tuple[tuple[int, ...], ...]) -> int:
        """Size of `filters` as the rules count it: in bytes (the paper) or in bits."""
        bits = sum(math.prod(shape) for shape in filters) * self.hw.dtypes.weights
        return -(-bits // 8) if self.rules.weights_in_bytes else bits

    def resolution_factor(self, layer: Layer) -> tuple[int, int]:
        """(input pixels, output pixels) of a strided layer under the stride slip, else (1, 1)."""
        strided = layer.window is not None and layer.window.stride > 1
        if not (self.rules.strided_at_input_resolution and strided and layer.reads):
            return 1, 1
        source = self.program.buffers[layer.reads[0]].shape
        result = self.program.buffers[layer.writes[0]].shape
        return math.prod(source[2:]), math.prod(result[2:])

    def record_output(self, group: list[Layer], factor: tuple[int, int]) -> int:
        """Bits of the group's output(s), scaled by the stride slip; remembered for readers."""
        total = 0
        for name in group[-1].writes:
            bits = math.prod(self.program.buffers[name].shape) * self.hw.dtypes.activations
            bits = bits * factor[0] // factor[1]
            self.counted[name] = bits
            total += bits
        return total


def _account(
    program: Program,
    hw: Hardware,
    rules: PaperRules,
    shapes: _RowShapes,
    groups: list[list[Layer]],
) -> tuple[PaperRow, ...]:
    """Walk the layers in order keeping the paper's running total of internal memory."""
    capacity_bits = hw.sram.capacity * 8
    bytes_per_s = _bus_rate(hw)
    graph_inputs = set(program.inputs)
    graph_outputs = set(program.outputs)
    resident: set[str] = set()
    resident_bits = 0
    rows: list[PaperRow] = []
    for number, group in enumerate(groups, start=1):
        first = group[0]
        factor = shapes.resolution_factor(first)
        in_bits = sum(shapes.activation_bits(name) for name in first.reads)
        # NOTE: an input not in internal memory is the image (always moved in, as layer 1) or a
        # spilled map (moved back in only if the rules reload; the paper's layer 26 does not).
        loads = [name for name in first.reads if name not in resident]
        load_bits = sum(shapes.activation_bits(name) for name in loads)
        moved_in = sum(
            shapes.activation_bits(name)
            for name in loads
            if name in graph_inputs or rules.reload_after_spill
        )
        filters = shapes.filters(group)
        weight_bits = shapes.filter_bits(filters)
        out_bits = shapes.record_output(group, factor)
        internal = resident_bits + load_bits + weight_bits + out_bits
        move = moved_in + rules.weight_trips * weight_bits
        spilled = internal > capacity_bits
        if spilled:
            # NOTE: the paper's layer 25 moves 2W + (total - W): everything in internal memory
            # goes out, except this layer's coefficients, whose trips are already counted.
            move += internal - weight_bits
            resident, resident_bits = set(), 0
        else:
            if graph_outputs.intersection(group[-1].writes):
                move += out_bits
            resident.update(loads, group[-1].writes)
            resident_bits = internal
        macs = sum(layer.macs for layer in group if layer.unit == "matrix")
        macs = macs * factor[0] // factor[1]
        vector_ops = sum(layer.vector_ops for layer in group if layer.unit == "vector")
        rows.append(
            PaperRow(
                index=number,
                name=first.name,
                op_types=tuple(op for layer in group for op in layer.op_types),
                stride=first.window.stride if first.window else 1,
                out_shape=program.buffers[group[-1].writes[0]].shape,
                filter_shapes=filters,
                in_bits=in_bits,
                out_bits=out_bits,
                weight_bits=weight_bits,
                internal_bits=internal,
                move_bits=move,
                spilled=spilled,
                macs=macs,
                vector_ops=vector_ops,
                move_s=move / 8 / bytes_per_s,
                compute_s=2 * macs / hw.peak_of("matrix") + vector_ops / hw.peak_of("vector"),
            )
        )
    return tuple(rows)


def _bus_rate(hw: Hardware) -> float:
    """Bytes/s a transfer runs at: the slower of bus and DDR (the paper's model has no latency)."""
    return hw.link_bandwidth
