"""The local pool and a Dask cluster give the same results as running in this process."""

from __future__ import annotations

import pytest

from accelsim.sweep.executors import DaskExecutor, LocalExecutor, batches
from accelsim.sweep.grid import expand, parse_set

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


def test_batches_cover_every_point_once_in_order():
    points = expand([parse_set("sram.capacity=1..100:+1")])
    # 100 points over 2 workers: ceil(100 / 8) = 13 > MAX_BATCH, so batches of 8: 12 x 8 + 4.
    chunks = batches(points, 2)
    assert [len(c) for c in chunks] == [8] * 12 + [4]
    assert [p.index for c in chunks for p in c] == list(range(100))
    assert [len(c) for c in batches(points[:6], 2)] == [1] * 6  # ceil(6 / 8) = 1 per batch
