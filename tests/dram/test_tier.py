"""The banked DDR tier in a hardware file: machines, errors, --dram-trace, JSON, energy, sweeps."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from accelsim.api import run
from accelsim.energy import energy_of
from accelsim.errors import ConfigError
from accelsim.hardware_file import load_hardware, with_overrides

ROOT = Path(__file__).resolve().parents[2]
MOBILENET = ROOT / "workloads" / "mobilenet.onnx"
EDGE1_CYCLES = 575_491  # hardware/edge1.yaml, the rate tier (README)


@pytest.fixture(scope="module")
def edge1_ddr4_run():  # type: ignore[no-untyped-def]
    return run(MOBILENET, ROOT / "hardware" / "edge1-ddr4.yaml")


def test_banked_ddr4_behind_the_1_gbs_bus_is_never_faster_than_edge1(edge1_ddr4_run) -> None:  # type: ignore[no-untyped-def]
    # The bus moves a byte a cycle in both; the DRAM can only add (refresh, row misses).
    result = edge1_ddr4_run
    assert EDGE1_CYCLES <= result.latency_cycles <= EDGE1_CYCLES * 1.01
    dram = result.dram
    assert dram is not None
    # Every byte the bus moved went to DRAM as 64-byte bursts (buffers start on any byte).
    moved = result.bus_read_bytes + result.bus_write_bytes
    assert moved / 64 <= dram.counts.rd + dram.counts.wr <= moved / 64 + len(dram.transfers)
    assert dram.counts.hits + dram.counts.misses + dram.counts.conflicts == dram.counts.rd + (
        dram.counts.wr
    )
    # One refresh per tREFI (7.8 us) of the run.
    assert dram.counts.ref == int(result.latency_s / 7.8e-6)


def test_banked_energy_replaces_the_flat_per_byte_figure(edge1_ddr4_run) -> None:  # type: ignore[no-untyped-def]
    result = edge1_ddr4_run
    energy = energy_of(result)
    assert result.dram is not None
    assert energy.total.part("ddr") == pytest.approx(result.dram.energy.total_j)
    assert energy.total.part("ddr") != pytest.approx(
        energy.activity.count("ddr") * result.hardware.energy.ddr_per_byte
    )


def accelsim(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "accelsim", *map(str, args)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip


def test_json_per_layer_row_hits_and_dram_trace(tmp_path: Path) -> None:
    trace = tmp_path / "mobilenet.trace"
    proc = accelsim(
        "run", MOBILENET, "--hw", "edge1-ddr4", "--json", "--dram-trace", trace
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    dram = data["dram"]
    assert dram["preset"] == "ddr4-3200" and dram["mapping"] == "row_column_bankgroup"
    moving = [layer for layer in data["layers"] if layer["bus_read_bytes"]]
    for layer in moving:
        assert 0 <= layer["ddr_row_hit_rate"] <= 1
        # behind the 1 GB/s bus a layer's transfers never beat the bus
        assert layer["ddr_bandwidth_bytes_per_s"] <= 1e9 * (1 + 1e-9)
    lines = trace.read_text().splitlines()
    assert len(lines) == dram["bursts"]
    assert all(re.fullmatch(r"0x[0-9a-f]+ (READ|WRITE) \d+", line) for line in lines)
    clocks = [int(line.split()[2]) for line in lines]
    assert clocks == sorted(clocks)
    # Bursts arrive at the bus's pace: 64 B at 1 GB/s = 64 ns = 102.4 DRAM clocks of 0.625 ns.
    assert lines[:2] == ["0x0 READ 0", "0x40 READ 102"] or clocks[1] - clocks[0] in (102, 103)


def test_dram_trace_needs_the_banked_tier() -> None:
    proc = accelsim("run", MOBILENET, "--hw", "edge1", "--dram-trace", "/tmp/never.trace")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "accelsim: error: --dram-trace needs ddr.timing: banked; edge1 uses rate"
    ]


def _machine(tmp_path: Path, ddr: str) -> Path:
    text = (ROOT / "hardware" / "edge1.yaml").read_text()
    start = text.index("ddr:\n")
    end = text.index("\nsram:")
    path = tmp_path / "bad.yaml"
    path.write_text(text[:start] + ddr + text[end:])
    return path


BANKED = "ddr:\n  capacity: 1 GiB\n  timing: banked\n  preset: ddr4-3200\n"


@pytest.mark.parametrize(
    ("ddr", "field", "reason"),
    [
        (BANKED + "  timings:\n    tRCD: 0\n", "ddr.timings.tRCD", "greater than 0"),
        (BANKED + "  mapping: rorochbabgco\n", "ddr.mapping", "six fields"),
        ("ddr:\n  capacity: 1 KiB\n  timing: banked\n  preset: ddr4-3200\n",
         "ddr.capacity", "smaller than one DRAM row"),
        ("ddr:\n  capacity: 16 GiB\n  timing: banked\n  preset: ddr4-3200\n",
         "ddr.capacity", "address bits the mapping does not have"),
        ("ddr:\n  capacity: 1 GiB\n  timing: banked\n  preset: ddr5\n", "ddr.preset", "ddr4-3200"),
        ("ddr:\n  capacity: 1 GiB\n  timing: banked\n  preset: ddr4-3200\n  timings:\n"
         "    tRAS: 10\n", "ddr.timings", "tRAS 10 < tRCD 22"),
        ("ddr:\n  capacity: 1 GiB\n  bandwidth: 1 GB/s\n  preset: ddr4-3200\n", "ddr",
         "preset is for timing banked"),
    ],
)  # fmt: skip
def test_impossible_banked_ddr_is_one_line_naming_file_line_and_field(
    tmp_path: Path, ddr: str, field: str, reason: str
) -> None:
    path = _machine(tmp_path, ddr)
    with pytest.raises(ConfigError) as caught:
        load_hardware(path)
    message = str(caught.value)
    assert "\n" not in message
    assert re.match(rf"{re.escape(str(path))}:\d+: {re.escape(field)}: ", message), message
    assert reason in message


def test_sweeping_the_preset_and_the_mapping() -> None:
    hw = load_hardware(ROOT / "hardware" / "edge1-ddr4.yaml")
    assert hw.ddr.bandwidth == pytest.approx(25.6e9)
    lp = with_overrides(hw, {"ddr.preset": "lpddr4-4266"})
    # 2 channels x 2 bytes x 4266 MT/s (tCK 0.469 ns: 2 beats a clock)
    assert lp.ddr.bandwidth == pytest.approx(2 * 32 / (8 * 0.469e-9))
    assert lp.ddr.dram_spec.protocol == "LPDDR4"
    other = with_overrides(hw, {"ddr.mapping": "row_bank_column"})
    assert other.ddr.dram_mapping == "row_bank_column"
    # A one-bank stream pays tCCD_L: MobileNet's DRAM is busier, the bus still hides it.
    assert run(MOBILENET, other).latency_cycles >= EDGE1_CYCLES


def test_bundled_banked_machines_load() -> None:
    for name, preset in (("edge1-ddr4", "ddr4-3200"), ("edge1-lpddr4", "lpddr4-4266"),
                         ("cloud1-hbm2", "hbm2")):  # fmt: skip
        hw = load_hardware(ROOT / "hardware" / f"{name}.yaml")
        assert (hw.ddr.timing, hw.ddr.preset) == ("banked", preset)
