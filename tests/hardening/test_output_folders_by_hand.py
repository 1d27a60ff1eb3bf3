"""Output folders in process: the manifest and every file a command rewrites in place are
checked against the inputs (by inode, so a hard link counts), the manifest lists exactly what
was claimed and is rewritten only when that grows, foreign files are refused (a dangling link
too), and each refusal is one line whose text is written out here."""

from __future__ import annotations

import errno
import os

import pytest

from accelsim import outputs
from accelsim.errors import AccelsimError
from accelsim.outputs import (
    MANIFEST,
    check_folder,
    check_folder_files,
    check_output,
    claim_folder,
    refuse_foreign,
    refuse_inputs,
    stream_error,
)


@pytest.fixture
def folder_and_input(tmp_path):
    hw = tmp_path / "hw.yaml"
    hw.write_text("clock: 1 GHz\n")
    out = tmp_path / "out"
    out.mkdir()
    return out, hw


def test_a_manifest_hard_linked_to_an_input_is_refused(folder_and_input):
    out, hw = folder_and_input
    os.link(hw, out / MANIFEST)  # lists "clock: 1 GHz" as a name: harmless, but it is the input
    with pytest.raises(AccelsimError) as caught:
        check_folder_files(out, ["results.csv"], option="--out", inputs={"--hw": hw})
    assert str(caught.value) == (
        f"--out {out / MANIFEST}: would overwrite the input --hw {hw}"
    )
    assert hw.read_text() == "clock: 1 GHz\n"


def test_a_database_hard_linked_to_an_input_is_refused(folder_and_input):
    out, hw = folder_and_input
    os.link(hw, out / "sweep.db")
    with pytest.raises(AccelsimError, match=r"^--out .*/out/sweep\.db: would overwrite the input "
                       r"--hw .*/hw\.yaml$"):  # fmt: skip
        check_folder_files(out, ["results.csv"], option="--out", inputs={"--hw": hw},
                           updated=["sweep.db"])  # fmt: skip
    # the same folder with the link under a name nobody writes passes
    check_folder_files(out, ["results.csv"], option="--out", inputs={"--hw": hw})


def test_a_listed_output_linked_to_an_input_is_refused_though_the_manifest_lists_it(
    folder_and_input,
):
    out, hw = folder_and_input
    (out / MANIFEST).write_text("# by hand\nresults.csv\n")
    (out / "results.csv").symlink_to(hw)
    with pytest.raises(AccelsimError, match=r"results\.csv: would overwrite the input --hw "):
        check_folder_files(out, ["results.csv"], option="--out", inputs={"--hw": hw})


def test_claiming_writes_a_sorted_manifest_and_rewrites_it_only_when_it_grows(tmp_path):
    claim_folder(tmp_path, ["b.csv", "a.json"], command="sweep")
    header = "# files written here by accelsim sweep; it may replace only these\n"
    assert (tmp_path / MANIFEST).read_text() == header + "a.json\nb.csv\n"
    # a subset: nothing new to list, the manifest stays as the sweep wrote it
    claim_folder(tmp_path, ["a.json"], command="paper")
    assert (tmp_path / MANIFEST).read_text() == header + "a.json\nb.csv\n"
    # one more name: listed with the old ones, under the newer command's header
    (tmp_path / "a.json").write_text("{}")
    claim_folder(tmp_path, ["a.json", "c.png"], command="paper")
    assert (tmp_path / MANIFEST).read_text() == (
        "# files written here by accelsim paper; it may replace only these\n"
        "a.json\nb.csv\nc.png\n"
    )


def test_a_file_the_manifest_does_not_list_is_refused_even_a_dangling_link(tmp_path):
    (tmp_path / MANIFEST).write_text("#  comment\n\n  a.json  \nb.csv\n")
    assert refuse_foreign(tmp_path, ["a.json", "b.csv", "c.png"]) == {"a.json", "b.csv"}
    (tmp_path / "c.png").symlink_to(tmp_path / "nowhere")
    with pytest.raises(AccelsimError) as caught:
        refuse_foreign(tmp_path, ["a.json", "c.png"])
    assert str(caught.value) == (
        f"{tmp_path / 'c.png'}: exists and was not written by accelsim (not listed in "
        f"{tmp_path / MANIFEST}); refusing to overwrite it: move it away or choose another folder"
    )
    # a name that is not asked for is not looked at
    assert refuse_foreign(tmp_path, ["a.json"]) == {"a.json", "b.csv"}


