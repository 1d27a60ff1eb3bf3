"""Every numeric hardware field at its bounds: the last value inside is accepted (and read as
written), the first outside is refused with one line naming the field. Plus the regexes that
must match a whole name, the systolic array's peak (2 FLOPs a MAC) against the compute range,
and the machine's peak helpers worked out by hand."""

from __future__ import annotations

import copy
import re
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from accelsim import units
from accelsim.errors import ConfigError
from accelsim.hardware import MAX_COUNT, Hardware, whole_cycles
from accelsim.hardware_file import hardware_from_mapping

BASE: dict[str, Any] = {
    "name": "t",
    "clock": "1 GHz",
    "ddr": {"capacity": "1 GiB", "bandwidth": "1 GB/s"},
    "sram": {"capacity": "1 MB"},
    "units": {
        "bus": {"kind": "dma", "bandwidth": "1 GB/s"},
        "matrix": {"kind": "matrix", "timing": "systolic", "rows": 4, "cols": 4, "dataflow": "ws"},
        "vector": {"kind": "vector", "peak": "10 GFLOPS", "lanes": 4},
    },
    "lowering": {"fold_batchnorm": True, "fuses": ["Relu"]},
    "dtypes": {"weights": 8, "activations": 8},
}


def _set(data: dict[str, Any], dotted: str, value: object) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[last] = value


def _machine(**changes: object) -> Hardware:
    data = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        _set(data, dotted.replace("__", "."), value)
    return hardware_from_mapping(data, source="t")


def _refused(field: str, fragment: str, **changes: object) -> str:
    with pytest.raises(ConfigError) as caught:
        _machine(**changes)
    message = str(caught.value)
    assert "\n" not in message or '\n"' in message  # a name's own newline is shown as given
    assert message.startswith(f"t: {field}: "), message
    assert fragment in message, message
    return message


def test_the_base_machine_loads() -> None:
    hw = _machine()
    assert (hw.matrix.rows, hw.matrix.cols, hw.vector.lanes, hw.dma.depth) == (4, 4, 4, 1)


# --- integer counts: 1..MAX_COUNT (65,536) ------------------------------------------------------

COUNTS = [
    ("units.bus.depth", lambda hw: hw.dma.depth),
    ("units.matrix.rows", lambda hw: hw.matrix.rows),
    ("units.matrix.cols", lambda hw: hw.matrix.cols),
    ("units.vector.lanes", lambda hw: hw.vector.lanes),
]


@pytest.mark.parametrize(("field", "read"), COUNTS, ids=[c[0] for c in COUNTS])
def test_each_count_takes_1_and_65536_and_refuses_0_and_65537(field, read) -> None:
    key = field.replace(".", "__")
    assert MAX_COUNT == 65_536
    assert read(_machine(**{key: 1})) == 1
    assert read(_machine(**{key: 65_536})) == 65_536  # 2 x 65,536 x 4 x 1e9 is far under 1e21
    _refused(field, "greater than 0", **{key: 0})
    _refused(field, "greater than 0", **{key: -1})
    _refused(field, "less than or equal to 65536", **{key: 65_537})


# --- bit widths: 1..64 or a name ------------------------------------------------------------------


@pytest.mark.parametrize("field", ["dtypes.weights", "dtypes.activations"])
def test_a_bit_width_is_1_to_64(field) -> None:
    key = field.replace(".", "__")
    name = field.split(".")[1]
    assert getattr(_machine(**{key: 1}).dtypes, name) == 1
    assert getattr(_machine(**{key: 64}).dtypes, name) == 64
    for bad in (0, 65, -8, True, 8.0, "int7", "INT8", " int8"):
        _refused(field, "is not a data type; expected one of", **{key: bad})


# Each name's width as its name says (int4 is 4 bits, bf16 is 16, ...).
NAMED = {"int4": 4, "uint4": 4, "int8": 8, "uint8": 8, "int16": 16, "uint16": 16, "fp16": 16,
         "bf16": 16, "int32": 32, "fp32": 32}  # fmt: skip


@pytest.mark.parametrize(("name", "bits"), NAMED.items())
def test_each_data_type_name_is_its_width(name, bits) -> None:
    hw = _machine(dtypes__weights=name, dtypes__activations=name)
    assert (hw.dtypes.weights, hw.dtypes.activations) == (bits, bits)


# --- quantities: the sane ranges, just inside and just outside ------------------------------------

