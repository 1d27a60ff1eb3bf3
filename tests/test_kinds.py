"""Unit kinds are declared once: the schema, timing models, planner and reports follow them."""

from __future__ import annotations

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
