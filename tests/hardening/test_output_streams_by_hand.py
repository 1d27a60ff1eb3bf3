"""`accelsim.outputs` paths the other output tests do not reach: stdout closed or gone, a file
updated in place under a file, the rename without renameat2, another user's writer, and `-`
when a file of that name exists."""

from __future__ import annotations

import errno
import io
import os

import pytest

from accelsim import outputs
from accelsim.errors import AccelsimError
from accelsim.outputs import check_updated_in_place, open_output, refuse_inputs, write_text


def test_stdout_that_was_never_open_is_one_line(monkeypatch):
    monkeypatch.setattr(outputs.sys, "stdout", None)
    with pytest.raises(AccelsimError) as caught, open_output("-"):
        pass
    assert str(caught.value) == "stdout: cannot write: it is closed"


def test_stdout_closed_while_written_is_one_line(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(outputs.sys, "stdout", stream)
    with pytest.raises(AccelsimError) as caught, open_output("-") as out:
        stream.close()
        out.write("x")
    assert str(caught.value) == "stdout: cannot write: it is closed"


def test_a_bug_in_what_is_written_to_an_open_stdout_is_not_called_a_closed_stream(monkeypatch):
    monkeypatch.setattr(outputs.sys, "stdout", io.StringIO())
    with pytest.raises(ValueError, match="^the writer's own bug$"), open_output("-"):
        raise ValueError("the writer's own bug")


def test_a_database_path_through_a_file_is_one_line(tmp_path):
    (tmp_path / "file").write_text("x")
    path = tmp_path / "file" / "sweep.db"
    with pytest.raises(AccelsimError) as caught:
        check_updated_in_place(path)
    assert str(caught.value) == f"{path}: cannot write: a part of the path is a file, not a folder"


@pytest.mark.parametrize("how", ["no renameat2 in the C library", "renameat2 refused"])
def test_without_renameat2_the_file_is_still_replaced_whole(tmp_path, monkeypatch, how):
    if how == "no renameat2 in the C library":
        monkeypatch.setattr(outputs, "_libc", lambda: object())
    else:
        monkeypatch.setattr(outputs, "_rename2", lambda old, new, flag: False)
    target = tmp_path / "out.json"
    target.write_text("old")
    write_text(target, "new")
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]  # no temporary left


def test_another_users_writer_keeps_its_temporary(tmp_path, monkeypatch):
    def not_permitted(pid: int, signal: int) -> None:
        raise PermissionError(errno.EPERM, "not permitted")

    monkeypatch.setattr(outputs.os, "kill", not_permitted)
    theirs = tmp_path / ".o.json.accelsim-4242-x.tmp"
    theirs.write_text("half")
    outputs._remove_orphans(str(tmp_path), "o.json")
    assert theirs.exists()  # pid 4242 exists (we may not signal it): its write is under way


def test_stdout_is_never_a_file_named_dash(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-").write_text("a file named -")
    assert refuse_inputs({"--data": tmp_path / "-"}, {"--trace": "-"}) == []
    assert (tmp_path / "-").read_text() == "a file named -"
    assert os.path.exists("-")
