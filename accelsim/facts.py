"""What a hardware file's numbers imply: peaks per unit and in total, machine balance, SRAM.

`accelsim hw explain` prints these so nobody has to work out "words per cycle at which clock?"
by hand. Everything is derived from the validated `Hardware`; nothing is simulated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from accelsim.kinds import kind, kind_running
from accelsim.timing.models import channel_latency
from accelsim.work import Gemm, Transfer, Vector

if TYPE_CHECKING:
    from accelsim.hardware import Hardware

__all__ = ["LINK_LIMIT_WORDS", "MachineFacts", "UnitFacts", "link_limit", "machine_facts"]

LINK_LIMIT_WORDS = {"bus": "bus-limited", "ddr": "DDR-limited", "equal": "bus and DDR equal"}
"""How `hw explain` and the `run` header say what sets the transfer rate."""

_DMA, _MATRIX, _VECTOR = kind_running(Transfer), kind_running(Gemm), kind_running(Vector)
RATE_TILE = 64
"""Side of the square weight tile SRAM is counted in for rate matrix units (64 x 64 weights)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UnitFacts:
    """One unit's peak: `per_cycle` and `per_s` of its own measure (`measure`)."""

    name: str
    kind: str
    timing: str
    measure: str  # "B" for DMA (bytes), "MAC" for matrix units, "op" for vector units
    per_cycle: float
    per_s: float
    latency_cycles: int  # DMA: the start-up of every transfer (DDR + channel)
    limit: str  # DMA: "bus", "ddr" or "equal" (what sets its rate, see link_limit); "" otherwise
    array: str  # systolic: "32x16 ws (simple)"; "" otherwise
    lanes: int | None
    depth: int  # transfers a DMA channel keeps in flight (1 for compute units)


@dataclass(frozen=True, slots=True, kw_only=True)
class MachineFacts:
    """Per-unit peaks, totals per kind, machine balance and SRAM in bytes and tiles."""

    name: str
    clock_hz: float
    units: tuple[UnitFacts, ...]
    macs_per_s: float  # all matrix units together
    flops_per_s: float  # 2 per MAC
    vector_ops_per_s: float
    ddr_bytes_per_s: float  # what all DMA units together can move, DDR included
    ddr_bytes_per_cycle: float
    balance_flops_per_byte: float  # = the ridge point of the roofline
    sram_bytes: int
    tile: str  # the tile SRAM is counted in, in words
    tile_bytes: int
    sram_tiles: int


def machine_facts(hw: Hardware) -> MachineFacts:
    """The facts of `hw` (see the module docstring)."""
    units = tuple(_unit_facts(hw, name) for name in hw.units)
    macs = sum(u.per_s for u in units if u.kind == _MATRIX)
    vector = sum(u.per_s for u in units if u.kind == _VECTOR)
    channels = sum(u.per_s for u in units if u.kind == _DMA)
    ddr = min(channels, hw.ddr.bandwidth)
    matrix = hw.matrix
    if matrix.timing == "systolic":
        assert matrix.rows is not None and matrix.cols is not None
        tile = f"one weight fold of the array ({matrix.rows}x{matrix.cols} weights)"
        tile_bytes = -(-matrix.rows * matrix.cols * hw.dtypes.weights // 8)
    else:
        tile = f"a {RATE_TILE}x{RATE_TILE} weight tile"
        tile_bytes = -(-RATE_TILE * RATE_TILE * hw.dtypes.weights // 8)  # packed, as tensors
    return MachineFacts(
        name=hw.name, clock_hz=hw.clock, units=units, macs_per_s=macs, flops_per_s=2 * macs,
        vector_ops_per_s=vector, ddr_bytes_per_s=ddr, ddr_bytes_per_cycle=ddr / hw.clock,
        balance_flops_per_byte=2 * macs / ddr, sram_bytes=hw.sram.capacity, tile=tile,
        tile_bytes=tile_bytes, sram_tiles=hw.sram.capacity // tile_bytes,
    )  # fmt: skip


def link_limit(hw: Hardware) -> str:
    """What sets the transfer rate: "bus", "ddr", or "equal" when both run at the same rate."""
    return "equal" if hw.dma.bandwidth == hw.ddr.bandwidth else hw.link_limit


def _unit_facts(hw: Hardware, name: str) -> UnitFacts:
    unit = hw.units[name]
    per_cycle = {
        _DMA: hw.bus_bytes_per_cycle,
        _MATRIX: hw.matrix_flops_per_cycle / 2,
        _VECTOR: hw.vector_ops_per_cycle,
    }[unit.kind]
    array = ""
    if unit.kind == _MATRIX and unit.timing == "systolic":
        array = f"{unit.rows}x{unit.cols} {unit.dataflow} ({unit.group_mapping or 'simple'})"
    return UnitFacts(
        name=name, kind=unit.kind, timing=unit.timing,
        measure=kind(unit.kind).measure,
        per_cycle=per_cycle, per_s=per_cycle * hw.clock,
        latency_cycles=channel_latency(hw) if unit.kind == _DMA else 0,
        limit=link_limit(hw) if unit.kind == _DMA else "", array=array,
        lanes=getattr(unit, "lanes", None), depth=getattr(unit, "depth", 1),
    )  # fmt: skip
