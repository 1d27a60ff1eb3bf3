"""Overrides validate each top-level field group once per distinct value (`_Validated`): a machine
built from groups seen before is the machine a whole validation makes, and nothing that
validates differently (True and 1, a clock with other units) passes for something seen."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelsim import hardware_file
from accelsim.errors import ConfigError
from accelsim.hardware_file import load_hardware, with_overrides

ROOT = Path(__file__).resolve().parents[2]
MACHINES = sorted((ROOT / "hardware").glob("*.yaml"))


@pytest.fixture(autouse=True)
def nothing_seen(monkeypatch):
    monkeypatch.setattr(hardware_file, "_VALIDATED", hardware_file._Validated())


def _no_validation(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("validated again")

    monkeypatch.setattr(hardware_file, "_validate", refuse)


# Each group of fields, with the value it must validate to (worked out from the units by hand).
SETS = [
    ({"sram.capacity": "256KiB"}, lambda hw: hw.sram.capacity == 262_144),
    (
        {"bus.bandwidth": "2GB/s"},
        lambda hw: {hw.units[n].bandwidth for n in hw.units_of("dma")} == {2e9},
    ),  # fmt: skip
    ({"clock": "500 MHz"}, lambda hw: hw.clock == 5e8),
    ({"energy.mac": "0.5 pJ"}, lambda hw: hw.energy.mac == 5e-13),
    ({"dtypes.weights": "fp16"}, lambda hw: hw.dtypes.weights == 16),
    ({"lowering.fuses": []}, lambda hw: hw.lowering.fuses == ()),
    ({"ddr.latency": "50 ns"}, lambda hw: abs(hw.ddr.latency - 5e-8) < 1e-20),
    ({"name": "other"}, lambda hw: hw.name == "other"),
]


@pytest.mark.parametrize("path", MACHINES, ids=lambda p: p.stem)
def test_a_machine_from_seen_groups_is_the_validated_one(path, monkeypatch):
    base = load_hardware(path)
    first = [with_overrides(base, overrides) for overrides, _ in SETS]
    # the clock is left out: it is one group with the units (it changes what they may be)
    combined = {k: v for overrides, _ in SETS for k, v in overrides.items() if k != "clock"}
    _no_validation(monkeypatch)
    for (overrides, holds), validated in zip(SETS, first, strict=True):
        again = with_overrides(base, overrides)
        assert again == validated and holds(again)
        assert again.model_dump_json() == validated.model_dump_json()
        assert again.model_fields_set == validated.model_fields_set
    # every group seen, each in another point: their combination is never validated whole
    together = with_overrides(base, combined)
    monkeypatch.undo()
    monkeypatch.setattr(hardware_file, "_VALIDATED", hardware_file._Validated())
    whole = with_overrides(base, combined)
    assert together == whole and together.model_dump_json() == whole.model_dump_json()
    assert all(holds(together) for overrides, holds in SETS if "clock" not in overrides)


def test_true_seen_does_not_let_1_through_a_strict_flag():
    base = load_hardware(ROOT / "hardware" / "edge1.yaml")
    assert with_overrides(base, {"lowering.fold_batchnorm": True}).lowering.fold_batchnorm
    with pytest.raises(ConfigError, match=r"^--set: lowering\.fold_batchnorm: .*bool"):
        with_overrides(base, {"lowering.fold_batchnorm": 1})


def test_an_error_beside_seen_groups_is_the_same_error():
    base = load_hardware(ROOT / "hardware" / "edge1.yaml")
    with_overrides(base, {"sram.capacity": "256KiB"})
    with pytest.raises(ConfigError) as seen:
        with_overrides(base, {"sram.capacity": "256KiB", "clock": "0 Hz"}, source="point 3")
    hardware_file._VALIDATED = hardware_file._Validated()
    with pytest.raises(ConfigError) as fresh:
        with_overrides(base, {"sram.capacity": "256KiB", "clock": "0 Hz"}, source="point 3")
    assert str(seen.value) == str(fresh.value)
    assert str(seen.value).startswith("point 3: clock: ")


def test_units_seen_at_one_clock_are_checked_again_at_another():
    """2 x 65,536 x 65,536 MACs at 1 THz is 8.6e21 FLOP/s, over the schema's 1e21: each change
    alone is fine (1000 GHz with the 32x16 array, the big array at 1 GHz), both together are not."""
    base = load_hardware(ROOT / "hardware" / "edge1-systolic.yaml")
    big = {"units.matrix.rows": 65_536, "units.matrix.cols": 65_536}
    assert with_overrides(base, {"clock": "1000 GHz"}).clock == 1e12
    assert with_overrides(base, big).matrix.rows == 65_536
    with pytest.raises(ConfigError, match="over the compute range"):
        with_overrides(base, {"clock": "1000 GHz", **big})


@pytest.mark.parametrize(
    ("path", "group"),
    [("bus.bandwidth", ("clock", "units")), ("units.matrix.peak", ("clock", "units")),
     ("clock", ("clock", "units")), ("sram.capacity", ("sram",)),
     ("lowering.fuses", ("lowering",)), ("matrix_engine.fuses", ("lowering",))],
)  # fmt: skip
def test_overrides_of_one_group_are_validated_together(path, group):
    base = load_hardware(ROOT / "hardware" / "edge1.yaml")
    assert hardware_file.group_of(base, path) == group


def test_a_sweep_validates_each_combination_of_a_groups_values_once(tmp_path, monkeypatch):
    """bus x engine (one group: the units) and the SRAM: 2 x 2 + 2 machines validated while
    onnx checks the model, besides the base machine's file; the 8 points none."""
    from accelsim.sweep.executors import LocalExecutor
    from accelsim.sweep.grid import parse_set
    from accelsim.sweep.runner import run_sweep
    from accelsim.sweep.spec import SweepSpec

    validated = []
    real = hardware_file._validate

    def counted(doc, **kwargs):
        validated.append(doc.source)
        return real(doc, **kwargs)

    monkeypatch.setattr(hardware_file, "_validate", counted)
    axes = ("bus.bandwidth=1GB/s,2GB/s", "matrix_engine.peak=1TFLOPS,2TFLOPS",
            "sram.capacity=256KiB,512KiB")  # fmt: skip
    spec = SweepSpec(model=ROOT / "workloads" / "mobilenet.onnx",
                     hardware=ROOT / "hardware" / "edge1.yaml",
                     axes=tuple(parse_set(a) for a in axes))  # fmt: skip
    outcome = run_sweep(spec, executor=LocalExecutor(1), out=tmp_path / "s")
    assert [r.status for r in outcome.results] == ["ok"] * 8
    assert len(validated) == 1 + 4 + 2
    assert not [source for source in validated if source.startswith("point")]
