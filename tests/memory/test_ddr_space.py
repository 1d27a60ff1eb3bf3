"""DDR homes: every DDR-resident buffer gets an address, inside ddr.capacity (by hand)."""

from __future__ import annotations

import pytest

from accelsim.api import simulate_graph
from accelsim.check import plan_violations
from accelsim.errors import PlanError
from tests.cli.test_run import EDGE1, MOBILENET, accelsim, assert_clean_failure
from tests.memory.test_planner import _two_candidates
from tests.sim.test_schedule import _tiled_conv, _two_convs
from tests.sim.toy import toy_machine


def _homes(result):
    return [(r.buffer, r.kind, r.address, r.size) for r in result.plan.ddr]


def _addresses(result):
    return [(t.kind, t.buffer, t.work.address, t.work.nbytes)
            for t in result.plan.tasks if t.unit_kind == "dma"]  # fmt: skip


def test_homes_follow_first_use_aligned_to_64_bytes_outputs_last():
    result = simulate_graph(_two_convs(), toy_machine(), name="t")
    # x 32 B at 0 (next home at 64), W1 72 B at 64 (two 64 B blocks: next at 192), W2 16 B at
    # 192, the output 64 B at 256: 320 B in all.
    assert _homes(result) == [
        ("x", "input", 0, 32), ("c1.W", "weight", 64, 72), ("c2.W", "weight", 192, 16),
        ("c2.out", "output", 256, 64),
    ]  # fmt: skip
    assert _addresses(result) == [
        ("load", "x", 0, 32), ("load", "c1.W", 64, 72), ("load", "c2.W", 192, 16),
        ("store", "c2.out", 256, 64),
    ]  # fmt: skip


def test_a_spilled_activation_gets_a_home_when_first_spilled():
    result = simulate_graph(_two_candidates(), toy_machine(sram=300), name="t")
    # x 100 B at 0, the output f at 128; b (spilled at r3) gets the next home, 256
    assert _homes(result) == [
        ("x", "input", 0, 100), ("f", "output", 128, 100), ("b", "activation", 256, 100),
    ]  # fmt: skip
    assert [a for a in _addresses(result) if a[1] == "b"] == [
        ("spill", "b", 256, 100), ("reload", "b", 256, 100),
    ]  # fmt: skip


def test_tile_slices_address_their_rows_of_the_buffer():
    hw = toy_machine(sram=100)
    result = simulate_graph(_tiled_conv(), hw, name="t")
    # x 64 B at 0, W 9 B at 64, out 64 B at 128. Two bands of 4 rows (tests/sim/test_schedule.py):
    # band 0 reads input rows [0, 5) = bytes [0, 40) and writes output rows [0, 4) = [0, 32);
    # band 1 reads rows [3, 8) = [24, 64) and writes rows [4, 8) = [32, 64).
    assert _addresses(result) == [
        ("load", "conv.W", 64, 9), ("load", "x", 0, 40), ("store", "conv.out", 128, 32),
        ("load", "x", 24, 40), ("store", "conv.out", 160, 32),
    ]  # fmt: skip
    assert plan_violations(result.program, result.plan, result.trace, hw) == []


def test_a_ddr_too_small_for_the_model_names_the_bytes_needed():
    hw = toy_machine()
    small = hw.model_copy(update={"ddr": hw.ddr.model_copy(update={"capacity": 319})})
    message = (
        "ddr.capacity: the model needs 320 bytes of DDR (inputs 32, weights 88, outputs 64; "
        "64-byte aligned), more than ddr.capacity 319"
    )
    with pytest.raises(PlanError, match=f"^{message}$".replace("(", r"\(").replace(")", r"\)")):
        simulate_graph(_two_convs(), small, name="t")
    exact = hw.model_copy(update={"ddr": hw.ddr.model_copy(update={"capacity": 320})})
    assert simulate_graph(_two_convs(), exact, name="t").plan.ddr[-1].address == 256


def test_judge_catches_two_buffers_sharing_ddr_bytes(monkeypatch):
    from accelsim.memory import ddr

    monkeypatch.setattr(ddr, "ALIGN", 8)  # planted: W1's 72 B overrun W2's home...
    real = ddr.DdrSpace.home

    def overlapping(self, buffer, size, kind):
        new = buffer not in self.ranges
        found = real(self, buffer, size, kind)
        self.top -= 8 * new  # ...as an allocator off by one block would
        return found

    monkeypatch.setattr(ddr.DdrSpace, "home", overlapping)
    hw = toy_machine()
    result = simulate_graph(_two_convs(), hw, name="t")
    problems = plan_violations(result.program, result.plan, result.trace, hw)
    assert "x and c1.W share DDR bytes from 24" in problems, problems


def test_cli_refuses_mobilenet_on_a_1_kib_ddr_in_one_line():
    proc = accelsim("run", MOBILENET, "--hw", EDGE1, "--set", "ddr.capacity=1KiB", "--json")
    assert_clean_failure(proc, "ddr.capacity: the model needs ", "more than ddr.capacity 1,024")
    assert proc.stdout == ""
    # the 58 homes hold 570,372 B (the floor's bytes: weights, input, output), each rounded
    # up to 64 B: between that and 58 x 63 B more
    need = int(proc.stderr.split("needs ")[1].split(" bytes")[0].replace(",", ""))
    assert 570_372 <= need <= 570_372 + 58 * 63 and need % 64 == 0


def test_json_lists_each_buffers_ddr_home():
    from accelsim.report.export import result_to_dict

    data = result_to_dict(simulate_graph(_two_convs(), toy_machine(), name="t"))
    assert data["ddr"][1] == {"buffer": "c1.W", "kind": "weight", "address": 64, "bytes": 72}
    assert [home["address"] for home in data["ddr"]] == [0, 64, 192, 256]
