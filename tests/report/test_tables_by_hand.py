"""The run report's totals, energy and machine lines on the hand-worked two-conv schedule
(tests/sim/test_schedule.py): every number below is worked out from the schedule, not read off
a run."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from rich.console import Console

from accelsim.api import simulate_graph
from accelsim.hardware_file import load_hardware, with_overrides
from accelsim.report.tables import (
    energy_table,
    machine_panel,
    path_lines,
    span_bar,
    totals_table,
)
from tests.sim.test_schedule import _two_convs
from tests.sim.toy import toy_machine

ROOT = Path(__file__).resolve().parents[2]


def _text(renderable) -> str:  # type: ignore[no-untyped-def]
    console = Console(width=220, record=True, color_system=None)
    console.print(renderable)
    return "\n".join(line.rstrip() for line in console.export_text().splitlines())


@pytest.fixture(scope="module")
def two_convs():  # type: ignore[no-untyped-def]
    # toy machine, 10 ns a transfer: load x (10 + 32) [0, 42), c1.W (10 + 72) [42, 124), c2.W
    # (10 + 16) [124, 150), store c2.out (10 + 64) [156, 230); c1 computes [124, 148) (1,152
    # MACs = 2,304 FLOP at 100 a cycle: 24), c2 [150, 156) (256 MACs: 6)
    return simulate_graph(_two_convs(), toy_machine(latency_ns=10), name="t")


def test_totals_lines_by_hand(two_convs) -> None:  # type: ignore[no-untyped-def]
    text = _text(totals_table(two_convs))
    assert "230 cycles = 230 ns" in text
    # read: x 32 + c1.W 72 + c2.W 16 = 120 B; written: c2.out 1x4x4x4 = 64 B
    assert "120 B read, 64 B written (spilled 0 B, reloaded 0 B)" in text
    # bus busy 42 + 82 + 26 + 74 = 224 of 230 = 97.4 %; of it 4 start-ups of 10 left the
    # channel idle: 40 / 224 = 17.9 %
    assert "bus busy       224 cycles = 224 ns (97.4%), 17.9% of DMA time per-transfer latency" \
        in text  # fmt: skip
    assert "matrix busy    30 cycles = 30 ns (13.0%)" in text  # 24 + 6 of 230
    assert "vector busy    0 cycles = 0 s (0.0%)" in text
    # while c1 computes and c2.W loads: x 32 + c1.W 72 + c1.out 64 + c2.W 16 = 184 B
    assert "SRAM peak      184 B of 10,000 B (1.8%)" in text
    # floor: every buffer once over the bus, each with its start-up: 42 + 82 + 26 + 74 = 224;
    # matrix 24 + 6 = 30; DDR 184 B at 100 B a cycle: 2
    assert "floor          224 cycles = 224 ns (limit of the floor: bus; bus 224, matrix 30, " \
        "vector 0 cycles;" in text  # fmt: skip
    assert "gap to floor   +2.68%" in text  # 230 / 224 - 1 = 0.026786


@pytest.mark.parametrize(
    ("matrix", "lines"),
    [
        # 100 FLOP a cycle: the path is every task, each waiting for the one before: loads of x
        # [0, 42), c1.W [42, 124), c2.W [124, 150), c2 [150, 156), the store [156, 230). Bus
        # data 32 + 72 + 16 + 64 = 184 cycles, latency 4 x 10 = 40, the matrix 6 (c1's 24
        # overlap c2.W's load). Per layer: c1 42 + 82 = 124, c2 26 + 6 + 74 = 106.
        (
            "100 GFLOPS",
            [
                "bus 184 ns (80.0%), latency 40 ns (17.4%), matrix 6 ns (2.6%)",
                "bus 97.4%, matrix 2.6%; most: c1 124 ns, c2 106 ns",
            ],
        ),
        # 1 FLOP a cycle: c1 2 x 1,152 = 2,304 cycles [124, 2,428), c2 2 x 256 = 512
        # [2,428, 2,940), the store [2,940, 3,014); c2.W's load is off the path. Matrix 2,816
        # (93.4 % of 3,014), bus data 32 + 72 + 64 = 168 (5.6 %), latency 30 (1.0 %); the bus
        # holds 42 + 82 + 74 = 198 of the path (6.6 %). c1 42 + 82 + 2,304 = 2,428, c2 586.
        (
            "1 GFLOPS",
            [
                "matrix 2.816 µs (93.4%), bus 168 ns (5.6%), latency 30 ns (1.0%)",
                "bus 6.6%, matrix 93.4%; most: c1 2.428 µs, c2 586 ns",
            ],
        ),
    ],
    ids=["bus-bound", "matrix-bound"],
)
def test_time_lost_and_critical_path_by_hand_largest_first(matrix, lines) -> None:  # type: ignore[no-untyped-def]
    result = simulate_graph(_two_convs(), toy_machine(latency_ns=10, matrix=matrix), name="t")
    lost, path = lines
    assert path_lines(result) == [
        ("time lost to", f"{lost} (the critical path's cycles by what they waited for)"),
        ("critical path", f"5 tasks over 2 layers; {path}"),
    ]


def test_energy_table_by_hand(two_convs) -> None:  # type: ignore[no-untyped-def]
    text = _text(energy_table(two_convs))
    # DDR: 184 B x 162.5 pJ = 29.9 nJ
    assert "DDR                 184 B    162.5 pJ/B    29.9 nJ" in text
    # SRAM per byte: 12.5 pJ x (10,000 / 10^6)^0.47 = 12.5 x 0.114815 = 1.435 pJ
    # read: the store's 64 B + c1's operands x 32 + c1.W 72 + c2's c1.out 64 + c2.W 16 = 248 B
    assert "SRAM read           248 B    1.435 pJ/B   355.9 pJ" in text
    # write: the loads' 120 B + c1.out 64 + c2.out 64 = 248 B
    assert "SRAM write          248 B    1.435 pJ/B   355.9 pJ" in text
    assert "matrix engine   1,408 MAC    230 fJ/MAC   323.8 pJ" in text  # (1,152 + 256) x 0.23 pJ
    # 8 nW a byte x 10,000 B / 1 GHz = 80 fJ a cycle, 230 cycles
    assert "SRAM leakage    230 cycle   80 fJ/cycle    18.4 pJ" in text
    # total 29,900 + 355.9 x 2 + 323.8 + 18.4 = 30,954 pJ; DDR's share 29.9 / 30.95 = 96.6 %
    assert "total                                     30.95 nJ   100.0%" in text
    assert "29.9 nJ    96.6%" in text


def test_machine_lines_by_hand() -> None:
    text = _text(machine_panel(toy_machine(latency_ns=10)))
    assert "SRAM               10 kB (10,000 B)" in text
    assert "DMA, transfers at 1 GB/s (bus-limited: bus 1 GB/s, DDR 100 GB/s), latency 10 ns" \
        in text  # fmt: skip
    slow = toy_machine(ddr="500 MB/s")
    assert "transfers at 500 MB/s (DDR-limited: bus 1 GB/s, DDR 500 MB/s)" in _text(
        machine_panel(slow))  # fmt: skip
    equal = toy_machine(ddr="1 GB/s")
    assert "(bus and DDR equal: bus 1 GB/s, DDR 1 GB/s)" in _text(machine_panel(equal))
    systolic = load_hardware(ROOT / "hardware" / "edge1-systolic.yaml")
    # 2 x 32 x 16 MACs a cycle at 1 GHz = 1.024 TFLOPS
    assert "matrix, 32x16 ws systolic array (1.024 TFLOPS peak) for Conv" in _text(
        machine_panel(systolic))  # fmt: skip
    lanes = with_overrides(systolic, {"units.vector.lanes": 16, "sram.capacity": "256 KiB"})
    shown = _text(machine_panel(lanes))
    assert "vector, 10 GOPS, 16 lanes for every other op" in shown
    assert "SRAM               256 KiB (262,144 B)" in shown


def _largest_remainders(parts: dict[str, int], cells: int) -> dict[str, int]:
    """Hamilton's method, ties to the earlier part: an independent reference for span_bar."""
    total = sum(parts.values())
    floors = {k: v * cells // total for k, v in parts.items()}
    left = cells - sum(floors.values())
    order = sorted(parts, key=lambda k: -((parts[k] * cells) % total))
    for k in order[:left]:
        floors[k] += 1
    return floors


def test_span_bar_is_largest_remainders_over_random_parts() -> None:
    from accelsim.report.tables import PART_LETTERS

    rng = random.Random(6)
    for _ in range(300):
        parts = {label: rng.choice([0, 0, rng.randint(1, 1000)]) for label in PART_LETTERS}
        if not sum(parts.values()):
            assert span_bar(parts).plain == ""
            continue
        cells = rng.randint(1, 12)
        counts = _largest_remainders(parts, cells)
        expected = "".join(PART_LETTERS[k] * n for k, n in counts.items())
        assert span_bar(parts, cells).plain == expected, (parts, cells)
        assert len(expected) == cells


def test_the_floor_names_ddr_only_when_ddr_alone_is_slower() -> None:
    # no start-ups: the bus part is the 184 B over min(bus, DDR); DDR moves the same 184 B
    tie = simulate_graph(_two_convs(), toy_machine(ddr="1 GB/s"), name="t").floor
    assert (tie.parts["bus"], tie.link_limit, tie.limit) == (184, "bus", "bus")
    # DDR at 0.5 GB/s: 368 cycles either way, and DDR sets it
    slow = simulate_graph(_two_convs(), toy_machine(ddr="500 MB/s"), name="t").floor
    assert (slow.parts["bus"], slow.link_limit, slow.limit) == (368, "ddr", "ddr")
    # 2 DMA channels at 1 GB/s share a 1 GB/s DDR: the bus part halves (92) but DDR's 184 binds
    shared = simulate_graph(_two_convs(), toy_machine(ddr="1 GB/s", dma_units=2), name="t").floor
    assert (shared.parts["bus"], shared.link_limit) == (184, "ddr")


def test_link_latency_is_ddr_and_bus_together() -> None:
    # a transfer waits for DDR's 100 ns and then the bus's 20 ns: 120 ns before its first byte
    hw = with_overrides(toy_machine(latency_ns=20), {"ddr.latency": "100 ns"})
    assert "(bus-limited: bus 1 GB/s, DDR 100 GB/s), latency 120 ns" in _text(machine_panel(hw))
