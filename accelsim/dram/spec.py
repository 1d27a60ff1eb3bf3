"""A DRAM device as data: geometry, timings in DRAM clocks, IDD currents; the bundled presets.

Timings follow the JEDEC names and are whole clocks of `tck_ns` (a JEDEC nanosecond figure is
rounded up to clocks, as controllers program them; tREFI is rounded down, since refreshing late is
the violation). Every preset number carries its source in a comment. The currents feed the
command energies of `accelsim.dram.energy` (Micron's IDD method, as DRAMPower and DRAMsim3 use).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

__all__ = ["DRAM_PRESETS", "TIMING_FIELDS", "DramSpec"]


@dataclass(frozen=True, slots=True, kw_only=True)
class DramSpec:
    """One DRAM system: `channels` independent channels of `ranks` x bank groups x banks.

    A channel is `bus_width` bits wide and moves `burst_length` beats per column command, so one
    burst is `burst_bytes`; a row (page) of one bank across the rank is `row_bytes`.
    """

    protocol: str  # DDR4, LPDDR4, HBM2: the family (DRAMsim3's protocol name)
    tck_ns: float  # clock period in ns; two data beats per clock
    channels: int
    ranks: int
    bankgroups: int
    banks_per_group: int
    rows: int  # rows per bank
    row_bytes: int  # page size across the channel's devices
    bus_width: int  # channel data bits
    device_width: int  # bits of one device (DQ count); bus_width / device_width devices a rank
    burst_length: int  # beats per column command (BL)
    cl: int  # read latency RL = CL (AL = 0)
    cwl: int  # write latency WL = CWL
    trcd: int
    trp: int
    tras: int
    twr: int
    trtp: int
    twtr_s: int
    twtr_l: int
    trrd_s: int
    trrd_l: int
    tfaw: int
    tccd_s: int
    tccd_l: int
    trefi: int
    trfc: int
    trtrs: int  # rank-to-rank switch on the data bus (controller figure, not JEDEC)
    vdd: float  # volts
    idd0: float  # mA, one device: ACT-PRE cycling
    idd2n: float  # precharge standby
    idd3n: float  # active standby
    idd4r: float  # burst read
    idd4w: float  # burst write
    idd5b: float  # burst refresh

    @property
    def burst_cycles(self) -> int:
        """Clocks the data bus is busy per burst: BL / 2 (double data rate)."""
        return self.burst_length // 2

    @property
    def burst_bytes(self) -> int:
        return self.bus_width // 8 * self.burst_length

    @property
    def banks(self) -> int:
        """Banks per rank."""
        return self.bankgroups * self.banks_per_group

    @property
    def devices(self) -> int:
        """Devices per rank (each draws the IDD currents)."""
        return max(1, self.bus_width // self.device_width)

    @property
    def capacity(self) -> int:
        """Bytes the whole system holds."""
        return self.channels * self.ranks * self.banks * self.rows * self.row_bytes

    @property
    def peak_bytes_per_second(self) -> float:
        """All channels streaming back-to-back bursts: burst bytes every burst, every channel."""
        return self.channels * self.burst_bytes / (self.burst_cycles * self.tck_ns * 1e-9)

    @property
    def trc(self) -> int:
        return self.tras + self.trp


TIMING_FIELDS: tuple[str, ...] = tuple(
    f.name for f in fields(DramSpec) if f.name.startswith("t") and f.name != "tck_ns"
) + ("cl", "cwl")
"""The whole-clock timing fields a hardware file may override (all must be >= 1)."""


# DDR4-3200AA (22-22-22), 8 Gb x8 devices, one rank on a 64-bit channel (a x64 DIMM/UDIMM).
# Sources: JEDEC JESD79-4B (DDR4 SDRAM), speed bin table for DDR4-3200 and the timing tables;
# ns figures converted at tCK = 0.625 ns and rounded up. The same values are in DRAMsim3's
# configs/DDR4_8Gb_x8_3200.ini, which the oracle script replays against.
_DDR4_3200 = DramSpec(
    protocol="DDR4",
    tck_ns=0.625,  # JESD79-4B: DDR4-3200 tCK(avg) 0.625 ns (1600 MHz, 3200 MT/s)
    channels=1,  # one x64 channel
    ranks=1,  # single-rank module
    bankgroups=4,  # JESD79-4B: x4/x8 devices have 4 bank groups
    banks_per_group=4,  # JESD79-4B: 4 banks per bank group (16 banks)
    rows=65536,  # JESD79-4B: 8 Gb x8 addressing, row address A0-A15 (64 K rows)
    row_bytes=8192,  # JESD79-4B: x8 page size 1 KB per device x 8 devices
    bus_width=64,  # x64 channel
    device_width=8,  # x8 devices
    burst_length=8,  # JESD79-4B: BL8
    cl=22,  # JESD79-4B: DDR4-3200AA CL = 22
    cwl=16,  # JESD79-4B: CWL = 16 for 3200 (1 tCK write preamble)
    trcd=22,  # JESD79-4B: tRCD 13.75 ns = 22 tCK
    trp=22,  # JESD79-4B: tRP 13.75 ns = 22 tCK
    tras=52,  # JESD79-4B: tRAS 32 ns -> 51.2 -> 52 tCK
    twr=24,  # JESD79-4B: tWR 15 ns = 24 tCK
    trtp=12,  # JESD79-4B: tRTP max(4 nCK, 7.5 ns) = 12 tCK
    twtr_s=4,  # JESD79-4B: tWTR_S max(2 nCK, 2.5 ns) = 4 tCK
    twtr_l=12,  # JESD79-4B: tWTR_L max(4 nCK, 7.5 ns) = 12 tCK
    trrd_s=4,  # JESD79-4B: tRRD_S (1 KB page) max(4 nCK, 2.5 ns) = 4 tCK
    trrd_l=8,  # JESD79-4B: tRRD_L (1 KB page) max(4 nCK, 4.9 ns) -> 7.84 -> 8 tCK
    tfaw=34,  # JESD79-4B: tFAW (1 KB page) max(20 nCK, 21 ns) -> 33.6 -> 34 tCK
    tccd_s=4,  # JESD79-4B: tCCD_S 4 nCK
    tccd_l=8,  # JESD79-4B: tCCD_L max(5 nCK, 5 ns) = 8 tCK
    trefi=12480,  # JESD79-4B: tREFI 7.8 us (0-85 C) = 12480 tCK
    trfc=560,  # JESD79-4B: tRFC1 (8 Gb) 350 ns = 560 tCK
    trtrs=1,  # DRAMsim3 default rank switch (no second rank here)
    vdd=1.2,  # JESD79-4B: VDD 1.2 V
    # IDD (mA, one x8 device; IPP on VPP not counted): DRAMsim3 configs/DDR4_8Gb_x8_3200.ini,
    # Micron-derived. Micron's MTA18ASF2G72HZ sheet (16 GB SODIMM of MT40A1G8 8 Gb x8, die B)
    # gives per device at DDR4-2400, one rank active, the other in IDD2P (25 mA): IDD0 48,
    # IDD2N 34, IDD3N 43, IDD4R 135, IDD4W 123, IDD5B 250. The 3200 figures below are 9-24 % higher
    # where Micron's limits grow with the data rate (its 8 Gb x16 table: IDD0 96 -> 114 mA from
    # 2400 to 3200) and the same for refresh.
    idd0=57,  # DRAMsim3 IDD0
    idd2n=37,  # DRAMsim3 IDD2N
    idd3n=52,  # DRAMsim3 IDD3N
    idd4r=168,  # DRAMsim3 IDD4R
    idd4w=150,  # DRAMsim3 IDD4W
    idd5b=250,  # DRAMsim3 IDD5AB (all-bank refresh; Micron's IDD5B, burst refresh)
)

# LPDDR4-4266, one 8 Gb-per-channel die: two independent x16 channels, BL16 (32 B bursts).
# Sources: JEDEC JESD209-4B (LPDDR4), AC timing table at 4266 Mb/s (tCK 0.469 ns, 2133 MHz);
# ns figures rounded up to clocks. LPDDR4 has no bank groups: 8 banks, tCCD and tRRD single.
_LPDDR4_4266 = DramSpec(
    protocol="LPDDR4",
    tck_ns=0.469,  # JESD209-4B: 4266 Mb/s, tCK(avg) 0.468 ns (1/2133 MHz)
    channels=2,  # JESD209-4B: a die has two independent 16-bit channels (x16 x 2)
    ranks=1,
    bankgroups=1,  # JESD209-4B: no bank groups
    banks_per_group=8,  # JESD209-4B: 8 banks per channel
    rows=65536,  # JESD209-4B: 8 Gb per channel, R0-R15 (64 K rows)
    row_bytes=2048,  # JESD209-4B: page size 2 KB per channel
    bus_width=16,  # x16 channel
    device_width=16,
    burst_length=16,  # JESD209-4B: BL16 (32 B per burst on 16 bits)
    cl=36,  # JESD209-4B: RL = 36 at 4266 (DBI off)
    cwl=18,  # JESD209-4B: WL = 18 at 4266 (set A)
    trcd=39,  # JESD209-4B: tRCD max(18 ns, 4 nCK) -> 38.4 -> 39 tCK
    trp=39,  # JESD209-4B: tRPpb max(18 ns, 4 nCK) -> 39 tCK
    tras=90,  # JESD209-4B: tRAS max(42 ns, 3 nCK) -> 89.6 -> 90 tCK
    twr=39,  # JESD209-4B: tWR max(18 ns, 6 nCK) -> 39 tCK
    trtp=16,  # JESD209-4B: tRTP max(7.5 ns, 8 nCK) -> 16 tCK
    twtr_s=22,  # JESD209-4B: tWTR max(10 ns, 8 nCK) -> 21.3 -> 22 tCK
    twtr_l=22,  # as tWTR_S: no bank groups
    trrd_s=22,  # JESD209-4B: tRRD max(10 ns, 4 nCK) -> 22 tCK
    trrd_l=22,  # as tRRD_S: no bank groups
    tfaw=86,  # JESD209-4B: tFAW 40 ns -> 85.3 -> 86 tCK
    tccd_s=8,  # JESD209-4B: tCCD 8 nCK (BL16)
    tccd_l=8,  # as tCCD_S: no bank groups
    trefi=8324,  # JESD209-4B: tREFI 3.904 us (8 Gb, <= 85 C) -> 8324 tCK (rounded down)
    trfc=598,  # JESD209-4B: tRFCab (8 Gb per channel) 280 ns -> 597.01 -> 598 tCK
    trtrs=1,  # DRAMsim3 default rank switch (no second rank here)
    vdd=1.1,  # JESD209-4B: VDD2 1.1 V (the core supply the IDD2/3/4 figures are for)
    # IDD (mA, one x16 channel): Micron 6 Gb LPDDR4-3200 (die A) as DRAMPower ships it
    # (memspecs/MICRON_6Gb_LPDDR4-3200_32bit_A.json), the nearest speed grade with published
    # per-rail currents we found; none at 4266, where the burst currents would be higher. Each is
    # the VDD2 (1.1 V) current plus the VDD1 (1.8 V) one scaled by 1.8 / 1.1, so one supply at
    # `vdd` draws the same power; VDDQ (I/O) is left out, as for DDR4. The former values, DRAMsim3
    # configs/LPDDR4_8Gb_x16_2400.ini (IDD0 80, IDD2N 34, IDD3N 47, IDD4R 243, IDD4W 228,
    # IDD5AB 280 at VDD 1.2 V), name no part and a slower grade, and are not LPDDR4's supplies.
    idd0=50.7,  # IDD02 45 + IDD01 3.5 x 1.8 / 1.1
    idd2n=30.3,  # IDD2N2 27 + IDD2N1 2.0 x 1.8 / 1.1
    idd3n=33.7,  # IDD3N2 30 + IDD3N1 2.25 x 1.8 / 1.1
    idd4r=278.7,  # IDD4R2 275 + IDD4R1 2.25 x 1.8 / 1.1
    idd4w=213.7,  # IDD4W2 210 + IDD4W1 2.25 x 1.8 / 1.1
    idd5b=106.4,  # IDD52 90 + IDD51 10 x 1.8 / 1.1 (all-bank refresh burst)
)

# HBM2, one 8 Gb (4-high) stack's pseudo-channel set: 8 channels x 128 bits at 2 Gb/s per pin.
# Sources: JEDEC JESD235A (HBM) timings at tCK 1 ns; the values are those of DRAMsim3's
# configs/HBM2_8Gb_x128.ini, which the oracle replays against (not re-derived from JESD235A here).
_HBM2 = DramSpec(
    protocol="HBM2",
    tck_ns=1.0,  # JESD235A: 1 GHz clock, 2 Gb/s per pin (DRAMsim3 HBM2_8Gb_x128.ini tCK = 1)
    channels=8,  # JESD235A: 8 channels per stack
    ranks=1,
    bankgroups=4,  # JESD235A: 4 bank groups (DRAMsim3: bankgroups = 4)
    banks_per_group=4,  # JESD235A: 16 banks per channel for 8 Gb (DRAMsim3: banks_per_group = 4)
    rows=32768,  # DRAMsim3 HBM2_8Gb_x128.ini: rows = 32768
    row_bytes=2048,  # JESD235A: 2 KB page per channel (DRAMsim3: 64 columns x 2 x 128 bits)
    bus_width=128,  # JESD235A: 128-bit channel
    device_width=128,  # one channel is one device slice
    burst_length=4,  # JESD235A: BL4 (64 B per burst on 128 bits)
    cl=14,  # DRAMsim3 HBM2_8Gb_x128.ini: CL = 14 (14 ns)
    cwl=4,  # DRAMsim3 HBM2_8Gb_x128.ini: CWL = 4
    trcd=14,  # DRAMsim3 HBM2_8Gb_x128.ini: tRCDRD = tRCDWR = 14 (14 ns)
    trp=14,  # DRAMsim3 HBM2_8Gb_x128.ini: tRP = 14 (14 ns)
    tras=34,  # DRAMsim3 HBM2_8Gb_x128.ini: tRAS = 34 (34 ns)
    twr=16,  # DRAMsim3 HBM2_8Gb_x128.ini: tWR = 16 (16 ns)
    trtp=4,  # DRAMsim3 HBM2_8Gb_x128.ini: tRTP_S = 4 (tRTP_L = 6)
    twtr_s=6,  # DRAMsim3 HBM2_8Gb_x128.ini: tWTR_S = 6
    twtr_l=8,  # DRAMsim3 HBM2_8Gb_x128.ini: tWTR_L = 8
    trrd_s=4,  # DRAMsim3 HBM2_8Gb_x128.ini: tRRD_S = 4
    trrd_l=6,  # DRAMsim3 HBM2_8Gb_x128.ini: tRRD_L = 6
    tfaw=30,  # DRAMsim3 HBM2_8Gb_x128.ini: tFAW = 30
    tccd_s=1,  # DRAMsim3 HBM2_8Gb_x128.ini: tCCD_S = 1 (the 2-clock burst dominates)
    tccd_l=2,  # DRAMsim3 HBM2_8Gb_x128.ini: tCCD_L = 2
    trefi=3900,  # JESD235A: tREFI 3.9 us (DRAMsim3: 3900)
    trfc=260,  # JESD235A: tRFC (8 Gb) 260 ns (DRAMsim3: 260)
    trtrs=1,  # DRAMsim3 default rank switch (no second rank here)
    vdd=1.2,  # JESD235A: VDD 1.2 V
    # IDD (mA, one channel): DRAMsim3 configs/HBM2_8Gb_x128.ini. We found no public vendor IDD
    # table for HBM2 (JESD235A defines the IDD conditions, not values), so these are DRAMsim3's
    # figures, unchecked against a datasheet.
    idd0=65,  # DRAMsim3 IDD0
    idd2n=40,  # DRAMsim3 IDD2N
    idd3n=55,  # DRAMsim3 IDD3N
    idd4r=390,  # DRAMsim3 IDD4R
    idd4w=500,  # DRAMsim3 IDD4W
    idd5b=250,  # DRAMsim3 IDD5AB
)

DRAM_PRESETS: dict[str, DramSpec] = {
    "ddr4-3200": _DDR4_3200,
    "lpddr4-4266": _LPDDR4_4266,
    "hbm2": _HBM2,
}
"""Bundled devices by the name hardware files use (`ddr.preset`)."""
