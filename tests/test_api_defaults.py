"""`accelsim.api.run`'s defaults, as its docstring gives them: overlapped, ops without a cost
rule refused (not assumed), the tiler's searches kept; and `accelsim.cli.main` keeps BLAS at
one thread unless the environment says otherwise."""

from __future__ import annotations

import os

import pytest

from accelsim import api
from accelsim.errors import UnsupportedOpError
from accelsim.memory import tiling
from tests import onnx_builders as builders
from tests.sim.test_schedule import _two_convs
from tests.sim.toy import toy_machine


def test_a_run_overlaps_by_default():
    # two convs on the toy: c2.W loads while c1 computes, 230 cycles (serial: 254)
    result = api.run(_two_convs(), toy_machine(latency_ns=10))
    assert result.overlap is True
    assert result.latency_cycles == 230


def test_an_op_without_a_cost_rule_is_refused_by_default(tmp_path):
    path = builders.save(builders.unsupported_op("SpaceToDepth"), tmp_path / "m.onnx")
    with pytest.raises(UnsupportedOpError):
        api.run(path, toy_machine())


def test_a_run_keeps_the_tilers_searches_by_default(monkeypatch):
    calls: list[None] = []
    monkeypatch.setattr(tiling, "forget_searches", lambda: calls.append(None))
    api.run(_two_convs(), toy_machine())
    assert calls == []


def test_the_command_keeps_blas_at_one_thread(monkeypatch, capsys):
    from accelsim.cli import main

    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    assert main(["schema"]) == 0
    capsys.readouterr()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
