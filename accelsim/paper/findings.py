"""The report's prose: the rules the paper follows and the list of its inconsistencies.

Every number is read from the printed tables or computed by the model; the prose only says which
numbers to set side by side. Statements about the paper's text (what it claims) are quoted.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from accelsim.paper._format import bits as b
from accelsim.paper._format import hwc, listed
from accelsim.paper._format import seconds as s
from accelsim.paper.diagnose import agree_4sf

if TYPE_CHECKING:
    from accelsim.paper.evaluations import Evaluations
    from accelsim.paper.model import PaperRow, PaperTable
    from accelsim.paper.published import Published


def _body(table: PaperTable, published: Published) -> tuple[PaperRow, ...]:
    return table.rows[: len(published.rows)]


def rules_section(ev: Evaluations) -> list[str]:
    """How each printed column is produced, each rule shown on the paper's own numbers."""
    pub = ev.comparison.published
    ours = ev.comparison.table
    first, second = pub.row(1), pub.row(2)
    filter1 = int((first.move_bits.value - first.in_bits.value) / 2)
    spill = next(r for r in pub.rows if r.spilled)
    before = pub.row(spill.layer - 1)
    after = pub.row(spill.layer + 1)
    spill_w = int(spill.internal_bits.value - before.internal_bits.value - spill.out_bits.value)
    after_w = int(after.move_bits.value / 2)
    row1 = ours.row(1)
    act_bits = row1.in_bits // math.prod(ev.graph.tensor(ev.graph.inputs[0]).shape)
    return [
        f"1. **Feature maps** are counted at {act_bits} bits per element: layer 1's input "
        f"{hwc(ev.graph.tensor(ev.graph.inputs[0]).shape)} is {b(first.in_bits.value)} bits.",
        "2. **Internal memory used is a running total that is never freed**: layer 1 adds its "
        "input, output and filter, each later layer its output and filter: layer 2 = "
        f"{b(first.internal_bits.value)} + {b(second.out_bits.value)} + "
        f"{b(second.internal_bits.value - first.internal_bits.value - second.out_bits.value)} "
        f"= {b(second.internal_bits.value)}.",
        "3. **Filter coefficients enter the bit columns in bytes**: layer 1's filter "
        f"{_shapes(row1)} has {b(filter1)} int8 coefficients = {b(filter1 * 8)} bits, yet it "
        f"adds {b(filter1)} to the running total.",
        '4. **Data movement is the filter twice** ("moved from internal to external and then '
        'vice versa"), plus the input image at layer 1: '
        f"{first.move_bits.text} = {first.in_bits.text} + 2 x {b(filter1)}; layer 2 moves "
        f"{second.move_bits.text} = 2 x {b(second.move_bits.value / 2)}.",
        f"5. **Overflow**: at layer {spill.layer} the running total "
        f"({b(spill.internal_bits.value)} bits) exceeds the internal memory and everything in it "
        f"except the layer's own coefficients is moved out: {b(spill.move_bits.value)} = "
        f"2 x {b(spill_w)} + ({b(spill.internal_bits.value)} - {b(spill_w)}). Layer "
        f"{after.layer} restarts the count with input, output and filter: "
        f"{b(after.internal_bits.value)} = {b(after.in_bits.value)} + "
        f"{b(after.out_bits.value)} + {b(after_w)}.",
        f'6. **"1 MB" is 10^6 bytes**: the total fits at layer {before.layer} '
        f"({b(before.internal_bits.value)} bits = {b(before.internal_bits.value / 8)} B) and "
        f"overflows at layer {spill.layer} ({b(spill.internal_bits.value)} bits = "
        f"{b(spill.internal_bits.value / 8)} B); 10^6 B lies between, 2^20 B = 1,048,576 B "
        f"does not (layer {spill.layer} would fit).",
        f"7. **Data movement time** = bits / 8 / 10^9 B/s: layer 1's {b(first.move_bits.value)} "
        f"bits = {b(first.move_bits.value / 8)} B take {first.move_s.text} s.",
        "8. **Compute time** = 2 x MACs / 10^12 FLOP/s and nothing else: layer 1's "
        f"{b(row1.macs)} MACs give {s(2 * row1.macs / 1e12)} (printed {first.compute_s.text}).",
        "9. **Performance time** = A + B (no overlap of transfers and compute); the total is "
        "meant to be the sum of the rows.",
    ]


