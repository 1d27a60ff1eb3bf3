"""The conventions of the seed paper's performance model, as named, documented switches.

Tables 3 and 4 follow a small set of rules (worked out from the printed numbers; see
reports/paper/). Some are the paper's own modelling choices, applied in every row, and are kept
as they are; others contradict the paper's Table 1 and are corrected by default. Each switch
below says which, so the same model can show the table as the paper meant it (`PAPER`), with
the paper's slips put back (`AS_PRINTED`, to explain its numbers) or done right (`CORRECTED`).
"""

from __future__ import annotations

from dataclasses import dataclass

from accelsim.errors import ConfigError


@dataclass(frozen=True, slots=True)
class PaperRules:
    """How the paper counts bits and time; every field is a convention read off Tables 3/4."""

    name: str
    """Registry name, shown in reports (`--rules NAME`)."""
    weights_in_bytes: bool
    """True: a layer's filter coefficients enter the bit columns with their size in *bytes* (the
    paper: conv1's 3x3x3x32 = 864 int8 coefficients add 864 to "internal memory used (bits)",
    not 6912). Applied in every row, so kept by default; False counts them in bits."""
    weight_trips: int
    """Times a layer's filter coefficients cross the bus. The paper: 2, "moved from internal to
    external and then vice versa" (conv1 moves 2 x 864 = 1728 of its 20544 bits); read-only
    weights only need 1 (external to internal)."""
    strided_at_input_resolution: bool
    """True: a strided layer's output and MACs are counted at its *input* resolution, as the
    paper does for layers 4 and 24 (28x28 and 14x14), against Table 1, which gives the next
    layer's input as 14x14 and 7x7. Off by default."""
    reload_after_spill: bool
    """True: after a spill the next layer moves its input back in. The paper moves every bit out
    at layer 25 (its output included) yet layer 26 reads that output without moving it in."""


PAPER = PaperRules(
    name="paper",
    weights_in_bytes=True,
    weight_trips=2,
    strided_at_input_resolution=False,
    reload_after_spill=True,
)
"""The paper's method where it is self-consistent, with Table 1's shapes: the default."""

AS_PRINTED = PaperRules(
    name="as-printed",
    weights_in_bytes=True,
    weight_trips=2,
    strided_at_input_resolution=True,
    reload_after_spill=False,
)
"""`PAPER` plus the paper's slips against Table 1 (stride-2 layers at input size, no reload)."""

CORRECTED = PaperRules(
    name="corrected",
    weights_in_bytes=False,
    weight_trips=1,
    strided_at_input_resolution=False,
    reload_after_spill=True,
)
"""The paper's accounting done right: weights in bits, loaded once, Table 1 shapes, reloads."""

RULES: dict[str, PaperRules] = {r.name: r for r in (PAPER, AS_PRINTED, CORRECTED)}


def rules_named(name: str) -> PaperRules:
    """The preset called `name`.

    Raises:
        ConfigError: no such preset (the message lists the known ones).
    """
    try:
        return RULES[name]
    except KeyError:
        known = ", ".join(RULES)
        raise ConfigError(
            f"--rules: unknown paper rules {name!r}; expected one of: {known}"
        ) from None
