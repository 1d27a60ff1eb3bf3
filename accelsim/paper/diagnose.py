"""Why a printed cell differs from the model: each reason is worked out from the numbers.

Nothing here knows which layers the paper got wrong. A reason is found by testing the paper's
value against explanations computed from the model: the same layer with the paper's stride-2
slip put back, the paper's own neighbouring cells (a map repeated from the row above, a time that
is its own bit count over the bus), the coefficient or MAC count the printed value implies, or
the per-layer increments a running total carries. A cell no test explains says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from accelsim.paper._format import hwc, listed

if TYPE_CHECKING:
    from collections.abc import Callable

    from accelsim.paper.model import PaperRow, PaperTable
    from accelsim.paper.published import Published, PublishedRow

UNEXPLAINED = "not explained"


def agree_4sf(ours: float | None, paper: float) -> bool:
    """True when both round to the same 4 significant digits (0 only agrees with 0)."""
    if ours is None:
        return False
    return f"{ours:.3e}" == f"{paper:.3e}"


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a reason may use: the model, the model with the stride slip, the printed tables."""

    table: PaperTable
    slipped: PaperTable
    published: Published

    def ours(self, layer: int) -> PaperRow:
        return self.table.row(layer)

    def paper(self, layer: int) -> PublishedRow:
        return self.published.row(layer)


def explain(key: str, layer: int | None, evidence: Evidence) -> str:
    """The reason the printed cell (column `key`, `layer`; None = total) differs from the model."""
    if layer is None:
        return _total(evidence)
    if layer > len(evidence.table.rows):
        return f"the model has no layer {layer}"
    return _REASONS[key](layer, evidence) or UNEXPLAINED


def _slip_explains(key: str, layer: int, ev: Evidence) -> bool:
    """The printed value is what the model gives with the paper's stride-2 slip put back."""
    if ev.table.rules.strided_at_input_resolution:
        return False
    slipped = float(getattr(ev.slipped.row(layer), key))
    return agree_4sf(slipped, ev.paper(layer).value(key).value)


def _in(layer: int, ev: Evidence) -> str | None:
    paper, ours = ev.paper(layer).in_bits.value, ev.ours(layer)
    if layer == 1:
        return None
    before = ev.ours(layer - 1)
    if before.stride > 1 and _slip_explains("in_bits", layer, ev):
        return (
            f"layer {layer - 1} has stride {before.stride} and the paper counts its output at "
            f"its input resolution ({paper:,.0f} bits); Table 1 gives this input as "
            f"{hwc(before.out_shape)} = {ours.in_bits:,} bits"
        )
    repeats = paper == ev.paper(layer - 1).out_bits.value
    if repeats and ours.in_bits == before.out_bits:
        return f"repeats the paper's layer {layer - 1} output ({paper:,.0f} bits), see that row"
    return None


def _out(layer: int, ev: Evidence) -> str | None:
    paper, ours = ev.paper(layer).out_bits.value, ev.ours(layer)
    if ours.stride > 1 and _slip_explains("out_bits", layer, ev):
        return (
            f"stride-{ours.stride} layer counted at its input resolution ({paper:,.0f} bits); "
            f"its output is {hwc(ours.out_shape)} = {ours.out_bits:,} bits"
        )
    bits_each = ours.out_bits // math.prod(ours.out_shape)
    pixels = math.prod(ours.out_shape[2:])
    channels = paper / bits_each / pixels
    if len(ours.out_shape) == 4 and channels == int(channels):
        printed = hwc((*ours.out_shape[:1], int(channels), *ours.out_shape[2:]))
        return (
            f"the paper's {paper:,.0f} bits are {printed}, but the layer has "
            f"{ours.out_shape[1]} output channels: {hwc(ours.out_shape)} = {ours.out_bits:,} bits"
        )
    return None


def _increment(internal: Callable[[int], float], spilled: Callable[[int], bool], i: int) -> float:
    """What layer i adds to a running total that restarts after a spill."""
    if i == 1 or spilled(i - 1):
        return internal(i)
    return internal(i) - internal(i - 1)


def _internal(layer: int, ev: Evidence) -> str | None:
    paper_spills = [i for i in range(1, layer) if ev.paper(i).spilled]
    our_spills = [i for i in range(1, layer) if ev.ours(i).spilled]
    if paper_spills != our_spills:
        if paper_spills and not our_spills:
            return (
                f"the paper restarts its count after its layer-{paper_spills[-1]} overflow; "
                f"the model has not overflowed (running total {ev.ours(layer).internal_bits:,} "
                f"<= {ev.table.capacity_bits:,} bits)"
            )
        return (
            f"the model overflows at layer(s) {listed(our_spills) or 'none'}, "
            f"the paper at {listed(paper_spills) or 'none'}"
        )
    start = paper_spills[-1] + 1 if paper_spills else 1
    deltas = []
    for i in range(start, layer + 1):
        paper_add = _increment(
            lambda j: ev.paper(j).internal_bits.value, lambda j: ev.paper(j).spilled, i
        )
        our_add = _increment(lambda j: ev.ours(j).internal_bits, lambda j: ev.ours(j).spilled, i)
        if paper_add != our_add:
            deltas.append(f"{i} ({paper_add - our_add:+,.0f})")
    if not deltas:
        return None
    return f"running total carries the paper's differences at layer(s) {', '.join(deltas)}"


