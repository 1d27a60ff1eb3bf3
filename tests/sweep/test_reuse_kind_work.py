"""A sweep's floors share each kind's work between machines whose unit of that kind is the same
(`Reuse.floor`, `summary.kind_work`): each part must still be the one its own machine gives."""

from __future__ import annotations

from accelsim.lowering import lower
from accelsim.sweep.reuse import Reuse
from tests.sim.test_schedule import _two_convs
from tests.sim.toy import toy_machine


def test_machines_sharing_one_kind_of_unit_get_their_own_floor_parts():
    # _two_convs on the toy machine (1 GHz): 184 B cross the bus once, at 1 B a cycle (1 GB/s,
    # no start-up; DDR 100 GB/s is not the limit) 184 cycles, at 0.5 GB/s 368. Its convs do
    # 2,304 and 512 FLOPs: at 100 FLOPs a cycle 24 + 6 = 30 cycles (each rounded up), at 200
    # 12 + 3 = 15. The fourth machine is made of units the second and the third had: both of
    # its parts come from work the Reuse already holds.
    reuse = Reuse()
    pairs = [("1 GB/s", "100 GFLOPS"), ("0.5 GB/s", "100 GFLOPS"), ("1 GB/s", "200 GFLOPS"),
             ("0.5 GB/s", "200 GFLOPS")]  # fmt: skip
    machines = [toy_machine(bus=bus, matrix=matrix) for bus, matrix in pairs]
    program = lower(_two_convs(), machines[0])
    parts = [reuse.floor(program, hw).parts for hw in machines]
    assert [(p["bus"], p["matrix"]) for p in parts] == [(184, 30), (368, 30), (184, 15), (368, 15)]
    assert {p["vector"] for p in parts} == {0}  # nothing runs on the vector unit


def test_a_kind_shared_by_two_units_counts_its_work_once_split_between_them():
    # the same matrix work (30 cycles on one engine) on two engines: 15 each; one engine's
    # machine asked first, so the second machine reads the work the first left
    reuse = Reuse()
    one, two = toy_machine(), toy_machine(matrix_units=2)
    program = lower(_two_convs(), one)
    assert reuse.floor(program, one).parts["matrix"] == 30
    assert reuse.floor(program, two).parts["matrix"] == 15
