"""The run report's tables on the banked DDR tier: the layer table's `row hit` column beside
`util`, each under its own header, and the energy table's DRAM rows by command.

The two-conv schedule of tests/sim/test_schedule.py (c1: 1,152 MACs in 24 cycles, c2: 256 MACs
in 6 on the toy's 100 FLOP = 50 MACs a cycle) with DDR4-3200 behind the toy's bus. The DRAM's
counts and energy are the DDR model's (tests/dram check them); here they are only placed.
"""

from __future__ import annotations

import re

import pytest
from rich.console import Console

from accelsim.api import simulate_graph
from accelsim.ddr_layers import layer_ddr
from accelsim.energy import energy_of
from accelsim.hardware_file import with_overrides
from accelsim.report.tables import energy_table, layer_table
from accelsim.units import format_energy
from tests.sim.test_schedule import _two_convs
from tests.sim.toy import toy_machine


@pytest.fixture(scope="module")
def banked():  # type: ignore[no-untyped-def]
    hw = with_overrides(toy_machine(latency_ns=10), {
        "ddr.timing": "banked", "ddr.preset": "ddr4-3200", "ddr.bandwidth": None,
    })  # fmt: skip
    return simulate_graph(_two_convs(), hw, name="t")


def _lines(renderable) -> list[str]:  # type: ignore[no-untyped-def]
    console = Console(width=220, record=True, color_system=None)
    console.print(renderable)
    return [line.rstrip() for line in console.export_text().splitlines()]


def _cells(line: str) -> list[str]:
    return re.split(r"\s{2,}", line.strip())


def test_row_hit_and_util_each_sit_under_their_own_header(banked) -> None:  # type: ignore[no-untyped-def]
    lines = _lines(layer_table(banked, cycles=True))
    header = _cells(next(line for line in lines if line.startswith("layer")))
    rows = {cells[0]: dict(zip(header, cells, strict=True))
            for cells in map(_cells, lines) if cells[0] in ("c1", "c2")}  # fmt: skip
    # util: useful MACs / (50 MACs a cycle x busy cycles): c1 1,152 / 1,200 = 96 %, c2
    # 256 / 300 = 85.3 % -> 85 %
    assert (rows["c1"]["util"], rows["c2"]["util"]) == ("96%", "85%")
    # row hit: each layer's bursts to an open row, of its bursts
    for name, ddr in zip(("c1", "c2"), layer_ddr(banked) or [], strict=True):
        assert ddr.bursts and rows[name]["row hit"] == f"{ddr.hits / ddr.bursts:.0%}"
    assert header[-4:] == ["util", "row hit", "lost", "bound"]
    assert rows["c1"]["bound"] == "bus"


def test_the_energy_table_splits_banked_ddr_by_command(banked) -> None:  # type: ignore[no-untyped-def]
    lines = _lines(energy_table(banked))
    dram = banked.dram
    total = energy_of(banked).total_j
    parts = dram.energy.parts()
    counts = dram.counts
    shown = {
        "activate": f"{counts.act:,} ACT", "read": f"{counts.rd:,} RD",
        "write": f"{counts.wr:,} WR", "refresh": f"{counts.ref:,} REF",
        "background": f"{dram.energy.cycles:,} tCK",
    }  # fmt: skip
    ddr_at = next(i for i, line in enumerate(lines) if line.lstrip().startswith("DDR "))
    # the DDR line prices commands, not bytes; the five parts follow it, indented
    assert _cells(lines[ddr_at])[:3] == ["DDR", "184 B", "commands"]  # 32 + 72 + 16 + 64 B
    for offset, part in enumerate(("activate", "read", "write", "refresh", "background"), 1):
        line = lines[ddr_at + offset]
        assert line.startswith(f"   {part}")  # two spaces inside the table's one of padding
        assert _cells(line) == [
            part, shown[part], "IDD", format_energy(parts[part]), f"{parts[part] / total:.1%}"
        ]
    assert _cells(lines[ddr_at + 6])[:3] == ["SRAM read", "248 B", "1.435 pJ/B"]  # as flat DDR
    assert sum(_cells(line)[0] == "activate" for line in lines) == 1  # under DDR only
    assert counts.act >= 1 and counts.rd >= 1 and counts.wr >= 1


def test_layer_rows_by_hand_in_cycles_and_in_microseconds() -> None:
    # flat DDR, 10 ns a transfer (tests/sim/test_schedule.py): c1 loads x [0, 42) and W
    # [42, 124) (124 cycles held), computes [124, 148); c2's W loads [124, 150), it computes
    # [150, 156), its output is stored [156, 230) (26 + 74 = 100 cycles held)
    result = simulate_graph(_two_convs(), toy_machine(latency_ns=10), name="t")
    for cycles, rows in (
        (True, {"c1": ["124", "24", "124", "148"], "c2": ["100", "6", "150", "230"]}),
        # at 1 GHz: 124 cycles = 0.124 µs -> "0.12", 148 -> "0.15", 6 -> "0.01"
        (False, {"c1": ["0.12", "0.02", "0.12", "0.15"], "c2": ["0.10", "0.01", "0.15", "0.23"]}),
    ):
        lines = _lines(layer_table(result, cycles=cycles))
        header = _cells(next(line for line in lines if line.startswith("layer")))
        unit = "cyc" if cycles else "µs"
        assert header[6:10] == [f"xfer {unit}", f"comp {unit}", f"start {unit}", f"end {unit}"]
        got = {cells[0]: cells for cells in map(_cells, lines) if cells[0] in ("c1", "c2")}
        for name, times in rows.items():
            assert got[name][6:10] == times
        # ops, unit, MACs, bytes read (x 32 + W 72; W 16) and written (c2's 64 B output)
        assert got["c1"][1:6] == ["Conv", "matrix", "1,152", "104", "0"]
        assert got["c2"][1:6] == ["Conv", "matrix", "256", "16", "64"]
        assert "row hit" not in header  # flat DDR: no row-hit column
