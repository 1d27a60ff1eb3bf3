"""The hardware file: a strict pydantic schema of one accelerator, values in units people write.

A machine is external DDR, on-chip SRAM and named units: DMA channels between the two, matrix
units (Conv/Gemm/MatMul) and vector units (everything else), each with a timing model. Attribute
names equal the YAML keys, so a sweep addresses a field by its dotted path (`sram.capacity`,
`units.bus.bandwidth`). Files in the older fixed layout (`bus`, `matrix_engine`, `vector_unit`)
are converted on load by `accelsim.hardware_file`. Values are parsed by `accelsim.units`
into SI numbers (bytes, bytes/s, FLOP/s, Hz, s, J) and checked; every failure is a one-line
`ConfigError` of the form `file:line: dotted.field: reason` (see `accelsim.hardware_file`,
which reads files and applies overrides).

Energy defaults come from M. Horowitz, "Computing's energy problem (and what we can do about it)",
ISSCC 2014, figure "Rough energy costs for various operations in 45nm 0.9V": 8-bit integer add
0.03 pJ, 8-bit integer multiply 0.2 pJ, 32-bit integer add 0.1 pJ; a 64-bit (8-byte) access to a
1 MB SRAM cache 100 pJ; a 64-bit DRAM access 1.3-2.6 nJ. Per-byte figures divide a 64-bit access
by 8 bytes. See `Energy` for each default and how it was derived.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PositiveInt,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import core_schema

from accelsim import units
from accelsim.dram import DRAM_PRESETS, MAPPINGS, DramSpec
from accelsim.kinds import KINDS
from accelsim.kinds import kind as declared

__all__ = [
    "UNIT_KINDS",
    "UNIT_SCHEMAS",
    "DataTypes",
    "Ddr",
    "DramTimings",
    "DmaUnit",
    "Energy",
    "Hardware",
    "Lowering",
    "MatrixUnit",
    "Sram",
    "Unit",
    "VectorUnit",
    "whole_cycles",
]


@dataclass(frozen=True)
class _Unit:
    """Pydantic marker for a unit field: parse with `parse`, refuse negatives (0 unless allowed).

    Its JSON schema says the field takes a string the parser accepts or a plain SI number.
    """

    parse: Callable[[object], float]
    kind: str
    examples: tuple[object, ...]
    allow_zero: bool = False

    def validate(self, value: object) -> float:
        """Parse `value`; UnitError (a ValueError: pydantic adds the field) if out of range."""
        parsed = self.parse(value)
        if parsed < 0 or (parsed == 0 and not self.allow_zero):
            bound = ">= 0" if self.allow_zero else "> 0"
            raise units.UnitError(f"{units.show_value(value)} must be {bound}")
        return parsed

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> Any:
        return core_schema.no_info_before_validator_function(self.validate, handler(source))

    def __get_pydantic_json_schema__(self, schema: Any, handler: GetJsonSchemaHandler) -> Any:
        number = {"type": "number", ("minimum" if self.allow_zero else "exclusiveMinimum"): 0}
        string = {"type": "string", "pattern": units.unit_pattern(self.kind)}
        return {"anyOf": [string, number], "examples": list(self.examples)}


# Each alias is the parsed SI type, validated from a unit string or a plain number.
Bytes = Annotated[int, _Unit(units.parse_size, "size", ("1 MiB", "1 MB", 1048576))]
BytesPerSecond = Annotated[float, _Unit(units.parse_bandwidth, "bandwidth", ("1 GB/s", 1e9))]
OpsPerSecond = Annotated[
    float, _Unit(units.parse_compute_rate, "compute_rate", ("1 TFLOPS", "10 GOPS", "1e12 FLOP/s"))
]
Hertz = Annotated[float, _Unit(units.parse_frequency, "frequency", ("1 GHz", "800 MHz"))]
Seconds = Annotated[float, _Unit(units.parse_time, "time", ("0 s", "100 ns"), allow_zero=True)]
Joules = Annotated[float, _Unit(units.parse_energy, "energy", ("0.2 pJ",), allow_zero=True)]
Watts = Annotated[float, _Unit(units.parse_power, "power", ("8 nW", "2 mW"), allow_zero=True)]

# Bit widths by the names people use for them; any whole bit count 1..64 is also accepted.
DTYPE_BITS = {"int4": 4, "uint4": 4, "int8": 8, "uint8": 8, "int16": 16, "uint16": 16}
DTYPE_BITS |= {"fp16": 16, "bf16": 16, "int32": 32, "fp32": 32}


def _parse_dtype_bits(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 64:
        return value
    if isinstance(value, str) and value in DTYPE_BITS:
        return DTYPE_BITS[value]
    names = ", ".join(DTYPE_BITS)
    raise units.UnitError(
        f"{units.show_value(value)} is not a data type; expected one of {names} or a bit count 1-64"
    )


_BITS_SCHEMA = {"type": "integer", "minimum": 1, "maximum": 64}
Bits = Annotated[
    int,
    BeforeValidator(_parse_dtype_bits),
    WithJsonSchema({"anyOf": [{"enum": list(DTYPE_BITS)}, _BITS_SCHEMA], "examples": ["int8", 16]}),
]
_OP_TYPE = re.compile(r"[A-Z][A-Za-z0-9]*")

MAX_COUNT = 65_536
"""Largest integer unit field (array rows, cols, vector lanes): a real array or lane count is in
the hundreds; beyond this, a number is a typo (and 10^400 cannot become a float)."""
Count = Annotated[int, Field(gt=0, le=MAX_COUNT)]


class _Strict(BaseModel):
    """Every hardware model is immutable and refuses keys it does not know."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


