"""Range expansion at its edges (a float stop reached by steps, an empty or endless range, the
label family) and the keys sweep points share work by: each field a lowering or a plan reads
must be in its key, worked out from the bytes by hand."""

from __future__ import annotations

import pytest

from accelsim.errors import ConfigError
from accelsim.hardware_file import with_overrides
from accelsim.sweep.grid import parse_set
from accelsim.sweep.reuse import Reuse
from tests.sim.test_schedule import _two_convs
from tests.sim.toy import GraphBuilder, toy_machine


def _values(text: str) -> list[tuple[str, object]]:
    return [(s.label, s.value) for s in parse_set(text).settings]


def test_an_arithmetic_range_reaches_a_stop_float_steps_overshoot() -> None:
    # 0.1 + 2 x 0.1 = 0.30000000000000004 > 0.3: within 1e-9 of the stop, so it is kept,
    # and every value is rounded to 12 digits
    assert _values("energy.sram_capacity_exponent=0.1..0.3:+0.1") == [
        ("0.1", 0.1), ("0.2", 0.2), ("0.3", 0.3)]  # fmt: skip
    # 0.7 x 3 = 2.0999999999999996: kept as 2.1
    got = _values("energy.sram_capacity_exponent=0.7..2.1:+0.7")
    assert [value for _, value in got] == [0.7, 1.4, 2.1]


def test_a_geometric_range_stops_before_passing_the_stop() -> None:
    assert _values("units.vector.lanes=1..10:x3") == [("1", 1), ("3", 3), ("9", 9)]
    assert _values("units.vector.lanes=1..9:x3") == [("1", 1), ("3", 3), ("9", 9)]
    assert _values("units.vector.lanes=2..5:x2.5") == [("2", 2), ("5", 5)]


def test_size_labels_follow_the_family_of_the_start() -> None:
    # decimal start: 1 MB, 2 MB, 4 MB (4,000,000 B); binary start: KiB labels
    assert _values("sram.capacity=1MB..4MB:x2") == [
        ("1MB", 1_000_000), ("2MB", 2_000_000), ("4MB", 4_000_000)]  # fmt: skip
    assert _values("sram.capacity=512KiB..1MiB:x2") == [("512KiB", 524_288), ("1MiB", 1_048_576)]
    assert _values("sram.capacity=1MB..1.5MB:x2") == [("1MB", 1_000_000)]


@pytest.mark.parametrize(
    ("text", "need"),
    [
        ("units.vector.lanes=1..3:+0", "need STEP > 0, STOP >= START"),
        ("units.vector.lanes=1..3:+-1", "need STEP > 0, STOP >= START"),
        ("units.vector.lanes=3..1:+1", "need STEP > 0, STOP >= START"),
        ("units.vector.lanes=0..8:x2", "need START > 0 and FACTOR > 1"),
        ("units.vector.lanes=1..8:x1", "need START > 0 and FACTOR > 1"),
        ("units.vector.lanes=1..8:x0.5", "need START > 0 and FACTOR > 1"),
        ("units.vector.lanes=-1..8:x2", "need START > 0 and FACTOR > 1"),
        ("sram.capacity=0B..1MB:x2", "need START > 0 and FACTOR > 1"),
    ],
)
def test_empty_or_endless_ranges_are_refused(text, need) -> None:
    with pytest.raises(ConfigError, match=f"is empty or endless; {need}"):
        parse_set(text)


def test_one_step_ranges_are_accepted_at_the_bound() -> None:
    assert _values("units.vector.lanes=1..2:+1") == [("1", 1), ("2", 2)]
    assert _values("units.vector.lanes=1..2:x2") == [("1", 1), ("2", 2)]
    assert _values("units.vector.lanes=1..3:x1.0001")[:2] == [("1", 1), ("1.0001", 1.0001)]
    with pytest.raises(ConfigError, match=r'"inf" is not a finite number'):
        parse_set("units.vector.lanes=1..inf:+1")


# --- reuse keys -----------------------------------------------------------------------------------


def _weight_bytes(planned) -> int:  # type: ignore[no-untyped-def]
    program = planned.program
    return sum(b.nbytes for b in program.buffers.values() if b.kind == "weight")


def test_a_lowering_is_not_shared_across_data_types() -> None:
    # _two_convs: c1.W 4x2x3x3 = 72 and c2.W 4x4x1x1 = 16 weights: 88 B at int8, 176 at fp16;
    # the input x 1x2x4x4 = 32 elements: 64 B at 16 bits
    reuse, hw = Reuse(), toy_machine()
    graph = _two_convs()
    elements = 88
    int8 = reuse.planned(graph, hw, policy="liveness", overlap=True)
    assert _weight_bytes(int8) == elements
    fp16 = reuse.planned(graph, with_overrides(hw, {"dtypes.weights": "fp16"}),
                         policy="liveness", overlap=True)  # fmt: skip
    assert _weight_bytes(fp16) == 2 * elements
    acts = reuse.planned(graph, with_overrides(hw, {"dtypes.activations": 16}),
                         policy="liveness", overlap=True)  # fmt: skip
    assert sum(b.nbytes for b in acts.program.buffers.values() if b.kind == "input") == 64
    assert _weight_bytes(acts) == elements


def test_a_lowering_is_not_shared_across_fusion_settings() -> None:
    # conv -> Relu: one layer with Relu fused on the engine's output, two without
    g = GraphBuilder()
    c = g.conv("c", g.input("x", (1, 2, 4, 4)), 4, 3, pad=1)
    graph = g.build(g.op("r", "Relu", [c], "r.out", (1, 4, 4, 4), vector_ops=64))
    reuse, hw = Reuse(), toy_machine()
    fused = reuse.planned(graph, hw, policy="liveness", overlap=True)
    assert [layer.op_types for layer in fused.program.layers] == [("Conv", "Relu")]
    unfused = reuse.planned(graph, with_overrides(hw, {"lowering.fuses": []}),
                            policy="liveness", overlap=True)  # fmt: skip
    assert [layer.op_types for layer in unfused.program.layers] == [("Conv",), ("Relu",)]


def test_a_plan_is_not_shared_across_sram_sizes() -> None:
    reuse, hw = Reuse(), toy_machine()
    graph = _two_convs()
    big = reuse.planned(graph, hw, policy="liveness", overlap=True)
    again = reuse.planned(graph, with_overrides(hw, {"bus.bandwidth": "2 GB/s"}),
                          policy="liveness", overlap=True)  # fmt: skip
    assert again is big  # the bus speed is no planning input for an untiled plan
    small = reuse.planned(graph, with_overrides(hw, {"sram.capacity": 150}),
                          policy="liveness", overlap=True)  # fmt: skip
    assert small is not big and max(small.plan.tiles) > 1
