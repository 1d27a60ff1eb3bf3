"""`accelsim hw explain`: what a hardware file implies, each figure worked out by hand."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from accelsim.facts import machine_facts
from accelsim.hardware_file import load_hardware, with_overrides
from accelsim.report.facts import facts_table

PRESETS = Path(__file__).resolve().parents[2] / "hardware"


def test_edge1_facts():
    facts = machine_facts(load_hardware(PRESETS / "edge1.yaml"))
    # 1 TFLOPS = 0.5e12 MAC/s; 1 GB/s at 1 GHz = 1 B/cycle; 1e12 FLOP/s / 1e9 B/s = 1000 FLOP/B
    assert (facts.macs_per_s, facts.flops_per_s) == (0.5e12, 1e12)
    assert facts.ddr_bytes_per_cycle == 1.0
    assert facts.balance_flops_per_byte == 1000.0
    assert [(u.name, u.per_cycle) for u in facts.units] == [
        ("bus", 1.0), ("matrix", 500.0), ("vector", 10.0),
    ]  # fmt: skip
    # 10^6 B of SRAM / (64 x 64 int8 = 4096 B) = 244.1 -> 244 whole tiles
    assert (facts.tile_bytes, facts.sram_tiles) == (4096, 244)


def test_systolic_and_two_channel_facts():
    array = machine_facts(load_hardware(PRESETS / "edge1-systolic.yaml"))
    # 32 x 16 = 512 MACs per cycle at 1 GHz = 5.12e11 MAC/s = 1.024e12 FLOP/s; ridge 1024 FLOP/B
    assert array.macs_per_s == 512e9 and array.balance_flops_per_byte == 1024.0
    assert array.units[1].array == "32x16 ws (simple)"
    # one fold's weights: 32 x 16 int8 = 512 B; 10^6 / 512 = 1953.1 -> 1953
    assert (array.tile_bytes, array.sram_tiles) == (512, 1953)
    two = machine_facts(load_hardware(PRESETS / "edge1-2dma.yaml"))
    # two 1 GB/s channels under a 2 GB/s DDR: 2 B/cycle, 1e12 / 2e9 = 500 FLOP/B
    assert (two.ddr_bytes_per_cycle, two.balance_flops_per_byte) == (2.0, 500.0)


def test_a_queued_channel_says_how_many_transfers_it_keeps_in_flight():
    hw = with_overrides(load_hardware(PRESETS / "edge1.yaml"), {"units.bus.depth": 4})
    console = Console(width=200, file=io.StringIO(), color_system=None)
    console.print(facts_table(machine_facts(hw)))
    assert "0 cycles of latency per transfer, 4 transfers in flight" in console.file.getvalue()


def test_facts_table_reads_at_80_columns():
    console = Console(width=80, file=io.StringIO(), color_system=None)
    console.print(facts_table(machine_facts(load_hardware(PRESETS / "edge1-systolic.yaml"))))
    text = console.file.getvalue()
    assert "512 MAC/cycle = 512 GMAC/s = 1.024 TFLOPS" in text
    assert "1,024 FLOPs per DDR byte" in text


@pytest.mark.parametrize("machine", ["edge1", str(PRESETS / "cloud1.yaml")])
def test_hw_explain_command_prints_json(machine):
    proc = subprocess.run(
        [sys.executable, "-m", "accelsim", "hw", "explain", machine, "--json",
         "--set", "sram.capacity=2MB"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    facts = json.loads(proc.stdout)
    assert facts["sram_bytes"] == 2_000_000
    assert facts["clock_hz"] in (1e9, 1.5e9)


def test_hw_explain_bad_file_is_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\n")
    proc = subprocess.run(
        [sys.executable, "-m", "accelsim", "hw", "explain", str(bad)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
