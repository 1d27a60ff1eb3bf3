"""`accelsim inspect MODEL.onnx`: the graph as accelsim sees it, without a machine.

Per op: name, op_type, shapes, MACs, vector ops, parameters, activation bytes and whether
accelsim models it; then totals. Ops without a cost rule are listed (not modelled) instead of
stopping at the first, so one look shows everything `accelsim run` would refuse. The table and
`--json` are rendered from the same rows, so they cannot disagree.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, cast

from accelsim.cli._args import add_model_arguments, check_model_and_hardware, positive_int

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.text import Text

    from accelsim.workload import Graph, Op

DEFAULT_BITS = 8
"""Bits per element for byte counts: the paper's 8-bit weights and activations."""


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser], summary: str
) -> None:
    """Add the `inspect` subcommand."""
    p = subparsers.add_parser("inspect", help=summary, description=summary)
    add_model_arguments(p)
    p.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    p.add_argument(
        "--bits",
        type=positive_int,
        default=DEFAULT_BITS,
        metavar="B",
        help=f"bits per element for byte counts (default: {DEFAULT_BITS}, as in the paper)",
    )
    p.add_argument(
        "--unsupported",
        choices=("list", "vector"),
        default="list",
        help="an op without a cost rule: list it at zero cost, the totals marked partial (list, "
        "the default), or cost it as one vector op per output element, marked assumed (vector)",
    )
    p.set_defaults(handler=handle)


@dataclass(frozen=True, slots=True)
class TensorRow:
    """A tensor as listed: name, static shape (None where an unmodelled op left it unknown)
    and kind (input, weight, activation, output)."""

    name: str
    shape: tuple[int, ...] | None
    kind: str


@dataclass(frozen=True, slots=True)
class OpRow:
    """One op as listed: `params` = weight elements it reads, `activation_bytes` = its outputs."""

    name: str
    op_type: str
    inputs: tuple[TensorRow, ...]
    outputs: tuple[TensorRow, ...]
    macs: int
    vector_ops: int
    params: int
    activation_bytes: int
    modelled: bool
    is_view: bool
    assumed: bool
    """Costed as one vector op per output element for want of a rule (--unsupported=vector)."""
    worst_case: bool
    """Its output size depends on the data: the rule's worst case is listed and costed."""


@dataclass(frozen=True, slots=True)
class Totals:
    """Whole-model sums; shared weights count once in `params` and `parameter_bytes`.

    `params` counts every weight tensor's elements, BatchNormalization running mean and
    variance included (they are stored and moved like weights); `batchnorm_statistics` is
    that part, which training does not learn by gradient (model cards count without it).
    """

    ops: int
    unsupported_ops: int
    """Ops left out of every other total (listed at zero cost): the totals are partial."""
    assumed_ops: int
    """Ops costed by assumption (one vector op per output element), included in the totals."""
    macs: int
    vector_ops: int
    params: int
    parameter_bytes: int
    batchnorm_statistics: int


def _tensor_row(graph: Graph, name: str, unknown: tuple[str, ...] = ()) -> TensorRow:
    tensor = graph.tensor(name)
    return TensorRow(name, None if name in unknown else tensor.shape, tensor.kind)


def _unknown_shapes(graph: Graph) -> tuple[str, ...]:
    """Tensors whose static shape an unmodelled op left unknown (a model output among them)."""
    from accelsim.workload.graph import UNKNOWN_SHAPES

    return tuple(
        name
        for op in graph.ops
        for name in cast("tuple[str, ...]", op.attributes.get(UNKNOWN_SHAPES, ()))
    )


def op_row(graph: Graph, op: Op, bits: int) -> OpRow:
    """The listing of one op at `bits` per element."""
    from accelsim.workload.graph import ASSUMED, UNKNOWN_SHAPES, WORST_CASE
    from accelsim.workload.onnx_import import UNSUPPORTED

    unknown = cast("tuple[str, ...]", op.attributes.get(UNKNOWN_SHAPES, ()))
    return OpRow(
        name=op.name,
        op_type=op.op_type,
        inputs=tuple(_tensor_row(graph, name, unknown) for name in op.inputs),
        outputs=tuple(_tensor_row(graph, name, unknown) for name in op.outputs),
        macs=op.macs,
        vector_ops=op.vector_ops,
        params=sum(tensor.elements for tensor in graph.weights_of(op)),
        activation_bytes=sum(
            graph.tensor(name).nbytes(bits) for name in op.outputs if name not in unknown
        ),
        modelled=not op.attributes.get(UNSUPPORTED, False),
        is_view=op.is_view,
        assumed=bool(op.attributes.get(ASSUMED, False)),
        worst_case=bool(op.attributes.get(WORST_CASE, False)),
    )


def totals(graph: Graph, rows: list[OpRow], bits: int) -> Totals:
    """Sums over the listed ops; parameters from the graph so a shared weight counts once."""
    weights = [tensor for tensor in graph.tensors.values() if tensor.kind == "weight"]
    return Totals(
        ops=len(rows),
        unsupported_ops=sum(not row.modelled for row in rows),
        assumed_ops=sum(row.assumed for row in rows),
        macs=graph.total_macs,
        vector_ops=sum(row.vector_ops for row in rows),
        params=graph.parameter_count,
        parameter_bytes=sum(tensor.nbytes(bits) for tensor in weights),
        batchnorm_statistics=sum(
            graph.tensor(name).elements
            for op in graph.ops
            if op.op_type == "BatchNormalization"
            for name in op.inputs[3:5]
            if graph.tensor(name).kind == "weight"
        ),
    )


