"""What one point's evaluation records when it cannot simulate: a value the schema rejects is
"invalid" with the schema's message, an error accelsim raises is "failed" with its message as
it is, and a crash (a bug) is "failed" naming the exception's type, so the sweep goes on and
the user can tell a machine that cannot run from a bug to report."""

from __future__ import annotations

from types import SimpleNamespace

from accelsim.errors import AccelsimError
from accelsim.sweep.grid import Point, Setting
from accelsim.sweep.results import Job, _utilisation, evaluate
from tests.sim.toy import GraphBuilder, toy_machine


class _Planner:
    """A Reuse whose planning raises `error`."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def planned(self, graph, hw, *, policy, overlap):
        raise self.error


def _job(error: Exception) -> Job:
    g = GraphBuilder()
    graph = g.build(g.conv("c1", g.input("x", (1, 1, 4, 4)), 2, 3, pad=1))
    return Job(graph, toy_machine(), "m", "liveness", True, reuse=_Planner(error))  # type: ignore[arg-type]


POINT = Point(3, (Setting("sram.capacity", "5000B", "5000B"),))


def test_a_crash_is_a_failed_point_naming_the_exception():
    result = evaluate(_job(ZeroDivisionError("division by zero")), POINT)
    assert (result.index, result.status, result.metrics) == (3, "failed", None)
    assert result.settings == (("sram.capacity", "5000B"),)
    assert result.error == "internal error: ZeroDivisionError: division by zero"


def test_an_accelsim_error_is_a_failed_point_with_its_message_as_it_is():
    result = evaluate(_job(AccelsimError("c1: needs 9,000 B of SRAM")), POINT)
    assert (result.status, result.error) == ("failed", "c1: needs 9,000 B of SRAM")


def test_a_value_the_schema_rejects_is_an_invalid_point():
    point = Point(0, (Setting("sram.capacity", "-1B", "-1B"),))
    result = evaluate(_job(AssertionError("never planned")), point)
    assert result.status == "invalid" and result.error.startswith("point 0: ")


def test_a_run_of_no_cycles_used_no_unit():
    # a zero-length trace: 0 busy of 0 cycles is no use, not a division by zero
    assert _utilisation(SimpleNamespace(end=0), ("bus",)) == 0.0  # type: ignore[arg-type]
    busy = SimpleNamespace(end=10, busy=lambda name: {"a": 5, "b": 10}[name])
    assert _utilisation(busy, ("a", "b")) == 0.75  # type: ignore[arg-type]
