"""Numbers at the edges: overflow, underflow, nan and absurd magnitudes, each named in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelsim import units
from tests.hostile.conftest import EDGE1, MOBILENET, refused


@pytest.mark.parametrize("value", ["1e400", "nan", "inf"])
def test_timeline_from_must_be_finite(value: str) -> None:
    line = refused("run", MOBILENET, "--hw", EDGE1, "--timeline", "--from", value)
    assert line == f'accelsim: error: --from "{value}": not a finite number'


@pytest.mark.parametrize("command", ["run", "inspect", "sweep", "paper"])
def test_batch_of_two_to_the_63_is_refused_by_argparse_in_one_line(command: str) -> None:
    args = [command, MOBILENET, "--batch", str(2**63)]
    if command != "inspect":
        args += ["--hw", EDGE1]
    line = refused(*args)
    assert line == (
        f"accelsim {command}: error: argument --batch: {2**63} is over the limit of "
        f"2,147,483,647 (see accelsim {command} --help)"
    )


@pytest.mark.parametrize(
    ("setting", "reason"),
    [
        ("bus.bandwidth=1e-320GB/s", '"1e-320GB/s" is out of range for a bandwidth'),
        ("sram.capacity=1e999999B", '"1e999999B" is out of range for a size'),
        ("clock=1e-320GHz", '"1e-320GHz" is out of range for a frequency'),
    ],
)
def test_paper_set_out_of_range(setting: str, reason: str) -> None:
    line = refused("paper", MOBILENET, "--hw", EDGE1, "--set", setting)
    assert line.startswith(f"accelsim: error: --set: {setting.split('=')[0]}: {reason}; expected")


@pytest.mark.parametrize(
    "axis",
    [
        "bus.bandwidth=1GB/s..1e400GB/s:x2",
        "sram.capacity=1KiB..1e400B:+1KiB",
        "dtypes.weights=1..1e400:+1",
        "dtypes.weights=1..nan:+1",
    ],
)
def test_sweep_range_to_infinity_is_refused(axis: str, tmp_path: Path) -> None:
    line = refused("sweep", MOBILENET, "--hw", EDGE1, "--set", axis, "--out", tmp_path / "o")
    path = axis.split("=")[0]
    assert line.startswith(f'accelsim: error: --set: {path}: range "{axis.split("=")[1]}": ')
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("bandwidth: 1 GB/s      # the paper", "bandwidth: 1e400 GB/s  # the", "bus.bandwidth"),
        ("clock: 1 GHz", "clock: 1e-320 GHz", "clock"),
        ("clock: 1 GHz", "clock: 1.0e400", "clock"),
        ("capacity: 1 MB", "capacity: 1e999999 B", "sram.capacity"),
        ("capacity: 1 MB", f"capacity: {'9' * 5000}", ""),
    ],
)
def test_absurd_hardware_values_are_refused(hw_file, old: str, new: str, field: str) -> None:
    path = hw_file(**{old: new})
    line = refused("run", MOBILENET, "--hw", path)
    assert line.startswith(f"accelsim: error: {path}")
    assert field in line


def test_sane_ranges_bound_every_parser() -> None:
    """Each kind's limits, worked out from SANE_RANGES' documented spans."""
    assert units.parse_size("1024 TiB") == 2**50
    with pytest.raises(units.UnitError, match="out of range for a size"):
        units.parse_size(2**50 + 1)
    assert units.parse_bandwidth("1 B/s") == 1.0
    with pytest.raises(units.UnitError, match="out of range for a bandwidth"):
        units.parse_bandwidth("0.5 B/s")
    assert units.parse_frequency("1 GHz") == 1e9
    # the limit the message names is a frequency too: "1 THz" in, a hair above it out
    assert units.parse_frequency("1 THz") == 1e12
    for over in ("1001 GHz", "1.001 THz"):
        with pytest.raises(units.UnitError, match="from 1 Hz to 1 THz"):
            units.parse_frequency(over)
    assert units.parse_time("1 fs") == 1e-15 and units.parse_time(0) == 0.0
    with pytest.raises(units.UnitError, match="out of range for a time"):
        units.parse_time("1e-16 s")
    with pytest.raises(units.UnitError, match="out of range for an energy"):
        units.parse_energy("2 J")
    with pytest.raises(units.UnitError, match="out of range for a compute rate"):
        units.parse_compute_rate("1e22 FLOPS")
