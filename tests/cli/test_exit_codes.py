"""How the entry point maps what a subcommand raised to an exit code and one stderr line, in
process (the module docstring's contract: 0 success, 2 bad input, 1 an internal bug, 130
interrupted), and the signals that unwind like Ctrl-C."""

from __future__ import annotations

import argparse
import errno
import signal

import pytest

from accelsim import cli
from accelsim.errors import AccelsimError


def _handled(error: BaseException | None, *, debug: bool = False, returns: int | None = None):
    def handler(args):
        if error is not None:
            raise error
        return returns

    return cli._handle(argparse.Namespace(handler=handler, debug=debug))


def test_success_is_what_the_handler_returns(capsys):
    assert _handled(None) == 0  # None means success
    assert _handled(None, returns=3) == 3
    assert capsys.readouterr().err == ""


def test_bad_input_is_exit_2_and_one_line(capsys):
    assert _handled(AccelsimError("m.onnx: no such file")) == 2
    assert capsys.readouterr().err == "accelsim: error: m.onnx: no such file\n"


def test_interrupted_is_exit_130(capsys):
    assert _handled(KeyboardInterrupt()) == 130
    assert capsys.readouterr().err == "accelsim: interrupted\n"


def test_a_reader_gone_away_is_success(capsys):
    assert _handled(BrokenPipeError()) == 0
    assert capsys.readouterr().err == ""


def test_a_failed_write_to_stdout_is_exit_2_naming_stdout(capsys):
    # an OSError with no file name: writing stdout failed (a full disk under a redirection)
    assert _handled(OSError(errno.ENOSPC, "No space left on device")) == 2
    err = capsys.readouterr().err
    assert err.startswith("accelsim: error: stdout: cannot write: ") and err.count("\n") == 1


def test_an_internal_bug_is_exit_1_with_the_hint(capsys):
    assert _handled(RuntimeError("boom")) == 1
    assert capsys.readouterr().err == (
        "accelsim: internal error: RuntimeError: boom (rerun with --debug for a traceback)\n"
    )
    # an OSError that names a file is a bug too, not a failed write of stdout
    assert _handled(FileNotFoundError(2, "No such file", "x.bin")) == 1
    assert "internal error: FileNotFoundError" in capsys.readouterr().err


def test_debug_lets_the_traceback_through():
    with pytest.raises(RuntimeError, match="boom"):
        _handled(RuntimeError("boom"), debug=True)


def test_a_closed_stdout_is_refused(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdout", None)
    assert _handled(None) == 2
    assert capsys.readouterr().err == "accelsim: error: stdout: cannot write: it is closed\n"


def test_term_and_hangup_exit_with_128_plus_the_signal():
    with pytest.raises(SystemExit) as exit_info:
        cli._terminate(signal.SIGTERM, None)
    assert exit_info.value.code == 128 + 15
    previous = cli._raise_on_termination()
    try:
        assert signal.getsignal(signal.SIGTERM) is cli._terminate
        assert signal.getsignal(signal.SIGHUP) is cli._terminate
        assert set(previous) == {signal.SIGTERM, signal.SIGHUP}
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def test_main_puts_the_signal_handlers_back(capsys):
    before = signal.getsignal(signal.SIGTERM)
    assert cli.main(["schema"]) == 0
    assert signal.getsignal(signal.SIGTERM) is before
    capsys.readouterr()


def test_a_parse_error_is_one_line_naming_the_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["run", "m.onnx", "--hw", "edge1", "--batch", "0"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err == (
        "accelsim run: error: argument --batch: 0 must be >= 1 (see accelsim run --help)\n"
    )
