"""Unit kinds are declared once: the schema, timing models, planner and reports follow them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from accelsim.explain.walk import KIND_LABELS
from accelsim.hardware import UNIT_KINDS, UNIT_SCHEMAS
from accelsim.kinds import KINDS, kind, kind_running, label_of
from accelsim.timing.models import TIMING_MODELS, _load_models
from accelsim.work import Gemm, Transfer, Vector
from tests.sim.test_schedule import _two_convs
from tests.sim.toy import toy_machine


def test_the_three_kinds_and_what_they_run():
    assert [(k.name, k.label, k.work) for k in KINDS] == [
        ("dma", "bus", Transfer), ("matrix", "matrix", Gemm), ("vector", "vector", Vector),
    ]  # fmt: skip
    assert (kind_running(Transfer), kind_running(Gemm), kind_running(Vector)) == (
        "dma", "matrix", "vector",
    )  # fmt: skip
    assert label_of("dma") == "bus" and kind("matrix").title == "matrix engine"


def test_every_declared_kind_has_one_schema_and_timing_models():
    _load_models()
    assert tuple(UNIT_SCHEMAS) == UNIT_KINDS == tuple(k.name for k in KINDS)
    for name, schema in UNIT_SCHEMAS.items():
        for timing in schema.model_fields["timing"].annotation.__args__:
            assert timing in TIMING_MODELS, (name, timing)
    assert KIND_LABELS == {"dma": "bus", "matrix": "matrix", "vector": "vector"}


def test_the_planner_sends_each_task_to_the_kind_that_runs_its_work():
    from accelsim.api import simulate_graph

    result = simulate_graph(_two_convs(), toy_machine(), name="t")
    assert [(t.kind, t.unit_kind) for t in result.plan.tasks] == [
        ("load", "dma"), ("load", "dma"), ("compute", "matrix"), ("load", "dma"),
        ("compute", "matrix"), ("store", "dma"),
    ]  # fmt: skip
    assert all(t.unit_kind == kind_running(type(t.work)) for t in result.plan.tasks)


def test_json_layers_carry_each_kinds_work_fields_under_their_published_names(monkeypatch):
    from accelsim.api import simulate_graph
    from accelsim.report.export import result_to_dict

    # the names --json has always used: a kind's declaration must not rename them silently
    assert {k.name: k.layer_fields for k in KINDS} == {
        "dma": ("bus_read_bytes", "bus_write_bytes"), "matrix": ("macs",),
        "vector": ("vector_ops",),
    }  # fmt: skip
    result = simulate_graph(_two_convs(), toy_machine(), name="t")
    c1 = result_to_dict(result)["layers"][0]
    # c1: x 32 B + W1 72 B read, nothing written (c2 reads its output from SRAM); 1,152 MACs
    fields = ("bus_read_bytes", "bus_write_bytes", "macs", "vector_ops")
    assert [c1[f] for f in fields] == [104, 0, 1152, 0]
    # a declared field is what the JSON carries: one kind fewer, its fields gone
    monkeypatch.setattr("accelsim.report.export.KINDS", KINDS[:2])
    assert "vector_ops" not in result_to_dict(result)["layers"][0]


def test_the_lowering_sends_matrix_ops_to_the_kind_running_gemms():
    from accelsim.lowering import MATRIX, VECTOR, lower

    assert (kind_running(Gemm), kind_running(Vector)) == (MATRIX, VECTOR)
    program = lower(_two_convs(), toy_machine())
    assert [layer.unit for layer in program.layers] == ["matrix", "matrix"]


def test_peaks_and_lost_bar_letters_follow_the_declarations():
    from accelsim.hardware_file import load_hardware
    from accelsim.report.tables import PART_LETTERS, span_bar

    hw = load_hardware(Path(__file__).parents[1] / "hardware" / "edge1.yaml")
    # edge1's file: bus and DDR at 1 GB/s, matrix 1 TFLOPS, vector 10 G ops/s
    assert (hw.peak_of("dma"), hw.peak_of("matrix"), hw.peak_of("vector")) == (1e9, 1e12, 1e10)
    assert PART_LETTERS == {"bus": "b", "latency": "l", "matrix": "m", "vector": "v", "sram": "s"}
    assert span_bar({"bus": 4, "latency": 1, "matrix": 1}).plain == "bbbblm"


def test_a_new_kind_is_a_part_of_the_time_without_code_changes():
    # a fresh interpreter: declare a fourth kind before the walk reads the registry
    code = """
import dataclasses
import accelsim.kinds as k
memory = dataclasses.replace(k.kind("dma"), name="memory", label="dram", letter="d",
                             startup="refresh")
k.KINDS = (*k.KINDS, memory)
from accelsim.explain import walk
from accelsim.sim.trace import Event
event = Event(task=0, resource="m0", unit_kind="memory", kind="load", layer=0, tile=0,
              buffer="x", nbytes=8, issued=0, deps_done=0, space_free=0, unit_free=0,
              freed_by=-1, waited="none", waited_on=-1, start=0, end=10)
print(walk.PARTS)
print([(s.start, s.end, s.label) for s in walk.walk_back((event,), 0, startup=3)])
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.splitlines()  # fmt: skip
    assert out == [
        "('bus', 'latency', 'matrix', 'vector', 'dram', 'refresh', 'sram')",
        # 10 cycles: 3 of start-up (its declared startup part), then 7 of its own label
        "[(3, 10, 'dram'), (0, 3, 'refresh')]",
    ]