# (parser, smallest non-zero, largest, just under the smallest, just over the largest), by hand
# from the documented spans: 1 B .. 1024 TiB (2^50 B), 1 B/s .. 1 EB/s, 1 OP/s .. 1e21 OP/s,
# 1 Hz .. 1 THz, 1 fs .. 1e6 s, 1e-21 J .. 1 J, 1e-21 W .. 1 MW.
RANGES = [
    (units.parse_size, "1 B", "1024 TiB", None, "1125899906842625 B"),  # 2^50 + 1
    (units.parse_bandwidth, "1 B/s", "1e18 B/s", "0.999 B/s", "1.001e18 B/s"),
    (units.parse_compute_rate, "1 OP/s", "1000000 PFLOPS", "0.5 OP/s", "1.0001e21"),
    (units.parse_frequency, "1 Hz", "1000 GHz", "0.9 Hz", "1000.001 GHz"),
    (units.parse_time, "1 fs", "1e6 s", "0.9 fs", "1000001 s"),
    (units.parse_energy, "1e-21 J", "1 J", "0.9e-21 J", "1.0001 J"),
    (units.parse_power, "1e-21 W", "1e6 W", "0.99e-21", "1000001 W"),
]


@pytest.mark.parametrize(("parse", "low", "high", "under", "over"), RANGES,
                         ids=[r[0].__name__ for r in RANGES])  # fmt: skip
def test_each_quantity_takes_its_range_ends_and_refuses_just_outside(
    parse, low, high, under, over
) -> None:
    number = re.compile(r"^[0-9.e+-]+")
    for text in (low, high):
        value = parse(text)
        assert value > 0
        assert parse("-" + text) == -value  # the sign is the caller's to refuse ("must be > 0")
    assert parse("0") == 0  # zero stays the caller's decision
    for text in (under, over):
        if text is None:
            continue
        with pytest.raises(units.UnitError, match="is out of range for"):
            parse(text)
        with pytest.raises(units.UnitError, match="is out of range for"):
            parse("-" + text)
    assert number.match(low)


def test_range_ends_are_the_documented_numbers() -> None:
    assert units.parse_size("1024 TiB") == 2**50
    assert units.parse_bandwidth("1000000 TB/s") == 1e18
    assert units.parse_compute_rate("1000000 PFLOPS") == 1e21
    assert units.parse_frequency("1000 GHz") == 1e12
    assert units.parse_time("1 fs") == 1e-15
    assert units.parse_energy("1e-21 J") == 1e-21
    assert units.parse_power("1e6 W") == 1e6


@pytest.mark.parametrize(
    ("parse", "text"),
    [
        (units.parse_bandwidth, "1 GB/s junk"),
        (units.parse_bandwidth, "1 GB/sx"),
        (units.parse_bandwidth, "x1 GB/s"),
        (units.parse_size, "1 MiB 2"),
        (units.parse_size, "1 MiBB"),
        (units.parse_frequency, "1 GHzz"),
        (units.parse_time, "100 nss"),
        (units.parse_compute_rate, "1 TFLOPSS"),
    ],
)
def test_a_quantity_must_be_the_whole_string(parse, text) -> None:
    with pytest.raises(units.UnitError, match="is not a"):
        parse(text)


@pytest.mark.parametrize("kind", list(units.SANE_RANGES))
def test_a_schema_unit_pattern_is_anchored_both_ends(kind) -> None:
    # JSON Schema `pattern` is a search, not a match: without ^ and $ any text containing a
    # quantity would pass the editor's check.
    pattern = re.compile(units.unit_pattern(kind))
    assert pattern.search("1") is not None
    assert pattern.search("x 1") is None
    assert pattern.search("1 zz") is None
    assert pattern.search("1\n2") is None


# --- a systolic array's peak: 2 x rows x cols x clock <= 1e21 -------------------------------------


def test_a_systolic_array_at_exactly_1e21_flops_is_accepted() -> None:
    # 2 x 50,000 x 50,000 x 2e11 Hz = 1e21 FLOP/s exactly: the top of the compute range.
    hw = _machine(clock="200 GHz", units__matrix__rows=50_000, units__matrix__cols=50_000)
    assert hw.matrix_flops_per_cycle == 2 * 50_000 * 50_000
    assert hw.peak_of("matrix") == 1e21


