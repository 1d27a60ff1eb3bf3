"""Split a layer whose working set does not fit SRAM into tiles that do.

A layer's output is seen as (channels, rows): NCHW outputs (and a 1-D conv or pool's N x C x L,
as if H = L) split by output channels and by output rows, other outputs by their last dim (a
MatMul's output columns, whose weight columns then stream group by group) and by the rows of all
the others ((M, N) by N and M; a transformer's (B, S, D) by D and B·S). Rows of a conv or pool
need a band of input rows (with halo); channel groups need a slice of the weights (and, for
depthwise and per-channel vector ops, of the input). A MatMul of two activations holds its
second operand per channel group like a weight; an input that every tile reads whole (one band
of all rows, several groups) loads once for the layer. A Concat along the rows (a KV cache's
past and new positions) splits by rows and channels too: a band takes the rows of each input it
overlaps. A conv, Gemm or MatMul with weights also splits its reduction (K-split: input
channels, or A's columns) when that helps, a grouped conv (each group's input channels) or a
MatMul of two activations when nothing else fits: each tile then adds its chunk's product into
partial sums kept in SRAM (`PARTIAL_SUM_BYTES` an element) until the last chunk, whose tile
stores the output. Among all splits that fit, with each way of buffering them (`BUFFERINGS`),
the one with the shortest estimated time wins, then the one that moves fewer bytes. What the
planner keeps in SRAM across layers is priced too: an input already there (shared by every
split), a recurrent layer's weights that stay for its next step (`Tiling.pinned`), an output
kept for the next layer (`Tiling.kept`). """

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any, NamedTuple

from accelsim.errors import PlanError
from accelsim.timing.models import KEPT_MODELS, estimate, planning_key, planning_model
from accelsim.work import Gemm, Transfer, Vector

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from accelsim.hardware import Hardware
    from accelsim.lowering import Buffer, Layer, Program
    from accelsim.work import Work

PARTIAL_SUM_BYTES = 4
"""Bytes of one output element while a K-split accumulates it (int32 for int8 operands, fp32
for float ones): what a partial sum takes in SRAM between the chunks of its tile."""

SLACK = 0.05
"""How much more compute than the least, or time than the fastest, a split may cost (`_choose`)."""

FILL = 16
"""A split whose tiles move on average less than 1/FILL of SRAM is taken only if no other fits:
tiles that fill SRAM keep the task count proportionate to the work (a LLaMA-7B layer on a 1 MB
SRAM is thousands of tiles, not tens of thousands)."""

TIE = 0.002
"""Estimated times this close (relative) count as equal, and the split with the fewest tiles is
taken: a compiler fills SRAM, since every tile costs it overheads (descriptors, loop control)
that the timing models do not see; tiny tiles also cost the simulation events (`_choose`)."""

MAX_TILES = 65_536
"""Most tiles one layer may be split into; a split needing more is not considered, and a layer
that fits SRAM only with more is refused (its events would take minutes to simulate)."""

@dataclass(frozen=True, slots=True)
class Buffering:
    """How many SRAM slots a tiled layer cycles through: `tiles` for its tiles' slices (1: each
    tile waits for the previous one's store; 2: the next tile loads while one computes; 3: and
    a finished tile's store stays in flight meanwhile) and `weights` for its stationary data,
    a channel group's weights and a K-split's partial sums (2: the next group's load, or the
    next band's sums, while the current one computes; 1: it waits for the group's last tile or
    the sums' store, a pause that costs less SRAM than a second copy of large weights or sums)."""

    tiles: int
    weights: int


BUFFERINGS = (Buffering(1, 1), Buffering(2, 2), Buffering(2, 1), Buffering(3, 2), Buffering(3, 1))
"""The ways of buffering the split search tries; three tile slots only for a layer with an
epilogue, whose vector work keeps a finished tile in SRAM while the next ones load."""

# Vector ops that work channel by channel (a channel slice of the input gives that of the output).
_PER_CHANNEL = {
    "BatchNormalization", "Relu", "Clip", "Add", "Mul", "Sub", "Div", "Sigmoid", "HardSigmoid",
    "HardSwish", "MaxPool", "AveragePool", "GlobalAveragePool", "Erf", "Gelu", "Tanh", "Exp",
    "Log", "Sqrt", "Neg", "Abs", "Reciprocal", "Cast", "Pow", "Where", "Equal", "Less", "Greater",
    "LessOrEqual", "GreaterOrEqual", "Max", "Min", "Transpose", "InstanceNormalization",
    "Resize",
}  # fmt: skip
_RESIZE_HALO = 2  # input rows a Resize's band needs beyond its own: cubic's reach (2), enough
# for linear (1) and nearest (0)
# (a Transpose's tile reads the elements it writes, wherever they lie: its input is pointwise)
_REDUCTIONS = {
    "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
    "ReduceLogSumExp", "ReduceSumSquare",
}  # fmt: skip
# (a reduction's band of output rows reads the same rows of its input when it keeps them, as
# RMSNorm's mean over the last axis does; otherwise every band reads the whole input)
_ELEMENTWISE = _PER_CHANNEL - {
    "BatchNormalization", "InstanceNormalization", "MaxPool", "AveragePool", "GlobalAveragePool",
    "Transpose", "Resize",
}  # fmt: skip
_OVER_LAST_AXIS = {"Softmax", "LayerNormalization"}  # per row of the last axis, as tiled
# Normalizations per channel: an (N, C, L) tensor's channels are C, as NCHW's (not L, as the
# last dim of another rank would be), its rows N·L.
_CHANNEL_NORMS = {"BatchNormalization", "InstanceNormalization"}
# Vector ops whose output row r needs only input rows near r (element-wise or windowed; the
# normalizations and softmax over the last axis; a Concat whose inputs share the output's rows
# writes each input's band into its slice of the output band).
_PER_ROW = (_PER_CHANNEL - {"GlobalAveragePool", "InstanceNormalization"}) | {
    "LayerNormalization", "Softmax", "Concat", "Split", "Slice", "Gather", "Transpose",
    *_REDUCTIONS,
}  # fmt: skip


class Tile(NamedTuple):
    """One tile: which channel group, row band and reduction chunk, its slices in bytes, and
    its work (its own GEMM or vector ops: what its unit's timing model times). With a K-split
    the tile's reads include its chunk of the weights, and only the last chunk (`last`) stores
    the output; `weights` are the group's (loaded with its first tile).

    A tile's output (or, with a K-split, its partial sums: `psum` bytes) stays in SRAM until
    its store. A named tuple, as `plan.Task` is: a tiled layer has tiles by the thousand, and
    a tiling found for one layer is renamed, tile by tile, for every layer alike."""

    group: int
    band: int
    reads: tuple[tuple[str, int], ...]
    weights: tuple[tuple[str, int], ...]
    write: tuple[str, int]
    work: Work
    chunk: int = 0
    last: bool = True
    psum: int = 0  # bytes of its partial sums with a K-split


