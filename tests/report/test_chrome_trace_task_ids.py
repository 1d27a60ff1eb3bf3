"""Each Chrome-trace slice carries its task's id, the one `waited_on_task` names, so a reader
can follow a wait to its slice. tests/sim/test_schedule.py's single conv: load x, load W, the
conv and the store are tasks 0-3 in issue order, each waiting on the one before."""

from __future__ import annotations

from accelsim.api import simulate_graph
from accelsim.report.export import chrome_trace
from tests.sim.test_schedule import _single_conv
from tests.sim.toy import toy_machine


def test_each_slice_names_its_task_and_the_waits_point_at_slices():
    result = simulate_graph(_single_conv(), toy_machine(latency_ns=10), name="t")
    slices = [e for e in chrome_trace(result)["traceEvents"] if e["ph"] == "X"]
    assert [(e["name"], e["args"]["task"], e["args"]["tile"]) for e in slices] == [
        ("load x", 0, 0), ("load conv.W", 1, 0), ("conv", 2, 0), ("store conv.out", 3, 0),
    ]  # fmt: skip
    by_task = {e["args"]["task"]: e for e in slices}
    # each waited on the one before; its wait ended when that slice did
    for e in slices[1:]:
        before = by_task[e["args"]["waited_on_task"]]
        assert before["args"]["end_cycle"] == e["args"]["start_cycle"]
