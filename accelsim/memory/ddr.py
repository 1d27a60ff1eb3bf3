"""DDR addresses: every buffer that lives in DDR gets one range, its home, while it is live.

Weights, inputs and outputs start (or end) in DDR and keep their homes for the whole run; they
are handed out first, in the order the run reads them, outputs last. An activation gets its
home the first time it is spilled or a tiled layer stores it, and gives it back once the layer
of its last reader is planned: a later activation may take those bytes (first fit, lowest
address; else above everything handed out so far). Every transfer into reused bytes waits for
the transfers of the bytes' previous owners (see `touch`), so a spill never overwrites data
still to be read.
Each home is aligned to `ALIGN` bytes; the highest address ever used must fit `ddr.capacity`,
or the machine is refused with the bytes needed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from accelsim.errors import PlanError
from accelsim.plan import DdrRange

if TYPE_CHECKING:
    from accelsim.lowering import Program

__all__ = ["ALIGN", "DdrSpace"]

ALIGN = 64
"""Bytes each range is aligned to: one DRAM burst of a 64-bit channel (BL8 x 8 B)."""

_WaitSet = frozenset[int]


@dataclass(slots=True)
class _Hole:
    address: int
    size: int
    after: _WaitSet  # transfers of its previous owners: a new owner's transfers wait for them


class DdrSpace:
    """The DDR address space of one plan (see the module docstring)."""

    def __init__(self, capacity: int, program: Program,
                 merge: Callable[[_WaitSet, _WaitSet], _WaitSet]) -> None:  # fmt: skip
        self.capacity = capacity
        self.ranges: dict[str, DdrRange] = {}  # every home handed out, in that order
        self.end = 0  # first address never handed out
        self._merge = merge
        self._last_use = {n: layer.index for layer in program.layers for n in layer.reads}
        self._holes: list[_Hole] = []  # freed ranges below `end`, lowest address first
        self._waits: dict[str, _WaitSet] = {}  # home -> transfers of its bytes' previous owners
        self._moved: dict[str, list[int]] = {}  # live activation home -> transfers of it
        self._live: dict[str, int] = {}  # live activation homes -> layer of their last reader
        self._by_kind: dict[str, int] = {}  # bytes of the live homes of each kind
        self._peak: dict[str, int] = {}  # `_by_kind` when `end` last grew

    def home(self, buffer: str, size: int, kind: str) -> DdrRange:
        """The range of `buffer` (`size` bytes of `kind`), given one on first use."""
        found = self.ranges.get(buffer)
        if found is None:
            self._by_kind[kind] = self._by_kind.get(kind, 0) + size
            address, self._waits[buffer] = self._take(-(-max(size, 1) // ALIGN) * ALIGN)
            found = self.ranges[buffer] = DdrRange(
                buffer=buffer, kind=kind, address=address, size=size
            )
            if kind == "activation":
                self._live[buffer] = self._last_use.get(buffer, -1)
        return found

    def touch(self, buffer: str, task: int) -> _WaitSet:
        """Record that `task` moves bytes of `buffer`'s home; returns what it must wait for.

        The first transfer into reused bytes waits for every transfer of their previous owners
        (with several DMA channels that can be thousands); each later one waits for that first
        one only, which started after them all.
        """
        if buffer in self._live:
            self._moved.setdefault(buffer, []).append(task)
        waits = self._waits[buffer]
        if waits:
            self._waits[buffer] = frozenset((task,))
        return waits

    def waits(self, buffer: str) -> _WaitSet:
        """What the next transfer of `buffer` would wait for (`touch`)."""
        return self._waits.get(buffer, frozenset())

    def touched(self, buffer: str, tasks: list[int]) -> None:
        """`touch` of each of `tasks` in turn, whose waits are known (a run of tiles)."""
        if buffer in self._live:
            self._moved.setdefault(buffer, []).extend(tasks)
        if self._waits[buffer]:
            self._waits[buffer] = frozenset(tasks[-1:])

    def end_layer(self, layer: int) -> None:
        """Layer `layer` is planned: free the homes of activations no later layer reads."""
        for buffer in [b for b, last in self._live.items() if last <= layer]:
            del self._live[buffer]
            span = self.ranges[buffer]
            self._by_kind[span.kind] -= span.size
            size = -(-max(span.size, 1) // ALIGN) * ALIGN
            moved = self._merge(frozenset(self._moved.pop(buffer, ())), frozenset())
            self._give_back(_Hole(span.address, size, moved))

    def _take(self, size: int) -> tuple[int, _WaitSet]:
        """First fit among the holes; else grow from the highest hole if it touches `end`."""
        holes = self._holes
        for index, hole in enumerate(holes):
            if hole.size >= size:
                if hole.size == size:
                    del holes[index]
                else:
                    holes[index] = _Hole(hole.address + size, hole.size - size, hole.after)
                return hole.address, hole.after
        if holes and holes[-1].address + holes[-1].size == self.end:
            top = holes.pop()
            address, after = top.address, top.after
        else:
            address, after = self.end, frozenset()
        self.end = address + size
        self._peak = dict(self._by_kind)
        return address, after

    def _give_back(self, hole: _Hole) -> None:
        """Insert a freed range, merged with the holes it touches (their waits joined)."""
        holes = self._holes
        index = next((i for i, h in enumerate(holes) if h.address > hole.address), len(holes))
        if index < len(holes) and hole.address + hole.size == holes[index].address:
            after = holes.pop(index)
            hole = _Hole(hole.address, hole.size + after.size, self._merge(hole.after, after.after))
        if index and holes[index - 1].address + holes[index - 1].size == hole.address:
            before = holes[index - 1]
            holes[index - 1] = _Hole(
                before.address, before.size + hole.size, self._merge(before.after, hole.after)
            )
        else:
            holes.insert(index, hole)

    def check(self) -> None:
        """Refuse a plan whose DDR ranges do not fit `ddr.capacity`."""
        if self.end <= self.capacity:
            return
        parts = ", ".join(f"{kind}s {size:,}" for kind, size in self._peak.items() if size)
        raise PlanError(
            f"ddr.capacity: the model needs {self.end:,} bytes of DDR at once ({parts}; "
            f"{ALIGN}-byte aligned), more than ddr.capacity {self.capacity:,}"
        )
