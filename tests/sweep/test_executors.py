"""The local pool and a Dask cluster give the same results as running in this process."""

from __future__ import annotations

import dataclasses

import pytest

from accelsim._workers import cpu_count
from accelsim.sweep.executors import DaskExecutor, LocalExecutor, batches
from accelsim.sweep.grid import expand, parse_set
from accelsim.sweep.runner import run_sweep
from tests.sweep.conftest import spec_of

# 3 x 2 points, one of them invalid: every executor must report it the same way.
SETS = ("sram.capacity=256KiB,1MiB,-1MiB", "bus.bandwidth=0.5GB/s,2GB/s")


def _by_key(outcome):
    return {r.key: r.to_dict() for r in outcome.results}


@pytest.fixture(scope="module")
def dask_address():
    distributed = pytest.importorskip("dask.distributed")
    # One in-process worker thread: light on a 2-core machine, still a real scheduler + client.
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:  # fmt: skip
        yield cluster.scheduler_address


def test_process_pool_and_dask_match_in_process_results(sweep, dask_address):
    reference = sweep(*SETS)
    pooled = sweep(*SETS, executor=LocalExecutor(2))
    with DaskExecutor(dask_address) as executor:
        clustered = sweep(*SETS, executor=executor)
    assert len(reference.results) == 6
    assert [r.status for r in reference.results].count("invalid") == 2  # -1 MiB x 2 buses
    assert _by_key(pooled) == _by_key(reference)
    assert _by_key(clustered) == _by_key(reference)


def test_unreachable_scheduler_is_a_one_line_error():
    from accelsim.errors import AccelsimError

    with pytest.raises(AccelsimError, match=r"^--dask tcp://127\.0\.0\.1:9: cannot reach the sch"):
        DaskExecutor("tcp://127.0.0.1:9", timeout_s=1)


def test_batches_cover_every_point_once_in_order_and_shrink_to_the_end():
    points = expand([parse_set("sram.capacity=1..100:+1")])
    # 100 points over 2 workers: each batch ceil(left / 4), at most MAX_BATCH = 8. 8 while 29 or
    # more are left (9 batches: 72 points), then 28 -> 7, 21 -> 6, 15 -> 4, 11 -> 3, 8 -> 2,
    # 6 -> 2, and single points for the last 4.
    chunks = batches(points, 2)
    assert [len(c) for c in chunks] == [8] * 9 + [7, 6, 4, 3, 2, 2, 1, 1, 1, 1]
    assert [p.index for c in chunks for p in c] == list(range(100))
    assert [len(c) for c in batches(points[:6], 2)] == [2, 1, 1, 1, 1]  # ceil(6 / 4) = 2 first
    assert [len(c) for c in batches(points[:5], 1)] == [3, 1, 1]  # ceil(5 / 2), ceil(2 / 2), 1


@pytest.mark.skipif(cpu_count() < 2, reason="one CPU: points run in-process, not in a pool")
def test_a_pool_started_while_the_model_is_read_ends_with_a_refused_model(tmp_path):
    import multiprocessing

    import onnx
    from onnx import TensorProto, helper

    from accelsim.errors import WorkloadError

    # read and parsed here; onnx's checker, in its child, refuses the op type
    x, y = (helper.make_tensor_value_info(n, TensorProto.FLOAT, [1]) for n in "xy")
    graph = helper.make_graph([helper.make_node("NoSuchOp", ["x"], ["y"])], "g", [x], [y])
    model = tmp_path / "bad.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), model)
    spec = dataclasses.replace(spec_of("sram.capacity=256KiB,1MiB"), model=model)
    with pytest.raises(WorkloadError, match="bad.onnx"):
        run_sweep(spec, executor=LocalExecutor(2), out=tmp_path / "s")
    assert multiprocessing.active_children() == []  # its workers exited, none left behind
    assert not (tmp_path / "s").exists()


@pytest.mark.skipif(cpu_count() < 2, reason="one CPU: points run in-process, not in a pool")
def test_points_sent_before_the_store_is_made_stop_when_it_refuses_the_folder(tmp_path):
    # a new sweep's points go to the pool before its database is made; a folder that holds
    # an earlier sweep is then refused, and the pool with its points stops
    import multiprocessing
    import sqlite3

    from accelsim.errors import ConfigError

    spec = spec_of("sram.capacity=256KiB,512KiB,1MiB", "bus.bandwidth=1GB/s,2GB/s")
    run_sweep(spec_of("sram.capacity=2MiB"), executor=LocalExecutor(1), out=tmp_path / "s")
    with pytest.raises(ConfigError, match="holds an earlier sweep"):
        run_sweep(spec, executor=LocalExecutor(2), out=tmp_path / "s")
    assert multiprocessing.active_children() == []
    with sqlite3.connect(tmp_path / "s" / "sweep.db") as db:
        assert db.execute("SELECT COUNT(*) FROM points").fetchone()[0] == 1  # the earlier one
