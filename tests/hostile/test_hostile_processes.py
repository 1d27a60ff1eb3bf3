"""Processes: pools capped at the CPUs and the work, workers that die with their parent, and a
Dask address that is not a Dask scheduler."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from accelsim._workers import cpu_count, pool_size
from tests.hostile.conftest import EDGE1, MOBILENET, ROOT, accelsim


def test_pool_size_is_capped_at_the_work_and_the_cpus() -> None:
    cpus = cpu_count()
    assert pool_size(1000, 10**6) == cpus
    assert pool_size(1000, 3) == min(3, cpus)
    assert pool_size(None, 10**6) == cpus
    assert pool_size(1, 10**6) == 1
    assert pool_size(500, 0) == 1


def test_jobs_over_the_cpus_says_so(tmp_path: Path) -> None:
    result = accelsim("sweep", MOBILENET, "--hw", EDGE1, "--set", "sram.capacity=1MB,2MB",
                      "--jobs", "1000", "--out", tmp_path / "o", "--no-plots")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"accelsim: --jobs 1000: at most {cpu_count()} workers, one per CPU" in result.stderr


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text() if (task / "children").exists() else ""
        found.update(int(c) for c in text.split())
    return found


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return status.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc and PDEATHSIG")
def test_killing_only_the_sweep_parent_ends_its_workers(tmp_path: Path) -> None:
    sizes = ",".join(f"{k}00KB" for k in range(3, 40))  # 37 points: seconds of work
    sweep = subprocess.Popen(
        [sys.executable, "-m", "accelsim", "sweep", str(MOBILENET), "--hw", str(EDGE1),
         "--set", f"sram.capacity={sizes}", "--jobs", "2", "--out", str(tmp_path / "o"),
         "--no-plots"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        workers: set[int] = set()
        while len(workers) < 2 and time.monotonic() < deadline and sweep.poll() is None:
            workers = _children(sweep.pid)
            time.sleep(0.05)
        assert len(workers) >= 2, "the pool never started"
        sweep.send_signal(signal.SIGKILL)  # the parent alone
        sweep.wait(10)
        deadline = time.monotonic() + 10
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_alive(w) for w in workers), "workers outlived the sweep"
    finally:
        for worker in workers if "workers" in locals() else ():
            if _alive(worker):
                os.kill(worker, signal.SIGKILL)
        if sweep.poll() is None:
            sweep.kill()


def _serve(mode: str) -> tuple[socket.socket, int]:
    """A TCP port that is not a Dask scheduler: it sends garbage, or accepts and says nothing."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)

    def answer() -> None:
        while True:
            try:
                peer, _ = server.accept()
            except OSError:
                return
            if mode == "garbage":
                peer.sendall(b"\xff" * 64 + b"HTTP/1.1 400 Bad Request\r\n\r\n")

    threading.Thread(target=answer, daemon=True).start()
    return server, server.getsockname()[1]


def test_dask_at_a_port_that_speaks_another_protocol(tmp_path: Path) -> None:
    server, port = _serve("garbage")
    try:
        result = accelsim("sweep", MOBILENET, "--hw", EDGE1, "--set", "sram.capacity=1MB",
                          "--dask", f"tcp://127.0.0.1:{port}", "--out", tmp_path / "o")  # fmt: skip
    finally:
        server.close()
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith(f"accelsim: error: --dask tcp://127.0.0.1:{port}: cannot reach")
    assert not (tmp_path / "o").exists()


def test_dask_at_a_silent_port_times_out() -> None:
    server, port = _serve("silent")
    code = (
        "from accelsim.sweep.executors import DaskExecutor\n"
        f"DaskExecutor('tcp://127.0.0.1:{port}', timeout_s=1)"
    )
    started = time.monotonic()
    try:  # in a subprocess: the failure this guards against is a hang
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                timeout=30, cwd=ROOT, check=False)  # fmt: skip
    finally:
        server.close()
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"accelsim.errors.AccelsimError: --dask tcp://127.0.0.1:{port}: no answer from a Dask "
        "scheduler within 3 s; start one with `dask scheduler` or check the address"
    )
    assert time.monotonic() - started < 20
