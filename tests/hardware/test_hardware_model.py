"""The Hardware model: presets load with exact SI numbers, derived helpers, overrides, schema."""

from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import pydantic
import pytest
import yaml

from accelsim.errors import ConfigError
from accelsim.hardware import Energy, Hardware
from accelsim.hardware_file import (
    hardware_from_mapping,
    hardware_json_schema,
    load_hardware,
    with_overrides,
)
from accelsim.timing.models import channel_latency, estimate
from accelsim.work import Gemm, Transfer, Vector

PRESETS = Path(__file__).resolve().parents[2] / "hardware"


@pytest.fixture(scope="module")
def edge1() -> Hardware:
    return load_hardware(PRESETS / "edge1.yaml")


def test_edge1_exact_numbers(edge1: Hardware) -> None:
    assert edge1.name == "edge1"
    assert edge1.clock == 1e9  # "1 GHz"
    assert edge1.ddr.capacity == 2**30  # "1 GiB"
    assert edge1.ddr.bandwidth == 1e9
    assert edge1.ddr.latency == 0.0
    assert list(edge1.units) == ["bus", "matrix", "vector"]  # one unit of each kind
    assert [u.kind for u in edge1.units.values()] == ["dma", "matrix", "vector"]
    assert edge1.units["bus"].bandwidth == 1e9  # the paper's "1 GB/s" = 10^9 B/s
    assert edge1.units["bus"].latency == 0.0
    assert edge1.sram.capacity == 1_000_000  # "1 MB" = 10^6 B (see the Table 3 test below)
    assert edge1.units["matrix"].peak == 1e12  # "1 TFLOPS"
    assert edge1.lowering.matrix_ops == ("Conv", "ConvTranspose", "Gemm", "MatMul", "Einsum")
    assert edge1.lowering.fold_batchnorm is True
    assert edge1.lowering.fuses == ("Relu", "Clip")
    assert edge1.units["vector"].peak == 1e10  # "10 GFLOPS"
    assert (edge1.dtypes.weights, edge1.dtypes.activations) == (8, 8)  # int8
    assert edge1.energy == Energy()  # file gives no energy: the documented defaults


def test_edge1_sram_is_decimal_megabyte_per_table3(edge1: Hardware) -> None:
    # Seed paper Table 3, "internal memory used" in bits: layer 24 fits, layer 25 is flagged
    # "Memory limit exceeded". The capacity must lie between the two working sets.
    layer24_bytes = 7_971_392 // 8  # 996,424 B
    layer25_bytes = 8_137_280 // 8  # 1,017,160 B
    assert layer24_bytes <= 10**6 < layer25_bytes  # 10^6 B explains the table...
    assert layer25_bytes <= 2**20  # ...2^20 = 1,048,576 B would let layer 25 fit
    assert layer24_bytes <= edge1.sram.capacity < layer25_bytes


def test_edge1_helpers(edge1: Hardware) -> None:
    # Table 4: 2,568 bytes at 1 GB/s take 2.568 us = 2,568 cycles of 1 ns
    assert edge1.cycles(2.568e-6) == 2568
    assert edge1.bus_bytes_per_cycle == 1.0  # min(1e9, 1e9) / 1e9
    assert channel_latency(edge1) == 0
    assert estimate(edge1, "dma", Transfer(nbytes=2568, direction="in")) == 2568
    assert estimate(edge1, "dma", Transfer(nbytes=0, direction="in")) == 0
    assert edge1.matrix_flops_per_cycle == 1000.0  # 1e12 / 1e9
    assert edge1.vector_ops_per_cycle == 10.0  # 1e10 / 1e9
    # layer 1 of the paper's MobileNet: 677,376 MACs = 1,354,752 FLOPs / 1000 per cycle -> ceil
    gemm = Gemm(m=1024, k=27, n=32, groups=1, macs=677_376)  # 32x32 outputs, 3x3x3 -> 32
    assert estimate(edge1, "matrix", gemm) == 1355
    assert estimate(edge1, "vector", Vector(ops=25, elements=25)) == 3  # 25 / 10 = 2.5 -> 3


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0.0, 0),
        (-1e-6, 0),  # never negative
        (1e-9, 1),  # exactly one cycle
        (1.0001e-9, 2),  # a hair over -> ceil
        (0.3e-9, 1),
        (2.568e-6, 2568),  # 2.568e-6 * 1e9 = 2568.0000000000005 in floats: not 2569
        (0.565e-3, 565_000),
    ],
)
def test_cycles_ceil(edge1: Hardware, seconds: float, expected: int) -> None:
    assert edge1.cycles(seconds) == expected


