"""The command's own process ends without Python's last collection walking every object it
made (`cli.main` freezes them); called with arguments (tests, a library), it freezes nothing."""

from __future__ import annotations

import contextlib
import gc
import io
import sys

from accelsim.cli import main


def test_the_process_command_line_leaves_its_objects_to_the_exit(monkeypatch):
    gc.unfreeze()
    monkeypatch.setattr(sys, "argv", ["accelsim", "schema"])
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            assert main() == 0
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_a_call_with_arguments_freezes_nothing():
    gc.unfreeze()
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["schema"]) == 0
    assert gc.get_freeze_count() == 0
