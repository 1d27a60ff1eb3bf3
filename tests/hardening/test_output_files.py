"""Every output goes through accelsim.outputs: nothing a user gave is lost, every failure is a
clear line naming the path (issue 8, "Nothing a user gave us is lost" and "Output paths").

The team runs as root, which ignores file permissions, so a read-only folder is simulated by
a file where a folder is expected, by /sys (read-only to root too, when it is), and by an
EROFS injected where the temporary file is made.
"""

from __future__ import annotations

import errno
import os
import re
import signal
import stat
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from accelsim import outputs
from accelsim.errors import AccelsimError
from accelsim.outputs import open_output, refuse_inputs, write_text

ROOT = Path(__file__).resolve().parents[2]
MOBILENET = ROOT / "workloads" / "mobilenet.onnx"
EDGE1 = ROOT / "hardware" / "edge1.yaml"


def accelsim(*args: object, cwd: Path | None = None, **kwargs) -> subprocess.CompletedProcess:
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    return subprocess.run(
        [sys.executable, "-m", "accelsim", *map(str, args)],
        cwd=cwd,
        **{**pipes, **kwargs},
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def one_line_error(proc: subprocess.CompletedProcess, pattern: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert re.fullmatch(rf"accelsim: error: {pattern}\n", proc.stderr), proc.stderr


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# --- an output that is an input ---------------------------------------------------------


def _zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("train/a/0.png", b"not an image")
    return path


@pytest.mark.parametrize("option", ["--onnx", "--metrics-csv", "--plot"])
def test_train_output_over_its_data_zip_is_refused(tmp_path, option):
    data = _zip(tmp_path / "data.zip")
    before = data.read_bytes()
    # ./data.zip is the same file spelled differently
    proc = accelsim("train", "--data", data, option, "./data.zip", "--epochs", "1", cwd=tmp_path)
    one_line_error(proc, rf"{option} (\./)?data\.zip: would overwrite the input --data .*data\.zip")
    assert data.read_bytes() == before


def test_train_onnx_over_its_checkpoint_is_refused(tmp_path):
    data = _zip(tmp_path / "data.zip")
    proc = accelsim("train", "--data", data, "--checkpoint", "c.npz", "--onnx", "c.npz",
                    cwd=tmp_path)  # fmt: skip
    one_line_error(proc, r"--onnx c\.npz: would overwrite the output --checkpoint c\.npz")


def test_train_checkpoint_over_an_existing_onnx_model_is_refused(tmp_path):
    model = tmp_path / "m.onnx"
    model.write_bytes(MOBILENET.read_bytes())
    proc = accelsim("train", "--data", _zip(tmp_path / "d.zip"), "--checkpoint", "m.onnx",
                    cwd=tmp_path)  # fmt: skip
    one_line_error(proc, r"--checkpoint m\.onnx: exists; add --resume to continue it, .*")
    assert model.read_bytes() == MOBILENET.read_bytes()


def test_an_output_hard_linked_to_an_input_is_the_same_file(tmp_path):
    source = tmp_path / "model.onnx"
    source.write_bytes(b"x")
    os.link(source, tmp_path / "alias.json")
    with pytest.raises(AccelsimError, match=r"^--trace .*alias\.json: would overwrite the input"):
        refuse_inputs({"MODEL": source}, {"--trace": tmp_path / "alias.json"})


def test_dev_null_may_be_named_twice(tmp_path):
    assert refuse_inputs({}, {"--trace": "/dev/null", "--svg": "/dev/null"}) == []


# --- atomic replacement of regular files -----------------------------------------------


def test_replacing_a_file_keeps_its_permissions(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old")
    target.chmod(0o640)
    write_text(target, "new")
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == []


def test_a_new_file_gets_the_umask_default(tmp_path):
    umask = os.umask(0o027)
    try:
        write_text(tmp_path / "new.json", "x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o640  # 0o666 & ~0o027


def test_a_failure_while_writing_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), open_output(target) as stream:
        stream.write("half")
        raise RuntimeError
    assert target.read_text() == "old"
    assert leftovers(tmp_path) == []


def test_a_symlinked_output_replaces_the_link_never_the_file_it_names(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old")
    (tmp_path / "link.json").symlink_to(real)
    write_text(tmp_path / "link.json", "new")
    assert not (tmp_path / "link.json").is_symlink()
    assert (tmp_path / "link.json").read_text() == "new"
    assert real.read_text() == "old"


def test_a_temporary_file_of_a_killed_process_is_removed_by_the_next_write(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    orphan = tmp_path / f".out.json.accelsim-{dead.stdout.strip()}-abc.tmp"
    orphan.write_text("half")
    alive = tmp_path / f".out.json.accelsim-{os.getpid()}-abc.tmp"  # a writer still running
    alive.write_text("half")
    write_text(tmp_path / "out.json", "x")
    assert leftovers(tmp_path) == [alive.name]


def test_sigterm_during_a_write_leaves_no_temporary_file(tmp_path):
    script = textwrap.dedent(f"""
        import os, signal, sys, time
        from accelsim.cli import _raise_on_termination
        from accelsim.outputs import open_output
        _raise_on_termination()
        with open_output({str(tmp_path / "out.json")!r}) as stream:
            stream.write("half")
            print("writing", flush=True)
            time.sleep(30)
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    assert child.stdout is not None and child.stdout.readline() == "writing\n"
    assert len(leftovers(tmp_path)) == 1  # the temporary file exists while writing
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=30) == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []


# --- targets that are not regular files ---------------------------------------------------


def device(folder: Path, name: str, minor: int) -> Path:
    """A private node of a memory device (3: null, 7: full) in `folder`.

    NOTE: the tests write to these, never to /dev itself: a regression that replaces the
    target by rename would otherwise turn the machine's /dev/null into a regular file.
    """
    node = folder / name
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except PermissionError:
        pytest.skip("creating a device node needs root")
    return node


def test_a_symlink_to_a_device_is_replaced_and_the_device_stays_a_device(tmp_path):
    null = device(tmp_path, "null", 3)
    link = tmp_path / "trace.json"
    link.symlink_to(null)
    write_text(link, "{}")
    assert not link.is_symlink() and link.read_text() == "{}"
    assert stat.S_ISCHR(null.stat().st_mode)
    assert leftovers(tmp_path) == []


def test_run_trace_to_a_null_device_leaves_the_device_alone(tmp_path):
    null = device(tmp_path, "null", 3)
    proc = accelsim("run", MOBILENET, "--hw", EDGE1, "--trace", null)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISCHR(null.stat().st_mode)
    assert leftovers(tmp_path) == []


def test_dev_stdout_redirected_to_a_file_writes_into_that_file(tmp_path):
    target = tmp_path / "out.json"
    with target.open("w") as stream:
        inode = os.fstat(stream.fileno()).st_ino
        proc = accelsim("schema", "-o", "/dev/stdout", stdout=stream)
    assert proc.returncode == 0, proc.stderr
    assert target.stat().st_ino == inode  # the shell's file, not a new one renamed over it
    assert '"title": "accelsim hardware file"' in target.read_text()


def test_a_fifo_is_written_in_place(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE, text=True)
    write_text(fifo, "through the pipe")
    assert reader.communicate(timeout=30)[0] == "through the pipe"
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_dash_is_stdout(capsys):
    write_text("-", "to stdout")
    assert capsys.readouterr().out == "to stdout"


def test_schema_to_dev_stdout_writes_through_the_pipe():
    proc = accelsim("schema", "-o", "/dev/stdout")
    assert proc.returncode == 0, proc.stderr
    assert '"title": "accelsim hardware file"' in proc.stdout


# --- failures: one line naming the path ------------------------------------------------


def test_a_full_device_is_a_one_line_disk_full_error(tmp_path):
    full = device(tmp_path, "full", 7)  # /dev/full
    proc = accelsim("schema", "-o", full)
    one_line_error(proc, r".*/full: cannot write: the disk is full; free space or write .*")
    assert stat.S_ISCHR(full.stat().st_mode)


def test_stdout_on_a_full_disk_is_a_one_line_error():
    with open("/dev/full", "w") as full:
        proc = accelsim("schema", stdout=full)
    one_line_error(proc, r"stdout: cannot write: the disk is full; free space or write elsewhere")


def test_closed_stdout_is_a_one_line_error():
    proc = subprocess.run(
        ["sh", "-c", f'exec "{sys.executable}" -m accelsim schema >&-'],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    one_line_error(proc, r"stdout: cannot write: it is closed")


def test_full_disk_while_replacing_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "out.json"
    target.write_text("old")

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(outputs.os, "fsync", no_space)
    with pytest.raises(AccelsimError, match=r"^.*out\.json: cannot write: the disk is full; "):
        write_text(target, "new")
    assert target.read_text() == "old"
    assert leftovers(tmp_path) == []


def test_read_only_folder_is_a_one_line_error(tmp_path, monkeypatch):
    def read_only(**kwargs: object) -> tuple[int, str]:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(outputs.tempfile, "mkstemp", read_only)
    with pytest.raises(
        AccelsimError, match=r"^.*x\.json: cannot write: the file system is read-only"
    ):
        write_text(tmp_path / "x.json", "x")


def test_a_file_where_a_folder_is_expected(tmp_path):
    (tmp_path / "file").write_text("")
    proc = accelsim("run", MOBILENET, "--hw", EDGE1, "--trace", tmp_path / "file" / "t.json")
    one_line_error(proc, r"--trace .*file/t\.json: cannot write: folder .*file is not a folder")


@pytest.mark.skipif(os.access("/sys", os.W_OK) and not Path("/sys").is_mount(), reason="no /sys")
def test_a_folder_even_root_cannot_write():
    try:
        write_text("/sys/accelsim-test.json", "x")
    except AccelsimError as exc:
        assert re.fullmatch(r"/sys/accelsim-test\.json: cannot write: .+", str(exc))
    else:  # pragma: no cover - a writable /sys: nothing to test here
        os.unlink("/sys/accelsim-test.json")
        pytest.skip("/sys is writable here")


def test_a_nul_byte_in_a_path_is_named():
    with pytest.raises(AccelsimError, match=r"^--trace 'a\\x00b': cannot write: .* NUL byte$"):
        refuse_inputs({}, {"--trace": "a\0b"})


def test_an_in_place_write_never_follows_a_link_even_if_one_appears_late(tmp_path, monkeypatch):
    # NOTE: a FIFO swapped for a link between the check and the open: O_NOFOLLOW refuses it.
    (tmp_path / "mine.txt").write_text("keep me\n")
    (tmp_path / "pipe").symlink_to(tmp_path / "mine.txt")
    monkeypatch.setattr(outputs, "_is_regular_target", lambda path: False)
    with pytest.raises(AccelsimError, match=r"^.*/pipe: cannot write: is a symbolic link; "
                       r"accelsim never writes through a link$"):  # fmt: skip
        write_text(tmp_path / "pipe", "new")
    assert (tmp_path / "mine.txt").read_text() == "keep me\n"


@pytest.fixture
def read_hw(tmp_path, monkeypatch):
    """A file this process read (recorded as `accelsim._inputs` records inputs), alone in a
    fresh record so no other test's inputs count."""
    from accelsim import _inputs

    monkeypatch.setattr(_inputs, "_READ", {})
    hw = tmp_path / "hw.yaml"
    hw.write_text("keep me\n")
    _inputs.note_read(hw)
    return hw


def test_an_in_place_write_checks_the_file_it_opened_not_the_path(tmp_path, monkeypatch, read_hw):
    # NOTE: a FIFO swapped for a hard link of an input between the check and the open: the
    # opened file is compared with the inputs before anything is truncated or written.
    check = outputs._refuse_read

    def checked_then_swapped(path: str, where: str) -> None:
        check(path, where)
        os.link(read_hw, path)

    monkeypatch.setattr(outputs, "_refuse_read", checked_then_swapped)
    monkeypatch.setattr(outputs, "_is_regular_target", lambda path: False)
    with pytest.raises(AccelsimError, match=r"^.*/pipe: is .*/hw\.yaml, an input of this "
                       r"command; refusing to overwrite it: write elsewhere$"):  # fmt: skip
        write_text(tmp_path / "pipe", "new")
    assert read_hw.read_text() == "keep me\n"


@pytest.fixture(params=["renameat2", "check then rename"])
def renames(request, monkeypatch):
    """Both ways `_replace` works: Linux's atomic exchange, and the re-check elsewhere."""
    if request.param != "renameat2":
        monkeypatch.setattr(outputs, "_rename2", lambda old, new, flag: False)


def test_an_input_moved_where_an_output_goes_during_the_write_is_put_back(
    tmp_path, read_hw, renames
):
    # NOTE: the path was checked when the write began; by the rename it names the input.
    target = tmp_path / "out.txt"
    refused = r"^.*/out\.txt: is .*/hw\.yaml, an input of this command; refusing to overwrite it"
    with pytest.raises(AccelsimError, match=refused), open_output(target) as stream:
        stream.write("new")
        os.rename(read_hw, target)
    assert target.read_text() == "keep me\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]  # no temporary left


def test_a_link_to_an_input_made_during_the_write_is_put_back(tmp_path, read_hw, renames):
    target = tmp_path / "out.txt"
    refused = r"^.*/out\.txt: links to .*/hw\.yaml, an input"
    with pytest.raises(AccelsimError, match=refused), open_output(target) as stream:
        stream.write("new")
        target.symlink_to(read_hw)
    assert target.is_symlink() and read_hw.read_text() == "keep me\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hw.yaml", "out.txt"]