def test_helpers_use_slower_of_bus_and_ddr_and_add_latencies(edge1: Hardware) -> None:
    hw = with_overrides(
        edge1,
        {
            "ddr.bandwidth": "0.5 GB/s",
            "bus.bandwidth": "4 GB/s",
            "ddr.latency": "50 ns",
            "bus.latency": "20.5 ns",
        },
    )
    assert hw.bus_bytes_per_cycle == 0.5  # min(0.5e9, 4e9) / 1e9
    assert channel_latency(hw) == 71  # ceil(70.5 ns * 1 GHz)
    assert estimate(hw, "dma", Transfer(nbytes=1000, direction="in")) == 71 + 2000  # 0.5 B/cycle


def test_unfused_preset_differs_only_in_bn_and_fusion(edge1: Hardware) -> None:
    unfused = load_hardware(PRESETS / "edge1-unfused.yaml")
    assert unfused.lowering.fold_batchnorm is False
    assert unfused.lowering.fuses == ()
    same = {"clock", "ddr", "sram", "units", "dtypes", "energy"}
    assert all(getattr(unfused, key) == getattr(edge1, key) for key in same)
    assert unfused.lowering.matrix_ops == edge1.lowering.matrix_ops


def test_cloud1_preset() -> None:
    cloud = load_hardware(PRESETS / "cloud1.yaml")
    assert cloud.sram.capacity == 32 * 2**20  # "32 MiB"
    assert cloud.clock == 1.5e9
    assert channel_latency(cloud) == 180  # (100 + 20) ns * 1.5 GHz
    assert cloud.energy.sram_read_per_byte == 62.5e-12  # 500 pJ / 8 B, see the file's comment


def test_energy_defaults_follow_horowitz() -> None:
    energy = Energy()
    assert energy.ddr_per_byte == 1.3e-9 / 8  # 1.3 nJ per 64-bit DRAM access
    assert energy.sram_read_per_byte == 100e-12 / 8  # 100 pJ per 64-bit access, 1 MB SRAM
    assert energy.sram_write_per_byte == energy.sram_read_per_byte
    assert energy.mac == pytest.approx(0.2e-12 + 0.03e-12, rel=1e-9, abs=0)  # 8-bit mult + add
    assert energy.vector_op == 0.1e-12  # 32-bit add
    assert energy.bus_per_byte == 0.0


def test_models_are_frozen(edge1: Hardware) -> None:
    with pytest.raises(pydantic.ValidationError):
        edge1.sram.capacity = 5  # type: ignore[misc]


def test_hardware_from_mapping_without_lines(edge1: Hardware) -> None:
    data = edge1.model_dump()
    assert hardware_from_mapping(data, source="<dict>") == edge1
    data["sram"] = {"capacity": "1 MiBB"}
    with pytest.raises(ConfigError, match=r'^<dict>: sram\.capacity: "1 MiBB" is not a size; '):
        hardware_from_mapping(data, source="<dict>")


