"""What a task does, as data: bytes to move, a GEMM to multiply, element-wise ops to run.

Tasks carry work, not durations: a unit's timing model (`accelsim.timing`) turns work into
cycles when the task starts (`run`), and planners ask the same model for an `estimate`. These
records are neutral ground: lowering, the planner, the simulator and the timing models read
them without importing one another.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Gemm", "Transfer", "Vector", "Work"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Transfer:
    """Bytes crossing a DMA unit: "in" from DDR into SRAM, "out" from SRAM to DDR.

    They occupy DDR addresses [address, address + nbytes) (the planner's DDR allocator).
    """

    nbytes: int
    direction: Literal["in", "out"]
    address: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Gemm:
    """`groups` GEMMs of M x K x N each (a conv: M = batch x output pixels, K = Cin/groups x
    kh x kw, N = Cout/groups), `macs` multiply-accumulates in all (m x k x n x groups when the
    shape is exact)."""

    m: int
    k: int
    n: int
    groups: int
    macs: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Vector:
    """`ops` element-wise operations producing `elements` output elements."""

    ops: int
    elements: int


Work = Transfer | Gemm | Vector
