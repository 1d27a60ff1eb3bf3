"""Lower a Graph onto a machine: fold, fuse and group ONNX ops into the layers the hardware runs.

This is where hardware choices meet the workload: which ops the matrix engine runs, whether
BatchNormalization is folded into the preceding conv's weights, which element-wise ops ride
along on the engine's output stage, and how many bytes each tensor takes at the machine's data
types. The result, a `Program`, is what the memory planner and the paper model read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from accelsim.kinds import kind_running
from accelsim.work import Gemm, Vector
from accelsim.workload.attention import Attention, find_attention
from accelsim.workload.graph import ASSUMED, WORST_CASE
from accelsim.workload.rules.gemm import einsum_labels

if TYPE_CHECKING:
    from accelsim.hardware import Hardware
    from accelsim.workload.graph import Graph, Op

MATRIX = kind_running(Gemm)  # the kind whose units run Conv, Gemm and MatMul layers
VECTOR = kind_running(Vector)  # the kind whose units run every other layer
BufferKind = Literal["input", "weight", "activation", "output"]


@dataclass(frozen=True, slots=True)
class Buffer:
    """A tensor as the machine stores it: name, shape, size in bytes at the machine's data type."""

    name: str
    shape: tuple[int, ...]
    kind: BufferKind
    nbytes: int


@dataclass(frozen=True, slots=True)
class Window:
    """How output rows map to input rows (for tiling by rows): kernel, stride and top padding."""

    kernel: int
    stride: int
    pad: int


@dataclass(frozen=True, slots=True)
class Layer:
    """One schedulable step: a primary op plus what was folded or fused into it."""

    index: int
    name: str
    op_types: tuple[str, ...]
    unit: str  # the kind of unit that runs it: MATRIX or VECTOR
    macs: int
    vector_ops: int
    reads: tuple[str, ...]
    weights: tuple[str, ...]
    writes: tuple[str, ...]
    window: Window | None
    gemm: Gemm | None  # the matrix work's shape (None on the vector unit)
    elements: int  # output elements (what element-wise work is counted over)
    epilogue_ops: int = 0  # vector ops of `lowering.epilogue` ops fused into a matrix layer
    held: tuple[str, ...] = ()  # operands a tile reads whole for its heads (fused K and V)
    pointwise: tuple[str, ...] = ()  # reads of which a tile needs only its output's elements
    views: tuple[tuple[str, tuple[int, ...]], ...] = ()  # reads seen through a view: the shape
    # the layer reads (a Reshape's (1, S, H·d) of a (1, S, H, d) buffer), which tiling follows

    @property
    def work(self) -> Gemm | Vector:
        """What the layer asks of its unit: its GEMM on a matrix unit, else its vector ops."""
        if self.gemm is not None:
            return self.gemm
        return Vector(ops=self.vector_ops, elements=self.elements)

    @property
    def epilogue(self) -> Vector | None:
        """The vector unit's share of a matrix layer: its fused epilogue ops, applied to the
        output while it is still in SRAM (None when there are none)."""
        if not self.epilogue_ops:
            return None
        return Vector(ops=self.epilogue_ops, elements=self.elements)


@dataclass(frozen=True, slots=True)
class Program:
    """The lowered workload: layers in execution order and every buffer they touch."""

    name: str
    layers: tuple[Layer, ...]
    buffers: dict[str, Buffer]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    notes: tuple[str, ...]

    def nbytes(self, name: str) -> int:
        return self.buffers[name].nbytes


def lower(graph: Graph, hw: Hardware) -> Program:
    """Group the graph's ops into layers for `hw` (one pass in topological order)."""
    return _Lowering(graph, hw).run()