def test_a_systolic_array_counts_two_flops_a_mac_against_the_range() -> None:
    # 50,000 x 50,000 x 3e11 Hz = 7.5e20 MAC/s, under 1e21; but 2 FLOPs a MAC make it 1.5e21.
    message = _refused(
        "units", "matrix: rows x cols x clock gives 1.5e+21 FLOP/s, over the compute range",
        clock="300 GHz", units__matrix__rows=50_000, units__matrix__cols=50_000,
    )  # fmt: skip
    assert message.startswith("t: units: matrix: ")
    # one row fewer is still over (2 x 49,999 x 50,000 x 3e11 = 1.49997e21)
    _refused("units", "over the compute range", clock="300 GHz",
             units__matrix__rows=49_999, units__matrix__cols=50_000)  # fmt: skip
    # 2 x 50,000 x 50,000 x 2.0000001e11 just over 1e21
    _refused("units", "over the compute range", clock="200.0001 GHz",
             units__matrix__rows=50_000, units__matrix__cols=50_000)  # fmt: skip


# --- names: the whole name must match -------------------------------------------------------------


@pytest.mark.parametrize("name", ["vec-1", "vector\n", "vec tor", "1vec", "_vec", "v.x", "vé"])
def test_a_unit_name_is_letters_digits_and_underscores_from_a_letter(name) -> None:
    data = copy.deepcopy(BASE)
    data["units"][name] = data["units"].pop("vector")
    with pytest.raises(ConfigError, match=r"(?s)^t: units: .* is not a unit name; use letters"):
        hardware_from_mapping(data, source="t")


@pytest.mark.parametrize("name", ["v", "V2", "vec_1", "vecTor_"])
def test_a_unit_name_of_letters_digits_and_underscores_is_accepted(name) -> None:
    data = copy.deepcopy(BASE)
    data["units"][name] = data["units"].pop("vector")
    assert hardware_from_mapping(data, source="t").units_of("vector") == (name,)


@pytest.mark.parametrize("op", ["Relu-x", "Relu\n", "relu", "Relu x", "9Relu", "Re.lu"])
@pytest.mark.parametrize("field", ["matrix_ops", "fuses", "epilogue"])
def test_an_op_type_must_be_an_onnx_spelling_whole(op, field) -> None:
    key = f"lowering__{field}"
    _refused(f"lowering.{field}", "is not an ONNX op_type", **{key: [op]})


# --- lowering lists -------------------------------------------------------------------------------


def test_lowering_lists_refuse_overlaps_and_repeats() -> None:
    _refused("lowering.fuses", "Relu listed twice", lowering__fuses=["Relu", "Relu"])
    _refused("lowering.matrix_ops", "Conv listed twice",
             lowering__matrix_ops=["Conv", "Gemm", "Conv"])  # fmt: skip
    _refused("lowering.epilogue", "Add listed twice", lowering__epilogue=["Add", "Add"])
    _refused("lowering.fuses", "Gemm is in both matrix_ops and fuses",
             lowering__matrix_ops=["Conv", "Gemm"], lowering__fuses=["Gemm"])  # fmt: skip
    _refused("lowering.epilogue", "Conv is in both matrix_ops and epilogue",
             lowering__epilogue=["Conv"])  # fmt: skip
    _refused("lowering.epilogue", "Relu is in both fuses and epilogue",
             lowering__epilogue=["Relu", "Add"])  # fmt: skip
    _refused("lowering.fuses", "BatchNormalization cannot be fused when fold_batchnorm is true",
             lowering__fuses=["BatchNormalization"])  # fmt: skip
    hw = _machine(lowering__fold_batchnorm=False, lowering__fuses=["BatchNormalization"])
    assert hw.lowering.fuses == ("BatchNormalization",)


def test_an_op_with_macs_cannot_ride_on_the_output_stage() -> None:
    _refused("lowering.fuses", "MatMul multiply-accumulates",
             lowering__matrix_ops=["Conv", "Gemm"], lowering__fuses=["MatMul"])  # fmt: skip
    _refused("lowering.fuses", 'unknown op_type "Relux"', lowering__fuses=["Relux"])


