"""Start-up of the `accelsim` command: whole processes timed like hyperfine (one warm-up, then
`--runs` timed runs: mean ± standard deviation, min, max).

Run: `python benchmarks/bench_startup.py [--runs N]`. Timed, in this environment:

- `accelsim --version`, `accelsim --help` and `accelsim run --help` (target: under 0.3 s; they
  import no simulator, ONNX or numpy);
- `accelsim run workloads/mobilenet.onnx --hw edge1` (stdout to /dev/null);
- the bare import of that run's dependencies: one `python -c` importing every third-party
  module the run imports, in the order it imports them (the floor; target: the run within
  1.5x of it); and the same with `OPENBLAS_NUM_THREADS=1`, as the command imports numpy (its
  OpenBLAS otherwise starts a worker thread that spins on the second core: CPU, not wall);
- `-X importtime` of the run: the cumulative import time of onnx and of ml_dtypes (which onnx
  imports) and the ml_dtypes version, since ml_dtypes 0.7.0 takes ~0.9 s where 0.5.4 took
  ~0.15 s. For an A/B of versions, put another ml_dtypes first on the path:
  `pip install --target /tmp/mld ml_dtypes==0.5.4 --no-deps` then `PYTHONPATH=/tmp/mld python
  benchmarks/bench_startup.py`.

Every command runs with Python's bytecode cache as an installed package has it: the children
may write `__pycache__` (the warm-up run does), whatever PYTHONDONTWRITEBYTECODE says here. pip
compiles the dependencies' bytecode when it installs them, so with that variable set (as in
this session's environment) the floor loaded its modules from bytecode while every run of an
editable accelsim compiled its 81 modules from source (~80 ms of CPU): not the same race.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "workloads" / "mobilenet.onnx"
ACCELSIM = [sys.executable, "-m", "accelsim"]
RUN = [*ACCELSIM, "run", str(MODEL), "--hw", "edge1"]
CACHED = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
"""The environment of every timed command: bytecode cached (see the module docstring)."""

# In a child process: run `accelsim run` in-process, then print the third-party modules it
# imported (those with a file outside the standard library and outside accelsim), in order.
_LIST_MODULES = """
import contextlib, io, sys, sysconfig
from accelsim.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    main(sys.argv[1:])
stdlib = sysconfig.get_paths()["stdlib"]
for name, module in list(sys.modules.items()):
    path = getattr(module, "__file__", None) or ""
    if path and not path.startswith(stdlib) and not name.startswith(("accelsim", "__editable")):
        print(name)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs per command")
    args = parser.parse_args()
    modules = subprocess.run(
        [sys.executable, "-c", _LIST_MODULES, *RUN[3:]],
        capture_output=True, text=True, check=True, cwd=ROOT, env=CACHED,
    ).stdout.split()  # fmt: skip
    bare = [sys.executable, "-c", "; ".join(f"import {name}" for name in modules)]
    run = _time(RUN, args.runs)
    floor = _time(bare, args.runs)
    one_thread = _time(bare, args.runs, env={**CACHED, "OPENBLAS_NUM_THREADS": "1"})
    rows = {
        "accelsim --version": _time([*ACCELSIM, "--version"], args.runs),
        "accelsim --help": _time([*ACCELSIM, "--help"], args.runs),
        "accelsim run --help": _time([*ACCELSIM, "run", "--help"], args.runs),
        "accelsim run mobilenet edge1": run,
        f"bare import of its {len(modules)} modules": floor,
        "same, one BLAS thread": one_thread,
    }
    for name, times in rows.items():
        print(f"{name:>36}: {_summary(times)}")
    for name, base in (("run / bare import", floor), ("run / one BLAS thread", one_thread)):
        ratios = [statistics.mean(t[i] for t in run) / statistics.mean(t[i] for t in base)
                  for i in (0, 1)]  # fmt: skip
        print(f"{name:>36}: {ratios[0]:.2f}x wall, {ratios[1]:.2f}x CPU (means); target "
              "<= 1.5x")  # fmt: skip
    print(f"{'importtime in the run':>36}: {_importtime()}")


def _time(
    command: list[str], runs: int, *, env: dict[str, str] = CACHED
) -> list[tuple[float, float]]:
    """(wall, CPU) seconds of `runs` runs of `command` after one untimed warm-up run; CPU time
    (user + system) says more than wall time on a machine shared with other work."""
    times = []
    for index in range(runs + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, check=True, cwd=ROOT, env=env)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        if index:
            times.append((wall, cpu))
    return times


def _summary(times: list[tuple[float, float]]) -> str:
    walls = [wall for wall, _ in times]
    spread = statistics.stdev(walls) if len(walls) > 1 else 0.0
    cpu = statistics.mean(c for _, c in times)
    return (f"{statistics.mean(walls) * 1e3:7.1f} ms ± {spread * 1e3:5.1f}  (min "
            f"{min(walls) * 1e3:.1f}, {len(walls)} runs); CPU {cpu * 1e3:.0f} ms")  # fmt: skip


def _importtime() -> str:
    """Cumulative import times (ms) of onnx and ml_dtypes in one run, and ml_dtypes' version."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", *RUN[1:]],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True, cwd=ROOT,
        env=CACHED,
    )  # fmt: skip
    cumulative = {}
    for line in proc.stderr.splitlines():
        match = re.fullmatch(r"import time:\s+\d+ \|\s+(\d+) \|\s+(\S+)", line.strip())
        if match and match[2] in ("onnx", "ml_dtypes"):
            cumulative[match[2]] = int(match[1]) / 1e3
    version = subprocess.run(
        [sys.executable, "-c", "import ml_dtypes; print(ml_dtypes.__version__)"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    return ", ".join(f"{k} {v:.0f} ms" for k, v in cumulative.items()) + f"; ml_dtypes {version}"


if __name__ == "__main__":
    main()
