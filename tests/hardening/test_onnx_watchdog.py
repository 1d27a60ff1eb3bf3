"""onnx's C++ checker and shape inference run where they can be stopped (issue 19, class 4):
a forked child with a time limit, whose result, exception or death comes back as one line."""

from __future__ import annotations

import faulthandler
import os
import signal
import time

import pytest

from accelsim.errors import WorkloadError
from accelsim.workload._onnx_files import bounded


def test_work_past_the_limit_is_killed_and_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCELSIM_ONNX_LIMIT_S", "0.5")
    started = time.monotonic()
    with pytest.raises(WorkloadError) as caught:
        bounded(lambda: time.sleep(60), "m.onnx")
    assert 0.5 <= time.monotonic() - started < 10
    assert str(caught.value) == (
        "m.onnx: onnx's checker did not finish in 0.5 s (it loops forever on some malformed "
        "models); refusing the model (ACCELSIM_ONNX_LIMIT_S sets the limit)"
    )


def _abort() -> None:
    faulthandler.disable()  # pytest's would print the child's stack
    os.kill(os.getpid(), signal.SIGABRT)


def test_a_crash_inside_onnx_is_one_line_not_the_end_of_the_process() -> None:
    with pytest.raises(WorkloadError, match=r"^m\.onnx: onnx crashed checking the model "
                       r"\(SIGABRT\); refusing it$"):  # fmt: skip
        bounded(_abort, "m.onnx")


def test_what_the_work_returns_or_raises_comes_back() -> None:
    assert bounded(lambda: {"shape": [1, 2, 3]}, "m.onnx") == {"shape": [1, 2, 3]}
    with pytest.raises(ZeroDivisionError):
        bounded(lambda: 1 // 0, "m.onnx")


@pytest.mark.parametrize("text", ["", "0", "-0", "-1", "nan", "inf", "abc"])
def test_a_limit_that_is_not_a_positive_number_keeps_the_default(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from accelsim.workload import _onnx_files

    monkeypatch.setenv("ACCELSIM_ONNX_LIMIT_S", text)
    assert _onnx_files._limit_s() == _onnx_files.ONNX_LIMIT_S == 60.0


def test_meanwhile_runs_in_this_process_while_the_child_works(tmp_path) -> None:
    flag = tmp_path / "written here"

    def work() -> str:  # in the child: waits for what this process writes meanwhile
        deadline = time.monotonic() + 30
        while not flag.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        return flag.read_text()

    def meanwhile() -> None:  # whole or not at all: the child may look at any moment
        writing = tmp_path / "being written"
        writing.write_text(str(os.getpid()))
        writing.replace(flag)

    assert bounded(work, "m.onnx", meanwhile=meanwhile) == str(os.getpid())


def test_a_meanwhile_that_raises_stops_the_child() -> None:
    started = time.monotonic()
    with pytest.raises(ZeroDivisionError):
        bounded(lambda: time.sleep(60), "m.onnx", meanwhile=lambda: 1 // 0)
    assert time.monotonic() - started < 10  # the child was killed, not waited for


def test_stoppable_restores_the_handlers_and_leaves_a_worker_thread_alone() -> None:
    # (the route without fork) in the main thread Ctrl-C, SIGTERM and SIGHUP take their default
    # actions while onnx runs, and the handlers come back after; a worker thread may not set
    # handlers at all (Python raises ValueError there), so it runs the work as it is
    import threading

    from accelsim.workload._onnx_files import stoppable

    def handler(number: int, frame: object) -> None:  # never called: set to be told apart
        raise AssertionError(number)

    numbers = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    saved = [signal.signal(number, handler) for number in numbers]
    try:
        with stoppable():
            assert [signal.getsignal(number) for number in numbers] == [signal.SIG_DFL] * 3
        assert [signal.getsignal(number) for number in numbers] == [handler] * 3
    finally:
        for number, previous in zip(numbers, saved, strict=True):
            signal.signal(number, previous)
    ran: list[BaseException | None] = []

    def work() -> None:
        try:
            with stoppable():
                ran.append(None)
        except BaseException as error:  # noqa: BLE001  (reported below)
            ran.append(error)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert ran == [None]
