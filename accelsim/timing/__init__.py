"""Timing models of accelerator units: pure functions from a unit's work to cycles."""

from accelsim.timing.systolic import (
    DATAFLOWS,
    GROUP_MAPPINGS,
    SystolicCycles,
    systolic_cycles,
)

__all__ = ["DATAFLOWS", "GROUP_MAPPINGS", "SystolicCycles", "systolic_cycles"]