class DramTimings(_Strict):
    """Timing overrides of a banked DDR preset, in DRAM clocks (JEDEC names); unset keeps it."""

    CL: PositiveInt | None = Field(default=None, description="Read latency (RL), clocks.")
    CWL: PositiveInt | None = Field(default=None, description="Write latency (WL), clocks.")
    tRCD: PositiveInt | None = Field(default=None, description="ACT to RD/WR, clocks.")
    tRP: PositiveInt | None = Field(default=None, description="PRE to ACT, clocks.")
    tRAS: PositiveInt | None = Field(default=None, description="ACT to PRE, clocks.")
    tWR: PositiveInt | None = Field(default=None, description="Write recovery, clocks.")
    tRTP: PositiveInt | None = Field(default=None, description="RD to PRE, clocks.")
    tWTR_S: PositiveInt | None = Field(default=None, description="WR to RD, other bank group.")
    tWTR_L: PositiveInt | None = Field(default=None, description="WR to RD, same bank group.")
    tRRD_S: PositiveInt | None = Field(default=None, description="ACT to ACT, other bank group.")
    tRRD_L: PositiveInt | None = Field(default=None, description="ACT to ACT, same bank group.")
    tFAW: PositiveInt | None = Field(default=None, description="Window holding at most 4 ACTs.")
    tCCD_S: PositiveInt | None = Field(default=None, description="RD to RD, other bank group.")
    tCCD_L: PositiveInt | None = Field(default=None, description="RD to RD, same bank group.")
    tREFI: PositiveInt | None = Field(default=None, description="Refresh interval, clocks.")
    tRFC: PositiveInt | None = Field(default=None, description="Refresh cycle time, clocks.")

    def apply(self, spec: DramSpec) -> DramSpec:
        """`spec` with the set overrides."""
        changes = {name.lower(): value for name, value in self if value is not None}
        return dataclasses.replace(spec, **changes)


def _bandwidth_optional(schema: dict[str, Any]) -> None:
    # NOTE: timing banked fills bandwidth in from its preset, so files of that tier omit it.
    schema["required"] = [name for name in schema.get("required", []) if name != "bandwidth"]


