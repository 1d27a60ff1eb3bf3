"""The library entry point's own switches: the cycle collector paused for a run and restored
as it was (on, off, or after an error), the tiler's searches dropped only when asked, and the
run's model name (the path given, or the imported graph's name)."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from accelsim import api
from accelsim.memory import tiling
from tests.sim.toy import GraphBuilder, toy_machine

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def collector():
    """Restore the collector's state whatever the test does to it."""
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_is_off_during_a_run_and_back_on_after(collector):
    gc.enable()
    with api.collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), api.collector_paused():
        1 / 0  # noqa: B018
    assert gc.isenabled()  # an error inside restores it too


def test_a_collector_that_was_off_stays_off(collector):
    gc.disable()
    with api.collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def _graph():
    g = GraphBuilder("two-convs")
    return g.build(g.conv("c2", g.conv("c1", g.input("x", (1, 3, 8, 8)), 4, 3, pad=1), 2, 3))


def test_the_tilers_searches_are_dropped_only_when_asked(monkeypatch):
    calls: list[None] = []
    monkeypatch.setattr(tiling, "forget_searches", lambda: calls.append(None))
    api.simulate_graph(_graph(), toy_machine(), name="m")
    assert calls == []  # kept by default: a sweep's later points reuse them
    api.simulate_graph(_graph(), toy_machine(), name="m", keep_searches=False)
    assert calls == [None]


def test_the_run_is_named_by_the_path_given_or_the_graphs_name():
    result = api.run(_graph(), toy_machine())
    assert result.model == "two-convs"
    path = ROOT / "workloads" / "mobilenet.onnx"
    assert api.run(path, ROOT / "hardware" / "edge1.yaml").model == str(path)
