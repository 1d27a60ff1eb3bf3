"""Address mappings: which bits of a byte address pick the channel, rank, bank group, bank, row
and column.

A mapping is written as DRAMsim3 writes it, six two-letter fields from the most significant bits
down (`ro` row, `ch` channel, `ra` rank, `bg` bank group, `ba` bank, `co` column), so an accelsim
run and its DRAMsim3 replay decode every address alike. The burst offset (log2 burst bytes) sits
below them all. Named presets say what interleaving they give a sequential stream.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accelsim.dram.spec import DramSpec

__all__ = ["MAPPINGS", "Decoder", "mapping_fields", "mapping_problem"]

MAPPINGS: dict[str, str] = {
    # A stream fills one bank's row, then the next bank group, then the next bank: DRAMsim3's
    # DDR4 default; same-bank bursts pay tCCD_L.
    "row_bank_column": "rochrababgco",
    # Consecutive bursts rotate over the bank groups, then columns: a stream pays tCCD_S and keeps
    # one row open in every bank group (the usual DDR4 controller choice).
    "row_column_bankgroup": "rochrabacobg",
    # Consecutive bursts go to the next channel first, then columns: DRAMsim3's HBM default is
    # the same with bank bits higher.
    "row_column_channel": "rorabgbacoch",
    # DRAMsim3's HBM default: row, rank, bank group, bank, channel, column.
    "row_bank_channel_column": "rorabgbachco",
    # Banks on top: a stream walks every row of one bank (conflicts for interleaved streams).
    "bank_row_column": "chrabgbaroco",
}
"""Named mappings (hardware files use the name or a six-field DRAMsim3 string)."""

_FIELDS = ("ch", "ra", "bg", "ba", "ro", "co")


def mapping_fields(mapping: str) -> str:
    """The six-field string of `mapping` (a preset name or a string as DRAMsim3 writes it)."""
    return MAPPINGS.get(mapping, mapping)


def mapping_problem(mapping: str, spec: DramSpec) -> str | None:
    """Why `mapping` cannot decode addresses of `spec`, or None when it can."""
    text = mapping_fields(mapping)
    tokens = [text[i : i + 2] for i in range(0, len(text), 2)]
    if len(text) != 12 or sorted(tokens) != sorted(_FIELDS):
        names = ", ".join(MAPPINGS)
        return (
            f'"{mapping}" is neither a named mapping ({names}) nor six fields ro ch ra bg ba co '
            "each once, most significant first"
        )
    for name, count in _widths(spec).items():
        if count & (count - 1):
            return f"{_FIELD_NAMES[name]} = {count} is not a power of two; the mapping takes bits"
    return None


_FIELD_NAMES = {
    "ch": "channels", "ra": "ranks", "bg": "bankgroups", "ba": "banks_per_group", "ro": "rows",
    "co": "bursts per row",
}  # fmt: skip


def _widths(spec: DramSpec) -> dict[str, int]:
    return {
        "ch": spec.channels,
        "ra": spec.ranks,
        "bg": spec.bankgroups,
        "ba": spec.banks_per_group,
        "ro": spec.rows,
        "co": spec.row_bytes // spec.burst_bytes,
    }


@dataclass(frozen=True, slots=True)
class Decoder:
    """Shifts and masks of each field, offset bits included (see `decode`)."""

    offset_bits: int
    shifts: tuple[int, int, int, int, int, int]  # ch, ra, bg, ba, ro, co
    masks: tuple[int, int, int, int, int, int]

    @classmethod
    def of(cls, mapping: str, spec: DramSpec) -> Decoder:
        """The decoder of a checked mapping (see `mapping_problem`)."""
        text = mapping_fields(mapping)
        widths = {name: count.bit_length() - 1 for name, count in _widths(spec).items()}
        offset = spec.burst_bytes.bit_length() - 1
        position = offset
        shift: dict[str, int] = {}
        for i in range(len(text) - 2, -1, -2):  # least significant field first
            name = text[i : i + 2]
            shift[name] = position
            position += widths[name]
        return cls(
            offset_bits=offset,
            shifts=tuple(shift[f] for f in _FIELDS),  # type: ignore[arg-type]
            masks=tuple((1 << widths[f]) - 1 for f in _FIELDS),  # type: ignore[arg-type]
        )

    def decode(self, address: int) -> tuple[int, int, int, int, int, int]:
        """(channel, rank, bank group, bank, row, column) of a byte address (wraps at capacity)."""
        s, m = self.shifts, self.masks
        return (
            (address >> s[0]) & m[0], (address >> s[1]) & m[1], (address >> s[2]) & m[2],
            (address >> s[3]) & m[3], (address >> s[4]) & m[4], (address >> s[5]) & m[5],
        )  # fmt: skip
