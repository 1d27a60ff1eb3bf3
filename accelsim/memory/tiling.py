"""Split a layer whose working set does not fit SRAM into tiles that do.

A layer's output is seen as (channels, rows): NCHW outputs split by output channels and by
output rows, other outputs by their last dim (a MatMul's output columns, whose weight columns
then stream group by group) and by the rows of all the others ((M, N) by N and M; a
transformer's (B, S, D) by D and B·S). Rows of a conv or pool need a band of input rows
(with halo); channel groups need a slice of the weights (and, for depthwise and per-channel
vector ops, of the input). A MatMul of two activations holds its second operand per channel
group like a weight; an input that every tile reads whole (one band of all rows, several
groups) loads once for the layer. Among all splits that fit, double-buffered or not, the one
with the shortest estimated time wins, then the one that moves fewer bytes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from accelsim.errors import PlanError
from accelsim.timing.models import estimate
from accelsim.work import Gemm, Transfer, Vector

if TYPE_CHECKING:
    from accelsim.hardware import Hardware
    from accelsim.lowering import Buffer, Layer, Program
    from accelsim.work import Work

MAX_TILES = 65_536
"""Most tiles one layer may be split into; a split needing more is not considered, and a layer
that fits SRAM only with more is refused (its events would take minutes to simulate)."""

# Vector ops that work channel by channel (a channel slice of the input gives that of the output).
_PER_CHANNEL = {
    "BatchNormalization", "Relu", "Clip", "Add", "Mul", "Sub", "Div", "Sigmoid", "HardSigmoid",
    "HardSwish", "MaxPool", "AveragePool", "GlobalAveragePool", "Erf", "Gelu", "Tanh", "Exp",
    "Log", "Sqrt", "Neg", "Abs", "Reciprocal", "Cast", "Pow", "Where", "Equal", "Less", "Greater",
    "LessOrEqual", "GreaterOrEqual", "Max", "Min",
}  # fmt: skip
# Vector ops whose output row r needs only input rows near r (element-wise or windowed; the
# normalizations and softmax over the last axis; a Concat whose inputs share the output's rows
# writes each input's band into its slice of the output band).
_PER_ROW = (_PER_CHANNEL - {"GlobalAveragePool"}) | {
    "LayerNormalization", "Softmax", "Concat", "Split", "Slice", "Gather", "Transpose",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Tile:
    """One tile: which channel group and row band, its slices in bytes, and its work (its own
    GEMM or vector ops: what its unit's timing model times)."""

    group: int
    band: int
    reads: tuple[tuple[str, int], ...]
    weights: tuple[tuple[str, int], ...]
    write: tuple[str, int]
    work: Work


@dataclass(frozen=True, slots=True)
class Tiling:
    """Tiles in execution order and the SRAM slots they cycle through.

    Every tile's slices fit one `slot_bytes` slot and every group's weights one `weight_bytes`
    slot; with `double` there are two of each (two weight slots only if there are several
    groups), so the next tile loads while the current one computes. `shared` inputs, the same
    whole slice for every tile (a MatMul's input when only its columns split), load once
    before the first tile and stay to the last; tiles do not list them.
    """

    tiles: tuple[Tile, ...]
    slot_bytes: int
    weight_bytes: int
    double: bool
    shared: tuple[tuple[str, int], ...] = ()

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


@dataclass(frozen=True, slots=True)
class _Profile:
    """What a split asks of the machine, as work records with their counts: every transfer
    (shared inputs, group weights, tile slices and outputs) and every tile's compute. It does not
    depend on the machine, so it is worked out once; the timing models price it."""

    transfers: tuple[tuple[Transfer, int], ...]
    computes: tuple[tuple[Work, int], ...]
    moved: int
    tiles: int


def tile_layer(layer: Layer, program: Program, hw: Hardware) -> Tiling:
    """Tiles for `layer` (channel groups outer, row bands inner) and the slots they use.

    Among the splits that fit, double-buffered or not, the one with the shortest estimated time
    wins, then the one moving fewer bytes: a bus-bound layer prefers fewer bytes (less halo, no
    re-read input) to prefetching, a compute-bound one prefers overlap. Like a compiler's cost
    model, the choice depends on the machine's speeds, not only on its SRAM.
    """
    capacity = hw.sram.capacity
    out = program.buffers[layer.writes[0]]
    if len(layer.writes) != 1 or not out.shape:
        need = sum(program.nbytes(b) for b in (*layer.reads, *layer.weights, *layer.writes))
        raise PlanError(
            f'layer "{layer.name}" needs {need:,} bytes of SRAM (has {capacity:,}) and it cannot '
            f"be tiled (not one output of rank 1 or more); {_RAISE} to at least {need:,} bytes"
        )
    relevant = (*layer.reads, *layer.weights, *layer.writes)
    geometry, candidates = _candidates(layer, tuple(program.buffers[n] for n in relevant), capacity)
    best: tuple[tuple[float, int, int], _Split, bool] | None = None
    for split, double, profile in candidates:
        key = _estimate(layer, profile, hw, double=double)
        if best is None or key < best[0]:
            best = (key, split, double)
    if best is None:
        smallest = geometry.smallest()
        need = geometry.need(smallest, double=False)
        if need <= capacity:
            raise PlanError(
                f'layer "{layer.name}" fits {capacity:,} bytes of SRAM only in more than '
                f"{MAX_TILES:,} tiles, the limit per layer; {_RAISE}"
            )
        raise PlanError(
            f'layer "{layer.name}" needs {need:,} bytes of SRAM even at its smallest tile '
            f"({_count(smallest.per_group, 'channel')} x {_count(smallest.per_band, 'row')}); "
            f"SRAM holds {capacity:,} bytes: {_RAISE} to at least {need:,} bytes"
        )
    _, split, double = best
    slot, weights = geometry.slot_sizes(split)
    return Tiling(geometry.tiles(split), slot, weights, double, geometry.shared(split))


_RAISE = "raise sram.capacity"  # the hardware file's field (also `--set sram.capacity=...`)


def _count(number: int, noun: str) -> str:
    """`1 channel`, `12 channels`: a count with its noun, singular for one."""
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


@lru_cache(maxsize=1024)
def _candidates(
    layer: Layer, buffers: tuple[Buffer, ...], capacity: int
) -> tuple[_Geometry, tuple[tuple[_Split, bool, _Profile], ...]]:
    """Every split that fits `capacity` (double-buffered or not) with the work it asks for.

    This depends on the layer's shapes and the SRAM size only, so a sweep over bus or compute
    speeds at one SRAM size searches once per layer (the cache is per process).
    """
    geometry = _Geometry(layer, {b.name: b for b in buffers})
    found = tuple(
        (split, double, geometry.profile(split))
        for double in (True, False)
        for split in geometry.fitting_splits(capacity, double=double)
    )
    return geometry, found


def _estimate(
    layer: Layer, profile: _Profile, hw: Hardware, *, double: bool
) -> tuple[float, int, int]:
    """(estimated cycles, bus bytes, tiles) of a split, priced by the units' timing models.

    Every transfer and every tile's own work is asked of its unit's model (`estimate`), so a
    tile that uses a sliver of a systolic array is seen as slow. Serial tiles take bus +
    compute. Double-buffered ones overlap the two: the longer one plus one tile's share of the
    shorter (the first load or the last store). Transfers spread over the machine's DMA
    channels, which work at once.
    """
    channels = len(hw.units_of("dma"))
    bus = sum(count * estimate(hw, "dma", work) for work, count in profile.transfers) / channels
    compute = sum(count * estimate(hw, layer.unit, work) for work, count in profile.computes)
    tiles = profile.tiles
    cycles = max(bus, compute) + min(bus, compute) / tiles if double else bus + compute
    return cycles, profile.moved, tiles


def _can_split(layer: Layer) -> tuple[bool, bool]:
    """(channels may split, rows may split) for this layer's primary op."""
    if layer.unit == "matrix":
        return True, True
    primary = layer.op_types[0]
    return primary in _PER_CHANNEL, primary in _PER_ROW


def _stationary_operand(layer: Layer) -> tuple[str, ...]:
    """The second operand of a MatMul of two activations (attention's Kᵀ in Q·Kᵀ, V in
    scores·V), held like a weight: a channel group (output columns, or heads of a batched
    product) needs its slice of it whole, for every row band, so it is loaded once per group and
    stays while the group's bands stream A. B is thus read once; A once per group, so once
    when all of B fits (the split search weighs A's re-reads against tile sizes)."""
    if layer.op_types[0] != "MatMul" or layer.weights or len(layer.reads) < 2:
        return ()
    return (layer.reads[1],)


class _Geometry:
    """A layer's shapes, read once, and the byte arithmetic of its tiles.

    The output is (channels, rows): NCHW by C and H, any other rank by its last dim and the
    product of the others. Slice sizes depend only on (channel count, row band), so they are
    memoised: the split search asks the same questions many times.
    """

    def __init__(self, layer: Layer, buffers: dict[str, Buffer]) -> None:
        self.layer = layer
        out = buffers[layer.writes[0]]
        self.out_name, self.out_bytes = out.name, out.nbytes
        self.channels, self.rows = channels_rows(out.shape)
        self.split_channels, self.split_rows = _can_split(layer)
        if layer.op_types[0] == "Concat":  # a band of output rows needs the same band of each input
            self.split_channels = False
            self.split_rows &= all(
                channels_rows(buffers[n].shape)[1] == self.rows for n in layer.reads
            )
        weight = buffers[layer.weights[0]].shape if layer.weights else ()
        depthwise = (
            layer.op_types[0] == "Conv" and len(weight) == 4 and weight[1] == 1
            and bool(layer.reads) and buffers[layer.reads[0]].shape[1] > 1
        )  # fmt: skip
        stationary = _stationary_operand(layer)
        # A batched product's output (B, heads, M, N) splits by heads: A's heads follow.
        self.per_channel_input = (
            layer.unit == "vector" or depthwise or (bool(stationary) and len(out.shape) == 4)
        )
        self.reads = [
            (n, buffers[n].shape, buffers[n].nbytes) for n in layer.reads if n not in stationary
        ]
        self.weights = [(n, buffers[n].nbytes) for n in (*layer.weights, *stationary)]
        self._memo: dict[tuple[int, int, int], tuple[tuple[int, ...], int]] = {}
        self._tiles: dict[_Split, tuple[Tile, ...]] = {}

    # -- sizes -----------------------------------------------------------------------------

    def slices(self, width: int, r0: int, r1: int) -> tuple[tuple[int, ...], int]:
        """(bytes of each input slice, bytes of the output slice) for `width` channels, rows
        [r0, r1)."""
        key = (width, r0, r1)
        got = self._memo.get(key)
        if got is None:
            reads = tuple(self._read_slice(shape, n, width, r0, r1) for _, shape, n in self.reads)
            write = _fraction(_fraction(self.out_bytes, width, self.channels), r1 - r0, self.rows)
            got = self._memo[key] = (reads, write)
        return got

    def _read_slice(self, shape: tuple[int, ...], nbytes: int, width: int, r0: int, r1: int) -> int:
        """Bytes of an input needed for `width` output channels and rows [r0, r1) (with halo)."""
        if len(shape) == 4:
            in_channels, in_rows = shape[1], shape[2]
            lo, hi = self._input_rows(r0, r1, in_rows)
            size = _fraction(nbytes, hi - lo, in_rows)
            if self.per_channel_input and in_channels == self.channels:
                size = _fraction(size, width, in_channels)
            return size
        channels, rows = channels_rows(shape)
        if rows != self.rows:
            return nbytes
        size = _fraction(nbytes, r1 - r0, rows)
        if self.per_channel_input and channels == self.channels:
            size = _fraction(size, width, channels)
        return size

    def _input_rows(self, r0: int, r1: int, in_rows: int) -> tuple[int, int]:
        window = self.layer.window
        if window is not None:
            lo = max(0, r0 * window.stride - window.pad)
            hi = min(in_rows, (r1 - 1) * window.stride - window.pad + window.kernel)
            return lo, max(lo, hi)
        if in_rows == self.rows:
            return r0, r1
        return 0, in_rows

    def smallest(self) -> _Split:
        """The smallest tile the layer allows: 1 channel and 1 row where each may split."""
        return _Split(
            self.channels, self.rows, 1 if self.split_channels else self.channels,
            1 if self.split_rows else self.rows,
        )  # fmt: skip

    def _is_shared(self, split: _Split) -> tuple[bool, ...]:
        """Which reads every tile takes alike: with one band of all rows and several channel
        groups, those whose slice does not depend on the group (all but per-channel inputs)."""
        if split.per_band < split.rows or split.per_group >= split.channels:
            return (False,) * len(self.reads)
        whole, _ = self.slices(split.channels, 0, split.rows)
        part, _ = self.slices(split.per_group, 0, split.rows)
        return tuple(a == b for a, b in zip(whole, part, strict=True))

    def shared(self, split: _Split) -> tuple[tuple[str, int], ...]:
        """(name, bytes) of the reads loaded once for the whole layer (see `Tiling.shared`)."""
        whole, _ = self.slices(split.channels, 0, split.rows)
        flags = self._is_shared(split)
        return tuple(
            (name, size)
            for (name, _, _), size, flag in zip(self.reads, whole, flags, strict=True)
            if flag
        )

    def _tile_reads(self, split: _Split, width: int, r0: int, r1: int) -> tuple[int, ...]:
        """Bytes of each read a tile loads itself (0 for shared ones) and of its output."""
        reads, write = self.slices(width, r0, r1)
        flags = self._is_shared(split)
        return (*(0 if flag else size for size, flag in zip(reads, flags, strict=True)), write)

    def group_weights(self, width: int) -> int:
        return sum(_fraction(n, width, self.channels) for _, n in self.weights)

    def bands(self, split: _Split) -> list[tuple[int, int]]:
        return [
            (r, min(split.rows, r + split.per_band)) for r in range(0, split.rows, split.per_band)
        ]

    def slot_sizes(self, split: _Split) -> tuple[int, int]:
        """(largest slices of one tile, weights of the widest group) in bytes.

        Group 0 is the widest; bands 0, 1 and the last cover the edge and middle halos.
        """
        bands = self.bands(split)
        worst = {bands[0], bands[min(1, len(bands) - 1)], bands[-1]}
        slot = max(sum(self._tile_reads(split, split.per_group, *b)) for b in worst)
        return slot, self.group_weights(split.per_group)

    def need(self, split: _Split, *, double: bool) -> int:
        """SRAM the split needs: its shared inputs, and its slots, doubled when prefetching the
        next tile."""
        slot, weights = self.slot_sizes(split)
        shared = sum(size for _, size in self.shared(split))
        if not double:
            return shared + slot + weights
        groups = -(-split.channels // split.per_group)
        return shared + 2 * slot + (2 * weights if groups > 1 else weights)

    # -- choosing a split ------------------------------------------------------------------

    def fitting_splits(self, capacity: int, *, double: bool) -> list[_Split]:
        """For each channel-group width, the tallest row band that fits (if any does)."""
        # Only the distinct group widths ceil(C / G) matter (about 2 * sqrt(C) of them).
        groups = range(1, min(self.channels, MAX_TILES) + 1)  # more groups: over MAX_TILES
        widths = sorted({-(-self.channels // g) for g in groups}, reverse=True)
        splits = []
        for per_group in widths if self.split_channels else [self.channels]:
            per_band = self._most_rows(capacity, per_group, double=double)
            tiles = -(-self.channels // per_group) * -(-self.rows // max(per_band, 1))
            if per_band and tiles <= MAX_TILES:
                splits.append(_Split(self.channels, self.rows, per_group, per_band))
        return splits

    def _most_rows(self, capacity: int, per_group: int, *, double: bool) -> int:
        """Largest row band that fits with `per_group` channels, or 0 if none does."""
        # All rows first: shared inputs can make them fit where a band of fewer rows does not.
        if self.need(_Split(self.channels, self.rows, per_group, self.rows), double=double) <= (
            capacity
        ):
            return self.rows
        candidates = range(self.rows - 1, 0, -1) if self.split_rows else []
        lo, hi = 0, len(candidates) - 1
        found = 0
        while lo <= hi:  # fitting is monotone in the band height: binary search
            mid = (lo + hi) // 2
            split = _Split(self.channels, self.rows, per_group, candidates[mid])
            if self.need(split, double=double) <= capacity:
                found, hi = candidates[mid], mid - 1
            else:
                lo = mid + 1
        return found

    def profile(self, split: _Split) -> _Profile:
        """Every transfer and tile computation of the split, counted (see `_Profile`)."""
        transfers: Counter[Transfer] = Counter()
        computes: Counter[Work] = Counter()
        for _, size in self.shared(split):
            transfers[Transfer(nbytes=size, direction="in")] += 1
        flags = self._is_shared(split)
        full, rest = divmod(split.channels, split.per_group)
        for width, count in ((split.per_group, full), (rest, 1 if rest else 0)):
            if not count:
                continue
            for _, nbytes in self.weights:
                size = _fraction(nbytes, width, self.channels)
                transfers[Transfer(nbytes=size, direction="in")] += count
            for r0, r1 in self.bands(split):
                reads, write = self.slices(width, r0, r1)
                for size, flag in zip(reads, flags, strict=True):
                    if not flag:
                        transfers[Transfer(nbytes=size, direction="in")] += count
                transfers[Transfer(nbytes=write, direction="out")] += count
                share = width * (r1 - r0)
                whole = self.channels * self.rows
                macs = self.layer.macs * share // whole
                ops = self.layer.vector_ops * share // whole
                computes[self.work(width, r1 - r0, macs, ops)] += count
        tiles = -(-split.channels // split.per_group) * len(self.bands(split))
        moved = sum(work.nbytes * count for work, count in transfers.items())
        return _Profile(tuple(transfers.items()), tuple(computes.items()), moved, tiles)

    def work(self, width: int, rows: int, macs: int, ops: int) -> Work:
        """A tile's share of the layer's work: `width` output channels and `rows` rows of the
        layer's GEMM (or of its vector ops).

        Channels scale N x groups (whole groups of a grouped conv, or part of one; a channel is
        N x groups / channels GEMM columns: 1 for a conv, kh x kw for a ConvTranspose, a
        head's keys for attention scores), rows scale M; K is the layer's.
        """
        gemm = self.layer.gemm
        if gemm is None:
            share = width * rows / (self.channels * self.rows)
            return Vector(ops=ops, elements=max(1, round(self.layer.elements * share)))
        columns = max(1, gemm.n * gemm.groups * width // self.channels)
        groups = max(1, columns // gemm.n) if gemm.groups > 1 else 1
        n = min(gemm.n, columns) if gemm.groups > 1 else columns
        m = max(1, gemm.m * rows // self.rows)
        return Gemm(m=m, k=gemm.k, n=n, groups=groups, macs=macs)

    # -- the tiles ---------------------------------------------------------------------------

    def tiles(self, split: _Split) -> tuple[Tile, ...]:
        """Every tile in order; work is shared in proportion to (channels x rows), with
        cumulative floors so the tiles' MACs and ops sum exactly to the layer's."""
        if split not in self._tiles:
            self._tiles[split] = self._make_tiles(split)
        return self._tiles[split]

    def _make_tiles(self, split: _Split) -> tuple[Tile, ...]:
        layer = self.layer
        whole = split.channels * split.rows
        flags = self._is_shared(split)
        tiles = []
        done = 0
        for group, c0 in enumerate(range(0, split.channels, split.per_group)):
            width = min(split.per_group, split.channels - c0)
            weights = tuple((n, _fraction(b, width, self.channels)) for n, b in self.weights)
            for band, (r0, r1) in enumerate(self.bands(split)):
                reads, write = self.slices(width, r0, r1)
                after = done + width * (r1 - r0)
                tiles.append(
                    Tile(
                        group, band,
                        tuple(
                            (n, size)
                            for (n, _, _), size, flag in zip(self.reads, reads, flags, strict=True)
                            if not flag
                        ),
                        weights, (self.out_name, write),
                        self.work(
                            width, r1 - r0,
                            layer.macs * after // whole - layer.macs * done // whole,
                            layer.vector_ops * after // whole - layer.vector_ops * done // whole,
                        ),
                    )
                )  # fmt: skip
                done = after
        return tuple(tiles)


def channels_rows(shape: tuple[int, ...]) -> tuple[int, int]:
    """(channels, rows) of a tensor: NCHW's C and H, else the last dim and the rest's product."""
    if len(shape) == 4:
        return shape[1], shape[2]
    rows = 1
    for dim in shape[:-1]:
        rows *= dim
    return (shape[-1] if shape else 1), rows


def _fraction(nbytes: int, part: int, whole: int) -> int:
    return -(-nbytes * part // whole)