def _move(layer: int, ev: Evidence) -> str | None:
    printed, ours = ev.paper(layer), ev.ours(layer)
    capacity = ev.table.capacity_bits
    if printed.spilled and not ours.spilled:
        return (
            f"the paper overflows here and moves its whole internal memory out; the model's "
            f"running total is {ours.internal_bits:,} <= {capacity:,} bits, so nothing spills"
        )
    if ours.spilled and not printed.spilled:
        return f"the model overflows here ({ours.internal_bits:,} > {capacity:,} bits)"
    difference = printed.move_bits.value - ours.move_bits
    if ours.spilled:
        if difference == printed.internal_bits.value - ours.internal_bits:
            return f"both overflow here; the {difference:+,.0f} bits are the running totals' gap"
        return None
    reloads = layer > 1 and ev.ours(layer - 1).spilled and ev.table.rules.reload_after_spill
    if reloads and difference == -ours.in_bits:
        return (
            f"the model moves the input back in after the layer-{layer - 1} spill "
            f"({ours.in_bits:,} bits); the paper reads it from memory it had emptied"
        )
    trips = ev.table.rules.weight_trips
    rest = ours.move_bits - trips * ours.weight_bits
    implied = (printed.move_bits.value - rest) / trips
    if implied <= 0 or implied != int(implied) or len(ours.filter_shapes) != 1:
        return None
    shape = ours.filter_shapes[0]
    per_output = ours.weight_bits / shape[0]
    text = f"the paper moves {trips} x {implied:,.0f} for the filter"
    if implied % per_output == 0:
        text += f", the size of a {(int(implied // per_output), *shape[1:])} filter"
    return f"{text}; this layer's filter {shape} counts {ours.weight_bits:,}"


def _move_time(layer: int, ev: Evidence) -> str | None:
    printed = ev.paper(layer)
    own_bits = printed.move_s.value * 8 * ev.table.bandwidth_bytes_per_s
    if agree_4sf(own_bits, printed.move_bits.value):
        return (
            f"its own Table 3 data movement ({printed.move_bits.value:,.0f} bits) over the bus; "
            "that cell differs"
        )
    return None


def _compute(layer: int, ev: Evidence) -> str | None:
    paper, ours = ev.paper(layer).compute_s.value, ev.ours(layer)
    peak = ev.table.matrix_peak_flops
    if ours.stride > 1 and _slip_explains("compute_s", layer, ev):
        return (
            f"stride-{ours.stride} layer costed at its input resolution "
            f"(2 x {ev.slipped.row(layer).macs:,} MACs); at its "
            f"{'x'.join(map(str, ours.out_shape[2:]))} output it does {ours.macs:,} MACs"
        )
    if ours.vector_ops and agree_4sf(2 * ours.macs / peak, paper):
        return (
            f"the paper charges no vector-unit ops; this machine runs {ours.vector_ops:,} "
            f"(BN/ReLU) ops at {ev.table.vector_peak_ops:.3g} ops/s"
        )
    return f"the paper's time implies {paper * peak / 2:,.0f} MACs; the layer does {ours.macs:,}"


def _perf(layer: int, ev: Evidence) -> str | None:
    printed = ev.paper(layer)
    if not agree_4sf(printed.move_s.value + printed.compute_s.value, printed.perf_s.value):
        return None
    ours = ev.ours(layer)
    differing = [
        name
        for name, mine, theirs in (
            ("A", ours.move_s, printed.move_s.value),
            ("B", ours.compute_s, printed.compute_s.value),
        )
        if not agree_4sf(mine, theirs)
    ]
    return f"A + B of the row, and {' and '.join(differing) or 'neither'} differs"


def _total(ev: Evidence) -> str:
    rows = ev.published.rows
    summed = sum(r.perf_s.value for r in rows)
    excess = ev.published.total_s.value - summed
    doubled = [r.layer for r in rows if agree_4sf(r.perf_s.value, excess)]
    paper = f"the printed total is the {len(rows)} rows' sum {summed:.9g} s"
    if doubled:
        paper += f" plus layer {listed(doubled)}'s row again ({excess:.6g} s)"
    head = ev.table.rows[len(rows) :]
    head_s = sum(r.perf_s for r in head)
    ours = f"the model's total adds {len(head)} head row(s) the paper leaves out ({head_s:.6g} s)"
    return f"{paper}; {ours} and the row differences above"


_REASONS: dict[str, Callable[[int, Evidence], str | None]] = {
    "in_bits": _in,
    "out_bits": _out,
    "internal_bits": _internal,
    "move_bits": _move,
    "move_s": _move_time,
    "compute_s": _compute,
    "perf_s": _perf,
}
