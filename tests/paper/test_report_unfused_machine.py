"""`accelsim paper --report` on a machine that already runs BN and ReLU on the vector unit:
the summary says so, and its "unfused variant" is the same machine, so both variants' rows
agree figure for figure (session 11, issue 19: only edge1, fused, was ever reported)."""

from __future__ import annotations

import csv
import io

from accelsim.hardware_file import with_overrides
from accelsim.paper.evaluations import UNFUSED
from accelsim.paper.report import build_report


def _totals(report):
    return list(csv.DictReader(io.StringIO(report["totals.csv"])))


def test_an_unfused_machine_is_described_as_such_and_is_its_own_unfused_variant(graph, edge1):
    hw = with_overrides(edge1, UNFUSED, source="test")
    report = build_report(graph, hw, command="accelsim paper x")
    assert "; BatchNormalization on the vector unit, nothing fused." in report["README.md"]
    rows = _totals(report)
    # the paper's total, then per machine 3 rule sets and 2 simulations
    assert [r["machine"] for r in rows] == (
        ["the paper's"] + ["edge1"] * 5 + ["edge1, BN and ReLU on the vector unit"] * 5
    )
    given, variant = rows[1:6], rows[6:]
    assert [r["method"] for r in given] == [r["method"] for r in variant] == [
        "paper method, rules paper", "paper method, rules as-printed",
        "paper method, rules corrected", "accelsim simulation, no overlap",
        "accelsim simulation, overlap",
    ]  # fmt: skip
    assert [(r["latency_s"], r["note"]) for r in given] == [
        (r["latency_s"], r["note"]) for r in variant
    ]


def test_edge1_says_bn_is_folded_and_which_ops_are_fused(graph, edge1):
    report = build_report(graph, edge1, command="accelsim paper x")
    assert "; BatchNormalization folded into the conv, Relu, Clip fused." in report["README.md"]
    rows = _totals(report)
    # folding BN and fusing ReLU can only save work: each fused figure is below the unfused one
    for given, variant in zip(rows[1:6], rows[6:], strict=True):
        assert float(given["latency_s"]) < float(variant["latency_s"])
    # prefetching during compute can only help: each machine's overlapped run is the faster
    for serial, overlapped in ((rows[4], rows[5]), (rows[9], rows[10])):
        assert (serial["method"], overlapped["method"]) == (
            "accelsim simulation, no overlap", "accelsim simulation, overlap",
        )  # fmt: skip
        assert float(overlapped["latency_s"]) < float(serial["latency_s"])
