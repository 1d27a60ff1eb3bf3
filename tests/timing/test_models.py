"""Timing models: the registry, the rate model's closed forms, and the simulator asking at start."""

from __future__ import annotations

import pytest

from accelsim.api import simulate_graph
from accelsim.errors import ConfigError
from accelsim.hardware_file import with_overrides
from accelsim.sim.engine import simulate
from accelsim.timing.models import TIMING_MODELS, build_units, estimate
from accelsim.timing.rate import RateChannel
from accelsim.work import Gemm, Transfer, Vector
from tests.sim.test_schedule import _single_conv
from tests.sim.toy import GraphBuilder, toy_machine


def test_rate_model_closed_forms_on_the_toy_machine():
    hw = toy_machine(latency_ns=10)  # 1 B/cycle, 100 FLOP/cycle, 1 op/cycle
    assert estimate(hw, "dma", Transfer(nbytes=72, direction="in")) == 10 + 72
    assert estimate(hw, "dma", Transfer(nbytes=0, direction="out")) == 0
    # 1152 MACs = 2304 FLOP / 100 per cycle = 23.04 -> 24
    assert estimate(hw, "matrix", Gemm(m=16, k=18, n=4, groups=1, macs=1152)) == 24
    assert estimate(hw, "vector", Vector(ops=25, elements=25)) == 25


def test_vector_lanes_round_elements_up_to_whole_lane_groups():
    hw = with_overrides(toy_machine(), {"units.vector.lanes": 16})
    # 10 elements on 16 lanes: one group of 16 -> 10 ops/10 elements x 16 = 16 cycles at 1/cycle
    assert estimate(hw, "vector", Vector(ops=10, elements=10)) == 16
    # 40 elements, 2 ops each: ceil(40/16) = 3 groups = 48 elements x 2 ops = 96 cycles
    assert estimate(hw, "vector", Vector(ops=80, elements=40)) == 96
    assert estimate(toy_machine(), "vector", Vector(ops=80, elements=40)) == 80  # no lanes


@pytest.mark.unjudged("the judge times vector units without lanes")
def test_lanes_slow_a_short_relu_in_a_whole_run():
    g = GraphBuilder()
    x = g.input("x", (1, 10))
    y = g.op("r", "Relu", [x], "y", (1, 10), vector_ops=10)
    hw = with_overrides(toy_machine(), {"units.vector.lanes": 16})
    result = simulate_graph(g.build(y), hw, name="t")
    assert result.layers[0].compute_cycles == 16  # 10 elements pay for 16 lanes
    assert result.latency_cycles == 10 + 16 + 10  # load 10 B, compute, store 10 B


def test_every_timing_name_the_schema_accepts_is_registered():
    from accelsim.hardware import DmaUnit, MatrixUnit, VectorUnit
    from accelsim.timing.models import _load_models

    _load_models()
    for model in (DmaUnit, MatrixUnit, VectorUnit):
        for name in model.model_fields["timing"].annotation.__args__:
            assert name in TIMING_MODELS


class _Recording:
    """A stateful model: records (work, now) at each start, each transfer 5 cycles longer
    than the one before (so the durations can only come from `run`, not from the plan)."""

    depth = 1

    def __init__(self, kind: str, inner: RateChannel) -> None:
        self.kind = kind
        self.inner = inner
        self.calls: list[tuple[object, int]] = []

    def estimate(self, work):
        return self.inner.estimate(work)

    def run(self, work, now):
        self.calls.append((work, now))
        return self.inner.estimate(work) + 5 * (len(self.calls) - 1)


def test_simulator_asks_the_units_model_when_each_task_starts():
    hw = toy_machine()
    result = simulate_graph(_single_conv(), hw, name="t")
    units = build_units(hw)
    assert isinstance(units["bus"], RateChannel)
    recording = _Recording("dma", units["bus"])
    units["bus"] = recording
    trace = simulate(result.plan, units=units, clock_hz=hw.clock)
    # x 32 B at 0 -> 32; W 72 B + 5 at 32 -> 109; compute 24 -> 133; out 64 B + 10 -> 207
    assert [(e.kind, e.start, e.end) for e in trace.events] == [
        ("load", 0, 32), ("load", 32, 109), ("compute", 109, 133), ("store", 133, 207),
    ]  # fmt: skip
    assert [now for _, now in recording.calls] == [0, 32, 133]
    assert [w.nbytes for w, _ in recording.calls] == [32, 72, 64]


def test_unknown_timing_model_name_is_refused_with_the_known_ones():
    from accelsim.timing.models import _factory

    with pytest.raises(ConfigError, match=r'^timing: unknown timing model "warp"; known: rate'):
        _factory("warp")