def layer_errors(ev: Evaluations) -> list[str]:
    """Each printed cell that differs from the model, by layer, with its corrected value.

    Running totals and A + B cells are left out: they follow from the cells listed.
    """
    lines: list[str] = []
    derived = {"internal_bits", "perf_s"}
    by_layer: dict[int, list[str]] = {}
    for cell in ev.comparison.cells:
        if cell.agree or cell.layer is None or cell.column.key in derived:
            continue
        by_layer.setdefault(cell.layer, []).append(
            f"{cell.column.title}: paper {cell.paper.text}, corrected {_value(cell.ours)} "
            f"({cell.reason})"
        )
    for layer, items in sorted(by_layer.items()):
        lines.append(f"- **Layer {layer}**: " + "; ".join(items) + ".")
    carried = [c for c in ev.comparison.cells if c.column.key == "internal_bits" and not c.agree]
    if carried:
        lines.append(
            f"- **Internal memory used**, layers {_ranges([c.layer or 0 for c in carried])}: the "
            "running total carries the differences above (see the Table 3 reasons)."
        )
    return lines


def text_findings(ev: Evaluations) -> list[str]:
    """Inconsistencies between the paper's text, its tables and Table 1."""
    pub = ev.comparison.published
    ours = ev.comparison.table
    body = _body(ours, pub)
    printed = ev.as_printed.table
    spill = next(r for r in pub.rows if r.spilled)
    peak = max(r.internal_bits for r in body)
    slipped_move = printed.row(spill.layer).move_bits if printed.row(spill.layer).spilled else 0
    biggest = max(pub.rows, key=lambda r: r.perf_s.value)
    row26 = pub.row(26)
    rows_sum = sum(r.perf_s.value for r in pub.rows)
    corrected = ev.fused.tables["corrected"]
    unfused = ev.unfused.tables[ev.rules.name]
    head = ours.rows[len(pub.rows) :]
    fc = next((r for r in head if "Gemm" in r.op_types or "MatMul" in r.op_types), None)
    conv_rows = sum(1 for r in ours.rows if "Conv" in r.op_types)
    strided = [r.index for r in body if r.stride > 1]
    inflated = sorted(
        {
            c.layer or 0
            for c in ev.as_printed.cells
            if not c.agree and c.column.key in ("out_bits", "move_bits") and c.layer != spill.layer
        }
    )
    excess = pub.total_s.value - rows_sum
    doubled = [r.layer for r in pub.rows if agree_4sf(r.perf_s.value, excess)]
    act_bits = ours.row(1).in_bits // math.prod(ev.graph.tensor(ev.graph.inputs[0]).shape)
    row6 = ours.row(6)
    after = pub.row(spill.layer + 1)
    return [
        f"1. **The layer-{spill.layer} overflow is an artefact of the stride-2 slip.** With "
        f"Table 1's shapes the running total never exceeds {b(peak)} bits "
        f"({b(peak / 8)} B) over the {len(body)} layers, under the "
        f"{b(ours.capacity_bits / 8)} B memory: nothing spills (rules `{ours.rules.name}`). "
        f"Counting layers {listed(strided)} at their input size again (rules `as-printed`) "
        "brings the "
        f"overflow back at layer(s) {listed(printed.spills)}, moving {b(slipped_move)} bits "
        f"against the paper's {spill.move_bits.text}; the gap is the running total the paper "
        f"inflates at layers {listed(inflated)} (Table 3 reasons).",
        f'2. The text says the memory limit is exceeded "after the 26th layer"; Table 3 marks '
        f"layer {spill.layer}.",
        f'3. The text says layer 26 takes "considerably more" time than any other "because of '
        'the large filter coefficient size"; in Table 4 the largest row is layer '
        f"{biggest.layer} ({biggest.perf_s.text} s, {biggest.perf_s.value / pub.total_s.value:.1%}"
        f" of the total), almost all of it the spill; layer 26 takes {row26.perf_s.text} s and "
        f"its filter {_shapes(ours.row(26))} is one of the smallest ({b(ours.row(26).weight_bits)}"
        " coefficients).",
        f"4. The printed total {pub.total_s.text} s is not the sum of the rows "
        f"({rows_sum:.9g} s): the excess {excess:.6g} s is the row of layer(s) "
        f"{listed(doubled) or 'none'} counted twice, to the printed digits.",
        "5. Units: filter coefficients are counted in bytes inside bit columns (rule 3). With "
        f"the coefficients in bits and loaded once (rules `corrected`) the same memory overflows "
        f"at layer(s) {listed(corrected.spills) or 'none'} and the total is "
        f"{s(corrected.total_s)}.",
        '6. Filter coefficients are "moved from internal to external and then vice versa": '
        "weights are read-only and already in external memory, so one trip in is enough; the "
        "paper charges two in every row.",
        f"7. Layer {spill.layer + 1} reads layer {spill.layer}'s output from internal memory "
        f"({after.in_bits.text} bits, counted in its {after.internal_bits.text}) right after "
        f"the spill moved it out, and moves only its filter ({after.move_bits.text} bits): the "
        "reload is missing.",
        '8. The text charges "the number of ops in the operator / 10 GFLOPS" for every operator '
        "other than convolution and matrix multiplication, and every layer is followed by "
        "batchnorm and ReLU, yet each consistent compute cell is exactly 2 x MACs / 1 TFLOPS "
        "(rule 8): the table behaves as if BN were folded and ReLU fused (hardware/edge1.yaml). "
        f"With BN and ReLU on the vector unit the paper's method gives {s(unfused.total_s)} "
        f"instead of {s(ours.total_s)}.",
        f"9. The head ({', '.join(r.name for r in head)}) is not in Tables 3 and 4 although the "
        f'total is the "sum-total of all the layers"; it adds {s(sum(r.perf_s for r in head))}.',
        "10. Table 1's FC layer is 256 x 1000, but it feeds a 10-class softmax (1 x 1 x 10); "
        f"the workload's FC filter is {_shapes(fc) if fc else 'absent'}.",
        '11. The text counts 28 layers ("counting depthwise and pointwise convolutions as '
        'separate layers") and later 27 ("excluding batch normalization and pointwise '
        f'nonlinearity"); Table 1 has {conv_rows} convolutions plus the FC layer, and Tables 3 '
        f"and 4 have {len(pub.rows)} rows (the convolutions only).",
        f"12. Table 3's layer 6, a depthwise (channel-preserving) convolution, turns "
        f"{pub.row(6).in_bits.text} bits ({_ashwc(pub.row(6).in_bits.value, row6, act_bits)}) "
        f"into {pub.row(6).out_bits.text} ({_ashwc(pub.row(6).out_bits.value, row6, act_bits)}):"
        " impossible within the table itself; it inherits layer 5's output.",
        "13. Table 4's caption repeats Table 3's (\"I/O feature map size and location with "
        'internal memory used and data movement size each layer").',
    ]


def _value(value: float | None) -> str:
    if value is None:
        return "-"
    return b(value) if float(value).is_integer() else f"{value:.6g}"


def _shapes(row: PaperRow) -> str:
    """Filter shapes in ONNX order (out, in per group, kh, kw)."""
    return " + ".join(str(shape) for shape in row.filter_shapes) or "none"


def _ashwc(bits: float, row: PaperRow, act_bits: int) -> str:
    """`bits` read as a feature map of `row`'s resolution: H x W x (channels it implies)."""
    height, width = row.out_shape[2], row.out_shape[3]
    return f"{height}x{width}x{bits / act_bits / (height * width):g}"


def _ranges(numbers: list[int]) -> str:
    """1, 2, 3, 5 -> "1-3, 5"."""
    spans: list[list[int]] = []
    for n in sorted(numbers):
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(f"{a}-{z}" if a != z else f"{a}" for a, z in spans)