def test_with_overrides_parses_units_and_leaves_the_original(edge1: Hardware) -> None:
    hw = with_overrides(edge1, {"sram.capacity": "2 MiB", "bus.bandwidth": "0.5GB/s"})
    assert hw.sram.capacity == 2 * 2**20
    assert hw.units["bus"].bandwidth == 5e8  # the old path sets every DMA unit
    assert edge1.sram.capacity == 1_000_000
    assert with_overrides(edge1, {"energy.mac": "1 pJ"}).energy.mac == 1e-12
    assert with_overrides(edge1, {"matrix_engine.fuses": []}).lowering.fuses == ()
    assert with_overrides(edge1, {"units.matrix.peak": "2 TFLOPS"}).units["matrix"].peak == 2e12


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"sram.capacty": "2 MiB"},
            r"--set: sram\.capacty: unknown field; fields of sram: capacity",
        ),
        (
            {"sramm.capacity": "2 MiB"},
            r"--set: sramm\.capacity: unknown field; fields of the top level: clock, ddr, "
            r"description, dtypes, energy, lowering, name, sram, units",
        ),
        (
            {"sram.capacity.x": 1},
            r"--set: sram\.capacity\.x: unknown field; fields of sram\.capacity: none "
            r"\(not a section\)",
        ),
        (
            {"sram.capacity": "-2 MiB"},
            r'--set: sram\.capacity: "-2 MiB" must be > 0',
        ),
        (
            {"bus.bandwidth": "1 GB/z"},
            r'--set: bus\.bandwidth: "1 GB/z" is not a bandwidth; expected e\.g\. "1 GB/s" or '
            r'"1 GiB/s"',
        ),
        (
            {"matrix_engine.fuses": ["BatchNormalization"]},
            r"--set: matrix_engine\.fuses: BatchNormalization cannot be fused when fold_batchnorm "
            r"is true .*",
        ),
    ],
)
def test_with_overrides_rejects(
    edge1: Hardware, overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=f"^{message}$"):
        with_overrides(edge1, overrides)


def test_with_overrides_names_its_source(edge1: Hardware) -> None:
    with pytest.raises(ConfigError, match=r"^sweep\.yaml: sram\.capacity: 0 must be > 0$"):
        with_overrides(edge1, {"sram.capacity": 0}, source="sweep.yaml")


@pytest.mark.parametrize("preset", sorted(p.name for p in PRESETS.glob("*.yaml")))
def test_schema_validates_every_preset(preset: str) -> None:
    # jsonschema is an independent validator: the schema must accept what the loader accepts
    data = yaml.safe_load((PRESETS / preset).read_text(encoding="utf-8"))
    load_hardware(PRESETS / preset)
    jsonschema.validate(data, hardware_json_schema())


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("sram", "capacity"), "1 MiBB"),
        (("sram", "capacity"), -5),
        (("units", "bus", "bandwidth"), "1 GB"),
        (("lowering", "fold_batchnorm"), "yes"),
        (("units", "matrix", "rows"), 0),  # zero rows (and rows on a rate unit)
        (("units", "bus", "kind"), "tpu"),  # a unit kind that does not exist
        (("units", "matrix", "timing"), "systolc"),
        (("dtypes", "weights"), "int7"),
        (("sram", "colour"), "red"),
    ],
)
def test_schema_rejects_what_the_loader_rejects(path: tuple[str, ...], value: object) -> None:
    data = yaml.safe_load((PRESETS / "edge1.yaml").read_text(encoding="utf-8"))
    section = data
    for part in path[:-1]:
        section = section[part]
    section[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, hardware_json_schema())
    with pytest.raises(ConfigError):
        hardware_from_mapping(data, source="x")


def test_schema_lists_required_keys_units_and_descriptions() -> None:
    schema = hardware_json_schema()
    required = {"name", "clock", "ddr", "sram", "units", "lowering", "dtypes"}
    assert set(schema["required"]) == required
    assert schema["additionalProperties"] is False
    assert set(schema["$defs"]["MatrixUnit"]["required"]) == {"kind"}
    assert set(schema["$defs"]["DmaUnit"]["required"]) == {"kind", "bandwidth"}
    assert set(schema["$defs"]["Lowering"]["required"]) == {"fold_batchnorm", "fuses"}
    capacity = schema["$defs"]["Sram"]["properties"]["capacity"]
    assert "bytes" in capacity["description"]
    assert "1 MiB" in capacity["examples"]
    string, number = capacity["anyOf"]
    assert re.match(string["pattern"], "512 KiB")
    assert number == {"type": "number", "exclusiveMinimum": 0}