def handle(args: argparse.Namespace) -> int:
    """Import with unsupported ops kept, then print the table or the JSON document."""
    from accelsim.workload import import_onnx

    check_model_and_hardware(args.model, None)
    assume = args.unsupported == "vector"
    graph = import_onnx(args.model, batch=args.batch, keep_unsupported=not assume,
                        assume_vector=assume)  # fmt: skip
    rows = [op_row(graph, op, args.bits) for op in graph.ops]
    summary = totals(graph, rows, args.bits)
    attention = attention_found(graph)
    if args.json:
        unknown = _unknown_shapes(graph)
        document = {
            "model": args.model,
            "graph": graph.name,
            "metadata": dict(graph.metadata),
            "bits": args.bits,
            "inputs": [asdict(_tensor_row(graph, name, unknown)) for name in graph.inputs],
            "outputs": [asdict(_tensor_row(graph, name, unknown)) for name in graph.outputs],
            "ops": [asdict(row) for row in rows],
            "totals": asdict(summary),
            "attention": attention,
        }
        json.dump(document, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    from accelsim.cli._terminal import stdout_console

    console = stdout_console()
    console.print(_render(args.model, graph, rows, summary, args.bits))
    if attention["matched"] or attention["unfused"]:
        console.print(attention_line(attention), markup=False)
    return 0


def attention_found(graph: Graph) -> dict[str, list[str]]:
    """Attention a machine with `lowering.attention: fused` runs fused (by its Q·Kᵀ op) and,
    for each Softmax that looked like attention but was not matched, why it stays unfused."""
    from accelsim.workload.attention import find_attention

    found, misses = find_attention(graph)
    return {"matched": [a.ops[0].name for a in found], "unfused": list(misses)}


def attention_line(attention: dict[str, list[str]]) -> str:
    matched = attention["matched"]
    line = f"attention: {len(matched)} matched for fused lowering"
    if matched:
        line += f" ({matched[0]}" + (f" ... {matched[-1]})" if len(matched) > 1 else ")")
    unfused = attention["unfused"]
    return line + (f"; {len(unfused)} left unfused: " + "; ".join(unfused) if unfused else "")


def _shape(shape: tuple[int, ...] | None) -> str:
    if shape is None:
        return "?"
    return "x".join(map(str, shape)) if shape else "scalar"


def _render(
    model: str, graph: Graph, rows: list[OpRow], summary: Totals, bits: int
) -> RenderableType:
    from rich.console import Group
    from rich.text import Text

    from accelsim._text import printable
    from accelsim.report.columns import Column, FittedTable

    inputs = ", ".join(f"{name} {_shape(graph.tensor(name).shape)}" for name in graph.inputs)
    header = Text(printable(f"{model}: graph {graph.name!r}, inputs {inputs}, {bits}-bit elements"))
    # What a narrow terminal keeps longest (higher first); layer and op are always shown.
    columns = (
        Column("#", 1), Column("layer", justify="left", fold=True), Column("op", justify="left"),
        Column("input shapes", 3, justify="left"), Column("output shape", 6, justify="left"),
        Column("MACs", 8), Column("vector ops", 5), Column("params", 4), Column("act. bytes", 2),
        Column("modelled", 7, justify="left"),
    )  # fmt: skip
    table_rows = [
        (
            str(index), row.name, row.op_type,
            ", ".join(_shape(t.shape) for t in row.inputs if t.kind != "weight"),
            ", ".join(_shape(t.shape) for t in row.outputs),
            f"{row.macs:,}", f"{row.vector_ops:,}", f"{row.params:,}", f"{row.activation_bytes:,}",
            _modelled(row),
        )
        for index, row in enumerate(rows, start=1)
    ]  # fmt: skip
    table = FittedTable(columns, table_rows)
    parts: list[RenderableType] = [header, table, Text(total_line(rows, summary, bits))]
    if summary.unsupported_ops:
        parts.append(
            Text(
                f"{summary.unsupported_ops} op(s) not modelled: `accelsim run` refuses this model "
                "(or costs them as assumed with --unsupported=vector)",
                style="red",
            )
        )
    return Group(*parts)


def _modelled(row: OpRow) -> str | Text:
    from rich.text import Text

    if not row.modelled:
        return Text("no", style="red")
    if row.assumed:
        return Text("assumed", style="yellow")
    if row.worst_case:
        return Text("worst case", style="yellow")
    return "view" if row.is_view else "yes"


def total_line(rows: list[OpRow], summary: Totals, bits: int) -> str:
    """The totals, saying in the same line what they leave out or assume."""
    line = (
        f"{summary.ops} ops, {summary.macs:,} MACs, {summary.vector_ops:,} vector ops, "
        f"{summary.params:,} params ({summary.parameter_bytes:,} bytes at {bits}-bit)"
        + (
            f", of which {summary.batchnorm_statistics:,} batch-norm running mean/var "
            f"({summary.params - summary.batchnorm_statistics:,} without them)"
            if summary.batchnorm_statistics
            else ""
        )
    )
    left_out = [f"{row.name} ({row.op_type})" for row in rows if not row.modelled]
    assumed = [f"{row.name} ({row.op_type})" for row in rows if row.assumed]
    if left_out:
        line = f"PARTIAL totals, leaving out {len(left_out)} unmodelled op(s) " \
               f"[{', '.join(left_out)}]: {line}"  # fmt: skip
    if assumed:
        line += f"; {len(assumed)} op(s) assumed one vector op per output element " \
                f"[{', '.join(assumed)}]"  # fmt: skip
    worst = [f"{row.name} ({row.op_type})" for row in rows if row.worst_case]
    if worst:
        line += f"; {len(worst)} op(s) with a data-dependent output size, taken at its worst " \
                f"case [{', '.join(worst)}]"  # fmt: skip
    return line
