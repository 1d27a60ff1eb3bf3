"""`accelsim sweep MODEL.onnx --hw BASE.yaml --set PATH=V1,V2 ...`: hardware what-if grids.

Progress goes to stderr; the ranked table to stdout; results to a folder (SQLite as points
finish, then CSV, JSON and PNG plots exported from it).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

from accelsim.cli._args import (
    ExamplesFormatter,
    add_policy_argument,
    check_model_and_hardware,
    positive_int,
)

if TYPE_CHECKING:
    from rich.console import Console

    from accelsim.sweep.results import PointResult


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser], summary: str
) -> None:
    parser = subparsers.add_parser(
        "sweep",
        help=summary,
        description=summary
        + " Every combination of the --set values is simulated; the table marks the Pareto"
        " fronts (latency vs energy, latency vs SRAM size). Results go to"
        " ./accelsim-sweeps/<name>/ (sweep.db, results.csv, results.json, latency_heatmap.png,"
        " pareto.png); <name> is --name, else <model>-<hw>-<8 hex digits of the grid>.",
        formatter_class=ExamplesFormatter,
        epilog="examples:\n"
        "  accelsim sweep workloads/mobilenet.onnx --hw hardware/edge1.yaml \\\n"
        "      --set sram.capacity=256KiB,512KiB,1MiB,2MiB \\\n"
        "      --set bus.bandwidth=0.5GB/s,1GB/s,4GB/s --set ddr.bandwidth=4GB/s\n"
        "  accelsim sweep m.onnx --hw edge1.yaml --set sram.capacity=64KiB..2MiB:x2 \\\n"
        "      --set bus.bandwidth=1GB/s..4GB/s:+1GB/s --set ddr.bandwidth=4GB/s \\\n"
        "      --set matrix_engine.fuses=[],[Relu,Clip]\n"
        "  accelsim sweep --file study.yaml --resume --dask tcp://scheduler:8786\n"
        "(a transfer runs at min(bus, DDR): raise ddr.bandwidth with bus.bandwidth,\n"
        "as above; the table flags values of an axis that change nothing)\n",
    )
    parser.add_argument("model", nargs="?", metavar="MODEL.onnx", help="ONNX model file")
    parser.add_argument(
        "--hw",
        metavar="BASE",
        help="base hardware file (or a bundled machine's name, e.g. edge1) the --set values change",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUES",
        help="a swept field: dotted path into the hardware schema = comma-separated values "
        "(256KiB,1MiB; [Relu],[]; true,false) or a range START..STOP:+STEP or START..STOP:xFACTOR",
    )
    parser.add_argument("--file", metavar="SWEEP.yaml", help="sweep file (model, hardware, grid)")
    parser.add_argument(
        "--name", help="sweep name, the output folder's (default: <model>-<hw>-<grid digest>)"
    )
    parser.add_argument(
        "--out", metavar="DIR", help="output folder (default: ./accelsim-sweeps/<name>)"
    )
    parser.add_argument(
        "--resume", action="store_true", help="keep the points in DIR/sweep.db, run the rest"
    )
    parser.add_argument(
        "--jobs", type=positive_int, metavar="N", help="local worker processes (default: CPUs)"
    )
    parser.add_argument(
        "--dask", metavar="ADDRESS", help="run on a Dask cluster, e.g. tcp://scheduler:8786"
    )
    add_policy_argument(parser, default=None)
    parser.add_argument(
        "--no-overlap", action="store_true", help="serialise transfers and compute (no prefetch)"
    )
    parser.add_argument(
        "--batch", type=positive_int, metavar="N", help="batch size for a symbolic batch dimension"
    )
    parser.add_argument(
        "--top", type=positive_int, default=20, metavar="N", help="table rows (default: 20)"
    )
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the results (as in results.json) as one JSON document instead of the table",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    started = time.monotonic()
    from rich.text import Text

    from accelsim._text import markup, printable
    from accelsim._workers import cpu_count
    from accelsim.cli._terminal import stdout_console, terminal_console
    from accelsim.errors import AccelsimError
    from accelsim.presets import hardware_path
    from accelsim.report.export import json_text
    from accelsim.sweep.executors import DaskExecutor, LocalExecutor
    from accelsim.sweep.explain import explain_lines, write_explained
    from accelsim.sweep.grid import parse_set
    from accelsim.sweep.outputs import results_document, write_outputs
    from accelsim.sweep.runner import run_sweep
    from accelsim.sweep.spec import SweepSpec, load_sweep_file
    from accelsim.sweep.table import sweep_report

    check_model_and_hardware(args.model, args.hw)
    if args.dask and args.jobs:
        raise AccelsimError("--jobs sets local workers; a --dask cluster has its own")
    spec = load_sweep_file(args.file) if args.file else SweepSpec()
    spec = spec.merged(
        axes=tuple(parse_set(text) for text in args.set),
        model=Path(args.model) if args.model else None,
        hardware=hardware_path(args.hw) if args.hw else None,
        name=args.name,
        policy=args.policy,
        overlap=False if args.no_overlap else None,
        batch=args.batch,
    )
    spec.checked()
    executor = DaskExecutor(args.dask) if args.dask else LocalExecutor(args.jobs)
    errors = terminal_console(stderr=True)
    if args.jobs and args.jobs > cpu_count():
        errors.print(f"accelsim: --jobs {args.jobs}: at most {cpu_count()} workers, one per CPU")
    with closing(executor), _Progress(errors) as progress:
        outcome = run_sweep(
            spec,
            executor=executor,
            out=Path(args.out) if args.out else None,
            resume=args.resume,
            on_start=progress.start_points,
            on_point=progress.point_done,
        )
    paths = write_outputs(outcome, plots=not args.no_plots)
    base = outcome.base
    if base is not None:
        paths += write_explained(outcome, base, plots=not args.no_plots)
    if args.json:
        sys.stdout.write(json_text(results_document(outcome)) + "\n")
        return 0
    console = stdout_console()
    console.print(sweep_report(outcome, top=args.top))
    for line in explain_lines(outcome, base) if base is not None else []:
        console.print(Text(printable(line)))  # labels come from the command line: text only
    simulated, not_simulated = progress.simulated, outcome.computed - progress.simulated
    elapsed_s = _since_start_s(started)
    rate = outcome.computed / elapsed_s if elapsed_s > 0 else 0.0
    console.print(
        f"{simulated} point(s) simulated, {not_simulated} invalid or failed, in "
        f"{elapsed_s:.2f} s ({rate:.1f}/s, the command's wall-clock time); {outcome.reused} "
        f"reused from {markup(outcome.folder / 'sweep.db')}"
    )
    console.print("written: " + ", ".join(markup(p) for p in paths))
    return 0


def _since_start_s(fallback: float) -> float:
    """Wall-clock seconds since this process started (on Linux the kernel's start time, so
    the interpreter's start-up and imports count too), else since `fallback` (monotonic)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as stream:
            fields = stream.read().rsplit(")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22: starttime, in ticks
        return time.clock_gettime(time.CLOCK_BOOTTIME) - started
    except (OSError, ValueError, IndexError, AttributeError):
        return time.monotonic() - fallback


REDRAW_S = 0.1
"""Least time between two draws of the progress bar: a draw is ~0.5 ms of rich's rendering, about
a point's simulation, and a 128-point sweep drew it 128 times (65 ms of CPU in the process that
also stores the results, while the workers want both cores)."""


class _Progress:
    """A rich progress bar on stderr, redrawn as points finish, at most every REDRAW_S (no
    refresh thread: the local pool forks while it is shown); invalid or failed points are
    reported above it as they come.
    """

    def __init__(self, console: Console) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("sweep"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            TimeRemainingColumn(), console=console, auto_refresh=False, transient=False,
        )  # fmt: skip
        self.task = self.progress.add_task("sweep", total=None)
        self.drawn = 0.0  # `time.monotonic()` of the bar's last draw
        self.started = False
        self.simulated = 0
        """Points simulated successfully in this run (the others were invalid or failed)."""

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        if not self.started:
            return  # stopping a bar never drawn would still print a blank line
        if kind is not None:
            # NOTE: a failed sweep leaves its one error line, not a half-drawn bar.
            self.progress.live.transient = True
        self.progress.stop()

    def start_points(self, todo: int, total: int) -> None:
        """Called once the sweep is valid and its grid known: only now is the bar drawn."""
        if todo < total:
            self.progress.console.print(f"resuming: {total - todo} of {total} points stored")
        self.progress.update(self.task, total=todo)
        self.progress.start()
        self.started = True
        self.progress.refresh()

    def point_done(self, result: PointResult) -> None:
        from rich.text import Text

        from accelsim._text import printable

        if result.status == "ok":
            self.simulated += 1
        else:
            line = f"#{result.index} {result.status}: {printable(result.error)}"
            self.progress.console.print(Text(line, style="yellow"))
        now = time.monotonic()
        due = now - self.drawn >= REDRAW_S  # (stopping draws the last count)
        if due:
            self.drawn = now
        self.progress.update(self.task, advance=1, refresh=due)
