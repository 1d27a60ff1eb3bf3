"""Split a layer whose working set does not fit SRAM into tiles that do.

A layer's output is seen as (channels, rows): NCHW outputs split by output channels and by
output rows, 2-D (M, N) outputs by N and by M. Rows of a conv or pool need a band of input rows
(with halo); channel groups need a slice of the weights (and, for depthwise and per-channel
vector ops, of the input). Among all splits that fit, double-buffered or not, the one with the
shortest estimated time wins, then the one that moves fewer bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from accelsim.errors import PlanError
from accelsim.lowering import compute_cycles

if TYPE_CHECKING:
    from accelsim.hardware import Hardware
    from accelsim.lowering import Layer, Program

# Vector ops that work channel by channel (a channel slice of the input gives that of the output).
_PER_CHANNEL = {
    "BatchNormalization", "Relu", "Clip", "Add", "Mul", "Sub", "Div", "Sigmoid", "HardSigmoid",
    "HardSwish", "MaxPool", "AveragePool", "GlobalAveragePool",
}  # fmt: skip
# Vector ops whose output row r needs only input rows near r (element-wise or windowed).
_PER_ROW = _PER_CHANNEL - {"GlobalAveragePool"}


@dataclass(frozen=True, slots=True)
class Tile:
    """One tile: which channel group and row band, its slices in bytes, and its work."""

    group: int
    band: int
    reads: tuple[tuple[str, int], ...]
    weights: tuple[tuple[str, int], ...]
    write: tuple[str, int]
    macs: int
    vector_ops: int


@dataclass(frozen=True, slots=True)
class Tiling:
    """Tiles in execution order and the SRAM slots they cycle through.

    Every tile's slices fit one `slot_bytes` slot and every group's weights one `weight_bytes`
    slot; with `double` there are two of each (two weight slots only if there are several
    groups), so the next tile loads while the current one computes.
    """

    tiles: tuple[Tile, ...]
    slot_bytes: int
    weight_bytes: int
    double: bool

    @property
    def slots(self) -> int:
        return 2 if self.double else 1

    @property
    def weight_slots(self) -> int:
        return 2 if self.double and self.tiles[-1].group > 0 else 1


@dataclass(frozen=True, slots=True)
class _Split:
    channels: int
    rows: int
    per_group: int
    per_band: int


def tile_layer(layer: Layer, program: Program, hw: Hardware) -> Tiling:
    """Tiles for `layer` (channel groups outer, row bands inner) and the slots they use.

    Among the splits that fit, double-buffered or not, the one with the shortest estimated time
    wins, then the one moving fewer bytes: a bus-bound layer prefers fewer bytes (less halo, no
    re-read input) to prefetching, a compute-bound one prefers overlap. Like a compiler's cost
    model, the choice depends on the machine's speeds, not only on its SRAM.
    """
    capacity = hw.sram.capacity
    out = program.buffers[layer.writes[0]]
    if len(layer.writes) != 1 or len(out.shape) not in (2, 4):
        raise PlanError(
            _too_big(layer, program, capacity, "it cannot be tiled (not one 2-D/4-D output)")
        )
    best: tuple[tuple[float, int, int], _Split, bool] | None = None
    for double in (True, False):
        for split in _fitting_splits(layer, program, capacity, double=double):
            key = _estimate(layer, program, split, hw, double=double)
            if best is None or key < best[0]:
                best = (key, split, double)
    if best is None:
        smallest = _tile_bytes(layer, program, _Split(*_dims(out.shape), 1, 1), double=False)
        raise PlanError(
            f'layer "{layer.name}" needs {smallest:,} bytes of SRAM even at its smallest tile '
            f"(1 channel x 1 row); SRAM holds {capacity:,} bytes"
        )
    _, split, double = best
    slot, weights = _slot_sizes(layer, program, split)
    return Tiling(_tiles(layer, program, split), slot, weights, double)


def _estimate(layer: Layer, program: Program, split: _Split, hw: Hardware, *,
              double: bool) -> tuple[float, int, int]:  # fmt: skip
    """(estimated cycles, bus bytes, tiles) of a split.

    Serial tiles take bus + compute. Double-buffered ones overlap the two: the longer one plus
    one tile's share of the shorter (the first load or the last store that cannot overlap).
    """
    moved = _bus_bytes(layer, program, split)
    tiles = _count(split)
    groups = -(-split.channels // split.per_group)
    transfers = tiles * (len(layer.reads) + 1) + groups * len(layer.weights)
    bus = moved / hw.bus_bytes_per_cycle + transfers * hw.transfer_latency_cycles
    compute = compute_cycles(layer.unit, layer.macs, layer.vector_ops, hw) + tiles
    cycles = max(bus, compute) + min(bus, compute) / tiles if double else bus + compute
    return cycles, moved, tiles


def _too_big(layer: Layer, program: Program, capacity: int, why: str) -> str:
    need = sum(program.nbytes(b) for b in (*layer.reads, *layer.weights, *layer.writes))
    return f'layer "{layer.name}" needs {need:,} bytes of SRAM (has {capacity:,}) and {why}'


def _dims(shape: tuple[int, ...]) -> tuple[int, int]:
    """(channels, rows) of an output shape."""
    return (shape[1], shape[2]) if len(shape) == 4 else (shape[1], shape[0])


def _can_split(layer: Layer) -> tuple[bool, bool]:
    """(channels may split, rows may split) for this layer's primary op."""
    if layer.unit == "matrix":
        return True, True
    primary = layer.op_types[0]
    return primary in _PER_CHANNEL, primary in _PER_ROW


