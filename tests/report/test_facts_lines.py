"""`accelsim hw explain`'s table line by line for a machine worked by hand, and its --json as
indented JSON.

edge1-systolic at 800 MHz: a 1 GB/s bus with 1.5 µs of latency and two transfers in flight,
a 32x16 systolic array, a 10.01 GOPS vector unit of 16 lanes, 1 MB of SRAM.
"""

from __future__ import annotations

import io
import json

from rich.console import Console

from accelsim.cli import main
from accelsim.facts import machine_facts
from accelsim.hardware_file import load_hardware, with_overrides
from accelsim.report.facts import facts_table
from tests.report.test_facts import PRESETS

SETS = {"clock": "800 MHz", "units.bus.latency": "1.5 us", "units.bus.depth": 2,
        "units.vector.peak": "10.01 GOPS", "units.vector.lanes": 16}  # fmt: skip


def _rows(hw) -> dict[str, str]:
    """The table's lines as label -> text."""
    console = Console(width=300, file=io.StringIO(), color_system=None)
    console.print(facts_table(machine_facts(hw)))
    rows = {}
    for line in console.file.getvalue().splitlines():  # type: ignore[attr-defined]
        key, _, value = line.partition("  ")
        rows[key.strip()] = value.strip()
    return rows


def test_every_line_of_the_table_by_hand():
    rows = _rows(with_overrides(load_hardware(PRESETS / "edge1-systolic.yaml"), SETS))
    assert rows["clock"] == "800 MHz (1 cycle = 1.25 ns)"
    # 1e9 B/s / 8e8 cycles/s = 1.25 B a cycle; 1.5 µs x 800 MHz = 1,200 cycles
    assert rows["bus"] == (
        "dma, rate: 1.25 B/cycle = 1 GB/s (bus and DDR equal), 1,200 cycles of latency per "
        "transfer, 2 transfers in flight"
    )
    # 32 x 16 = 512 MACs a cycle x 0.8 GHz = 409.6 GMAC/s, twice that in FLOP/s
    assert rows["matrix"] == (
        "matrix, systolic: 512 MAC/cycle = 409.6 GMAC/s = 819.2 GFLOPS, systolic array 32x16 ws "
        "(simple)"
    )
    assert rows["vector"] == "vector, rate: 12.5125 op/cycle = 10.01 GOPS, 16 lanes"  # 10.01/0.8
    assert rows["matrix peak"] == "409.6 GMAC/s = 819.2 GFLOPS (all matrix units, 2 FLOPs per MAC)"
    assert rows["vector peak"] == "10.01 GOPS"
    assert rows["DDR traffic"] == "1 GB/s = 1.25 B/cycle (all DMA units, capped by DDR)"
    assert rows["balance"].startswith("819.2 FLOPs per DDR byte")  # 819.2e9 / 1e9
    # 10^6 B / (32 x 16 int8 weights = 512 B) = 1,953.1 -> 1,953 whole folds
    assert rows["SRAM"] == (
        "1,000,000 B = 1,953 x one weight fold of the array (32x16 weights) of 512 B"
    )


def test_the_json_is_indented_one_space(capsys):
    assert main(["hw", "explain", "edge1", "--json"]) == 0
    out = capsys.readouterr().out
    facts = json.loads(out)
    assert out == json.dumps(facts, indent=1) + "\n"
    assert facts["name"] == "edge1"


def test_per_cycle_counts_over_a_thousand_are_separated():
    # cloud-sized units: edge1 at 1 GHz with a 4.096 TFLOPS matrix engine and a 1.5 TB/s bus
    # over DDR of 2 TB/s (the bus sets the rate)
    rows = _rows(with_overrides(load_hardware(PRESETS / "edge1.yaml"), {
        "clock": "1 GHz", "units.matrix.peak": "4.096 TFLOPS", "units.bus.bandwidth": "1.5 TB/s",
        "ddr.bandwidth": "2 TB/s", "units.bus.latency": "0 s", "ddr.latency": "0 s",
    }))  # fmt: skip
    # 4.096e12 FLOP/s / 2 / 1e9 cycles/s = 2,048 MACs a cycle; 1.5e12 B/s / 1e9 = 1,500 B a cycle
    assert rows["matrix"].startswith("matrix, rate: 2,048 MAC/cycle = 2.048 TMAC/s = 4.096 TFLOPS")
    assert rows["bus"].startswith("dma, rate: 1,500 B/cycle = 1.5 TB/s (bus-limited)")
