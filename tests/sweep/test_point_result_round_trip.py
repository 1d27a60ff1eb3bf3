"""A stored point read back (`PointResult.from_dict`, what `--resume` reads from sweep.db) is the
point that was stored: settings as (path, label), status, error and every metric (session 11,
issue 19: a resumed point's settings were never read back field by field)."""

from __future__ import annotations

from dataclasses import fields

from accelsim.sweep.results import Metrics, PointResult


def test_a_hand_written_row_reads_back_path_then_label():
    metrics = {f.name: 0 for f in fields(Metrics)} | {"floor_bound": "bus", "bound": "matrix",
                                                      "latency_cycles": 7}  # fmt: skip
    data = {"key": "k", "index": 3, "settings": [["sram.capacity", "1MiB"], ["bus.bandwidth",
            "2GB/s"]], "status": "ok", "error": "", "metrics": metrics}  # fmt: skip
    point = PointResult.from_dict(data)
    assert point.settings == (("sram.capacity", "1MiB"), ("bus.bandwidth", "2GB/s"))
    assert (point.key, point.index, point.status) == ("k", 3, "ok")
    assert point.metrics is not None and point.metrics.latency_cycles == 7
    assert (point.metrics.floor_bound, point.metrics.bound) == ("bus", "matrix")


def test_a_failed_point_reads_back_with_its_error_and_no_metrics():
    point = PointResult("k2", 0, (("clock", "2GHz"),), "failed", "internal error: E: x")
    assert PointResult.from_dict(point.to_dict()) == point
    assert point.to_dict()["settings"] == [["clock", "2GHz"]]