def test_units_of_one_kind_must_be_identical_and_keep_file_order() -> None:
    data = copy.deepcopy(BASE)
    data["units"] = {"v2": dict(data["units"]["vector"]), **data["units"]}
    hw = hardware_from_mapping(data, source="t")
    assert hw.units_of("vector") == ("v2", "vector")
    data["units"]["v2"]["lanes"] = 8
    with pytest.raises(ConfigError, match="^t: units: v2 and vector differ; units of one kind"):
        hardware_from_mapping(data, source="t")
    del data["units"]["bus"]
    data["units"]["v2"]["lanes"] = 4
    with pytest.raises(ConfigError, match="^t: units: no dma unit; a machine needs"):
        hardware_from_mapping(data, source="t")


# --- banked DDR bounds (ddr4-3200: 1 channel x 1 rank x 16 banks x 65,536 rows x 8 KiB = 8 GiB) ---

BANKED = {"ddr__timing": "banked", "ddr__preset": "ddr4-3200"}


def test_banked_capacity_from_one_row_to_the_whole_device() -> None:
    assert _machine(**BANKED, ddr__capacity=8192).ddr.capacity == 8192
    _refused("ddr.capacity", "smaller than one DRAM row (8192 B)", **BANKED, ddr__capacity=8191)
    assert _machine(**BANKED, ddr__capacity="8 GiB").ddr.capacity == 8 * 2**30
    _refused("ddr.capacity", "address bits the mapping does not have", **BANKED,
             ddr__capacity=8 * 2**30 + 1)  # fmt: skip
    # the message gives both sizes in the units they were written in: 16 GiB against 8 GiB
    _refused("ddr.capacity", "16 GiB needs address bits the mapping does not have: ddr4-3200's "
             "channels, ranks, banks, rows and columns hold 8 GiB", **BANKED,
             ddr__capacity="16 GiB")  # fmt: skip


def test_banked_bandwidth_is_the_presets_peak() -> None:
    # DDR4-3200: 64 B a burst, BL8 = 4 clocks of 0.625 ns: 64 / 2.5 ns = 25.6 GB/s
    assert _machine(**BANKED).ddr.bandwidth == pytest.approx(25.6e9, rel=1e-12)
    # HBM2: 8 channels x 64 B every 2 ns = 256 GB/s
    hbm = _machine(ddr__timing="banked", ddr__preset="hbm2")
    assert hbm.ddr.bandwidth == pytest.approx(256e9, rel=1e-12)


def test_banked_timings_that_contradict() -> None:
    # tRAS may equal tRCD (22); one under is refused
    assert _machine(**BANKED, ddr__timings={"tRAS": 22}).ddr.dram_spec.tras == 22
    _refused("ddr.timings", "tRAS 21 < tRCD 22", **BANKED, ddr__timings={"tRAS": 21})
    # the bound is tRCD, whatever tRP is: tRAS 25 under a tRCD of 30 is refused, and tRAS 25 under
    # a tRP of 30 (tRCD still 22) is accepted
    _refused("ddr.timings", "tRAS 25 < tRCD 30", **BANKED, ddr__timings={"tRAS": 25, "tRCD": 30})
    assert _machine(**BANKED, ddr__timings={"tRAS": 25, "tRP": 30}).ddr.dram_spec.tras == 25
    # tREFI must exceed tRFC (560): equal is refused, one more accepted
    _refused("ddr.timings", "tREFI 560 <= tRFC 560", **BANKED, ddr__timings={"tREFI": 560})
    assert _machine(**BANKED, ddr__timings={"tREFI": 561}).ddr.dram_spec.trefi == 561
    _refused("ddr.timings.tRFC", "greater than 0", **BANKED, ddr__timings={"tRFC": 0})


def test_banked_fields_need_the_banked_tier() -> None:
    for field, value in (("preset", "hbm2"), ("page", "closed"), ("mapping", "row_column_channel"),
                         ("timings", {"tRCD": 20})):  # fmt: skip
        _refused("ddr", f"{field} is for timing banked, not rate", **{f"ddr__{field}": value})
    _refused("ddr", "timing banked needs a preset", ddr__timing="banked")


def test_sram_capacity_exponent_is_0_to_2() -> None:
    assert _machine(energy={"sram_capacity_exponent": 0}).energy.sram_capacity_exponent == 0
    assert _machine(energy={"sram_capacity_exponent": 2}).energy.sram_capacity_exponent == 2
    _refused("energy.sram_capacity_exponent", "less than or equal to 2",
             energy={"sram_capacity_exponent": 2.001})  # fmt: skip
    _refused("energy.sram_capacity_exponent", "greater than or equal to 0",
             energy={"sram_capacity_exponent": -0.001})  # fmt: skip


