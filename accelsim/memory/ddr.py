"""DDR addresses: every buffer that lives in DDR gets one range, held for the whole run.

Weights, inputs and outputs start (or end) in DDR; an activation gets its range the first time
it is spilled or a tiled layer stores it. Ranges are handed out in that order, each aligned to
`ALIGN` bytes, and never reused (a bump allocator: DDR is large, and a fixed home per buffer
keeps every transfer of it on the same addresses). A machine whose `ddr.capacity` cannot hold
them all is refused with the bytes needed.
"""

from __future__ import annotations

from accelsim.errors import PlanError
from accelsim.plan import DdrRange

__all__ = ["ALIGN", "DdrSpace"]

ALIGN = 64
"""Bytes each range is aligned to: one DRAM burst of a 64-bit channel (BL8 x 8 B)."""


class DdrSpace:
    """The DDR address space of one plan (see the module docstring)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.ranges: dict[str, DdrRange] = {}
        self.top = 0  # first free address

    def home(self, buffer: str, size: int, kind: str) -> DdrRange:
        """The range of `buffer` (`size` bytes of `kind`), given one on first use."""
        found = self.ranges.get(buffer)
        if found is None:
            found = self.ranges[buffer] = DdrRange(
                buffer=buffer, kind=kind, address=self.top, size=size
            )
            self.top += -(-max(size, 1) // ALIGN) * ALIGN
        return found

    def check(self) -> None:
        """Refuse a plan whose DDR ranges do not fit `ddr.capacity`."""
        if self.top <= self.capacity:
            return
        by_kind: dict[str, int] = {}
        for span in self.ranges.values():
            by_kind[span.kind] = by_kind.get(span.kind, 0) + span.size
        parts = ", ".join(f"{kind}s {size:,}" for kind, size in by_kind.items())
        raise PlanError(
            f"ddr.capacity: the model needs {self.top:,} bytes of DDR ({parts}; "
            f"{ALIGN}-byte aligned), more than ddr.capacity {self.capacity:,}"
        )
