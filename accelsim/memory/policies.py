"""Placement policies by name, as `--policy` chooses them. A miss lists what exists.

Each entry loads its planner when used, so listing the names (`--help`) imports no planner.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from accelsim.errors import ConfigError

if TYPE_CHECKING:
    from accelsim.hardware import Hardware
    from accelsim.lowering import Program
    from accelsim.memory.tiling import Tiler
    from accelsim.plan import Plan

PlanFunction = Callable[..., "Plan"]


def _liveness() -> PlanFunction:
    """Free after last use, spill the buffer whose next use is farthest, tile what cannot fit."""
    from accelsim.memory.planner import plan_liveness

    return plan_liveness


POLICIES: dict[str, Callable[[], PlanFunction]] = {"liveness": _liveness}


def make_plan(
    program: Program, hw: Hardware, *, policy: str, overlap: bool, tiler: Tiler | None = None
) -> Plan:
    """Plan `program` on `hw` with the policy registered under `policy`, asking `tiler` (one
    for `hw`; a fresh one by default) how to tile what does not fit."""
    try:
        planner = POLICIES[policy]()
    except KeyError:
        known = ", ".join(sorted(POLICIES))
        raise ConfigError(f'--policy: unknown policy "{policy}"; known: {known}') from None
    return planner(program, hw, overlap=overlap, tiler=tiler)