def _exactly(value: float) -> object:
    return pytest.approx(value, rel=1e-9, abs=0)


def test_energy_defaults_are_the_cited_figures() -> None:
    # pytest.approx's default absolute tolerance (1e-12) would pass any pJ figure: relative only
    energy = _machine().energy
    assert energy.ddr_per_byte == _exactly(1.3e-9 / 8)  # 1.3 nJ per 64-bit access
    assert energy.sram_read_per_byte == _exactly(100e-12 / 8)  # 100 pJ per 64 bits, 1 MB
    assert energy.sram_write_per_byte == energy.sram_read_per_byte
    assert energy.sram_reference_capacity == 10**6
    assert energy.mac == _exactly(0.2e-12 + 0.03e-12)  # 8-bit multiply + 8-bit add
    assert energy.vector_op == _exactly(0.1e-12)
    assert energy.sram_leakage_per_byte == _exactly(8 * 1e-9)  # 1 nW a cell, 8 cells
    assert (energy.bus_per_byte, energy.logic_leakage_per_unit) == (0, 0)


def test_left_out_fields_take_their_documented_defaults() -> None:
    # BASE names no DDR timing or latency, no channel latency, depth or timing, no vector
    # timing, and only fold_batchnorm and fuses of the lowering: each takes the default its
    # field's description states
    hw = _machine()
    ddr, bus, vector = hw.ddr, hw.units["bus"], hw.units["vector"]
    assert (ddr.timing, ddr.latency, ddr.preset, ddr.mapping, ddr.page, ddr.timings) == (
        "rate", 0.0, None, None, None, None
    )
    assert (bus.timing, bus.latency, getattr(bus, "depth", None)) == ("rate", 0.0, 1)
    assert (vector.timing, getattr(hw.units["matrix"], "group_mapping", "")) == ("rate", None)
    lowering = hw.lowering
    assert lowering.matrix_ops == ("Conv", "Gemm", "MatMul") and lowering.epilogue == ()
    assert (lowering.attention, lowering.keep_outputs, hw.description) == ("unfused", False, "")
    # the SRAM exponent: the least-squares power law through 8 KB 10 pJ, 32 KB 20 pJ, 1 MB
    # 100 pJ (Horowitz's 64-bit cache accesses), 0.4726 to 4 places
    slope = np.polyfit(np.log([2**13, 2**15, 2**20]), np.log([10, 20, 100]), 1)[0]
    assert hw.energy.sram_capacity_exponent == 0.47 == round(slope, 2)


# --- peaks and cycles by hand ---------------------------------------------------------------------


def test_link_is_the_slower_side_and_a_tie_is_the_bus() -> None:
    tie = _machine()
    assert (tie.link_bandwidth, tie.link_limit) == (1e9, "bus")
    slow_ddr = _machine(ddr__bandwidth="500 MB/s")
    assert (slow_ddr.link_bandwidth, slow_ddr.link_limit) == (5e8, "ddr")
    slow_bus = _machine(units__bus__bandwidth="250 MB/s")
    assert (slow_bus.link_bandwidth, slow_bus.link_limit) == (2.5e8, "bus")
    # 250 MB/s over a 500 MHz clock: 0.5 B a cycle
    assert _machine(clock="500 MHz", units__bus__bandwidth="250 MB/s").bus_bytes_per_cycle == 0.5


def test_peaks_per_cycle_and_per_second() -> None:
    hw = _machine(clock="500 MHz", units__matrix__rows=8, units__matrix__cols=3)
    assert hw.matrix_flops_per_cycle == 48  # 2 x 8 x 3
    assert hw.peak_of("matrix") == 48 * 5e8
    assert hw.vector_ops_per_cycle == 20  # 10 GFLOPS / 500 MHz
    assert hw.peak_of("vector") == 1e10
    assert hw.peak_of("dma") == 1e9  # 1 GB/s: 2 B a cycle x 500 MHz
    data = copy.deepcopy(BASE)
    data["units"]["matrix"] = {"kind": "matrix", "peak": "1 TFLOPS"}
    rate = hardware_from_mapping(data, source="t")
    assert rate.matrix_flops_per_cycle == 1000  # 1e12 / 1e9


