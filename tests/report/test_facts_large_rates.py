"""`hw explain` counts of a cycle thousands-separated like every count: cloud-sized units.
edge1 at 1 GHz with a 4.096 TFLOPS matrix engine (2,048 MACs a cycle) and a 1.5 TB/s bus
over DDR of 2 TB/s (1,500 B a cycle, the bus sets the rate)."""

from __future__ import annotations

import io

from rich.console import Console

from accelsim.facts import machine_facts
from accelsim.hardware_file import load_hardware, with_overrides
from accelsim.report.facts import facts_table
from tests.report.test_facts import PRESETS


def test_per_cycle_counts_over_a_thousand_are_separated():
    hw = with_overrides(load_hardware(PRESETS / "edge1.yaml"), {
        "clock": "1 GHz", "units.matrix.peak": "4.096 TFLOPS", "units.bus.bandwidth": "1.5 TB/s",
        "ddr.bandwidth": "2 TB/s", "units.bus.latency": "0 s", "ddr.latency": "0 s",
    })  # fmt: skip
    console = Console(width=300, file=io.StringIO(), color_system=None)
    console.print(facts_table(machine_facts(hw)))
    rows = {}
    for line in console.file.getvalue().splitlines():  # type: ignore[attr-defined]
        key, _, value = line.partition("  ")
        rows[key.strip()] = value.strip()
    # 4.096e12 FLOP/s / 2 / 1e9 cycles/s = 2,048 MACs a cycle
    assert rows["matrix"].startswith("matrix, rate: 2,048 MAC/cycle = 2.048 TMAC/s = 4.096 TFLOPS")
    assert rows["bus"].startswith("dma, rate: 1,500 B/cycle = 1.5 TB/s (bus-limited)")
