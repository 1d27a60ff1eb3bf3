"""A model whose only node is an Identity lowers to no layer at all: the run does nothing in
0 cycles. Every count, joule, share and utilisation is then 0 by hand (no task, no cycle), and
each share of a total of 0 shows as "-", never a division by zero or a made-up count."""

from __future__ import annotations

import json

import pytest
from onnx import helper

from accelsim.api import run
from accelsim.cli import main
from accelsim.energy import COMPONENTS, energy_of
from accelsim.hardware_file import load_hardware
from accelsim.presets import hardware_path
from tests import onnx_builders as builders


@pytest.fixture
def identity(tmp_path):
    model = builders.make_model([helper.make_node("Identity", ["x"], ["y"], name="id")],
                                {"x": [1, 4]}, {}, ["y"])  # fmt: skip
    return str(builders.save(model, tmp_path / "id.onnx"))


def test_a_run_of_no_layers_costs_nothing_in_any_component(identity):
    result = run(identity, load_hardware(hardware_path("edge1")))
    assert (len(result.program.layers), result.latency_cycles) == (0, 0)
    # no layer adds its counts: a component never counted costs 0 J, not one count's price
    assert energy_of(result).total.joules == dict.fromkeys(COMPONENTS, 0.0)


def test_the_json_of_a_run_of_no_layers_is_all_zero(capsys, identity):
    assert main(["run", identity, "--hw", "edge1", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    totals = document["totals"]
    assert document["layers"] == []
    assert (totals["latency_cycles"], totals["bus_latency_share"]) == (0, 0.0)
    assert totals["utilisation"] == {"bus": 0.0, "matrix": 0.0, "vector": 0.0}
    assert (document["floor"]["cycles"], document["floor"]["gap"]) == (0, 0.0)
    assert document["energy"]["components_j"] == dict.fromkeys(COMPONENTS, 0.0)
    assert document["energy"]["counts"] == dict.fromkeys(COMPONENTS, 0)


def test_the_energy_table_of_a_run_of_no_layers_shows_no_shares(capsys, identity):
    assert main(["run", identity, "--hw", "edge1"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:1] == ["component"])
    rows = [row for row in lines[header + 2 :] if row.strip()]  # under the header's rule
    assert [row.split()[0] for row in rows] == [
        "DDR", "SRAM", "SRAM", "bus", "matrix", "vector", "SRAM", "logic", "total",
    ]  # fmt: skip
    for row in rows:  # 0 J each, and the share of a total of 0 J is "-"
        assert row.split()[-2:] == ["J", "-"], row