@dataclass(slots=True)
class _Draft:
    """A layer being assembled while ops are folded or fused into it."""

    name: str
    op_types: list[str]
    unit: str
    macs: int
    vector_ops: int
    reads: list[str]
    weights: list[str]
    writes: list[str]
    window: Window | None
    gemm: Gemm | None
    chain: list[Op] = field(default_factory=list)  # element-wise ops fused after the primary
    sealed: bool = False  # the chain is closed: nothing more joins this layer
    extra_ops: int = 0  # vector ops of a fused kernel (attention's scale, mask, online softmax)
    held: tuple[str, ...] = ()
    pointwise: list[str] = field(default_factory=list)
    views: dict[str, tuple[int, ...]] = field(default_factory=dict)


class _Lowering:
    def __init__(self, graph: Graph, hw: Hardware) -> None:
        self.graph = graph
        self.hw = hw
        self.alias: dict[str, str] = {}
        self.consumers: dict[str, int] = {}
        self.readers: dict[str, list[Op]] = {}
        for op in graph.ops:
            for name in op.inputs:
                self.consumers[name] = self.consumers.get(name, 0) + 1
                self.readers.setdefault(name, []).append(op)
        self.graph_outputs = set(graph.outputs)
        self.buffers: dict[str, Buffer] = {}
        self.drafts: list[_Draft] = []
        self.notes: list[str] = []
        self.appended: dict[str, str] = {}  # a KV cache appended in place -> its new rows
        self.attention: dict[str, Attention] = {}  # by the name of its Q·Kᵀ MatMul
        found, misses = find_attention(graph)
        if hw.lowering.attention == "fused":
            self.attention = {a.ops[0].name: a for a in found}
            self.notes.extend(misses)
        self.absorbed = {op.name for a in self.attention.values() for op in a.ops[1:]}
        self.strided = self._strided_output()

    def run(self) -> Program:
        for op in self.graph.ops:
            self._place(op)
        self._close()
        layers = tuple(self._freeze(i, draft) for i, draft in enumerate(self.drafts))
        inputs = tuple(self._storage(n) for n in self.graph.inputs)
        written = [self.appended.get(n, n) for n in self.graph.outputs]
        written += [new for new in self.appended.values() if new not in written]
        outputs = tuple(dict.fromkeys(self._storage(n) for n in written))
        # In first-use order, not a set's (hash-seeded): DDR homes follow the buffers' order.
        used = dict.fromkeys(
            (*(n for layer in layers for n in (*layer.reads, *layer.weights, *layer.writes)),
             *inputs, *outputs)
        )  # fmt: skip
        for name in used:
            if name not in self.buffers:
                self._add_buffer(name)
        buffers = {n: b for n, b in self.buffers.items() if n in used}
        for name in outputs:
            buffers[name] = _with_kind(buffers[name], "output")
        return Program(
            name=self.graph.name,
            layers=layers,
            buffers=buffers,
            inputs=inputs,
            outputs=outputs,
            notes=tuple(self.notes),
        )

    def _storage(self, name: str) -> str:
        while name in self.alias:
            name = self.alias[name]
        return name

    def _add_buffer(self, name: str, *, shape: tuple[int, ...] | None = None) -> None:
        kind: BufferKind = "weight"
        if shape is None:
            tensor = self.graph.tensor(name)
            shape, kind = tensor.shape, tensor.kind
        bits = self.hw.dtypes.weights if kind == "weight" else self.hw.dtypes.activations
        nbytes = -(-_prod(shape) * bits // 8)
        self.buffers[name] = Buffer(name=name, shape=shape, kind=kind, nbytes=nbytes)

    def _place(self, op: Op) -> None:
        if op.attributes.get(ASSUMED):
            self.notes.append(
                f"{op.name}: no cost rule for {op.op_type}; assumed one vector op per output "
                f"element ({op.vector_ops:,}), --unsupported=vector"
            )
        if op.attributes.get(WORST_CASE):
            shapes = ", ".join("x".join(map(str, self.graph.tensor(n).shape)) for n in op.outputs)
            self.notes.append(
                f"{op.name}: {op.op_type}'s output size depends on the data; its worst case is "
                f"assumed ({shapes})"
            )
        if op.is_view or self._transposed_operand(op) or op.name in self.strided:
            self.alias[op.outputs[0]] = self._storage(op.inputs[0])
            return
        if self._appends_in_place(op) or op.name in self.absorbed or self._split_columns(op):
            return
        if op.name in self.attention:
            if self._close():
                self._place(op)
            else:
                self._fused_attention(self.attention[op.name])
            return
        fold_bn = op.op_type == "BatchNormalization" and self.hw.lowering.fold_batchnorm
        last = self.drafts[-1] if self.drafts else None
        follows = last is not None and self._follows_engine_output(op, last)
        if last is not None and follows and fold_bn and _linear(last):
            self._fold_batchnorm(op, last)
            return
        if last is not None and self._joins(op, last):
            last.chain.append(op)
            return
        if fold_bn:
            why = (
                f"follows the fused {_last_op_type(last)}"
                if last is not None and follows
                else "does not directly follow a matrix-engine op"
            )
            self.notes.append(
                f"{op.name}: BatchNormalization {why}, so it cannot be folded; it runs on the "
                "vector unit"
            )
        if self._close():  # ops left the last chain and became layers: `op` may join theirs
            self._place(op)
            return
        if not self._stored_as_heads(op):
            self._new_layer(op)

    def _follows_engine_output(self, op: Op, draft: _Draft) -> bool:
        """True when `op` consumes, alone, the single output of a matrix-engine layer."""
        if draft.unit != MATRIX or not op.inputs:
            return False
        return (
            [self._chain_output(draft)] == [op.inputs[0]]
            and self.consumers.get(op.inputs[0], 0) == 1
            and op.inputs[0] not in self.graph_outputs
        )

    # -- data that never moves ----------------------------------------------------------------

    def _transposed_operand(self, op: Op) -> bool:
        """A Transpose of the last two axes read only as a MatMul's second operand: the engine
        reads B transposed (as Gemm's transB), so no copy is made (attention's Kᵀ)."""
        perm = op.attributes.get("perm")
        if op.op_type != "Transpose" or not isinstance(perm, (list, tuple)) or len(perm) < 2:
            return False
        rank = len(perm)
        if list(perm) != [*range(rank - 2), rank - 1, rank - 2]:
            return False
        readers = self.readers.get(op.outputs[0], [])
        return (
            op.outputs[0] not in self.graph_outputs
            and bool(readers)
            and all(o.op_type == "MatMul" and o.inputs[1:] == (op.outputs[0],) for o in readers)
        )

    def _strided_output(self) -> set[str]:
        """Names of the ops that only rearrange data between a fused attention and the producer
        of its queries or the one reader of its output (the heads' Transposes): the kernel reads
        Q and writes its output in those orders, so they make no copy."""
        found: set[str] = set()
        producer = {out: op for op in self.graph.ops for out in op.outputs}
        for attention in self.attention.values():
            op = producer.get(attention.query)
            while op is not None and (op.op_type == "Transpose" or op.is_view):
                readers = self.readers.get(op.outputs[0], [])
                if op.outputs[0] in self.graph_outputs or len(readers) != 1:
                    break
                found.add(op.name)
                op = producer.get(op.inputs[0])
            name = attention.output
            while name not in self.graph_outputs and len(self.readers.get(name, [])) == 1:
                (reader,) = self.readers[name]
                if reader.op_type != "Transpose" and not reader.is_view:
                    break
                found.add(reader.name)
                name = reader.outputs[0]
        return found

    def _appends_in_place(self, op: Op) -> bool:
        """A KV cache as a serving runtime keeps it: Concat(past, new) along the sequence axis,
        `past` a graph input read by nothing else, is `new` appended to `past` where it lies in
        DDR. Readers of the result read the cache there; only the new rows are written."""
        if op.op_type != "Concat" or len(op.inputs) != 2 or len(op.outputs) != 1:
            return False
        past, new = op.inputs
        shape = self.graph.tensor(past).shape
        axis = op.attributes.get("axis")
        if past not in self.graph.inputs or self.consumers.get(past) != 1 or len(shape) < 3:
            return False
        if not isinstance(axis, int) or axis % len(shape) != len(shape) - 2:
            return False  # a (.., sequence, head_dim) cache grows along its sequence axis
        self.alias[op.outputs[0]] = past
        self.appended[op.outputs[0]] = new
        self.notes.append(f"{op.name}: KV cache appended in place (only {new} is written)")
        return True

    def _split_columns(self, op: Op) -> bool:
        """A Split along the last axis of a matrix layer's output, the Split's parts its only
        readers (the QKV projection's into Q, K and V): the layer becomes one layer per part,
        each with its columns of the weight and of the per-column constants of its chain,
        writing its part directly, as a compiler runs three GEMMs (or one writing three
        tensors). The Split then copies nothing. With fused attention only (part of that
        option: it changes no other machine's numbers); False when the pattern does not hold."""
        draft = self.drafts[-1] if self.drafts else None
        if op.op_type != "Split" or draft is None or draft.sealed or draft.op_types != ["MatMul"]:
            return False
        if self.hw.lowering.attention != "fused":
            return False
        source, gemm = op.inputs[0], draft.gemm
        parts = self.readers[source]
        shape = self.graph.tensor(source).shape
        widths = [self.graph.tensor(p.outputs[0]).shape[-1] for p in parts]
        weight = self.graph.tensor(draft.weights[0]).shape if len(draft.weights) == 1 else ()
        if (
            gemm is None or gemm.groups != 1 or gemm.m * gemm.k * gemm.n != draft.macs
            or self._chain_output(draft) != source or self._kept(draft) != [source]
            or source in self.graph_outputs or len(weight) != 2 or weight[1] != gemm.n
            or any(p.op_type != "Split" or p.inputs[:1] != (source,) for p in parts)
            or not _last_axis(op, len(shape)) or not sum(widths) == gemm.n == shape[-1]
        ):  # fmt: skip
            return False
        region = self._region(draft)
        constants = [n for c in draft.chain for n in c.inputs if self._storage(n) not in region]
        if any(not self._columnar(n, gemm.n) for n in constants):
            return False
        self.drafts.pop()
        start = 0
        for number, (part, width) in enumerate(zip(parts, widths, strict=True)):
            end = start + width
            epilogue = sum(
                c.vector_ops * end // gemm.n - c.vector_ops * start // gemm.n
                for c in draft.chain if c.op_type not in self.hw.lowering.fuses
            )  # fmt: skip
            macs = gemm.m * gemm.k * width
            names = dict.fromkeys((*draft.weights, *constants))
            self.drafts.append(
                _Draft(
                    name=f"{draft.name}:{number}",
                    op_types=[*draft.op_types, *(c.op_type for c in draft.chain), "Split"],
                    unit=MATRIX, macs=macs, vector_ops=0, reads=list(draft.reads),
                    views=dict(draft.views),
                    weights=[self._column_slice(n, start, end) for n in names],
                    writes=[part.outputs[0]], window=None,
                    gemm=Gemm(m=gemm.m, k=gemm.k, n=width, groups=1, macs=macs),
                    extra_ops=epilogue, sealed=True,
                )
            )  # fmt: skip
            start = end
        self.absorbed.update(p.name for p in parts)
        return True

    def _columnar(self, name: str, columns: int) -> bool:
        """A weight that goes with output columns: one per column, or a single scalar."""
        tensor = self.graph.tensor(name)
        return tensor.kind == "weight" and (tensor.elements == 1 or tensor.shape == (columns,))

    def _column_slice(self, name: str, start: int, end: int) -> str:
        """The buffer of columns [start, end) of a weight (a scalar is its own slice)."""
        shape = self.graph.tensor(name).shape
        if _prod(shape) == 1:
            return name
        part = f"{name}[{start}:{end}]"
        if part not in self.buffers:
            self._add_buffer(part, shape=(*shape[:-1], end - start))
        return part

    def _stored_as_heads(self, op: Op) -> bool:
        """A Transpose (1, S, H, d) -> (1, H, S, d) of a matrix layer's output split into
        heads (a Reshape): the layer stores its tiles in head order (a strided store), so no
        copy is made; the keys and values a QKV projection writes into a KV cache. With fused
        attention only; False when anything else reads the output on the way."""
        perm = op.attributes.get("perm")
        shape = self.graph.tensor(op.outputs[0]).shape
        if op.op_type != "Transpose" or perm not in ([0, 2, 1, 3], (0, 2, 1, 3)):
            return False
        if self.hw.lowering.attention != "fused" or shape[:1] != (1,):
            return False
        producer = {out: o for o in self.graph.ops for out in o.outputs}
        name = op.inputs[0]
        while self.consumers.get(name) == 1 and name not in self.graph_outputs:
            source = producer.get(name)
            if source is None or not source.is_view:
                break
            name = source.inputs[0]
        stored = self._storage(name)
        writers = (d for d in self.drafts if self._storage(self._chain_output(d)) == stored)
        writer = next(writers, None)
        if writer is None or writer.unit != MATRIX or self.consumers.get(name) != 1:
            return False
        if name in self.graph_outputs or self._storage(op.inputs[0]) != stored:
            return False
        self.alias[stored] = op.outputs[0]
        return True

    def _fused_attention(self, a: Attention) -> None:
        """Q·Kᵀ, scale, mask, Softmax and ·V as one matrix layer over bands of query rows: each
        head's K and V are held (`held`) while its bands stream Q (and the mask), so the scores
        stay in SRAM. The vector work is the scale on each element of Q (folded in before the
        product, as kernels do), the mask on each score and the online softmax
        (FlashAttention): per score a max compare, a subtract, an exp and an add to the
        running sum; per query row a final divide of each of the d outputs. A head's keys are
        never split, so the running max and sum span one block: no rescaling is counted."""
        scores = self.graph.tensor(a.ops[0].outputs[0]).shape
        heads = _prod(scores[:-2])
        rows, keys = scores[-2], scores[-1]
        depth = self.graph.tensor(a.value).shape[-1]
        softmax = heads * (4 * rows * keys + rows * depth)
        reads = [a.query, a.key, a.value, *([a.mask] if a.mask else [])]
        macs = sum(op.macs for op in a.ops)
        self.drafts.append(
            _Draft(
                name=a.ops[0].name,
                op_types=[op.op_type for op in a.ops],
                unit=MATRIX,
                macs=macs,
                vector_ops=0,
                reads=reads,
                weights=[a.scale] if a.scale else [],
                writes=[a.output],
                window=None,
                gemm=Gemm(m=rows, k=depth, n=keys, groups=2 * heads, macs=macs),
                extra_ops=a.scaled + a.masked + softmax,
                held=(self._storage(a.key), self._storage(a.value)),
                pointwise=[a.query],  # read by heads whatever its layout, as the output is
            )
        )

    # -- fusion chains ------------------------------------------------------------------------

    def _joins(self, op: Op, draft: _Draft) -> bool:
        """Whether `op` can be applied on the fly to what `draft` produces: an op the machine
        fuses (`fuses` after a matrix unit, at no cost; `epilogue` after any unit), reading a
        tensor of the draft's chain and writing one of the same shape as the layer's output."""
        lowering = self.hw.lowering
        allowed = (*lowering.epilogue, *(lowering.fuses if draft.unit == MATRIX else ()))
        if draft.sealed or op.op_type not in allowed or len(op.outputs) != 1:
            return False
        if len(draft.writes) != 1:
            return False
        region = self._region(draft)
        if not any(self._storage(n) in region for n in op.inputs):
            return False
        shape = self.graph.tensor(draft.writes[0]).shape
        # A constant operand rides along per output channel (a bias, a scale); a larger one (a
        # mask, a position table) is data a tile would have to slice by rows: not fused.
        constants = (self.graph.tensor(n) for n in op.inputs if self._storage(n) not in region)
        if any(t.kind == "weight" and t.elements > shape[-1] for t in constants):
            return False
        return self.graph.tensor(op.outputs[0]).shape == shape

    def _region(self, draft: _Draft) -> set[str]:
        """Tensors the draft computes: its output and every output of its chain."""
        return {self._storage(n) for n in (*draft.writes, *(o.outputs[0] for o in draft.chain))}

    def _chain_output(self, draft: _Draft) -> str:
        return draft.chain[-1].outputs[0] if draft.chain else draft.writes[0]

    def _kept(self, draft: _Draft) -> list[str]:
        """Tensors of the chain that must be written: read outside it, or graph outputs."""
        inside: dict[str, int] = {}
        for op in draft.chain:
            for name in dict.fromkeys(op.inputs):
                inside[name] = inside.get(name, 0) + op.inputs.count(name)
        names = [*draft.writes, *(op.outputs[0] for op in draft.chain)]
        return [
            n for n in names
            if self.consumers.get(n, 0) > inside.get(n, 0) or n in self.graph_outputs
        ]  # fmt: skip

    def _close(self) -> bool:
        """Seal the last chain: drop its trailing ops until one tensor leaves it (a chain with
        two results, say a MatMul output also read elsewhere, cannot be one layer), then place
        the dropped ops as layers of their own. True if any was dropped."""
        if not self.drafts or self.drafts[-1].sealed:
            return False
        draft = self.drafts[-1]
        draft.sealed = True
        dropped: list[Op] = []
        while draft.chain and len(self._kept(draft)) != 1:
            dropped.insert(0, draft.chain.pop())
        for op in dropped:
            self._place(op)
        return bool(dropped)

    def _new_layer(self, op: Op) -> None:
        reads: list[str] = []
        weights: list[str] = []
        views: dict[str, tuple[int, ...]] = {}
        for name in op.inputs:
            is_weight = self.graph.tensor(name).kind == "weight"
            (weights if is_weight else reads).append(self._storage(name))
            if self._storage(name) != name:  # read through a view: tiled as that shape
                views[self._storage(name)] = self.graph.tensor(name).shape
        # NOTE: a matrix unit only multiply-accumulates: an op without MACs listed in
        # matrix_ops (say Relu) would cost it nothing, so it stays on the vector unit.
        matrix = op.op_type in self.hw.lowering.matrix_ops and op.macs > 0
        self.drafts.append(
            _Draft(
                name=op.name,
                op_types=[op.op_type],
                unit=MATRIX if matrix else VECTOR,
                macs=op.macs,
                vector_ops=op.vector_ops,
                reads=reads,
                weights=weights,
                writes=list(op.outputs),
                window=_window(op),
                gemm=self._gemm(op) if matrix else None,
                # One output of a Split reads only its own part of the input; a tile of a
                # Transpose reads just the elements it writes (strided).
                pointwise=reads[:1] if _reads_its_elements(op) else [],
                views=views,
            )
        )

    def _gemm(self, op: Op) -> Gemm:
        """The op's MACs as `groups` GEMMs M x K x N (exact where `_GEMM_SHAPES` has a rule for
        the op type). Otherwise N = output channels per group (the last axis of a 2-D output),
        M = the other output elements, K = MACs / (M x N x groups)."""
        shapes = [self.graph.tensor(name).shape for name in (*op.inputs, op.outputs[0])]
        exact = _GEMM_SHAPES.get(op.op_type)
        dims = exact(op, shapes) if exact is not None else None
        if dims is not None and _prod(dims) == op.macs:
            m, k, n, groups = dims
            return Gemm(m=m, k=k, n=n, groups=groups, macs=op.macs)
        shape = shapes[-1]
        # a scalar output (a dot product, an Einsum summed to one number) is one channel
        channels = shape[1] if op.op_type == "Conv" and len(shape) > 2 else (shape or (1,))[-1]
        group = op.attributes.get("group", 1) if op.op_type == "Conv" else 1
        groups = group if isinstance(group, int) and group > 0 else 1
        m = max(1, _prod(shape) // max(1, channels))
        n = max(1, channels // groups)
        k = max(1, -(-op.macs // (m * n * groups)))
        return Gemm(m=m, k=k, n=n, groups=groups, macs=op.macs)

    def _fold_batchnorm(self, op: Op, draft: _Draft) -> None:
        """Fold scale/shift into the conv weights: BN parameters vanish, the conv gains a bias."""
        extra: list[str] = []
        if len(draft.weights) < 2:
            channels = self.graph.tensor(op.inputs[0]).shape[1]
            bias = f"{draft.name}.folded_bias"
            self._add_buffer(bias, shape=(channels,))
            extra.append(bias)
        self._extend(draft, op, extra)

    @staticmethod
    def _extend(draft: _Draft, op: Op, extra_weights: list[str]) -> None:
        draft.op_types.append(op.op_type)
        draft.weights.extend(extra_weights)
        draft.writes = list(op.outputs)

    def _freeze(self, index: int, draft: _Draft) -> Layer:
        """The layer: its primary op (and folded BNs) plus its chain, each chain op's other
        operands read alongside, its vector ops on the vector unit unless the machine's output
        stage applies it (`fuses`, after a matrix unit)."""

        def unique(names: list[str]) -> tuple[str, ...]:
            return tuple(dict.fromkeys(self._storage(n) for n in names))

        def op_shape(op: Op) -> tuple[int, ...]:
            return self.graph.tensor(op.outputs[0]).shape

        region = self._region(draft)
        reads, weights, chain_ops = list(draft.reads), list(draft.weights), 0
        pointwise: list[str] = list(draft.pointwise)
        for op in draft.chain:
            for name in op.inputs:
                if self._storage(name) not in region:
                    tensor = self.graph.tensor(name)
                    (weights if tensor.kind == "weight" else reads).append(name)
                    if tensor.kind != "weight" and tensor.shape == op_shape(op):
                        pointwise.append(name)
            free = draft.unit == MATRIX and op.op_type in self.hw.lowering.fuses
            chain_ops += 0 if free else op.vector_ops
        writes = self._kept(draft) if draft.chain else draft.writes
        matrix = draft.unit == MATRIX
        return Layer(
            index=index,
            name=draft.name,
            op_types=(*draft.op_types, *(op.op_type for op in draft.chain)),
            unit=draft.unit,
            macs=draft.macs,
            vector_ops=_vector_ops(draft) + (0 if matrix else chain_ops),
            reads=unique(reads),
            weights=unique(weights),
            writes=unique(writes),
            window=draft.window,
            gemm=draft.gemm,
            elements=sum(_prod(self.graph.tensor(n).shape) for n in writes),
            epilogue_ops=draft.extra_ops + (chain_ops if matrix else 0),
            held=unique(list(draft.held)),
            views=tuple((self._storage(n), shape) for n, shape in draft.views.items()),
            pointwise=tuple(
                n for n in unique(pointwise)
                if n not in unique(draft.reads) or n in unique(draft.pointwise)
            ),
        )


def _reads_its_elements(op: Op) -> bool:
    """A tile of the op's output needs only as many input elements as it writes."""
    return (op.op_type == "Split" and len(op.outputs) == 1) or op.op_type == "Transpose"


def _last_axis(op: Op, rank: int) -> bool:
    axis = op.attributes.get("axis", 0)
    return isinstance(axis, int) and rank > 0 and axis % rank == rank - 1


def _linear(draft: _Draft) -> bool:
    """True while the layer is its primary op and folded BNs: a BN after a fused ReLU cannot be
    folded into the weights (ReLU does not commute with scale and shift)."""
    return not draft.chain


def _last_op_type(draft: _Draft) -> str:
    return draft.chain[-1].op_type if draft.chain else draft.op_types[-1]


def _vector_ops(draft: _Draft) -> int:
    """Ops the vector unit does for a layer: its own, plus 2 per MAC when a MAC op lands there.

    A Conv/Gemm/MatMul left off the matrix engine (not in its `ops`) still has to multiply and
    add: each MAC is two vector ops, like the engine's two FLOPs, never free.
    """
    if draft.unit != VECTOR:
        return 0
    return draft.vector_ops + 2 * draft.macs


def _conv_transpose_gemm(op: Op, shapes: list[tuple[int, ...]]) -> tuple[int, ...] | None:
    """ConvTranspose in the col2im view (how frameworks lower it: one GEMM, then a scatter-add
    of its columns onto the output): per group, M = batch x input pixels, K = Cin/group,
    N = Cout/group x kh x kw. Exact: no multiplications by the zeros that the other view (a
    stride-1 conv over a zero-inserted input, K = Cin/group x kh x kw per output pixel)
    inserts, so m x k x n x groups is the cost rule's MACs."""
    x, weight = shapes[0], shapes[1]
    group = op.attributes.get("group", 1)
    groups = group if isinstance(group, int) and group > 0 else 1
    if len(x) < 3 or len(weight) != len(x) or x[1] % groups:
        return None
    return x[0] * _prod(x[2:]), x[1] // groups, _prod(weight[1:]), groups


def _einsum_gemm(op: Op, shapes: list[tuple[int, ...]]) -> tuple[int, ...] | None:
    """A two-input Einsum as a batched GEMM: groups = the batch labels (in both inputs and the
    output), M = the first input's free labels (in the output), N = the second's, K = the
    labels summed away ("bhqd,bhkd->bhqk": groups b·h, M q, K d, N k)."""
    equation = op.attributes.get("equation")
    if len(op.inputs) != 2 or not isinstance(equation, str) or "->" not in equation:
        return None
    terms, sizes = einsum_labels(equation, shapes)
    if len(terms) != 3:
        return None
    a, b, out = terms
    size = {"m": 1, "k": 1, "n": 1, "groups": 1}
    for label, length in sizes.items():
        role = "k" if label not in out else (
            "groups" if label in a and label in b else "m" if label in a else "n"
        )  # fmt: skip
        size[role] *= length
    return size["m"], size["k"], size["n"], size["groups"]


def _matmul_gemm(op: Op, shapes: list[tuple[int, ...]]) -> tuple[int, ...] | None:
    """A MatMul A x B, B (..., K, N): groups = B's batch dims (each batch its own K x N operand,
    attention's Q·Kᵀ and scores·V), M = the output rows per group; a 2-D B (a weight shared by
    every row) is one GEMM with M = all output rows."""
    b, out = shapes[1], shapes[-1]
    if len(b) < 2 or not out:
        return None
    groups = _prod(b[:-2])
    return _prod(out[:-1]) // groups, b[-2], b[-1], groups


_GEMM_SHAPES: dict[str, Callable[[Op, list[tuple[int, ...]]], tuple[int, ...] | None]] = {
    "ConvTranspose": _conv_transpose_gemm,
    "Einsum": _einsum_gemm,
    "MatMul": _matmul_gemm,
}
"""Op types whose GEMM shape (M, K, N, groups) is derived from their operands, by op type;
None where the operands do not fit the rule (the generic output-based shape is used then)."""


def _window(op: Op) -> Window | None:
    """Row geometry of ops whose output rows depend on a band of input rows."""
    attrs = op.attributes
    kernel = attrs.get("kernel_shape")
    if op.op_type in ("Conv", "MaxPool", "AveragePool") and isinstance(kernel, (list, tuple)):
        strides = attrs.get("strides") or [1, 1]
        pads = attrs.get("pads") or [0, 0, 0, 0]
        assert isinstance(strides, (list, tuple)) and isinstance(pads, (list, tuple))
        return Window(kernel=int(kernel[0]), stride=int(strides[0]), pad=int(pads[0]))
    return None


def _with_kind(buffer: Buffer, kind: BufferKind) -> Buffer:
    return Buffer(name=buffer.name, shape=buffer.shape, kind=kind, nbytes=buffer.nbytes)


def _prod(shape: tuple[int, ...]) -> int:
    total = 1
    for dim in shape:
        total *= dim
    return total