class Ddr(_Strict):
    """External DRAM: where every tensor starts and where spilled tensors go."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", validate_default=True, json_schema_extra=_bandwidth_optional
    )

    capacity: Bytes = Field(
        description='DDR size in bytes, e.g. "1 GiB" (2^30 B) or "1 GB" (10^9 B).'
    )
    timing: Literal["rate", "banked"] = Field(
        default="rate",
        description="DDR timing model: rate = one data bus at ddr.bandwidth that every DMA "
        "channel shares, first come first served (see accelsim.timing.ddr); banked = channels, "
        "banks and open rows of a JEDEC preset, every burst a row hit, miss or conflict, with "
        "refresh (see accelsim.dram; needs ddr.preset).",
    )
    bandwidth: BytesPerSecond = Field(
        description='Peak DDR bandwidth in bytes/s, e.g. "1 GB/s" = 10^9 B/s. All DMA channels '
        "share it: a transfer runs at min(ddr.bandwidth, its channel's bandwidth) when alone, "
        "and channels moving data together split ddr.bandwidth. With timing banked it is the "
        "preset's peak (all channels bursting back to back), filled in from ddr.preset.",
    )
    latency: Seconds = Field(
        default=0.0,
        description='Fixed start-up time of every DDR access in seconds, e.g. "50 ns"; 0 matches '
        "the paper's latency-free model.",
    )
    preset: Literal["ddr4-3200", "lpddr4-4266", "hbm2"] | None = Field(
        default=None,
        description="timing banked only: the DRAM device, with JEDEC timings (accelsim.dram.spec "
        "cites each number): ddr4-3200 (one x64 channel, 25.6 GB/s), lpddr4-4266 (two x16 "
        "channels, 17 GB/s), hbm2 (8 channels x 128 bits, 256 GB/s).",
    )
    mapping: str | None = Field(
        default=None,
        description="timing banked only: how address bits pick channel, rank, bank group, bank, "
        "row and column: a name (" + ", ".join(MAPPINGS) + ") or six DRAMsim3 fields such as "
        "rochrabacobg, most significant first. Default: row_column_bankgroup for ddr4-3200, "
        "row_column_channel otherwise.",
    )
    page: Literal["open", "closed"] | None = Field(
        default=None,
        description="timing banked only: open (default) keeps a row open after an access; "
        "closed precharges after every access.",
    )
    timings: DramTimings | None = Field(
        default=None,
        description="timing banked only: overrides of the preset's timings in DRAM clocks, "
        "e.g. {tRCD: 24, tRFC: 700}.",
    )

    @model_validator(mode="before")
    @classmethod
    def _banked_bandwidth(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("timing") == "banked":
            spec = DRAM_PRESETS.get(str(data.get("preset")))
            if spec is not None:
                data = {**data, "bandwidth": spec.peak_bytes_per_second}
        return data

    @model_validator(mode="after")
    def _banked_fields(self) -> Ddr:
        banked = ("preset", "mapping", "page", "timings")
        if self.timing != "banked":
            for name in banked:
                if getattr(self, name) is not None:
                    raise ValueError(f"{name} is for timing banked, not {self.timing}")
        elif self.preset is None:
            raise ValueError(f"timing banked needs a preset: {', '.join(DRAM_PRESETS)}")
        return self

    @property
    def dram_spec(self) -> DramSpec:
        """The banked tier's device: the preset with the timing overrides."""
        assert self.preset is not None, "only for timing banked"
        spec = DRAM_PRESETS[self.preset]
        return self.timings.apply(spec) if self.timings is not None else spec

    @property
    def dram_mapping(self) -> str:
        """The banked tier's address mapping (the preset's default when unset)."""
        if self.mapping is not None:
            return self.mapping
        return "row_column_bankgroup" if self.preset == "ddr4-3200" else "row_column_channel"


class Sram(_Strict):
    """On-chip memory: operands must be here while a layer computes."""

    capacity: Bytes = Field(
        description='SRAM size in bytes, e.g. "1 MB" = 10^6 B or "1 MiB" = 2^20 B.'
    )


class DmaUnit(_Strict):
    """A DMA channel between DDR and SRAM: every byte that moves crosses one and takes its time."""

    kind: Literal["dma"] = Field(description="dma: moves bytes between DDR and SRAM.")
    timing: Literal["rate"] = Field(
        default="rate",
        description="Timing model: rate = latency + bytes / min(bandwidth, ddr.bandwidth).",
    )
    bandwidth: BytesPerSecond = Field(
        description='Channel bandwidth in bytes/s, e.g. "1 GB/s" = 10^9 B/s (the paper\'s bus).'
    )
    latency: Seconds = Field(
        default=0.0,
        description='Fixed start-up time of every transfer in seconds, e.g. "100 ns"; added to '
        "ddr.latency.",
    )
    depth: Count = Field(
        default=1,
        description="Transfers the channel keeps in flight (its descriptor queue): with depth > 1 "
        "a transfer's start-up latency overlaps the data of the ones before it; 1 (default): "
        "each transfer starts after the previous one ended.",
    )


