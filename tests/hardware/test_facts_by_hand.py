"""`machine_facts` on machines chosen so each figure has its own value, worked out by hand
(`hw explain` and the `run` header print them)."""

from __future__ import annotations

import pytest

from accelsim.facts import machine_facts
from accelsim.hardware_file import hardware_from_mapping, with_overrides


def _machine(**changes: object):
    """500 MHz; three 2 GB/s DMA channels (depth 3, 7 ns) under a 5 GB/s DDR (10 ns); two 3
    TFLOPS matrix units; three 4 GFLOPS vector units of 16 lanes; 100,000 B of SRAM; int4
    weights."""
    dma = {"kind": "dma", "bandwidth": "2 GB/s", "latency": "7 ns", "depth": 3}
    hw = hardware_from_mapping(
        {
            "name": "facts", "clock": "500 MHz",
            "ddr": {"capacity": "1 GiB", "bandwidth": "5 GB/s", "latency": "10 ns"},
            "sram": {"capacity": 100_000},
            "units": {
                "d0": dma, "d1": dma, "d2": dma,
                "m0": {"kind": "matrix", "peak": "3 TFLOPS"},
                "m1": {"kind": "matrix", "peak": "3 TFLOPS"},
                **{f"v{i}": {"kind": "vector", "peak": "4 GFLOPS", "lanes": 16} for i in range(3)},
            },
            "lowering": {"fold_batchnorm": True, "fuses": []},
            "dtypes": {"weights": "int4", "activations": "int8"},
        },
        source="facts",
    )  # fmt: skip
    return with_overrides(hw, changes) if changes else hw


def test_each_units_peak_latency_and_limit():
    facts = machine_facts(_machine())
    by_name = {u.name: u for u in facts.units}
    assert list(by_name) == ["d0", "d1", "d2", "m0", "m1", "v0", "v1", "v2"]
    d0 = by_name["d0"]
    # a channel: min(2, 5) GB/s = 2e9 B/s, over 5e8 Hz = 4 B/cycle; its start-up (10 + 7) ns at
    # 0.5 GHz = 8.5 -> 9 cycles; the bus (2 GB/s) is slower than DDR (5 GB/s): "bus"
    assert (d0.kind, d0.measure, d0.per_cycle, d0.per_s) == ("dma", "B", 4.0, 2e9)
    assert (d0.latency_cycles, d0.limit, d0.depth, d0.lanes, d0.array) == (9, "bus", 3, None, "")
    m0 = by_name["m0"]
    # 3e12 FLOP/s / 5e8 Hz = 6,000 FLOP = 3,000 MACs a cycle, 1.5e12 MAC/s
    assert (m0.kind, m0.measure, m0.per_cycle, m0.per_s) == ("matrix", "MAC", 3_000.0, 1.5e12)
    assert (m0.latency_cycles, m0.limit, m0.depth, m0.timing) == (0, "", 1, "rate")
    v0 = by_name["v0"]
    # 4e9 op/s / 5e8 Hz = 8 ops a cycle
    assert (v0.kind, v0.measure, v0.per_cycle, v0.per_s) == ("vector", "op", 8.0, 4e9)
    assert (v0.lanes, v0.latency_cycles, v0.limit, v0.depth) == (16, 0, "", 1)


def test_totals_balance_and_sram_tiles():
    facts = machine_facts(_machine())
    assert facts.clock_hz == 5e8
    # two matrix units of 1.5e12 MAC/s; three vector units of 4e9 op/s
    assert (facts.macs_per_s, facts.flops_per_s) == (3e12, 6e12)
    assert facts.vector_ops_per_s == pytest.approx(1.2e10)
    # three channels could move 6e9 B/s, DDR only 5e9: 5e9 B/s, 10 B a cycle at 500 MHz
    assert (facts.ddr_bytes_per_s, facts.ddr_bytes_per_cycle) == (5e9, 10.0)
    assert facts.balance_flops_per_byte == 6e12 / 5e9 == 1_200
    # a 64 x 64 tile of 4-bit weights packs into 64 x 64 / 2 = 2,048 B (as tensors are stored,
    # `Tensor.nbytes`); 100,000 // 2,048 = 48 whole tiles
    assert (facts.tile_bytes, facts.sram_tiles, facts.sram_bytes) == (2_048, 48, 100_000)
    # DDR faster than all channels together: the channels' 6e9 B/s
    fast = machine_facts(_machine(**{"ddr.bandwidth": "8 GB/s"}))
    assert (fast.ddr_bytes_per_s, fast.balance_flops_per_byte) == (6e9, 1_000)


def test_what_sets_the_transfer_rate():
    # DDR slower than one channel: "ddr", and a channel moves 1.5e9 / 5e8 = 3 B a cycle
    slow = machine_facts(_machine(**{"ddr.bandwidth": "1.5 GB/s"}))
    assert (slow.units[0].limit, slow.units[0].per_cycle) == ("ddr", 3.0)
    assert slow.ddr_bytes_per_s == 1.5e9
    # the same rate on both sides: "equal"
    tie = machine_facts(_machine(**{"ddr.bandwidth": "2 GB/s"}))
    assert (tie.units[0].limit, tie.units[0].per_cycle) == ("equal", 4.0)


def test_a_systolic_arrays_tile_is_one_fold_of_packed_weights():
    hw = _machine(**{
        "units.m0": {"kind": "matrix", "timing": "systolic", "rows": 25, "cols": 10,
                     "dataflow": "os", "group_mapping": "packed"},
        "units.m1": {"kind": "matrix", "timing": "systolic", "rows": 25, "cols": 10,
                     "dataflow": "os", "group_mapping": "packed"},
        "dtypes.weights": 3,
    })  # fmt: skip
    facts = machine_facts(hw)
    m1 = facts.units[4]
    # 25 x 10 = 250 MACs a cycle, 1.25e11 MAC/s at 500 MHz; two arrays 2.5e11
    assert (m1.name, m1.per_cycle, m1.per_s, m1.timing) == ("m1", 250.0, 1.25e11, "systolic")
    assert m1.array == "25x10 os (packed)"
    assert facts.macs_per_s == 2.5e11
    # one fold's 250 weights of 3 bits: 750 bits, 93.75 -> 94 B; 100,000 // 94 = 1,063
    assert (facts.tile_bytes, facts.sram_tiles) == (94, 1_063)
    assert facts.tile == "one weight fold of the array (25x10 weights)"


def test_an_array_without_group_mapping_reads_simple():
    # group_mapping left out: the default, one group after another (SCALE-Sim's way)
    array = {"kind": "matrix", "timing": "systolic", "rows": 8, "cols": 4, "dataflow": "is"}
    facts = machine_facts(_machine(**{"units.m0": array, "units.m1": array}))
    assert [u.array for u in facts.units if u.kind == "matrix"] == ["8x4 is (simple)"] * 2