def test_no_manifest_lists_nothing_and_a_commented_name_is_not_listed(tmp_path):
    assert refuse_foreign(tmp_path, ["x"]) == set()
    (tmp_path / MANIFEST).write_text("# a.json\n")
    (tmp_path / "a.json").write_text("mine")
    with pytest.raises(AccelsimError, match=r"a\.json: exists and was not written by accelsim"):
        refuse_foreign(tmp_path, ["a.json"])


def test_a_manifest_that_is_a_link_or_not_text_is_one_line(tmp_path):
    (tmp_path / "list").write_text("a.json\n")
    (tmp_path / MANIFEST).symlink_to(tmp_path / "list")
    with pytest.raises(AccelsimError) as caught:
        refuse_foreign(tmp_path, ["a.json"])
    assert str(caught.value) == (
        f"{tmp_path / MANIFEST}: is a symbolic link, not the list of files accelsim wrote here; "
        "remove the link"
    )
    (tmp_path / MANIFEST).unlink()
    (tmp_path / MANIFEST).write_bytes(b"\xff\xfe\n")
    with pytest.raises(AccelsimError, match=r"^.*\.accelsim-outputs: unreadable \(.*utf-8.*\); "
                       r"remove it to start again$"):  # fmt: skip
        refuse_foreign(tmp_path, ["a.json"])


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (errno.ENOSPC, "the disk is full; free space or write elsewhere"),
        (errno.EDQUOT, "the disk quota is exceeded; free space or write elsewhere"),
        (errno.EROFS, "the file system is read-only; write elsewhere"),
        (errno.EACCES, "permission denied; write elsewhere or fix the permissions"),
        (errno.EPERM, "not permitted; write elsewhere or fix the permissions"),
        (errno.ENOENT, "the folder does not exist; create it first"),
        (errno.ENOTDIR, "a part of the path is a file, not a folder"),
        (errno.EISDIR, "is a directory; give a file name"),
        (errno.EBADF, "it is closed"),
        (errno.EPIPE, "the reader went away"),
        (errno.ENXIO, "no process is reading it (a FIFO needs a reader)"),
        (errno.ELOOP, "is a symbolic link; accelsim never writes through a link"),
        (errno.EIO, "its own words"),  # not mapped: the system's text
    ],
)
def test_each_write_failure_says_what_it_means(code, reason):
    assert str(stream_error("o.json", OSError(code, "its own words"))) == (
        f"o.json: cannot write: {reason}"
    )


def test_stdout_and_closed_streams_are_named_as_such():
    assert str(stream_error("-", OSError(errno.EPIPE, "x"))) == (
        "stdout: cannot write: the reader went away"
    )
    assert str(stream_error("o.json", ValueError("I/O on closed file"))) == (
        "o.json: cannot write: it is closed"
    )


def test_an_output_path_that_cannot_be_a_file_is_refused_before_the_work(tmp_path):
    (tmp_path / "f").write_text("x")
    cases = {
        tmp_path: f"--o {tmp_path}: cannot write: is a directory; give a file name",
        tmp_path / "no" / "x.json": (
            f"--o {tmp_path / 'no' / 'x.json'}: cannot write: folder {tmp_path / 'no'} does not "
            "exist"
        ),
        tmp_path / "f" / "x.json": (
            f"--o {tmp_path / 'f' / 'x.json'}: cannot write: folder {tmp_path / 'f'} is not a "
            "folder"
        ),
        "a\0b": "--o 'a\\x00b': cannot write: the path contains a NUL byte",
    }
    for path, message in cases.items():
        with pytest.raises(AccelsimError) as caught:
            check_output(path, option="--o")
        assert str(caught.value) == message
    check_output("-", option="--o")  # stdout: nothing to check
    check_output(tmp_path / "new.json")


