"""Results are committed point by point; an interrupted sweep resumes with only what is missing."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest

from accelsim.errors import ConfigError
from accelsim.sweep.executors import LocalExecutor

SETS = ("sram.capacity=256KiB,512KiB,1MiB", "bus.bandwidth=0.5GB/s,1GB/s")  # 6 points


class _Interrupted(Exception):
    pass


class _StopsAfter:
    """Runs in-process and dies after `n` points, as a killed sweep would."""

    def __init__(self, n: int) -> None:
        self.n = n

    def started(self, base, points):
        return contextlib.nullcontext()

    def run(self, job, points):
        count = 0
        for batch in LocalExecutor(1).run(job, points):
            if count == self.n:
                raise _Interrupted
            count += len(batch)
            yield batch


def _rows(folder):
    with sqlite3.connect(folder / "sweep.db") as db:
        return db.execute("SELECT COUNT(*) FROM points").fetchone()[0]


def test_interrupted_sweep_keeps_finished_points_and_resume_runs_the_rest(sweep, tmp_path):
    out = tmp_path / "s"
    with pytest.raises(_Interrupted):
        sweep(*SETS, out=out, executor=_StopsAfter(4))
    assert _rows(out) == 4  # each point was committed when it came back
    seen = []
    resumed = sweep(
        *SETS, out=out, resume=True, on_start=lambda todo, total: seen.append((todo, total))
    )
    assert seen == [(2, 6)]  # 6 points, 4 stored: 2 run
    assert (resumed.computed, resumed.reused) == (2, 4)
    whole = sweep(*SETS, out=tmp_path / "whole")
    assert [r.to_dict() for r in resumed.results] == [r.to_dict() for r in whole.results]


def test_resume_with_more_values_runs_only_the_new_points(sweep, tmp_path):
    out = tmp_path / "s"
    sweep("sram.capacity=256KiB,1MiB", out=out)
    grown = sweep("sram.capacity=256KiB,512KiB,1MiB", out=out, resume=True)
    assert (grown.computed, grown.reused) == (1, 2)
    assert [r.index for r in grown.results] == [0, 1, 2]  # reindexed to the new grid


def test_existing_results_need_resume_and_the_same_inputs(sweep, tmp_path):
    out = tmp_path / "s"
    sweep("sram.capacity=1MiB", out=out)
    with pytest.raises(ConfigError, match=r"sweep\.db: holds an earlier sweep; add --resume"):
        sweep("sram.capacity=1MiB", out=out)
    with pytest.raises(ConfigError, match=r"computed with different overlap; pick another --out"):
        from accelsim.sweep.runner import run_sweep
        from tests.sweep.conftest import spec_of

        run_sweep(spec_of("sram.capacity=1MiB", overlap=False), executor=LocalExecutor(1),
                  out=out, resume=True)  # fmt: skip
