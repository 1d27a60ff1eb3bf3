"""Unit kinds, declared once: what each kind is called, what work it runs, how reports name it.

Everything that used to spell out "dma", "matrix" and "vector" (the schema's list of kinds,
the planner's choice of unit for a transfer, the lowering's unit for a layer, the floor's parts,
the bound column's words and colours, the per-unit facts and machine table, the per-layer work
fields of `--json`, the sweep's utilisation columns, the units' energy lines, the critical
path's parts and the `lost` bar's letters, `Hardware.peak_of`) reads these declarations. A new
kind is one `Kind` here, its pydantic schema in `accelsim.hardware` (whose `kind:` literal is
this `name`) and a timing model registered for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from accelsim.work import Gemm, Transfer, Vector, Work

__all__ = ["KINDS", "Kind", "kind", "kind_running", "label_of"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Kind:
    """One kind of unit (see the module docstring)."""

    name: str  # the `kind:` value in hardware files and `Task.unit_kind`
    label: str  # what reports call it: a layer's bound, a floor part, a sweep column suffix
    title: str  # its long name in sentences ("matrix engine")
    work: type[Work]  # the work record its tasks carry
    measure: str  # the unit of its rate: B (bytes), MAC or op
    amount: str  # the field of its work record that counts `measure`s (what energy is charged for)
    energy: str  # the `hardware.energy` field pricing one `measure` (its line in the energy table)
    style: str  # the rich colour of its bound
    layer_fields: tuple[str, ...]  # a layer result's fields counting its work (`--json` keys)
    letter: str  # its letter in the per-layer table's `lost` bar
    per_cycle: str  # the `Hardware` property giving one unit's peak per cycle (B, FLOP or op)
    startup: str = ""  # the part a task's fixed start-up is reported as ("": none)


KINDS: tuple[Kind, ...] = (
    Kind(name="dma", label="bus", title="bus", work=Transfer, measure="B", amount="nbytes",
         energy="bus_per_byte", style="yellow",
         layer_fields=("bus_read_bytes", "bus_write_bytes"), letter="b",
         per_cycle="bus_bytes_per_cycle", startup="latency"),
    Kind(name="matrix", label="matrix", title="matrix engine", work=Gemm, measure="MAC",
         amount="macs", energy="mac", style="cyan", layer_fields=("macs",), letter="m",
         per_cycle="matrix_flops_per_cycle"),
    Kind(name="vector", label="vector", title="vector unit", work=Vector, measure="op",
         amount="ops", energy="vector_op", style="magenta", layer_fields=("vector_ops",),
         letter="v", per_cycle="vector_ops_per_cycle"),
)  # fmt: skip
"""The declared kinds, in the order reports list them."""

_BY_NAME = {k.name: k for k in KINDS}


def kind(name: str) -> Kind:
    """The kind declared as `name`."""
    return _BY_NAME[name]


def kind_running(work: type[Work]) -> str:
    """The name of the kind whose tasks carry `work` records (Transfer -> "dma")."""
    return next(k.name for k in KINDS if k.work is work)


def label_of(name: str) -> str:
    """How reports name kind `name` ("dma" -> "bus")."""
    return _BY_NAME[name].label