@dataclass(frozen=True, slots=True)
class Tiling:
    """Tiles in execution order and the SRAM slots they cycle through.

    Every tile's slices fit one `slot_bytes` slot and every group's weights one `weight_bytes`
    slot; `buffering` says how many of each there are (several weight slots only if there are
    several groups), so the next tile loads while the current one computes. `shared` inputs,
    the same whole slice for every tile (a MatMul's input when only its columns split), load once
    before the first tile and stay to the last; tiles do not list them. A K-split keeps each
    (group, band)'s partial sums in a `psum_bytes` slot (`psum_slots` of them) from its
    first chunk to the store after its last; 0 when the reduction is not split.
    """

    tiles: tuple[Tile, ...]
    slot_bytes: int
    weight_bytes: int
    buffering: Buffering
    shared: tuple[tuple[str, int], ...] = ()
    psum_bytes: int = 0
    pinned: int = 0
    """Leading channel groups whose weights stay in SRAM after the layer, beside its slots, for
    a later layer that reads the same weights (a recurrent layer's next time step)."""
    kept: bool = False
    """The output stays whole in SRAM for the next layer (beside the slots): tiles store none."""
    cost: float = field(default=0.0, compare=False)  # the chosen split's estimated cycles
    memo: dict[Hashable, Any] = field(default_factory=dict, compare=False, repr=False)
    """What the planner and the tiler work out from the tiles' structure alone (which tiles
    repeat which, where a period's ranges lie, the tiles as name-free columns), shared by every
    layer the tiling is renamed for (`_renamed` keeps it) and, kept with its split in the
    search `_menu` caches (`_Geometry.memos`), by later runs choosing that split: no names."""

    @property
    def slots(self) -> int:
        return self.buffering.tiles

    @property
    def weight_slots(self) -> int:
        return self.buffering.weights if self.tiles[-1].group > 0 else 1

    @property
    def psum_slots(self) -> int:
        """Partial-sum slots: two when buffered over several (group, band)s, unless the layer's
        stationary data (weights, partial sums) keeps one slot (`Buffering.weights`)."""
        last = self.tiles[-1]
        several = last.group > 0 or last.band > 0
        return 2 if self.buffering.tiles > 1 and self.buffering.weights > 1 and several else 1