def test_an_output_folder_below_a_file_or_on_a_file_is_refused(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(AccelsimError) as caught:
        check_folder(tmp_path / "f", option="--out")
    assert str(caught.value) == f"--out {tmp_path / 'f'}: cannot write: is a file, not a folder"
    with pytest.raises(AccelsimError) as caught:
        check_folder(tmp_path / "f" / "a" / "b", option="--out")
    assert str(caught.value) == (
        f"--out {tmp_path / 'f' / 'a' / 'b'}: cannot write: {tmp_path / 'f'} is a file"
    )
    check_folder(tmp_path / "new" / "deeper", option="--out")  # made later, under tmp_path
    assert not (tmp_path / "new").exists()


def test_replacing_notices_name_links_and_files_and_nothing_new(tmp_path):
    (tmp_path / "old.json").write_text("x")
    (tmp_path / "link.json").symlink_to(tmp_path / "old.json")
    wanted = {"--a": tmp_path / "old.json", "--b": tmp_path / "link.json",
              "--c": tmp_path / "new.json", "--d": None}  # fmt: skip
    notices = refuse_inputs({"MODEL": None}, wanted)
    assert notices == [
        f"accelsim: --a: replacing existing {tmp_path / 'old.json'}",
        f"accelsim: --b: replacing the link {tmp_path / 'link.json'} (not what it names)",
    ]


def test_two_outputs_of_one_file_are_refused_but_two_links_to_one_file_are_two(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "t.json"
    with pytest.raises(AccelsimError) as caught:
        refuse_inputs({}, {"--a": target, "--b": "t.json"})  # one new file, two spellings
    assert str(caught.value) == f"--b t.json: would overwrite the output --a {target}"
    (tmp_path / "real").write_text("x")
    (tmp_path / "l1").symlink_to(tmp_path / "real")
    (tmp_path / "l2").symlink_to(tmp_path / "real")
    assert len(refuse_inputs({}, {"--a": tmp_path / "l1", "--b": tmp_path / "l2"})) == 2


def test_an_output_where_an_input_link_points_is_refused_though_neither_exists_yet(tmp_path):
    # --data names a link to a folder not made yet (a download would make it): writing the
    # output there would create what the input link names
    (tmp_path / "data").symlink_to(tmp_path / "later")
    with pytest.raises(AccelsimError) as caught:
        refuse_inputs({"--data": tmp_path / "data"}, {"--onnx": tmp_path / "later"})
    assert str(caught.value) == (
        f"--onnx {tmp_path / 'later'}: would overwrite the input --data {tmp_path / 'data'}")


def test_a_dead_writers_temporary_is_an_orphan_and_others_are_not(tmp_path):
    assert outputs._alive(os.getpid())
    assert not outputs._alive(2**22 + 12345)  # above Linux's pid_max (2^22): never a process
    stale = tmp_path / f".o.json.accelsim-{2**22 + 12345}-x.tmp"
    mine = tmp_path / f".o.json.accelsim-{os.getpid()}-x.tmp"
    other_name = tmp_path / f".p.json.accelsim-{2**22 + 12345}-x.tmp"
    not_tmp = tmp_path / f".o.json.accelsim-{2**22 + 12345}-x.part"
    for path in (stale, mine, other_name, not_tmp):
        path.write_text("half")
    outputs._remove_orphans(str(tmp_path), "o.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in (mine, other_name, not_tmp)
    )


# --- files updated in place, and files this process read -------------------------------------


@pytest.fixture
def read_file(tmp_path, monkeypatch):
    """A file this process read (as `accelsim._inputs` records it), forgotten afterwards."""
    import accelsim._inputs as inputs

    monkeypatch.setattr(inputs, "_READ", {})
    path = tmp_path / "in.yaml"
    path.write_text("a: 1\n")
    inputs.note_read(path)
    return path


def test_a_file_updated_in_place_may_be_neither_a_link_nor_special_nor_an_input(
    tmp_path, read_file
):
    outputs.check_updated_in_place(tmp_path / "absent.db")  # nothing there yet: fine
    (tmp_path / "ok.db").write_bytes(b"")
    outputs.check_updated_in_place(tmp_path / "ok.db")
    (tmp_path / "link.db").symlink_to(tmp_path / "ok.db")
    os.mkfifo(tmp_path / "fifo.db")
    os.link(read_file, tmp_path / "hard.db")
    cases = {
        "link.db": "is a symbolic link; accelsim updates this file in place and never through a "
        "link: put the file itself there, or write elsewhere",
        "fifo.db": "cannot write: not a regular file (a device, FIFO or socket)",
        "hard.db": f"is {read_file}, an input of this command; refusing to overwrite it: write "
        "elsewhere",
    }
    for name, reason in cases.items():
        with pytest.raises(AccelsimError) as caught:
            outputs.check_updated_in_place(tmp_path / name)
        assert str(caught.value) == f"{tmp_path / name}: {reason}"


def test_an_output_naming_a_read_file_says_is_or_links_to(tmp_path, read_file):
    (tmp_path / "l.json").symlink_to(read_file)
    with pytest.raises(AccelsimError) as caught:
        outputs.write_text(tmp_path / "l.json", "x")
    assert str(caught.value) == (
        f"{tmp_path / 'l.json'}: links to {read_file}, an input of this command; refusing to "
        "overwrite it: write elsewhere"
    )
    with pytest.raises(AccelsimError, match=rf"^{read_file}: is {read_file}, an input"):
        outputs.write_text(read_file, "x")
    assert read_file.read_text() == "a: 1\n"
    # once the file changed since it was read (another mtime), it is no longer that input
    os.utime(read_file, ns=(1, 1))
    outputs.write_text(read_file, "x")
    assert read_file.read_text() == "x"
