"""`accelsim sweep` run in this process (`cli.main`): the options reach the spec, the footer
counts this run's points apart from the reused ones, a resume says what it found, and the
plots follow --no-plots. Counts are worked from the grids by hand."""

from __future__ import annotations

import json

import pytest

from accelsim.cli import main
from tests.sweep.conftest import EDGE1, MOBILENET

BASE = ["sweep", str(MOBILENET), "--hw", str(EDGE1), "--jobs", "1"]


@pytest.fixture(autouse=True)
def _wide(monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")  # one line per line: no wrapping of long paths


def _footer(out: str) -> str:
    (line,) = [line for line in out.splitlines() if "point(s) simulated" in line]
    return line


def test_the_footer_counts_points_run_now_apart_from_failed_and_reused(tmp_path, capsys):
    out = tmp_path / "s"
    # 3 values, one invalid (-1 MiB): 2 simulated, 1 invalid, 0 reused
    assert main([*BASE, "--set", "sram.capacity=256KiB,1MiB,-1MiB", "--out", str(out),
                 "--no-plots"]) == 0  # fmt: skip
    first = capsys.readouterr()
    assert _footer(first.out).startswith("2 point(s) simulated, 1 invalid or failed, in ")
    assert _footer(first.out).endswith(f"; 0 reused from {out / 'sweep.db'}")
    assert "#2 invalid" in first.err and "resuming" not in first.err
    # one value more: 3 of 4 stored, 1 run now (ok), 3 reused
    assert main([*BASE, "--set", "sram.capacity=256KiB,1MiB,-1MiB,2MiB", "--out", str(out),
                 "--no-plots", "--resume"]) == 0  # fmt: skip
    again = capsys.readouterr()
    assert "resuming: 3 of 4 points stored" in again.err
    assert _footer(again.out).startswith("1 point(s) simulated, 0 invalid or failed, in ")
    assert _footer(again.out).endswith(f"; 3 reused from {out / 'sweep.db'}")
    written = [line for line in again.out.splitlines() if line.startswith("written: ")]
    assert written == [f"written: {out / 'results.csv'}, {out / 'results.json'}, "
                       f"{out / 'report.html'}"]  # fmt: skip
    assert not (out / "regime_map.png").exists() and not (out / "pareto.png").exists()


def test_options_reach_the_sweep_and_its_json(tmp_path, capsys):
    out = tmp_path / "s"
    assert main([*BASE, "--set", "sram.capacity=1MiB", "--set", "bus.bandwidth=1GB/s,2GB/s",
                 "--out", str(out), "--no-overlap", "--batch", "1", "--name", "mine",
                 "--json"]) == 0  # fmt: skip
    document = json.loads(capsys.readouterr().out)
    assert (document["name"], document["overlap"], document["batch"]) == ("mine", False, 1)
    assert [a["path"] for a in document["axes"]] == ["sram.capacity", "bus.bandwidth"]
    assert [p["status"] for p in document["points"]] == ["ok", "ok"]
    with_overlap = tmp_path / "t"
    assert main([*BASE, "--set", "sram.capacity=1MiB,2MiB", "--set", "bus.bandwidth=1GB/s,2GB/s",
                 "--out", str(with_overlap), "--json", "--no-plots"]) == 0  # fmt: skip
    overlapped = json.loads(capsys.readouterr().out)
    assert overlapped["overlap"] is True and overlapped["name"] == "mobilenet-edge1"
    # serialising transfers and compute can only be slower at the same machine (1 GB/s)
    assert (document["points"][0]["metrics"]["latency_cycles"]
            > overlapped["points"][0]["metrics"]["latency_cycles"])  # fmt: skip
    assert overlapped["points"][0]["metrics"]["latency_cycles"] == 575_491  # README, edge1
    # the plots of a sweep with two axes, one of them varied: heatmap and Pareto, no regime map
    assert (out / "pareto.png").exists() and (out / "latency_heatmap.png").exists()
    assert not (out / "regime_map.png").exists()
    # two varied axes would have a regime map, but --no-plots: no PNG at all
    assert sorted(p.name for p in with_overlap.iterdir()) == [
        ".accelsim-outputs", "report.html", "results.csv", "results.json", "sweep.db"
    ]  # fmt: skip


def test_more_jobs_than_cpus_is_a_notice_not_an_error(tmp_path, capsys, monkeypatch):
    import accelsim._workers as workers

    monkeypatch.setattr(workers, "cpu_count", lambda: 1)
    args = ["sweep", str(MOBILENET), "--hw", str(EDGE1), "--jobs", "2", "--set",
            "sram.capacity=1MiB", "--out", str(tmp_path / "s"), "--no-plots"]  # fmt: skip
    assert main(args) == 0
    assert "accelsim: --jobs 2: at most 1 workers, one per CPU" in capsys.readouterr().err
    args[args.index("--jobs") + 1] = "1"  # as many as the CPUs: no notice
    assert main([*args, "--resume"]) == 0
    assert "one per CPU" not in capsys.readouterr().err


def test_the_footer_rates_every_point_computed_over_the_wall_clock(tmp_path, capsys,
                                                                  monkeypatch):  # fmt: skip
    import accelsim.cli.sweep as cli_sweep

    monkeypatch.setattr(cli_sweep, "_since_start_s", lambda started: 2.0)
    # 3 values, one invalid: 3 points computed in 2 s, 1.5 a second (the invalid one counts)
    assert main([*BASE, "--set", "sram.capacity=256KiB,1MiB,-1MiB", "--out",
                 str(tmp_path / "s"), "--no-plots"]) == 0  # fmt: skip
    assert _footer(capsys.readouterr().out).startswith(
        "2 point(s) simulated, 1 invalid or failed, in 2.00 s (1.5/s, the command's wall-clock "
        "time); 0 reused from ")  # fmt: skip


def test_dask_alone_reaches_the_cluster(capsys, monkeypatch):
    # no --jobs: not the --jobs refusal but the cluster's executor (a stand-in that refuses)
    import accelsim.sweep.executors as executors
    from accelsim.errors import AccelsimError

    def cluster(address: str) -> None:
        raise AccelsimError(f"the cluster at {address}")

    monkeypatch.setattr(executors, "DaskExecutor", cluster)
    assert main(["sweep", str(MOBILENET), "--hw", str(EDGE1), "--set", "sram.capacity=1MiB",
                 "--dask", "tcp://127.0.0.1:9"]) == 2  # fmt: skip
    assert capsys.readouterr().err == "accelsim: error: the cluster at tcp://127.0.0.1:9\n"


def test_the_timing_line_counts_from_the_process_start():
    import time

    from accelsim.cli.sweep import _since_start_s

    # This process started before this test did (pytest collected and ran others first), and
    # less than an hour ago: the kernel's start time, not the fallback given
    before = time.monotonic()
    elapsed = _since_start_s(before)
    assert time.monotonic() - before < elapsed < 3600
    ticks = _since_start_s(before)
    assert ticks >= elapsed  # a clock that runs forward


def test_a_sweep_files_overlap_false_holds_without_the_flag(tmp_path, capsys):
    # the file says `overlap: false`; the command line does not name --no-overlap, so it says
    # nothing about overlap and the file's false stands (command-line values win only when given)
    study = tmp_path / "study.yaml"
    study.write_text(f"model: {MOBILENET}\nhardware: {EDGE1}\noverlap: false\n"
                     "grid:\n  sram.capacity: [1MiB]\n")  # fmt: skip
    assert main(["sweep", "--file", str(study), "--jobs", "1", "--out", str(tmp_path / "s"),
                 "--json", "--no-plots"]) == 0  # fmt: skip
    assert json.loads(capsys.readouterr().out)["overlap"] is False