@pytest.mark.parametrize(
    ("x", "cycles"),
    [
        (0.0, 0), (-3.5, 0), (1e-10, 0), (0.5, 1), (1.0, 1), (2.0000001, 3),
        (2568.0000000000005, 2568), (2567.9999999999995, 2568), (1e12 + 1e-4, 10**12),
        (1e12 + 0.5, 10**12), (1000.5, 1001), (1000.0000005, 1000), (1000.000002, 1001),
        (2e-9, 1),
    ],
)  # fmt: skip
def test_whole_cycles_is_a_ceil_forgiving_1e9_relative(x, cycles) -> None:
    # within 1e-9 x max(1, |x|) of an integer: that integer; else the ceil; never negative
    assert whole_cycles(x) == cycles


def test_cycles_of_seconds() -> None:
    hw = _machine()
    assert hw.cycles(2.568e-6) == 2568  # 2.568e-6 x 1e9 = 2568.0000000000005
    assert hw.cycles(1.5e-9) == 2
    assert _machine(clock="800 MHz").cycles(1e-6) == 800


def test_decimal_ranges_are_the_spans_they_print() -> None:
    assert units.SANE_RANGES["size"][:2] == (Decimal(1), Decimal(2**50))
    assert units.SANE_RANGES["compute_rate"][1] == Decimal("1e21")


ORDERED = """\
name: t
sram:
  capacity: 0
ddr:
  capacity: 1 GiB
  bandwidth: 1 GB/s
clock: 0 Hz
units:
  bus: {kind: dma, bandwidth: 1 GB/s}
  matrix: {kind: matrix, peak: 1 TFLOPS}
  vector: {kind: vector, peak: 10 GFLOPS}
lowering: {fold_batchnorm: true, fuses: [Relu]}
dtypes: {weights: 8, activations: 8}
"""


def test_the_first_problem_in_file_order_is_named_and_the_rest_counted(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from accelsim.hardware_file import load_hardware

    path = tmp_path / "hw.yaml"
    # sram (line 3) comes before clock (line 7) in the file, though clock is first in the schema
    path.write_text(ORDERED, encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(path))}:3: sram\.capacity: 0 must "
                                          r"be > 0 \(and 1 more\)$"):  # fmt: skip
        load_hardware(path)
    path.write_text(ORDERED.replace("capacity: 0", "capacity: 1 MB"), encoding="utf-8")
    with pytest.raises(ConfigError, match=rf'^{re.escape(str(path))}:7: clock: "0 Hz" must be '
                                          r"> 0$"):  # fmt: skip
        load_hardware(path)


def test_a_huge_integer_is_shown_by_its_digit_count() -> None:
    # up to 100 bits a number is shown whole; beyond, by its count of decimal digits
    assert units.show_value(2**100 - 1) == repr(2**100 - 1)
    assert units.show_value(2**100) == "a 31-digit number"  # 1.2676506e30
    assert units.show_value(10**31 - 1) == "a 31-digit number"
    assert units.show_value(10**31) == "a 32-digit number"
    assert units.show_value(10**400) == "a 401-digit number"
    assert units.show_value(-(10**40)) == "a 41-digit number"
    assert (units.show_value(True), units.show_value(None), units.show_value("x")) == (
        "true", "null", '"x"')  # fmt: skip


def test_a_systolic_only_field_on_a_rate_matrix_unit_is_refused_optional_ones_too() -> None:
    # rows (required by systolic) and group_mapping (optional for systolic) are both fields a rate
    # unit never reads: given on one, each is refused by name rather than ignored
    rate = {"kind": "matrix", "timing": "rate", "peak": "1 TFLOPS"}
    for field, value in (("rows", 4), ("group_mapping", "simple")):
        _refused("units.matrix", f"{field} is for timing systolic, not rate",
                 units__matrix={**rate, field: value})  # fmt: skip


def test_each_banked_preset_gets_its_documented_default_mapping() -> None:
    # the field's documented default: DDR4-3200 (one channel, four bank groups) interleaves bank
    # groups; LPDDR4 and HBM2 (several channels) interleave channels; a mapping given wins
    defaults = {"ddr4-3200": "row_column_bankgroup", "lpddr4-4266": "row_column_channel",
                "hbm2": "row_column_channel"}  # fmt: skip
    for preset, mapping in defaults.items():
        assert _machine(ddr__timing="banked", ddr__preset=preset).ddr.dram_mapping == mapping
    given = _machine(**BANKED, ddr__mapping="row_bank_column")
    assert given.ddr.dram_mapping == "row_bank_column"