def test_a_one_element_vector_pays_for_every_lane():
    # 1 element, 6 ops, on 6 lanes at 1 op/cycle: the element's 6 ops run on 6 lanes of which
    # 5 idle, so 6 x 6 = 36 cycles, not 6
    hw = with_overrides(toy_machine(), {"units.vector.lanes": 6})
    assert estimate(hw, "vector", Vector(ops=6, elements=1)) == 36


def test_a_transfer_at_a_fractional_rate_rounds_its_cycles_up():
    # 1.5 GB/s at 1 GHz is 1.5 B a cycle: 10 B take 6.67 -> 7 cycles (not 10 at a whole 1 B)
    hw = toy_machine(bus="1.5 GB/s")
    assert estimate(hw, "dma", Transfer(nbytes=10, direction="in")) == 7


def test_a_vector_of_no_elements_pays_its_ops_alone():
    # ops with no element count (a scalar bookkeeping op): no lane rounding, 10 ops at 1 a cycle
    hw = with_overrides(toy_machine(), {"units.vector.lanes": 16})
    assert estimate(hw, "vector", Vector(ops=10, elements=0)) == 10


def test_machines_alike_but_for_what_a_model_reads_get_their_own_estimates():
    # one after the other in one process, each asked the same (models and their memos are
    # kept per process, by what they read): a transfer of 1,000 B on a 1 B/cycle bus over DDR
    # of 1 GB/s (1,000 cycles) or 0.5 GB/s (2,000); a Relu of 10 ops and elements with no
    # lanes (10 cycles) or 16 lanes (16)
    transfer, relu = Transfer(nbytes=1000, direction="in"), Vector(ops=10, elements=10)
    for ddr, cycles in (("1 GB/s", 1000), ("500 MB/s", 2000), ("1 GB/s", 1000)):
        assert estimate(toy_machine(ddr=ddr), "dma", transfer) == cycles
    for lanes, cycles in ((None, 10), (16, 16), (None, 10)):
        hw = toy_machine() if lanes is None else with_overrides(toy_machine(), {
            "units.vector.lanes": lanes})  # fmt: skip
        assert estimate(hw, "vector", relu) == cycles
    # at 2 GHz the 1 GB/s bus moves 0.5 B a cycle: 2,000 cycles; a run on a channel of 2 GB/s
    # (DDR at 100 GB/s) takes 500 where one of 1 GB/s takes 1,000
    for clock, cycles in (("1 GHz", 1000), ("2 GHz", 2000), ("1 GHz", 1000)):
        assert estimate(with_overrides(toy_machine(), {"clock": clock}), "dma", transfer) == cycles
    for bus, cycles in (("1 GB/s", 1000), ("2 GB/s", 500), ("1 GB/s", 1000)):
        assert build_units(toy_machine(bus=bus))["bus"].run(transfer, 0) == cycles


def test_only_the_newest_planning_models_and_memos_are_kept():
    # KEPT_MODELS (64) of each: a sweep of 70 clocks leaves the newest 64, not one more
    from accelsim.timing import models

    assert models.KEPT_MODELS == 64
    for mhz in range(1001, 1071):
        estimate(with_overrides(toy_machine(), {"clock": f"{mhz} MHz"}), "vector",
                 Vector(ops=10, elements=10))  # fmt: skip
    assert len(models._planning) == len(models._memos) == 64


def _array(cols: int, mapping: str):
    return with_overrides(toy_machine(), {
        "units.matrix.timing": "systolic", "units.matrix.peak": None, "units.matrix.rows": 4,
        "units.matrix.cols": cols, "units.matrix.dataflow": "ws",
        "units.matrix.group_mapping": mapping,
    })  # fmt: skip


def test_arrays_alike_but_for_their_columns_or_group_mapping_get_their_own_estimates():
    # ws on 4 rows: ceil(K/4) x ceil(N/C) folds of M + 4 + 4 + C - 2 cycles. m 8, k 4, n 8:
    # C = 4: 1 x 2 folds of 18 = 36; C = 8: 1 fold of 22. Four groups of m 8, k 2, n 1: simple,
    # four passes of 1 fold of 18 = 72; packed, 2 groups a pass (2 x 2 = 4 <= 4 rows), two
    # passes of 1 fold (k 4, n 2) of 18 = 36
    wide = Gemm(m=8, k=4, n=8, groups=1, macs=256)
    for cols, cycles in ((4, 36), (8, 22), (4, 36)):
        assert estimate(_array(cols, "simple"), "matrix", wide) == cycles
    grouped = Gemm(m=8, k=2, n=1, groups=4, macs=64)
    for mapping, cycles in (("simple", 72), ("packed", 36), ("simple", 72)):
        assert estimate(_array(4, mapping), "matrix", grouped) == cycles