class MatrixUnit(_Strict):
    """Runs the layers lowering puts on the matrix engine (Conv/Gemm/MatMul), 2 FLOPs per MAC."""

    kind: Literal["matrix"] = Field(description="matrix: runs Conv/Gemm/MatMul layers.")
    timing: Literal["rate", "systolic"] = Field(
        default="rate",
        description="Timing model: rate = 2 x MACs / peak; systolic = SCALE-Sim fold cycles of "
        "the layer's GEMM on a rows x cols array (needs rows, cols, dataflow).",
    )
    peak: OpsPerSecond | None = Field(
        default=None,
        description='rate only: peak FLOP/s, e.g. "1 TFLOPS"; one multiply-accumulate is 2 FLOPs.',
    )
    rows: Count | None = Field(
        default=None,
        description="systolic only: array rows (SCALE-Sim ArrayHeight); hold the reduction K "
        "under ws.",
    )
    cols: Count | None = Field(
        default=None,
        description="systolic only: array columns (SCALE-Sim ArrayWidth); hold output channels "
        "under ws.",
    )
    dataflow: Literal["ws", "os", "is"] | None = Field(
        default=None,
        description="systolic only: weight (ws), output (os) or input (is) stationary.",
    )
    group_mapping: Literal["simple", "packed"] | None = Field(
        default=None,
        description="systolic only, optional: how grouped/depthwise convs map onto the array; "
        "simple (default): one group after another, one column each (SCALE-Sim's way); packed: "
        "as many groups side by side as fit one fold (block-diagonal).",
    )

    @model_validator(mode="after")
    def _fields_of_timing(self) -> MatrixUnit:
        for name in _TIMING_FIELDS[self.timing][0]:
            if getattr(self, name) is None:
                raise ValueError(f"{name} is required by timing {self.timing}")
        for other, (required, optional) in _TIMING_FIELDS.items():
            for name in (*required, *optional):
                if other != self.timing and getattr(self, name) is not None:
                    raise ValueError(f"{name} is for timing {other}, not {self.timing}")
        return self


# Matrix-unit fields each timing model reads: (required, optional).
_TIMING_FIELDS = {
    "rate": (("peak",), ()),
    "systolic": (("rows", "cols", "dataflow"), ("group_mapping",)),
}


class VectorUnit(_Strict):
    """Runs every layer the matrix engine does not (BN, ReLU, pooling, softmax, add, ...)."""

    kind: Literal["vector"] = Field(description="vector: runs every other layer.")
    timing: Literal["rate"] = Field(
        default="rate",
        description="Timing model: rate = ops / peak, whole lane groups when lanes is given.",
    )
    peak: OpsPerSecond = Field(
        description='Peak rate in operations/s, e.g. "10 GFLOPS"; one element-wise op is one op.'
    )
    lanes: Count | None = Field(
        default=None,
        description="Optional lane count: elements are processed in groups of `lanes`, so a "
        "vector shorter than the lanes still costs a whole group (omitted: no rounding).",
    )


Unit = Annotated[DmaUnit | MatrixUnit | VectorUnit, Field(discriminator="kind")]
UNIT_KINDS: tuple[str, ...] = tuple(k.name for k in KINDS)
UNIT_SCHEMAS: dict[str, type[BaseModel]] = {
    get_args(schema.model_fields["kind"].annotation)[0]: schema
    for schema in get_args(get_args(Unit)[0])
}
"""Each declared kind's schema, by the `kind:` literal of the model in the `Unit` union."""
assert tuple(UNIT_SCHEMAS) == UNIT_KINDS, "every kind in accelsim.kinds needs one unit schema"
_UNIT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