def _fitting_splits(layer: Layer, program: Program, capacity: int, *,
                    double: bool) -> list[_Split]:  # fmt: skip
    """For each channel-group width, the tallest row band that fits (if any does)."""
    channels, rows = _dims(program.buffers[layer.writes[0]].shape)
    split_channels, split_rows = _can_split(layer)
    # Only the distinct group widths ceil(C / G) matter (about 2 * sqrt(C) of them).
    widths = sorted({-(-channels // g) for g in range(1, channels + 1)}, reverse=True)
    splits = []
    for per_group in widths if split_channels else (channels,):
        per_band = _most_rows(layer, program, capacity, per_group, rows, split_rows, double)
        if per_band:
            splits.append(_Split(channels, rows, per_group, per_band))
    return splits


def _most_rows(
    layer: Layer, program: Program, capacity: int, per_group: int, rows: int, split_rows: bool,
    double: bool,
) -> int:  # fmt: skip
    """Largest row band that fits with `per_group` channels, or 0 if none does."""
    candidates = range(rows, 0, -1) if split_rows else (rows,)
    lo, hi = 0, len(candidates) - 1
    found = 0
    while lo <= hi:  # fits is monotone in the band height: binary search over descending bands
        mid = (lo + hi) // 2
        band = candidates[mid]
        split = _Split(program.buffers[layer.writes[0]].shape[1], rows, per_group, band)
        if _tile_bytes(layer, program, split, double=double) <= capacity:
            found, hi = band, mid - 1
        else:
            lo = mid + 1
    return found


def _count(split: _Split) -> int:
    return -(-split.channels // split.per_group) * -(-split.rows // split.per_band)


def _slot_sizes(layer: Layer, program: Program, split: _Split) -> tuple[int, int]:
    """(largest slices of one tile, largest weights of one group) in bytes.

    Group 0 is the widest group; bands 0, 1 and the last cover the edge and middle halos.
    """
    bands = -(-split.rows // split.per_band)
    worst = [
        _make_tile(layer, program, split, 0, band) for band in {0, min(1, bands - 1), bands - 1}
    ]
    slot = max(sum(n for _, n in t.reads) + t.write[1] for t in worst)
    return slot, sum(n for _, n in worst[0].weights)


def _tile_bytes(layer: Layer, program: Program, split: _Split, *, double: bool) -> int:
    """SRAM the split needs: its slots, doubled when prefetching the next tile."""
    slot, weights = _slot_sizes(layer, program, split)
    groups = -(-split.channels // split.per_group)
    if not double:
        return slot + weights
    return 2 * slot + (2 * weights if groups > 1 else weights)


def _bus_bytes(layer: Layer, program: Program, split: _Split) -> int:
    """Bytes the split moves: each group's weights once, every tile's slices and output.

    All groups but the last are as wide as group 0, so two groups' bands give the total.
    """
    groups = -(-split.channels // split.per_group)
    bands = -(-split.rows // split.per_band)

    def group_bytes(group: int) -> int:
        tiles = [_make_tile(layer, program, split, group, band) for band in range(bands)]
        weights = sum(n for _, n in tiles[0].weights)
        return weights + sum(sum(n for _, n in t.reads) + t.write[1] for t in tiles)

    last = group_bytes(groups - 1)
    return last if groups == 1 else (groups - 1) * group_bytes(0) + last


def _tiles(layer: Layer, program: Program, split: _Split) -> tuple[Tile, ...]:
    groups = -(-split.channels // split.per_group)
    bands = -(-split.rows // split.per_band)
    return tuple(
        _make_tile(layer, program, split, g, b) for g in range(groups) for b in range(bands)
    )


def _make_tile(layer: Layer, program: Program, split: _Split, group: int, band: int) -> Tile:
    c0 = group * split.per_group
    c1 = min(split.channels, c0 + split.per_group)
    r0 = band * split.per_band
    r1 = min(split.rows, r0 + split.per_band)
    out = program.buffers[layer.writes[0]]
    whole = split.channels * split.rows
    # Work is shared in proportion to (channels x rows); cumulative floors make tiles sum exactly.
    done_before = c0 * split.rows + (c1 - c0) * r0
    done_after = done_before + (c1 - c0) * (r1 - r0)

    def share(total: int) -> int:
        return total * done_after // whole - total * done_before // whole

    per_channel_input = layer.unit == "vector" or _is_depthwise(layer, program)
    reads = tuple(
        (name, _read_slice(layer, program.buffers[name].shape, program.nbytes(name),
                           (c0, c1) if per_channel_input else None, (r0, r1), split))
        for name in layer.reads
    )  # fmt: skip
    weights = tuple(
        (name, _fraction(program.nbytes(name), c1 - c0, split.channels)) for name in layer.weights
    )
    write = (
        out.name,
        _fraction(_fraction(out.nbytes, c1 - c0, split.channels), r1 - r0, split.rows),
    )
    return Tile(group, band, reads, weights, write, share(layer.macs), share(layer.vector_ops))


def _is_depthwise(layer: Layer, program: Program) -> bool:
    if layer.op_types[0] != "Conv" or not layer.weights or not layer.reads:
        return False
    weight = program.buffers[layer.weights[0]].shape
    return len(weight) == 4 and weight[1] == 1 and program.buffers[layer.reads[0]].shape[1] > 1


def _read_slice(
    layer: Layer, shape: tuple[int, ...], nbytes: int, channels: tuple[int, int] | None,
    rows: tuple[int, int], split: _Split,
) -> int:  # fmt: skip
    """Bytes of an input needed for output channels/rows given (halo rows for windows)."""
    if len(shape) == 4:
        in_channels, in_rows = shape[1], shape[2]
        lo, hi = _input_rows(layer, rows, in_rows, split.rows)
        size = _fraction(nbytes, hi - lo, in_rows)
        if channels is not None and in_channels == split.channels:
            size = _fraction(size, channels[1] - channels[0], in_channels)
        return size
    if len(shape) == 2 and shape[0] == split.rows:
        return _fraction(nbytes, rows[1] - rows[0], shape[0])
    return nbytes


def _input_rows(
    layer: Layer, rows: tuple[int, int], in_rows: int, out_rows: int
) -> tuple[int, int]:
    if layer.window is not None:
        w = layer.window
        lo = max(0, rows[0] * w.stride - w.pad)
        hi = min(in_rows, (rows[1] - 1) * w.stride - w.pad + w.kernel)
        return lo, max(lo, hi)
    if in_rows == out_rows:
        return rows
    return 0, in_rows


def _fraction(nbytes: int, part: int, whole: int) -> int:
    return -(-nbytes * part // whole)
