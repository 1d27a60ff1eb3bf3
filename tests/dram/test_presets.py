"""Every bundled DRAM preset's numbers from their sources, converted here.

JEDEC gives most timings in ns (often with a floor in clocks, max(n nCK, t ns)): a controller
programs ceil(t / tCK) clocks, and tREFI rounds down (refreshing late is the violation). HBM2's
timings and DDR4's and HBM2's currents are DRAMsim3's configs (configs/DDR4_8Gb_x8_3200.ini,
configs/HBM2_8Gb_x128.ini), copied here from those files.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from accelsim.dram import DRAM_PRESETS


def _clocks(tck: str, ns: str, nck: int = 0) -> int:
    """max(nck, ceil(ns / tCK)), in exact decimals."""
    return max(nck, math.ceil(Fraction(ns) / Fraction(tck)))


DDR4 = "0.625"  # DDR4-3200: 1600 MHz
LP4 = "0.469"  # LPDDR4-4266 as the preset rounds 1 / 2133 MHz

WANT = {
    "ddr4-3200": {
        "cl": 22, "cwl": 16,
        "trcd": _clocks(DDR4, "13.75"), "trp": _clocks(DDR4, "13.75"),
        "tras": _clocks(DDR4, "32"), "twr": _clocks(DDR4, "15"),
        "trtp": _clocks(DDR4, "7.5", 4), "twtr_s": _clocks(DDR4, "2.5", 2),
        "twtr_l": _clocks(DDR4, "7.5", 4), "trrd_s": _clocks(DDR4, "2.5", 4),
        "trrd_l": _clocks(DDR4, "4.9", 4), "tfaw": _clocks(DDR4, "21", 20),
        "tccd_s": 4, "tccd_l": _clocks(DDR4, "5", 5),
        "trefi": math.floor(Fraction("7800") / Fraction(DDR4)), "trfc": _clocks(DDR4, "350"),
        # DRAMsim3 DDR4_8Gb_x8_3200.ini [power]
        "vdd": 1.2, "idd0": 57, "idd2n": 37, "idd3n": 52, "idd4r": 168, "idd4w": 150,
        "idd5b": 250,
        "channels": 1, "ranks": 1, "bankgroups": 4, "banks_per_group": 4, "rows": 65536,
        "row_bytes": 8192, "bus_width": 64, "device_width": 8, "burst_length": 8,
    },
    "lpddr4-4266": {
        "cl": 36, "cwl": 18,
        "trcd": _clocks(LP4, "18", 4), "trp": _clocks(LP4, "18", 4),
        "tras": _clocks(LP4, "42", 3), "twr": _clocks(LP4, "18", 6),
        "trtp": _clocks(LP4, "7.5", 8), "twtr_s": _clocks(LP4, "10", 8),
        "twtr_l": _clocks(LP4, "10", 8), "trrd_s": _clocks(LP4, "10", 4),
        "trrd_l": _clocks(LP4, "10", 4), "tfaw": _clocks(LP4, "40"),
        "tccd_s": 8, "tccd_l": 8,
        "trefi": math.floor(Fraction("3904") / Fraction(LP4)), "trfc": _clocks(LP4, "280"),
        "channels": 2, "ranks": 1, "bankgroups": 1, "banks_per_group": 8, "rows": 65536,
        "row_bytes": 2048, "bus_width": 16, "device_width": 16, "burst_length": 16,
    },
    "hbm2": {
        # DRAMsim3 HBM2_8Gb_x128.ini [timing] (tCK 1 ns), tRTP the _S figure
        "cl": 14, "cwl": 4, "trcd": 14, "trp": 14, "tras": 34, "twr": 16, "trtp": 4,
        "twtr_s": 6, "twtr_l": 8, "trrd_s": 4, "trrd_l": 6, "tfaw": 30, "tccd_s": 1,
        "tccd_l": 2, "trefi": 3900, "trfc": 260,
        # [power]
        "vdd": 1.2, "idd0": 65, "idd2n": 40, "idd3n": 55, "idd4r": 390, "idd4w": 500,
        "idd5b": 250,
        "channels": 8, "ranks": 1, "bankgroups": 4, "banks_per_group": 4, "rows": 32768,
        "row_bytes": 2048, "bus_width": 128, "device_width": 128, "burst_length": 4,
    },
}  # fmt: skip


@pytest.mark.parametrize("preset", list(WANT))
def test_every_preset_number_from_its_source(preset: str) -> None:
    spec = DRAM_PRESETS[preset]
    got = {name: getattr(spec, name) for name in WANT[preset]}
    assert got == WANT[preset]


@pytest.mark.parametrize(
    ("preset", "banks", "devices", "burst_bytes", "burst_cycles", "trc", "capacity"),
    [
        # 4 x 4 banks, 64 / 8 devices, 64 bits x 8 beats, 8 beats / 2, tRAS 52 + tRP 22,
        # 16 banks x 65,536 rows x 8 KiB = 8 GiB
        ("ddr4-3200", 16, 8, 64, 4, 74, 8 << 30),
        # 8 banks, one x16 device, 16 bits x 16 beats = 32 B, 8 clocks, 90 + 39,
        # 2 channels x 8 banks x 65,536 rows x 2 KiB = 2 GiB
        ("lpddr4-4266", 8, 1, 32, 8, 129, 2 << 30),
        # 16 banks, one 128-bit slice, 128 bits x 4 = 64 B, 2 clocks, 34 + 14,
        # 8 channels x 16 banks x 32,768 rows x 2 KiB = 8 GiB
        ("hbm2", 16, 1, 64, 2, 48, 8 << 30),
    ],
)
def test_derived_figures_by_hand(preset, banks, devices, burst_bytes, burst_cycles, trc,
                                 capacity) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    s = DRAM_PRESETS[preset]
    assert (s.banks, s.devices, s.burst_bytes, s.burst_cycles, s.trc, s.capacity) == (
        banks, devices, burst_bytes, burst_cycles, trc, capacity,
    )  # fmt: skip


def test_the_overridable_timings_are_every_clock_field() -> None:
    from accelsim.dram import TIMING_FIELDS

    assert sorted(TIMING_FIELDS) == sorted([
        "cl", "cwl", "trcd", "trp", "tras", "twr", "trtp", "twtr_s", "twtr_l", "trrd_s",
        "trrd_l", "tfaw", "tccd_s", "tccd_l", "trefi", "trfc", "trtrs",
    ])  # fmt: skip


def test_named_mappings_interleave_a_stream_as_they_say() -> None:
    from accelsim.dram.mapping import Decoder

    hbm, lp = DRAM_PRESETS["hbm2"], DRAM_PRESETS["lpddr4-4266"]
    # row_column_channel: consecutive bursts go to the next channel first, then columns
    decode = Decoder.of("row_column_channel", hbm).decode
    assert [decode(i * 64)[0] for i in range(10)] == [0, 1, 2, 3, 4, 5, 6, 7, 0, 1]
    assert [decode(i * 64)[5] for i in (0, 7, 8, 16)] == [0, 0, 1, 2]
    assert [Decoder.of("row_column_channel", lp).decode(i * 32)[0] for i in range(4)] == [
        0, 1, 0, 1,
    ]  # fmt: skip
    # row_bank_channel_column (DRAMsim3's HBM default): a row's 32 bursts, then the next channel
    decode = Decoder.of("row_bank_channel_column", hbm).decode
    assert [decode(i * 64)[0] for i in (0, 31, 32, 64)] == [0, 0, 1, 2]
    # bank_row_column: a stream walks the rows of one bank: bursts past a row stay in bank 0
    decode = Decoder.of("bank_row_column", DRAM_PRESETS["ddr4-3200"]).decode
    assert decode(8192 * 5 + 64) == (0, 0, 0, 0, 5, 1)
    # row_bank_column: a row's 128 bursts, then the next bank group, then the next bank
    decode = Decoder.of("row_bank_column", DRAM_PRESETS["ddr4-3200"]).decode
    assert [decode(8192 * i)[2:4] for i in (0, 1, 4, 5)] == [(0, 0), (1, 0), (0, 1), (1, 1)]


def test_a_second_rank_doubles_the_capacity() -> None:
    import dataclasses

    # 2 ranks x 16 banks x 65,536 rows x 8 KiB = 16 GiB
    assert dataclasses.replace(DRAM_PRESETS["ddr4-3200"], ranks=2).capacity == 16 << 30