class Lowering(_Strict):
    """What the hardware decides about the graph: which ops the matrix units run, BN, fusion."""

    matrix_ops: tuple[str, ...] = Field(
        default=("Conv", "Gemm", "MatMul"),
        description="ONNX op_types the matrix units run (spelled as in ONNX, e.g. Conv); a MAC "
        "op not listed runs on the vector unit at 2 ops per MAC.",
    )
    fold_batchnorm: bool = Field(
        strict=True,
        description="true: BatchNormalization is folded into the preceding Conv's weights and bias "
        "at compile time and costs nothing at run time; false: it runs as its own op.",
    )
    fuses: tuple[str, ...] = Field(
        description="ONNX op_types applied in the matrix unit's output stage, at no extra time, "
        "when they directly follow a matrix op, e.g. [Relu, Clip]; [] runs them on the vector "
        "unit.",
    )
    epilogue: tuple[str, ...] = Field(
        default=(),
        description="ONNX op_types applied on the fly to the output of the layer that produces "
        "their input (a matrix unit's output stage or a vector layer's result), their vector "
        "ops still counted on the vector unit but with no DDR round trip: maximal chains of them "
        "(bias Add, Mul/Div by a constant, Gelu or its erf/tanh spelling, x * Sigmoid(x), a "
        "residual Add) join the producer's layer. An op in `fuses` joins such a chain at no "
        "cost. [] (default): each runs as its own layer.",
    )
    attention: Literal["unfused", "fused"] = Field(
        default="unfused",
        description="fused: Q·Kᵀ, scale, mask, Softmax and ·V run as one layer per band of query "
        "rows with a running max and sum (FlashAttention), so the scores never leave SRAM, and "
        "the projections feeding it copy nothing (a Split of a matrix layer's columns runs as "
        "one layer per part, a Transpose into heads as a strided store); unfused (default): "
        "each is its own layer.",
    )
    keep_outputs: bool = Field(
        default=False,
        strict=True,
        description="true: a tiled layer's output that the next layer, tiled too, reads whole "
        "stays whole in SRAM (no store, no reload) where that split is estimated no slower than "
        "storing it and reloading it (a LayerNorm's output kept for the projections after it); "
        "false (default): every tiled layer stores its output.",
    )

    @field_validator("matrix_ops", "fuses", "epilogue")
    @classmethod
    def _op_types(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for op_type in value:
            if not _OP_TYPE.fullmatch(op_type):
                raise ValueError(
                    f'"{op_type}" is not an ONNX op_type; spell it as ONNX does, e.g. "Relu"'
                )
        duplicates = sorted({op for op in value if value.count(op) > 1})
        if duplicates:
            raise ValueError(f"{', '.join(duplicates)} listed twice")
        return value

    @field_validator("fuses")
    @classmethod
    def _fuses_consistent(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        both = sorted(set(value) & set(info.data.get("matrix_ops", ())))
        if both:
            raise ValueError(
                f"{', '.join(both)} is in both matrix_ops and fuses; an op either runs on the "
                "engine or rides along on its output"
            )
        if info.data.get("fold_batchnorm") and "BatchNormalization" in value:
            raise ValueError(
                "BatchNormalization cannot be fused when fold_batchnorm is true (it is already "
                "folded); remove it from fuses or set fold_batchnorm: false"
            )
        return value

    @field_validator("epilogue")
    @classmethod
    def _epilogue_apart(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        for field in ("matrix_ops", "fuses"):
            both = sorted(set(value) & set(info.data.get(field, ())))
            if both:
                raise ValueError(f"{', '.join(both)} is in both {field} and epilogue")
        return value


class DataTypes(_Strict):
    """Widths of stored tensors; byte sizes of weights and activations follow from them."""

    weights: Bits = Field(
        description='Weight width in bits: "int8" (= 8), "fp16", ... or a number.'
    )
    activations: Bits = Field(
        description='Activation width in bits: "int8" (= 8), "fp16", ... or a number.'
    )


class Energy(_Strict):
    """Energy per event in joules and leakage in watts; dynamic defaults from Horowitz, ISSCC
    2014, 45 nm, 0.9 V. SRAM access energy grows with capacity (`sram_capacity_exponent`)."""

    ddr_per_byte: Joules = Field(
        default=162.5e-12,
        description="Energy per byte read from or written to DDR, in J. Default 162.5 pJ: "
        "Horowitz ISSCC 2014 gives 1.3-2.6 nJ per 64-bit DRAM access; the low end 1.3 nJ / 8 B.",
    )
    bus_per_byte: Joules = Field(
        default=0.0,
        description="Energy per byte moved across the bus, in J, on top of ddr_per_byte. Default "
        "0: Horowitz's DRAM access figure already covers getting the data off chip.",
    )
    sram_read_per_byte: Joules = Field(
        default=12.5e-12,
        description="Energy per byte read from an SRAM of sram_reference_capacity, in J. Default "
        "12.5 pJ: Horowitz ISSCC 2014, 100 pJ per 64-bit access to a 1 MB cache, / 8 B.",
    )
    sram_write_per_byte: Joules = Field(
        default=12.5e-12,
        description="Energy per byte written to an SRAM of sram_reference_capacity, in J. "
        "Default 12.5 pJ, the same as a read: Horowitz gives one figure per access (100 pJ per "
        "64 bits for 1 MB).",
    )
    sram_reference_capacity: Bytes = Field(
        default=1_000_000,
        description="The SRAM capacity the per-byte SRAM figures are for. Default 1 MB "
        "(1,000,000 B), Horowitz's 1 MB point.",
    )
    sram_capacity_exponent: float = Field(
        default=0.47, ge=0, le=2,
        description="SRAM access energy scales as (sram.capacity / sram_reference_capacity) to "
        "this power (longer word and bit lines in a bigger array; CACTI's wire-dominated "
        "square-root law). Default 0.47: the least-squares power law through Horowitz ISSCC "
        "2014's 64-bit cache accesses, 8 KB 10 pJ, 32 KB 20 pJ, 1 MB 100 pJ.",
    )
    sram_leakage_per_byte: Watts = Field(
        default=8e-9,
        description="Static power of one byte of SRAM, in W, for the whole run. Default 8 nW: "
        "about 1 nW standby per conventional 6T cell (Scientific Reports 7:12347, 2017, "
        "Table 2), 8 cells a byte.",
    )
    logic_leakage_per_unit: Watts = Field(
        default=0.0,
        description="Static power of each unit (DMA channel, matrix or vector unit), in W, for "
        "the whole run. Default 0: Horowitz's figures are per operation and none of the cited "
        "sources gives a per-unit figure; set it from your library's numbers.",
    )
    mac: Joules = Field(
        default=0.23e-12,
        description="Energy per multiply-accumulate in the matrix engine, in J. Default 0.23 pJ: "
        "Horowitz ISSCC 2014 8-bit integer multiply 0.2 pJ + 8-bit add 0.03 pJ (a 32-bit "
        "accumulator add, 0.1 pJ, would give 0.3 pJ).",
    )
    vector_op: Joules = Field(
        default=0.1e-12,
        description="Energy per vector-unit operation, in J. Default 0.1 pJ: Horowitz ISSCC 2014 "
        "32-bit integer add, since BN, pooling and softmax work on wider intermediates.",
    )


class Hardware(_Strict):
    """One accelerator. Simulation time is integer cycles of `clock`; helpers convert with ceil.

    `units` are data: any number of named DMA channels, matrix units and vector units (at least
    one of each kind; units of one kind identical, so tasks go to whichever is free). The
    helpers below describe peaks (reports, the paper's model); cycles come from the units'
    timing models (`accelsim.timing`).
    """

    name: str = Field(min_length=1, description="Short machine name shown in reports.")
    description: str = Field(default="", description="Free text shown in reports.")
    clock: Hertz = Field(
        description='Clock frequency in Hz, e.g. "1 GHz"; simulation time counts its cycles.'
    )
    ddr: Ddr = Field(description="External DRAM: capacity, bandwidth, latency.")
    sram: Sram = Field(description="On-chip memory: capacity.")
    units: dict[str, Unit] = Field(
        description="The machine's units by name (e.g. bus, matrix, vector or dma0, dma1, mxu0), "
        "each with a kind (dma, matrix, vector), a timing model and its parameters; reports "
        "show one row, track and utilisation per unit, in this order.",
    )
    lowering: Lowering = Field(
        description="Which ops the matrix units run, BatchNormalization folding, fused ops."
    )
    dtypes: DataTypes = Field(description="Bit widths of weights and activations.")
    energy: Energy = Field(
        default_factory=Energy,
        description="Energy per byte and per op in J; defaults from Horowitz, ISSCC 2014, 45 nm.",
    )

    @field_validator("units")
    @classmethod
    def _units_complete(cls, value: dict[str, Unit], info: ValidationInfo) -> dict[str, Unit]:
        for name in value:
            if not _UNIT_NAME.fullmatch(name):
                raise ValueError(f'"{name}" is not a unit name; use letters, digits and _')
        for kind in UNIT_KINDS:
            same = [(n, u) for n, u in value.items() if u.kind == kind]
            if not same:
                raise ValueError(f"no {kind} unit; a machine needs at least one of each kind "
                                 f"({', '.join(UNIT_KINDS)})")  # fmt: skip
            first_name, first = same[0]
            for name, unit in same[1:]:
                if unit != first:
                    raise ValueError(
                        f"{first_name} and {name} differ; units of one kind must be identical "
                        "(tasks go to whichever is free)"
                    )
        _arrays_in_range(value, info.data.get("clock"))
        return value

    def units_of(self, kind: str) -> tuple[str, ...]:
        """Names of the units of `kind`, in file order."""
        return tuple(name for name, unit in self.units.items() if unit.kind == kind)

    def unit_of(self, kind: str) -> Unit:
        """The first unit of `kind` (all of one kind are identical)."""
        return self.units[self.units_of(kind)[0]]

    @property
    def dma(self) -> DmaUnit:
        unit = self.unit_of("dma")
        assert isinstance(unit, DmaUnit)
        return unit

    @property
    def matrix(self) -> MatrixUnit:
        unit = self.unit_of("matrix")
        assert isinstance(unit, MatrixUnit)
        return unit

    @property
    def vector(self) -> VectorUnit:
        unit = self.unit_of("vector")
        assert isinstance(unit, VectorUnit)
        return unit

    def cycles(self, seconds: float) -> int:
        """Whole clock cycles covering `seconds` (ceil, never negative).

        A product within 1e-9 relative of an integer counts as that integer, so float noise
        (2.568e-6 s * 1e9 Hz = 2568.0000000000005) does not add a cycle.
        """
        return whole_cycles(seconds * self.clock)

    @property
    def link_bandwidth(self) -> float:
        """Bytes/s one transfer really runs at: the slower of its DMA channel and DDR."""
        return min(self.dma.bandwidth, self.ddr.bandwidth)

    @property
    def link_limit(self) -> str:
        """Which side sets `link_bandwidth`: "ddr" when DDR is strictly slower, else "bus"."""
        return "ddr" if self.ddr.bandwidth < self.dma.bandwidth else "bus"

    @property
    def bus_bytes_per_cycle(self) -> float:
        """Bytes a transfer moves per cycle: the slower of channel and DDR, over the clock."""
        return self.link_bandwidth / self.clock

    @property
    def matrix_flops_per_cycle(self) -> float:
        """FLOPs per cycle of one matrix unit (2 per MAC; 2 x rows x cols for an array)."""
        unit = self.matrix
        if unit.peak is not None:
            return unit.peak / self.clock
        assert unit.rows is not None and unit.cols is not None
        return 2.0 * unit.rows * unit.cols

    @property
    def vector_ops_per_cycle(self) -> float:
        """Operations per cycle of one vector unit."""
        return self.vector.peak / self.clock

    def peak_of(self, kind: str) -> float:
        """Peak of one unit of `kind` (bytes/s, FLOP/s or ops/s): its declared `per_cycle`."""
        per_cycle: float = getattr(self, declared(kind).per_cycle)
        return per_cycle * self.clock


def _arrays_in_range(table: dict[str, Unit], clock: float | None) -> None:
    """A systolic array's peak (2 x rows x cols x clock) stays in the compute range of a rate
    unit's `peak`, so no machine reports more than the schema lets one declare."""
    _, high, said = units.SANE_RANGES["compute_rate"]
    for name, unit in table.items():
        if clock is None or not isinstance(unit, MatrixUnit) or unit.rows is None:
            continue
        peak = 2 * unit.rows * (unit.cols or 1) * clock
        if peak > high:
            raise ValueError(
                f"{name}: rows x cols x clock gives {peak:.3g} FLOP/s, over the compute range "
                f"({said}); use a smaller array or a slower clock"
            )


def whole_cycles(x: float) -> int:
    """Ceil that forgives float noise: values within 1e-9 relative of an integer round to it.

    The one rounding of cycles: every timing model uses it, so all agree on the same count.
    """
    nearest = round(x)
    if abs(x - nearest) <= 1e-9 * max(1.0, abs(x)):
        return max(0, int(nearest))
    return max(0, math.ceil(x))