@dataclass(frozen=True, slots=True)
class _Split:
    channels: int
    rows: int
    per_group: int
    per_band: int
    reduction: int = 1  # the layer's K units (input channels, or A's columns)
    per_chunk: int = 1  # K units per chunk; == reduction when K is not split

    @property
    def chunks(self) -> int:
        return -(-self.reduction // self.per_chunk)

    @property
    def tiles(self) -> int:
        groups = -(-self.channels // self.per_group)
        return groups * -(-self.rows // self.per_band) * self.chunks


@dataclass(frozen=True, slots=True)
class _Profile:
    """What a split asks of the machine, as work records with their counts: every transfer
    (shared inputs, group weights, tile slices and outputs) and every tile's compute. It does not
    depend on the machine, so it is worked out once; the timing models price it."""

    transfers: tuple[tuple[Transfer, int], ...]
    computes: tuple[tuple[Work, int], ...]
    moved: int
    tiles: int
    later_groups: tuple[tuple[Transfer, int], ...]  # weight loads of groups after the first


_Question = tuple["Layer", tuple[str, ...], frozenset[str], bool, bool]
"""A layer, its buffers' names (`_names`), the inputs in SRAM, `recurring`, `keep`."""


class Tiler:
    """Tilings of one run's layers, searched once per distinct set of planning inputs.

    The search reads a layer's ops, work, attributes and the shapes and sizes of its buffers,
    never their names: a transformer's identical blocks (GPT-2 small: 12) are searched once and
    the tiling is renamed for each. The cache lives as long as the run's planner (the machine
    is the run's; `_menu` keeps a bounded number of searches across runs). The questions the
    planner asked are kept (`asked`, one per distinct set of inputs), so that another
    machine's tiler can tell whether it answers them all alike (`agrees`).
    """

    def __init__(self, program: Program, hw: Hardware) -> None:
        self.program = program
        self.hw = hw
        self._chosen: dict[tuple[object, ...], tuple[tuple[str, ...], Tiling]] = {}
        self.asked: dict[tuple[object, ...], _Question] = {}

    def tile(
        self, layer: Layer, resident: frozenset[str] = frozenset(), *, recurring: bool = False,
        keep: bool = False,
    ) -> Tiling:
        """`layer`'s tiling; inputs in `resident` are in SRAM already, `recurring` weights are
        read again later, `keep` the output in SRAM if a split allows (see `tile_layer`)."""
        names, key = _signature(layer, self.program.buffers)
        held = tuple(i for i, name in enumerate(names) if name in resident)
        key = (*key, held, recurring, keep)
        self.asked.setdefault(key, (layer, names, resident, recurring, keep))
        return self._answer(key, (layer, names, resident, recurring, keep))

    def agrees(self, other: Tiler) -> bool:
        """Whether this tiler gives every answer `other` gave to the questions it was asked.

        A planner's next question follows from the program, the SRAM and DDR sizes, the unit
        counts and the answers so far: with those the same (the caller's part), a planner
        asking this tiler asks what it asked `other`, in the same order, and plans the same.
        A question this tiler cannot answer (`PlanError`) counts as a different answer: planning
        afresh reports it.
        """
        for key, question in other.asked.items():
            try:
                if self._answer(key, question) != other._answer(key, question):
                    return False
            except PlanError:
                return False
        return True

    def _answer(self, key: tuple[object, ...], question: _Question) -> Tiling:
        layer, names, resident, recurring, keep = question
        found = self._chosen.get(key)
        if found is None:
            tiling = tile_layer(layer, self.program, self.hw, resident=resident,
                                recurring=recurring, keep=keep)  # fmt: skip
            found = self._chosen[key] = (names, tiling)
        return _renamed(found[1], found[0], names)


def _signature(
    layer: Layer, buffers: dict[str, Buffer]
) -> tuple[tuple[str, ...], tuple[object, ...]]:
    """(`_names`, everything the search reads of the layer and its buffers with each name
    replaced by its place in `_names`)."""
    names = _names(layer)
    place = {name: i for i, name in enumerate(names)}
    key = (
        layer.op_types, layer.unit, layer.macs, layer.vector_ops, layer.elements,
        layer.epilogue_ops, layer.window, layer.gemm,
        *(tuple(place[n] for n in group) for group in (
            layer.reads, layer.weights, layer.writes, layer.held, layer.pointwise,
        )),
        tuple((place[name], shape) for name, shape in layer.views),
        tuple((b.shape, b.nbytes) if (b := buffers.get(n)) else None for n in names),
    )  # fmt: skip
    return names, key


def _names(layer: Layer) -> tuple[str, ...]:
    """The layer's buffer names in order of first mention."""
    return tuple(dict.fromkeys((
        *layer.reads, *layer.weights, *layer.writes, *layer.held, *layer.pointwise,
        *(name for name, _ in layer.views),
    )))  # fmt: skip


def _renamed(tiling: Tiling, before: tuple[str, ...], after: tuple[str, ...]) -> Tiling:
    """`tiling` with each buffer of `before` called by its counterpart in `after`."""
    if before == after:
        return tiling
    new = dict(zip(before, after, strict=True))
    # Most tiles read slices of the sizes the tile before read: rename each distinct tuple once
    # (and same tiles then share their tuples, which compare by identity first).
    renamed: dict[tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]] = {}

    def slices(items: tuple[tuple[str, int], ...]) -> tuple[tuple[str, int], ...]:
        found = renamed.get(items)
        if found is None:
            found = renamed[items] = tuple([(new[name], size) for name, size in items])
        return found

    if not tiling.tiles:
        return replace(tiling, shared=slices(tiling.shared))
    columns = tiling.memo.get(_renamed)
    if columns is None:
        columns = tiling.memo[_renamed] = _Columns.of(tiling.tiles)
    # each distinct (reads, weights, write) renamed once, then every tile made in C
    parts = [(slices(tile.reads), slices(tile.weights), slices((tile.write,))[0])
             for tile in map(tiling.tiles.__getitem__, columns.firsts)]  # fmt: skip
    reads, weights, writes = (tuple(column) for column in zip(*parts, strict=True))
    made = map(partial(tuple.__new__, Tile), zip(
        columns.group, columns.band, map(reads.__getitem__, columns.parts),
        map(weights.__getitem__, columns.parts), map(writes.__getitem__, columns.parts),
        columns.work, columns.chunk, columns.last, columns.psum, strict=True,
    ))  # fmt: skip
    return replace(tiling, tiles=tuple(made), shared=slices(tiling.shared))


class _Columns(NamedTuple):
    """A tiling's tiles as columns without their buffers' names (`_renamed`, which keeps them
    in `Tiling.memo`): each tile's distinct (reads, weights, write), numbered in order of first
    use, and where each is first used."""

    group: tuple[int, ...]
    band: tuple[int, ...]
    work: tuple[Work, ...]
    chunk: tuple[int, ...]
    last: tuple[bool, ...]
    psum: tuple[int, ...]
    parts: tuple[int, ...]
    firsts: tuple[int, ...]

    @classmethod
    def of(cls, tiles: tuple[Tile, ...]) -> _Columns:
        # (by identity: the tiling's own records, alive throughout, share equal tuples)
        numbers: dict[tuple[int, int, int], int] = {}
        firsts: list[int] = []
        parts = []
        for index, tile in enumerate(tiles):
            key = (id(tile.reads), id(tile.weights), id(tile.write))
            number = numbers.get(key)
            if number is None:
                number = numbers[key] = len(firsts)
                firsts.append(index)
            parts.append(number)
        group, band, _, _, _, work, chunk, last, psum = zip(*tiles, strict=True)
        return cls(group=group, band=band, work=work, chunk=chunk, last=last, psum=psum,
                   parts=tuple(parts), firsts=tuple(firsts))  # fmt: skip


def tile_layer(
    layer: Layer, program: Program, hw: Hardware, *, resident: frozenset[str] = frozenset(),
    recurring: bool = False, keep: bool = False,
) -> Tiling:
    """Tiles for `layer` (channel groups outer, row bands, reduction chunks inner) and the
    slots they use.

    Among the splits that fit, however buffered, the one with the shortest estimated time
    wins, then the one moving fewer bytes: a bus-bound layer prefers fewer bytes (less halo, no
    re-read input) to prefetching, a compute-bound one prefers overlap. Like a compiler's cost
    model, the choice depends on the machine's speeds, not only on its SRAM. A split may not
    add more than `SLACK` compute over the least any split needs, unless keeping to that costs
    more than `SLACK` in time (`_choose`). An input in `resident` (whole, in SRAM already: the
    planner keeps one that consecutive layers share) costs no load where a split shares it.
    With `recurring` weights (a later layer reads them again: a recurrent layer's time steps)
    the leading groups whose weights fit beside a split's slots stay in SRAM (`Tiling.pinned`),
    and a split is priced without their loads: the part of the weights that fits is read once,
    the rest every time. With `keep`, the output stays whole in SRAM beside the slots (no
    stores; `Tiling.kept`) if any split fits so, else it is tiled as usual.
    """
    capacity = hw.sram.capacity
    out = program.buffers[layer.writes[0]]
    if len(layer.writes) != 1 or not out.shape:
        need = sum(program.nbytes(b) for b in (*layer.reads, *layer.weights, *layer.writes))
        raise PlanError(
            f'layer "{layer.name}" needs {need:,} bytes of SRAM (has {capacity:,}) and it cannot '
            f"be tiled (not one output of rank 1 or more); {_RAISE} to at least {need:,} bytes"
        )
    names, key = _signature(layer, program.buffers)
    relevant = tuple(program.buffers[n] for n in (*layer.reads, *layer.weights, *layer.writes))
    held = tuple(i for i, name in enumerate(names) if name in resident)
    inputs = _Inputs((*key, held, keep), layer, relevant, frozenset(names[i] for i in held), keep)
    geometry, menu = _menu(inputs, capacity, recurring)
    if not menu.splits and geometry.deferred:  # splits kept for when nothing else fits
        geometry, menu = _menu(inputs, capacity, recurring, last_resort=True)
    if not menu.splits and keep:  # the output whole leaves no room: store it by tiles
        return tile_layer(layer, program, hw, resident=resident, recurring=recurring)
    if not menu.splits and resident:  # the resident inputs whole leave no room: load them by tiles
        return tile_layer(layer, program, hw, recurring=recurring)
    if not menu.splits:
        smallest = geometry.smallest()
        need = geometry.need(smallest, buffering=BUFFERINGS[0])
        if need <= capacity:
            raise PlanError(
                f'layer "{layer.name}" fits {capacity:,} bytes of SRAM only in more than '
                f"{MAX_TILES:,} tiles, the limit per layer; {_RAISE}"
            )
        chunk = f" x {_count(smallest.per_chunk, 'input channel')}" if geometry.reducible else ""
        raise PlanError(
            f'layer "{layer.name}" needs {need:,} bytes of SRAM even at its smallest tile '
            f"({_count(smallest.per_group, 'channel')} x {_count(smallest.per_band, 'row')}"
            f"{chunk}); SRAM holds {capacity:,} bytes: {_RAISE} to at least {need:,} bytes"
        )
    scored = list(zip(menu.scores(layer, hw), menu.splits, menu.bufferings, strict=True))
    # (tiles fill SRAM by what they move, loads of resident inputs included)
    filling = [item for item, fills in zip(scored, menu.filling, strict=True) if fills]
    chosen = _choose(filling or scored)
    (cycles, *_), split, buffering = chosen
    if keep:  # only if no slower than storing the output and its next reader loading it
        plain = tile_layer(layer, program, hw, resident=resident, recurring=recurring)
        if cycles > plain.cost + estimate(hw, "dma", Transfer(nbytes=out.nbytes, direction="in")):
            return plain
    slot, weights = geometry.slot_sizes(split)
    tiling = Tiling(
        geometry.tiles(split), slot, weights, buffering, geometry.shared(split),
        geometry.psum(split, split.per_group, split.per_band), menu.pins[scored.index(chosen)],
        keep,
        cycles,
        geometry.memos.setdefault(split, {}),
    )  # fmt: skip
    return _renamed(tiling, _names(geometry.layer), names)


_RAISE = "raise sram.capacity"  # the hardware file's field (also `--set sram.capacity=...`)


def _count(number: int, noun: str) -> str:
    """`1 channel`, `12 channels`: a count with its noun, singular for one."""
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


@dataclass(frozen=True, slots=True)
class _Inputs:
    """A layer and its buffers, equal to another's when the search reads the same of them
    (`key`, from `_signature`): the search made for one serves the other, renamed."""

    key: tuple[object, ...]
    layer: Layer = field(compare=False)
    buffers: tuple[Buffer, ...] = field(compare=False)
    resident: frozenset[str] = field(compare=False)  # of the layer's reads (in `key` by place)
    keep: bool = field(compare=False, default=False)  # the output stays in SRAM (in `key`)


@lru_cache(maxsize=256)
def _menu(
    inputs: _Inputs, capacity: int, recurring: bool, *, last_resort: bool = False
) -> tuple[_Geometry, _Menu]:
    """Every split that fits `capacity` (however buffered) with the work it asks for, less the
    loads of what stays in SRAM: resident inputs it shares, and with `recurring` weights its
    pinned groups' (`_Geometry.pinned`).

    This depends on the layer's shapes and the SRAM size only, so a sweep over bus or compute
    speeds at one SRAM size searches once per distinct layer (the cache is per process, and
    bounded: each entry keeps its geometry's chosen tiles).
    """
    layer = inputs.layer
    geometry = _Geometry(
        layer, {b.name: b for b in inputs.buffers}, inputs.resident, last_resort, inputs.keep
    )
    # (a third slot serves epilogues)
    bufferings = [b for b in BUFFERINGS if b.tiles < 3 or layer.epilogue is not None]
    options, filling = [], []
    for buffering, splits in geometry.fitting_splits(capacity, bufferings).items():
        for split in splits:
            profile = geometry.profile(split)
            loaded = [size for name, size in geometry.shared(split) if name in geometry.resident]
            pinned = geometry.pinned(split, buffering, capacity) if recurring else 0
            loaded += geometry.group_loads(split) * pinned
            options.append((split, buffering, pinned, _without(profile, loaded)))
            # (tiles fill SRAM by what they move, loads of resident inputs included)
            filling.append(profile.moved * FILL >= profile.tiles * capacity)
    # The search's slice sizes (one entry per band of every split it tried) would stay with
    # the cache for the process: ~100 MB for LLaMA-7B's prefill at 512 tokens. The chosen
    # split's come back as its tiles are made.
    geometry.forget_slices()
    return geometry, _Menu(options, filling)


def forget_searches() -> None:
    """Drop the searches `_menu` keeps for later runs: a process that runs one model
    (`accelsim run`) needs none once its plan is made (LLaMA-7B's prefill at 512 tokens:
    36 MB of the plan's 311)."""
    _menu.cache_clear()


def _without(profile: _Profile, loads: list[int]) -> _Profile:
    """`profile` less one load of each of `loads` bytes (shared inputs already in SRAM)."""
    if not loads:
        return profile
    counts = Counter(dict(profile.transfers))
    for size in loads:
        counts[Transfer(nbytes=size, direction="in")] -= 1
    return replace(
        profile, transfers=tuple((work, n) for work, n in counts.items() if n > 0),
        moved=profile.moved - sum(loads),
    )  # fmt: skip


def _choose(
    scored: list[tuple[tuple[float, int, int, int], _Split, Buffering]],
) -> tuple[tuple[float, int, int, int], _Split, Buffering]:
    """The fastest split (then fewest bytes, tiles), unless it computes more than SLACK over the
    least compute of any split: then the fastest of those that do not, if it is within SLACK of
    the fastest time. On a bus-bound layer the overlap hides a split that starves the array
    (bands of a few rows on a 128 x 128 array, one column per tile), yet that is work the array
    really does: tiling should add traffic, not compute, where that costs little time. Then, of
    the splits within TIE of that one's time that move no more bytes and compute no more, the
    one with the fewest tiles.
    """
    fastest = min(scored, key=lambda item: item[0])
    least = min(key[3] for key, _, _ in scored)
    chosen = fastest
    if fastest[0][3] > least * (1 + SLACK):
        lean = min(
            (item for item in scored if item[0][3] <= least * (1 + SLACK)),
            key=lambda item: item[0],
        )
        chosen = lean if lean[0][0] <= fastest[0][0] * (1 + SLACK) else fastest
    (cycles, moved, _, compute), _, _ = chosen
    ties = (
        item for item in scored
        if item[0][0] <= cycles * (1 + TIE) and item[0][1] <= moved and item[0][3] <= compute
    )  # fmt: skip
    return min(ties, key=lambda item: (item[0][2], item[0]))


class _Menu:
    """The splits a layer may take, each with its buffering, pinned groups and what it asks of
    the machine (`_Profile`), held as columns: every distinct work record once, and per split
    how many of each it asks for. `scores` prices each record once on a machine and sums the
    counts for all the splits at once; the menu itself depends on no speed (`_menu`)."""

    def __init__(
        self, options: list[tuple[_Split, Buffering, int, _Profile]], filling: list[bool]
    ) -> None:
        import numpy as np

        self.splits = [split for split, _, _, _ in options]
        self.bufferings = [buffering for _, buffering, _, _ in options]
        self.pins = [pinned for _, _, pinned, _ in options]
        self.filling = filling
        profiles = [profile for _, _, _, profile in options]
        transfers: dict[Work, int] = {}
        computes: dict[Work, int] = {}
        self.bus = _Counts([p.transfers for p in profiles], transfers)
        self.later = _Counts([p.later_groups for p in profiles], transfers)
        self.compute = _Counts([p.computes for p in profiles], computes)
        self.transfers, self.computes = tuple(transfers), tuple(computes)
        self.moved = [p.moved for p in profiles]
        self.tiles = np.array([p.tiles for p in profiles], np.int64)
        self.slots = np.array([b.tiles for b in self.bufferings], np.int64)
        self.waiting = np.array([b.weights == 1 for b in self.bufferings])
        self._prices: dict[tuple[object, ...], npt.NDArray[np.int64]] = {}

    def scores(self, layer: Layer, hw: Hardware) -> list[tuple[float, int, int, int]]:
        """(estimated cycles, bus bytes, tiles, compute cycles) of each split, priced by the
        units' timing models.

        Every transfer and every tile's own work is asked of its unit's model (once per
        `planning_key`: machines that agree on the unit, clock and DDR), so a tile that uses a
        sliver of a systolic array is seen as slow; a matrix layer's epilogue is asked of the
        vector unit's. Transfers spread over the machine's DMA channels, which work at once.
        Serial tiles take bus + compute + epilogue. Buffered ones overlap them: the busiest
        unit, but at least a slot's turn (a slot is busy from its tile's load to its store, so
        s slots take (bus + compute + epilogue) / s), plus one tile's share of the first load
        or the last store. With one weight slot over several groups, each later group's weights
        load while the engine waits.

        The sums are of whole cycles, exact in float64 below 2**53 (a layer of 100 days at
        1 GHz), so every split's figure is the one its own sums give.
        """
        import numpy as np

        channels = len(hw.units_of("dma"))
        dma = self._priced(hw, "dma", self.transfers)
        bus = self.bus.total(dma) / channels
        compute = self.compute.total(self._priced(hw, layer.unit, self.computes))
        epilogue = estimate(hw, "vector", layer.epilogue) if layer.epilogue is not None else 0
        waits = np.where(self.waiting, self.later.total(dma) / channels, 0.0)
        serial = bus + compute + epilogue
        turn = serial / self.slots
        overlapped = np.maximum(np.maximum(bus, compute + waits), np.maximum(epilogue, turn))
        overlapped += np.minimum(bus, compute) / self.tiles
        cycles = np.where(self.slots == 1, serial, overlapped)
        return list(zip(
            cycles.tolist(), self.moved, self.tiles.tolist(), compute.astype(np.int64).tolist(),
            strict=True,
        ))  # fmt: skip

    def _priced(
        self, hw: Hardware, kind: str, works: tuple[Work, ...]
    ) -> npt.NDArray[np.int64]:
        """Cycles of each of `works` on a unit of `kind`, kept per planning model's key (the
        last `KEPT_MODELS`; estimates are pure, and the key holds no model alive)."""
        import numpy as np

        key = planning_key(hw, kind)
        prices = self._prices.get(key)
        if prices is None:
            if len(self._prices) >= KEPT_MODELS:
                del self._prices[next(iter(self._prices))]  # the oldest
            model = planning_model(hw, kind)
            prices = np.fromiter(map(model.estimate, works), np.int64, len(works))
            self._prices[key] = prices
        return prices


class _Counts:
    """How many of each distinct work record every split asks for, as sparse columns; a record
    seen first gets the next place in `places` (shared by the menu's counts of one unit)."""

    def __init__(
        self, counted: list[tuple[tuple[Work, int], ...]], places: dict[Work, int]
    ) -> None:
        import numpy as np

        splits, columns, counts = [], [], []
        for number, items in enumerate(counted):
            for work, count in items:
                splits.append(number)
                columns.append(places.setdefault(work, len(places)))
                counts.append(count)
        self.size = len(counted)
        self.splits = np.array(splits, np.int64)
        self.columns = np.array(columns, np.int64)
        self.counts = np.array(counts, np.int64)

    def total(self, prices: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        """Each split's count-weighted sum of `prices` (cycles by place)."""
        import numpy as np

        weights = self.counts * prices[self.columns]
        return np.asarray(
            np.bincount(self.splits, weights=weights, minlength=self.size), np.float64
        )


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
    if layer.held:  # fused attention: K and V
        return layer.held
    if layer.op_types[0] != "MatMul" or layer.weights or len(layer.reads) < 2:
        return ()
    return (layer.reads[1],)


class _Geometry:
    """A layer's shapes, read once, and the byte arithmetic of its tiles.

    The output is (channels, rows): NCHW by C and H, any other rank by its last dim and the
    product of the others. Slice sizes depend only on (channel count, row band), so they are
    memoised: the split search asks the same questions many times.
    """

    def __init__(
        self, layer: Layer, buffers: dict[str, Buffer], resident: frozenset[str] = frozenset(),
        last_resort: bool = False, keep: bool = False,
    ) -> None:
        self.layer = layer
        self.resident = resident  # reads whole in SRAM before the layer: shared by every split
        out = buffers[layer.writes[0]]
        self.out_name, self.out_bytes = out.name, out.nbytes
        stationary = _stationary_operand(layer)
        # A batched product's output (B, heads, M, N) splits by (batch, head) pairs: each has
        # its own operands (attention's K and V per sequence and head), so A's pairs follow.
        self.batched = bool(stationary) and len(out.shape) == 4
        # A normalization over the last axis of a batch of 4-D tensors (the scores' Softmax in a
        # batched decode step) sees them as any other rank: every row of every (batch, head).
        # So does an element-wise op on them (the scores' scale and mask), as a last resort:
        # an NCHW tile of one channel and one row still spans the whole batch.
        batch = len(out.shape) == 4 and out.shape[0] > 1
        batch_rows = batch and layer.op_types[0] in _ELEMENTWISE and layer.window is None
        self.flat = batch and (layer.op_types[0] in _OVER_LAST_AXIS or batch_rows and last_resort)
        self.channel_first = layer.op_types[0] in _CHANNEL_NORMS and len(out.shape) == 3
        # A 1-D conv or pool's (N, C, L) splits as NCHW does: by C and by bands of L with a halo
        self.window_1d = layer.window is not None and len(out.shape) == 3
        self.channels, self.rows = self._dims(out.shape)
        self.split_channels, self.split_rows = _can_split(layer)
        self.row_offsets = _concat_rows(layer, buffers, self.channels, self.rows)
        # A band's slices depend on its height alone, not on where it starts, unless the input
        # rows it reads do: a window's clipped edges, a Resize's sampling, a Concat's parts.
        self.shifts = (
            self.row_offsets is None and layer.window is None and layer.op_types[0] != "Resize"
        )
        if self.row_offsets is not None:  # along the rows: bands and channel groups both split
            self.split_channels = self.split_rows = True
        elif layer.op_types[0] == "Concat":
            # inputs side by side: a band of output rows needs the same band of each input
            self.split_channels = False
            self.split_rows &= all(
                channels_rows(buffers[n].shape)[1] == self.rows for n in layer.reads
            )
        weight = buffers[layer.weights[0]].shape if layer.weights else ()
        depthwise = (
            layer.op_types[0] == "Conv" and len(weight) in (3, 4, 5) and weight[1] == 1
            and bool(layer.reads) and buffers[layer.reads[0]].shape[1] > 1
        )  # fmt: skip
        self.per_channel_input = layer.unit == "vector" or depthwise or self.batched
        # (a Concat along rows is a vector op: each input's channels follow the output's)
        # A weight a vector layer reads element for element (the rows an embedding Gather looks
        # up) is sliced with the output's rows, like an input, not held whole.
        vector = layer.unit == "vector"
        rowwise = [n for n in layer.weights if vector and buffers[n].shape == out.shape]
        views = dict(layer.views)
        self.reads = [
            (n, views.get(n, buffers[n].shape), buffers[n].nbytes)
            for n in (*layer.reads, *rowwise) if n not in stationary
        ]  # fmt: skip
        self.weights = [
            (n, buffers[n].nbytes) for n in (*layer.weights, *stationary) if n not in rowwise
        ]
        self.out_elements = _product(out.shape)
        self.keep = keep  # the output whole in SRAM beside the slots: no K-split, no stores
        reduction, deferred = _reduction(layer, self.reads, stationary)
        if keep:
            reduction, deferred = 1, False
        # Deferred splits (a reduction; a batch's rows) are taken only as a `last_resort`: the
        # search asks again with them when nothing else fits.
        self.deferred = not last_resort and (deferred or batch_rows)
        self.reduction = reduction if last_resort or not deferred else 1
        self.reducible = self.reduction > 1
        self._memo: dict[tuple[int, int, int, int], tuple[tuple[int, ...], int]] = {}
        self._tiles: dict[_Split, tuple[Tile, ...]] = {}
        # each split's `Tiling.memo`, kept with its tiles for the runs that choose it again
        self.memos: dict[_Split, dict[Hashable, Any]] = {}
        self._resident = tuple(name in resident for name, _, _ in self.reads)
        self._shared: dict[int, tuple[bool, ...]] = {}  # by group width, one band of all rows
        self._needs: dict[_Split, tuple[int, int, int, bool, int, bool]] = {}  # (`need`)

    def _dims(self, shape: tuple[int, ...]) -> tuple[int, int]:
        """(channels, rows) of a tensor as this layer splits it: `channels_rows`, with a
        batched product's (B, C, H, W) as B·C channels, a `flat` layer's as W and B·C·H, and a
        channel normalization's (N, C, L) as C and N·L, a 1-D window's as C and L."""
        if self.batched and len(shape) == 4:
            return shape[0] * shape[1], shape[2]
        if self.window_1d and len(shape) == 3:
            return shape[1], shape[2]
        if self.flat:
            return shape[-1] if shape else 1, _product(shape[:-1])
        if self.channel_first and len(shape) == 3:
            return shape[1], shape[0] * shape[2]
        return channels_rows(shape)

    def split(self, per_group: int, per_band: int, per_chunk: int | None = None) -> _Split:
        """A split of this layer (its reduction whole unless `per_chunk` is given)."""
        return _Split(
            self.channels, self.rows, per_group, per_band, self.reduction,
            self.reduction if per_chunk is None else per_chunk,
        )  # fmt: skip

    # -- sizes -----------------------------------------------------------------------------

    def slices(
        self, width: int, r0: int, r1: int, chunk: int | None = None
    ) -> tuple[tuple[int, ...], int]:
        """(bytes of each input slice, bytes of the output slice) for `width` channels, rows
        [r0, r1) and `chunk` units of the reduction (the first input carries it; all of it by
        default)."""
        chunk = self.reduction if chunk is None else chunk
        if self.shifts:
            r0, r1 = 0, r1 - r0
        key = (width, r0, r1, chunk)
        got = self._memo.get(key)
        if got is None:
            reads = [
                self._read_slice(shape, n, width, r0, r1,
                                 self.row_offsets[i] if self.row_offsets else None,
                                 pointwise=name in self.layer.pointwise)
                for i, (name, shape, n) in enumerate(self.reads)
            ]
            if chunk < self.reduction:
                reads[0] = _fraction(reads[0], chunk, self.reduction)
            write = _fraction(_fraction(self.out_bytes, width, self.channels), r1 - r0, self.rows)
            got = self._memo[key] = (tuple(reads), write)
        return got

    def forget_slices(self) -> None:
        self._memo.clear()
        self._needs.clear()

    def chunk_weights(self, width: int, chunk: int) -> int:
        """Bytes of the first weight (the one that carries K) for `width` channels and `chunk`
        units of the reduction."""
        return _fraction(_fraction(self.weights[0][1], width, self.channels), chunk, self.reduction)

    def psum(self, split: _Split, width: int, rows: int) -> int:
        """Partial-sum bytes of a tile of `width` channels and `rows` rows (0 without K-split)."""
        if split.chunks == 1:
            return 0
        elements = _fraction(_fraction(self.out_elements, width, self.channels), rows, self.rows)
        return elements * PARTIAL_SUM_BYTES

    def chunk_sizes(self, split: _Split) -> list[int]:
        """K units of each chunk, in order (the last may be smaller)."""
        full, rest = divmod(split.reduction, split.per_chunk)
        return [split.per_chunk] * full + ([rest] if rest else [])

    def _read_slice(self, shape: tuple[int, ...], nbytes: int, width: int, r0: int, r1: int,
                    offset: int | None = None, *, pointwise: bool = False) -> int:  # fmt: skip
        """Bytes of an input needed for `width` output channels and rows [r0, r1) (with halo);
        an input that holds output rows from `offset` on gives those of them in the band; of a
        `pointwise` input (a fused residual, attention's Q, a Split's input) just the output
        tile's elements."""
        if pointwise:
            return _fraction(_fraction(self.out_bytes, r1 - r0, self.rows), width, self.channels)
        if offset is not None:
            rows = channels_rows(shape)[1]
            overlap = max(0, min(r1, offset + rows) - max(r0, offset))
            return _fraction(_fraction(nbytes, overlap, rows), width, self.channels)
        if (len(shape) in (4, 5) or self.window_1d and len(shape) == 3) and not self.flat:
            in_channels, in_rows = self._dims(shape)
            lo, hi = self._input_rows(r0, r1, in_rows)
            size = _fraction(nbytes, hi - lo, in_rows)
            if self.per_channel_input and in_channels == self.channels:
                size = _fraction(size, width, in_channels)
            return size
        channels, rows = self._dims(shape)
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
        if self.layer.op_types[0] == "Resize":  # output row r samples near r x in / out
            lo = max(0, r0 * in_rows // self.rows - _RESIZE_HALO)
            return lo, min(in_rows, -(-r1 * in_rows // self.rows) + _RESIZE_HALO)
        return 0, in_rows

    def smallest(self) -> _Split:
        """The smallest tile the layer allows: 1 channel, 1 row and 1 unit of the reduction,
        where each may split."""
        return self.split(
            1 if self.split_channels else self.channels, 1 if self.split_rows else self.rows,
            1 if self.reducible else None,
        )  # fmt: skip

    def _is_shared(self, split: _Split) -> tuple[bool, ...]:
        """Which reads every tile takes alike: with one band of all rows and several channel
        groups, those whose slice does not depend on the group (all but per-channel inputs);
        without a K-split, a `resident` one too; none with a K-split."""
        if split.chunks > 1:
            return (False,) * len(self.reads)
        if split.per_band < split.rows or split.per_group >= split.channels:
            return self._resident
        flags = self._shared.get(split.per_group)
        if flags is None:
            whole, _ = self.slices(split.channels, 0, split.rows)
            part, _ = self.slices(split.per_group, 0, split.rows)
            flags = self._shared[split.per_group] = tuple(
                a == b or held for a, b, held in zip(whole, part, self._resident, strict=True)
            )  # fmt: skip
        return flags

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
        """Bytes of what a tile's slot holds: each read it loads itself (0 for shared ones),
        its chunk of the weights with a K-split, and its output (its partial sums have their
        own slot then)."""
        if split.chunks > 1:
            reads, _ = self.slices(width, r0, r1, split.per_chunk)
            return (*reads, self.chunk_weights(width, split.per_chunk))
        reads, write = self.slices(width, r0, r1)
        flags = self._is_shared(split)
        slot = write * (not self.keep)
        return (*(0 if flag else size for size, flag in zip(reads, flags, strict=True)), slot)

    def group_weights(self, width: int, split: _Split) -> int:
        """Bytes of a group's weights in its slot (with a K-split, all but the chunked one)."""
        weights = self.weights[1:] if split.chunks > 1 else self.weights
        return sum(_fraction(n, width, self.channels) for _, n in weights)

    def pinned(self, split: _Split, buffering: Buffering, capacity: int) -> int:
        """How many leading (whole) channel groups' weights fit in SRAM beside the split's
        slots; none with a K-split, whose weights stream by chunks."""
        group = self.group_weights(split.per_group, split)
        if split.chunks > 1 or not group:
            return 0
        room = capacity - self.need(split, buffering=buffering)
        return min(split.channels // split.per_group, room // group)

    def group_loads(self, split: _Split) -> list[int]:
        """Bytes of each weight's slice a whole channel group loads (as `profile` counts)."""
        return [_fraction(nbytes, split.per_group, self.channels) for _, nbytes in self.weights]

    def bands(self, split: _Split) -> list[tuple[int, int]]:
        return [self._band(split, band) for band in range(-(-split.rows // split.per_band))]

    def band_runs(self, split: _Split) -> list[tuple[tuple[int, int], int]]:
        """Rows of the bands with how many bands have the same slices: where they depend on
        the height alone (`shifts`), every full band is one run and a shorter last one another;
        else each band is its own."""
        if not self.shifts:
            return [(band, 1) for band in self.bands(split)]
        full, rest = divmod(split.rows, split.per_band)
        runs = ((split.per_band, full), (rest, 1))
        return [((0, height), n) for height, n in runs if n and height]

    @staticmethod
    def _band(split: _Split, band: int) -> tuple[int, int]:
        """Rows [r0, r1) of band number `band` (one of `bands`, without listing them all)."""
        start = band * split.per_band
        return start, min(split.rows, start + split.per_band)

    def slot_sizes(self, split: _Split) -> tuple[int, int]:
        """(largest slices of one tile, weights of the widest group) in bytes.

        Group 0 is the widest; bands 0, 1 and the last cover the edge and middle halos.
        """
        last = -(-split.rows // split.per_band) - 1
        worst = {self._band(split, band) for band in (0, min(1, last), last)}
        if self.shifts:  # (only the bands' heights matter)
            worst = {(0, r1 - r0) for r0, r1 in worst}
        slot = max(sum(self._tile_reads(split, split.per_group, *b)) for b in worst)
        return slot, self.group_weights(split.per_group, split)

    def need(self, split: _Split, *, buffering: Buffering) -> int:
        """SRAM the split needs: its shared inputs, and its slots (tile, group weights, partial
        sums), as many of each as `buffering` says. The sizes are worked out once per split
        (the search asks about each split under every buffering)."""
        parts = self._needs.get(split)
        if parts is None:
            slot, weights = self.slot_sizes(split)
            parts = self._needs[split] = (
                sum(size for _, size in self.shared(split)) + self.out_bytes * self.keep,
                slot, weights, split.channels > split.per_group,  # several groups
                self.psum(split, split.per_group, split.per_band),
                split.tiles > split.chunks,  # more than one (group, band)
            )  # fmt: skip
        fixed, slot, weights, groups, psum, several = parts
        buffered = buffering.tiles > 1
        return (
            fixed + buffering.tiles * slot + (buffering.weights if groups else 1) * weights
            + (2 * psum if buffered and buffering.weights > 1 and several else psum)
        )  # fmt: skip

    # -- choosing a split ------------------------------------------------------------------

    def fitting_splits(
        self, capacity: int, bufferings: list[Buffering]
    ) -> dict[Buffering, list[_Split]]:
        """For each buffering: for each channel-group width, the tallest row band that fits (if
        any does), and for each reduction chunk (K / 2, K / 4, ... 1) that lets a taller band
        fit, that one. All bufferings are searched together, a chunk of a width at a time, so
        each split's SRAM need is worked out once (`need`) and kept only meanwhile."""
        # Only the distinct group widths ceil(C / G) matter (about 2 * sqrt(C) of them).
        groups = range(1, min(self.channels, MAX_TILES) + 1)  # more groups: over MAX_TILES
        widths = sorted({-(-self.channels // g) for g in groups}, reverse=True)
        chunks = [self.reduction]
        while self.reducible and chunks[-1] > 1:
            chunks.append(-(-chunks[-1] // 2))
        splits: dict[Buffering, list[_Split]] = {buffering: [] for buffering in bufferings}
        for per_group in widths if self.split_channels else [self.channels]:
            tallest = dict.fromkeys(bufferings, 0)
            for per_chunk in chunks:
                for buffering in bufferings:
                    if tallest[buffering] == self.rows:
                        continue  # all rows fit: a smaller chunk only adds partial sums
                    per_band = self._most_rows(capacity, per_group, per_chunk, buffering=buffering)
                    if per_band:  # as many bands, of equal height (the last one not a sliver)
                        per_band = -(-self.rows // -(-self.rows // per_band))
                    split = self.split(per_group, max(per_band, 1), per_chunk)
                    if per_band > tallest[buffering] and split.tiles <= MAX_TILES:
                        splits[buffering].append(split)
                    tallest[buffering] = max(tallest[buffering], per_band)
                self._needs.clear()
        return splits

    def _most_rows(
        self, capacity: int, per_group: int, per_chunk: int, *, buffering: Buffering
    ) -> int:
        """Largest row band that fits with `per_group` channels, or 0 if none does."""
        # All rows first: shared inputs can make them fit where a band of fewer rows does not.
        if self.need(self.split(per_group, self.rows, per_chunk), buffering=buffering) <= capacity:
            return self.rows
        candidates = range(self.rows - 1, 0, -1) if self.split_rows else []
        lo, hi = 0, len(candidates) - 1
        found = 0
        while lo <= hi:  # fitting is monotone in the band height: binary search
            mid = (lo + hi) // 2
            split = self.split(per_group, candidates[mid], per_chunk)
            if self.need(split, buffering=buffering) <= capacity:
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
        chunks = Counter(self.chunk_sizes(split))  # at most two sizes
        whole = self.channels * self.rows * self.reduction
        full, rest = divmod(split.channels, split.per_group)
        later: list[tuple[Transfer, int]] = []
        for width, count in ((split.per_group, full), (rest, 1 if rest else 0)):
            if not count:
                continue
            weights = self.weights[1:] if split.chunks > 1 else self.weights
            sizes = [_fraction(nbytes, width, self.channels) for _, nbytes in weights]
            for size in sizes:
                transfers[Transfer(nbytes=size, direction="in")] += count
            if sum(sizes):
                later.append((Transfer(nbytes=sum(sizes), direction="in"), count - (not later)))
            for (r0, r1), bands in self.band_runs(split):
                tiles = count * bands
                for chunk, times in chunks.items():
                    reads, write = self.slices(width, r0, r1, chunk)
                    for size, flag in zip(reads, flags, strict=True):
                        if not flag:
                            transfers[Transfer(nbytes=size, direction="in")] += tiles * times
                    if split.chunks > 1:
                        size = self.chunk_weights(width, chunk)
                        transfers[Transfer(nbytes=size, direction="in")] += tiles * times
                    share = width * (r1 - r0) * chunk
                    macs = self.layer.macs * share // whole
                    ops = self.layer.vector_ops * share // whole
                    computes[self.work(width, r1 - r0, macs, ops, chunk)] += tiles * times
                if not self.keep:
                    transfers[Transfer(nbytes=write, direction="out")] += tiles
                if split.chunks > 1:  # one partial-sum slot: the next band waits for this store
                    later.append((Transfer(nbytes=write, direction="out"), tiles))
        moved = sum(work.nbytes * count for work, count in transfers.items())
        return _Profile(
            tuple(transfers.items()), tuple(computes.items()), moved, split.tiles, tuple(later)
        )

    def work(self, width: int, rows: int, macs: int, ops: int, chunk: int | None = None) -> Work:
        """A tile's share of the layer's work: `width` output channels, `rows` rows and `chunk`
        units of the reduction of the layer's GEMM (or of its vector ops).

        Channels scale N x groups (whole groups of a grouped conv, or part of one; a channel is
        N x groups / channels GEMM columns: 1 for a conv, kh x kw for a ConvTranspose, a
        head's keys for attention scores), rows scale M, a chunk K (an input channel is
        kh x kw of a conv's K).
        """
        gemm = self.layer.gemm
        if gemm is None:
            share = width * rows / (self.channels * self.rows)
            return Vector(ops=ops, elements=max(1, round(self.layer.elements * share)))
        columns = max(1, gemm.n * gemm.groups * width // self.channels)
        groups = max(1, columns // gemm.n) if gemm.groups > 1 else 1
        n = min(gemm.n, columns) if gemm.groups > 1 else columns
        m = max(1, gemm.m * rows // self.rows)
        k = gemm.k if chunk is None or chunk == self.reduction else gemm.k * chunk // self.reduction
        return Gemm(m=m, k=max(1, k), n=n, groups=groups, macs=macs)

    # -- the tiles ---------------------------------------------------------------------------

    def tiles(self, split: _Split) -> tuple[Tile, ...]:
        """Every tile in order; work is shared in proportion to (channels x rows), with
        cumulative floors so the tiles' MACs and ops sum exactly to the layer's."""
        if split not in self._tiles:
            self._tiles[split] = self._make_tiles(split)
        return self._tiles[split]

    def _make_tiles(self, split: _Split) -> tuple[Tile, ...]:
        layer = self.layer
        whole = split.channels * split.rows * split.reduction
        flags = self._is_shared(split)
        chunks = self.chunk_sizes(split)
        k_weight = self.weights[0][0] if len(chunks) > 1 else ""
        tiles = []
        done = 0
        # one record for equal slices, outputs and works (the planner compares tiles often)
        slices: dict[tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]] = {}
        outs: dict[tuple[str, int], tuple[str, int]] = {}
        works: dict[Work, Work] = {}
        for group, c0 in enumerate(range(0, split.channels, split.per_group)):
            width = min(split.per_group, split.channels - c0)
            weights = tuple(
                (n, _fraction(b, width, self.channels)) for n, b in self.weights if n != k_weight
            )
            for band, (r0, r1) in enumerate(self.bands(split)):
                for number, chunk in enumerate(chunks):
                    reads, write = self.slices(width, r0, r1, chunk)
                    loaded = [
                        (n, size)
                        for (n, _, _), size, flag in zip(self.reads, reads, flags, strict=True)
                        if not flag
                    ]
                    if k_weight:
                        loaded.append((k_weight, self.chunk_weights(width, chunk)))
                    after = done + width * (r1 - r0) * chunk
                    work = self.work(
                        width, r1 - r0, layer.macs * after // whole - layer.macs * done // whole,
                        layer.vector_ops * after // whole - layer.vector_ops * done // whole,
                        chunk,
                    )  # fmt: skip
                    sliced, out = tuple(loaded), (self.out_name, write)
                    tiles.append(
                        Tile(
                            group, band, slices.setdefault(sliced, sliced), weights,
                            outs.setdefault(out, out), works.setdefault(work, work), number,
                            number == len(chunks) - 1, self.psum(split, width, r1 - r0),
                        )
                    )  # fmt: skip
                    done = after
        return tuple(tiles)


def channels_rows(shape: tuple[int, ...]) -> tuple[int, int]:
    """(channels, rows) of a tensor: NCHW's C and H (NCDHW's C and D), else the last dim and the
    rest's product."""
    if len(shape) in (4, 5):
        return shape[1], shape[2]
    rows = 1
    for dim in shape[:-1]:
        rows *= dim
    return (shape[-1] if shape else 1), rows


def _concat_rows(
    layer: Layer, buffers: dict[str, Buffer], channels: int, rows: int
) -> list[int] | None:
    """Where each input's rows start in the output, for a Concat along the rows (a KV cache's
    past and new keys along the sequence: (1, heads, past, d) + (1, heads, 1, d)); None for
    any other layer. Every input then has the output's channels, and the rows are one run
    (NCHW's H, or all but the last dim of a tensor whose dims before the last two are 1)."""
    if layer.op_types[0] != "Concat" or not layer.reads:
        return None
    shapes = [buffers[n].shape for n in layer.reads]
    parts = [channels_rows(shape) for shape in shapes]
    if (
        any(c != channels for c, _ in parts)
        or sum(r for _, r in parts) != rows
        or any(r == rows for _, r in parts)
        or any(len(shape) != 4 and _product(shape[:-2]) != 1 for shape in shapes)
    ):
        return None
    offsets, start = [], 0
    for _, part in parts:
        offsets.append(start)
        start += part
    return offsets


def _reduction(
    layer: Layer, reads: list[tuple[str, tuple[int, ...], int]], stationary: tuple[str, ...]
) -> tuple[int, bool]:
    """K units a tile may take a chunk of: a conv's input channels (of each group: a tile's
    chunk takes as many of every group's, none for a depthwise conv, whose one channel a
    group is its K's only unit), a Gemm's or MatMul's A columns (B's rows: a weight, or the
    second activation of a product of two, held per group and chunked alike); 1 (not split) for
    other layers and fused attention. And whether the split is deferred: grouped convs' and
    products of two activations' split only where no split of the whole reduction fits (where
    there was once no tile at all), so every plan that ran before is the same."""
    gemm = layer.gemm
    primary = layer.op_types[0]
    if gemm is None or layer.held or not reads:
        return 1, False
    shape = reads[0][1]
    if primary == "Conv" and layer.weights and len(shape) in (3, 4, 5):
        units = shape[1] // gemm.groups
        return units, gemm.groups > 1 and units > 1
    operand = bool(layer.weights) != bool(stationary)  # B: a weight, or the held activation
    if primary in ("Gemm", "MatMul") and operand and shape and gemm.k in (
        shape[-1], _product(shape[1:])
    ):
        return gemm.k, bool(stationary)  # A's columns (A may be a flattened view for a Gemm)
    return 1, False


def _product(shape: tuple[int, ...]) -> int:
    total = 1
    for dim in shape:
        total *= dim
    return total


def _fraction(nbytes: int, part: int, whole: int) -> int:
    return -(-nbytes * part // whole)
