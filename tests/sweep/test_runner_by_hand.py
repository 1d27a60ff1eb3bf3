"""The runner's own decisions, in process: the store remembers the swept paths as a set (so a
resume may give the axes in any order), a resumed point takes this grid's index and label, how
many machines are validated ahead per field group, two spellings of one field, an unknown
policy, and the default folder's name."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

import accelsim.hardware_file as hardware_file
from accelsim.errors import ConfigError
from accelsim.hardware_file import load_hardware
from accelsim.sweep import runner
from accelsim.sweep.executors import LocalExecutor
from accelsim.sweep.grid import expand, parse_set
from accelsim.sweep.runner import run_sweep
from accelsim.sweep.spec import SweepSpec
from tests.sweep.conftest import EDGE1, MOBILENET, spec_of


def _meta(folder: Path) -> dict[str, object]:
    with sqlite3.connect(folder / "sweep.db") as db:
        return {key: json.loads(value) for key, value in db.execute("SELECT key, value FROM meta")}


def test_a_resume_may_give_the_axes_in_another_order(sweep, tmp_path):
    out = tmp_path / "s"
    sweep("sram.capacity=1MiB", "bus.bandwidth=1GB/s", out=out)
    # stored as a sorted list whatever the order given: b(us) before s(ram)
    assert _meta(out)["axes"] == ["bus.bandwidth", "sram.capacity"]
    again = sweep("bus.bandwidth=1GB/s", "sram.capacity=1MiB", out=out, resume=True)
    assert [r.status for r in again.results] == ["ok"]
    assert [dict(r.settings) for r in again.results] == [
        {"bus.bandwidth": "1GB/s", "sram.capacity": "1MiB"}
    ]


def test_the_store_keeps_the_whole_models_sha256(sweep, tmp_path):
    # every byte of the model, the last one too (hashlib over the file read whole)
    import hashlib

    out = tmp_path / "s"
    sweep("sram.capacity=1MiB", out=out)
    assert _meta(out)["model_sha256"] == hashlib.sha256(MOBILENET.read_bytes()).hexdigest()


def test_a_resumed_point_takes_this_grids_index_and_label(sweep, tmp_path):
    out = tmp_path / "s"
    first = sweep("sram.capacity=1048576", out=out)  # the int 1,048,576, labelled as typed
    assert [(r.index, dict(r.settings)) for r in first.results] == [
        (0, {"sram.capacity": "1048576"})
    ]
    seen: list[tuple[int, int]] = []
    points: list[int] = []
    # 512 KiB, 1 MiB: the second is the same value (524,288 * 2 = 1,048,576), so the same point
    grown = sweep("sram.capacity=512KiB..1MiB:x2", out=out, resume=True,
                  on_start=lambda todo, total: seen.append((todo, total)),
                  on_point=lambda r: points.append(r.index))  # fmt: skip
    assert seen == [(1, 2)] and points == [0]
    assert (grown.computed, grown.reused) == (1, 1)
    assert [(r.index, dict(r.settings)) for r in grown.results] == [
        (0, {"sram.capacity": "512KiB"}), (1, {"sram.capacity": "1MiB"})
    ]  # fmt: skip
    assert grown.results[1].metrics == first.results[0].metrics


def _validations(monkeypatch, *sets: str) -> int:
    calls = []
    monkeypatch.setattr(hardware_file, "with_overrides", lambda base, o, **k: calls.append(o))
    axes = tuple(parse_set(s) for s in sets)
    runner._validate_ahead(load_hardware(EDGE1), axes)
    return len(calls)


def test_machines_are_validated_ahead_per_group_of_fields_up_to_64(monkeypatch):
    assert runner.AHEAD == 64
    # sram alone: its 3 values; the bus and the matrix engine are both `units`: 2 x 4 together
    assert _validations(monkeypatch, "sram.capacity=1MiB,2MiB,3MiB") == 3
    assert _validations(monkeypatch, "sram.capacity=1MiB,2MiB,3MiB", "bus.bandwidth=1GB/s,2GB/s",
                        "units.matrix.peak=1TFLOPS..8TFLOPS:x2") == 3 + 2 * 4  # fmt: skip
    # 64 combinations are validated; 65 are left to the points
    assert _validations(monkeypatch, "sram.capacity=1..64:+1") == 64
    assert _validations(monkeypatch, "sram.capacity=1..65:+1") == 0
    # 65 sram values left alone, then 8 x 8 = 64 units together still validated
    assert _validations(monkeypatch, "sram.capacity=1..65:+1", "bus.bandwidth=1..8:+1",
                        "units.matrix.peak=1..8:+1") == 64  # fmt: skip


def test_a_failing_validation_ahead_is_left_for_the_point(monkeypatch):
    def refuse(base, overrides, **kw):
        raise RuntimeError("any failure")

    monkeypatch.setattr(hardware_file, "with_overrides", refuse)
    runner._validate_ahead(load_hardware(EDGE1), (parse_set("sram.capacity=1MiB,2MiB"),))


def test_two_spellings_of_one_field_are_refused_and_other_fields_are_not():
    base = load_hardware(EDGE1)
    with pytest.raises(ConfigError) as caught:
        runner._refuse_aliases((parse_set("sram.capacity=1MiB"), parse_set("bus.bandwidth=1GB/s"),
                                parse_set("units.bus.bandwidth=2GB/s")), base)  # fmt: skip
    assert str(caught.value) == (
        "bus.bandwidth and units.bus.bandwidth: both set units.bus.bandwidth; sweep it under "
        "one name"
    )
    runner._refuse_aliases((parse_set("units.bus.bandwidth=1GB/s"), parse_set("sram.capacity=1MiB"),
                            parse_set("units.bus.latency=1ns")), base)  # fmt: skip


def test_an_unknown_policy_is_refused_naming_the_known_ones(tmp_path):
    spec = SweepSpec(model=MOBILENET, hardware=EDGE1, axes=(parse_set("sram.capacity=1MiB"),),
                     policy="greedy")  # fmt: skip
    with pytest.raises(ConfigError, match=r'^--policy: unknown policy "greedy"; known: liveness$'):
        run_sweep(spec, executor=LocalExecutor(1), out=tmp_path / "s")
    assert not (tmp_path / "s").exists()


def test_the_default_folder_is_the_name_or_the_title_and_a_digest_of_the_grid():
    spec = spec_of("sram.capacity=1MiB,2MiB")
    points = expand(spec.axes)
    inputs = {"axes": ["sram.capacity"]}
    name = runner._default_name(spec, inputs, points)
    assert re.fullmatch(r"mobilenet-edge1-[0-9a-f]{8}", name), name
    assert runner._default_name(spec, dict(inputs), expand(spec.axes)) == name  # the same grid
    assert runner._default_name(spec, inputs, points[:1]) != name  # another grid
    assert runner._default_name(spec, {"axes": ["bus.bandwidth"]}, points) != name
    named = SweepSpec(model=MOBILENET, hardware=EDGE1, axes=spec.axes, name="mine")
    assert runner._default_name(named, inputs, points) == "mine"
    assert Path("accelsim-sweeps") == runner.DEFAULT_ROOT


def test_the_sweep_claims_its_output_names_while_its_points_run(sweep, tmp_path):
    """The manifest is written by the runner (its syncs overlap the points), so it is there
    before `write_outputs` runs, listing each file that may be written, and nothing else."""
    out = tmp_path / "s"
    sweep("sram.capacity=1MiB", out=out)
    assert sorted(p.name for p in out.iterdir()) == [".accelsim-outputs", "sweep.db"]
    listed = [line for line in (out / ".accelsim-outputs").read_text().splitlines()
              if not line.startswith("#")]  # fmt: skip
    assert listed == sorted(["latency_heatmap.png", "pareto.png", "regime_map.png",
                             "report.html", "results.csv", "results.json"])  # fmt: skip
