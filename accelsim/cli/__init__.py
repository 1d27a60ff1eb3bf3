"""The `accelsim` command: parse arguments, call the library, render, map errors to exit codes.

Each subcommand lives in its own module (`accelsim/cli/<name>.py`) exposing
`register(subparsers)`, which adds its parser and sets `handler` to a function
`(args) -> int`. Modules are imported lazily, only for the subcommand that runs, so
`accelsim --help` and `accelsim run` stay fast. Exit codes: 0 success, 2 bad input
(`AccelsimError`, one line on stderr), 1 an internal bug (traceback only with --debug).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import signal
import sys
from types import FrameType
from typing import TYPE_CHECKING, NoReturn

from accelsim import __version__

if TYPE_CHECKING:
    from collections.abc import Callable

    _Handler = Callable[[int, FrameType | None], object] | int | signal.Handlers | None

SUBCOMMANDS: dict[str, str] = {
    "run": "Simulate a model on a machine (per-layer table, totals, --json, --trace, --html).",
    "inspect": "List a model's layers, shapes, MACs and parameters without a machine.",
    "schema": "Print the JSON Schema of the hardware file.",
    "diff": "Compare two runs layer by layer (machines, policies, overlap, or saved --json).",
    "hw": "Explain a hardware file: peaks, bytes per cycle, machine balance, SRAM in tiles.",
    "paper": "Evaluate the seed paper's analytical model (Tables 3 and 4) and compare.",
    "sweep": "Run a grid of hardware what-if points (local processes or Dask).",
    "train": "Train the reference MobileNet on CIFAR-10 in NumPy and export ONNX.",
}


class _Parser(argparse.ArgumentParser):
    """argparse with its errors on one line (`accelsim run: error: argument --batch: ...`),
    like every other error, instead of a usage block followed by the message."""

    def error(self, message: str) -> NoReturn:
        from accelsim._text import printable

        self.exit(2, f"{self.prog}: error: {printable(message)} (see {self.prog} --help)\n")


def _build_parser(argv: list[str]) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="accelsim",
        description="Discrete-event simulator of a small DNN accelerator driven by ONNX models.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks for internal errors")
    parser.add_argument("--version", action="version", version=f"accelsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    wanted = next((a for a in argv if a in SUBCOMMANDS), None)
    for name, summary in SUBCOMMANDS.items():
        if name == wanted:
            module = importlib.import_module(f"accelsim.cli.{name}")
            module.register(sub, summary)
        else:
            sub.add_parser(name, help=summary, description=summary)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    # NOTE: numpy's OpenBLAS starts a worker thread per core on import, which spins on the
    # other core for nothing: no subcommand multiplies matrices through BLAS in parallel
    # (`train` limits BLAS to one thread itself). Set before anything imports numpy.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    args_list = sys.argv[1:] if argv is None else argv
    parser = _build_parser(args_list)
    args = parser.parse_args(args_list)
    previous = _raise_on_termination()
    try:
        return _handle(args)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if argv is None:  # the process's own command line: it ends now
            # NOTE: Python's last collection at exit walks every object still alive (a run's
            # records, the imported modules: 50-100 ms of MobileNet's run) only to free them an
            # instant before the process ends; frozen objects are left to the exit.
            gc.freeze()


def _handle(args: argparse.Namespace) -> int:
    """Run the subcommand; map its failure to one stderr line and an exit code."""
    from accelsim._text import printable
    from accelsim.errors import AccelsimError

    try:
        if sys.stdout is None:
            raise AccelsimError("stdout: cannot write: it is closed")
        code = int(args.handler(args) or 0)
        sys.stdout.flush()
        return code
    except AccelsimError as exc:
        print(f"accelsim: error: {printable(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("accelsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`| head`): what it wanted was written
        _silence_stdout()
        return 0
    except Exception as exc:
        if isinstance(exc, OSError) and exc.filename is None:  # writing stdout failed
            from accelsim.outputs import STDOUT, stream_error

            _silence_stdout()
            print(f"accelsim: error: {stream_error(STDOUT, exc)}", file=sys.stderr)
            return 2
        if args.debug:  # an internal bug: keep the user's terminal readable
            raise
        hint = "rerun with --debug for a traceback"
        message = printable(f"{type(exc).__name__}: {exc}")
        print(f"accelsim: internal error: {message} ({hint})", file=sys.stderr)
        return 1


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def _raise_on_termination() -> dict[signal.Signals, _Handler]:
    """SIGTERM/SIGHUP unwind like Ctrl-C, so half-written temporary files are removed.

    Returns the handlers replaced, for `main` to put back (tests call it in-process).
    """
    previous: dict[signal.Signals, _Handler] = {}
    for number in (signal.SIGTERM, signal.SIGHUP):
        previous[number] = signal.signal(number, _terminate)
    return previous


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail a second time."""
    if sys.stdout is None:
        return
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError):
        pass
