"""A symbolic link that leads nowhere (to nothing, or to a path below a file) is, to an output
folder, a file like any other: refused before the work with the same line as a regular file, never
taken for a missing folder that will be made (making it fails: mkdir does not follow a link).
As an output file it is replaced (see tests/hardening/test_output_files.py)."""

from __future__ import annotations

import pytest

from accelsim.errors import AccelsimError
from accelsim.outputs import check_folder, check_output, make_folder

TARGETS = {
    "a file": None,
    "a link to a file": "f",
    "a dangling link": "nowhere",
    "a link below a file": "f/x",  # stat: "not a directory", not "no such file"
}


@pytest.mark.parametrize("what", TARGETS)
def test_a_link_that_leads_nowhere_is_a_file_to_an_output_folder(tmp_path, what):
    (tmp_path / "f").write_text("keep")
    path = tmp_path / "p"
    if TARGETS[what] is None:
        path.write_text("keep")
    else:
        path.symlink_to(tmp_path / TARGETS[what])
    for check in (check_folder, make_folder):  # the check refuses all that cannot be made
        with pytest.raises(AccelsimError) as caught:
            check(path, option="--out")
        assert str(caught.value) == f"--out {path}: cannot write: is a file, not a folder"
        with pytest.raises(AccelsimError) as caught:
            check(path / "a" / "b", option="--out")
        assert str(caught.value) == f"--out {path / 'a' / 'b'}: cannot write: {path} is a file"
    with pytest.raises(AccelsimError) as caught:
        check_output(path / "x.json", option="--o")
    assert str(caught.value) == (
        f"--o {path / 'x.json'}: cannot write: folder {path} is not a folder"
    )
    check_output(path, option="--o")  # as an output file it is replaced, not followed
    # nothing was made or changed anywhere
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f", "p"]
    assert (tmp_path / "f").read_text() == "keep"
    assert path.is_symlink() == (TARGETS[what] is not None)


def test_a_folder_below_a_file_is_missing_and_its_file_is_named(tmp_path):
    # f/x where f is a regular file (no link): stat says "not a directory"; the walk up names f
    (tmp_path / "f").write_text("keep")
    with pytest.raises(AccelsimError) as caught:
        check_folder(tmp_path / "f" / "x", option="--out")
    where = tmp_path / "f" / "x"
    assert str(caught.value) == f"--out {where}: cannot write: {tmp_path / 'f'} is a file"


def test_a_new_folder_under_a_link_to_a_folder_is_made_there(tmp_path):
    # links in the folders above an output are followed, as everywhere on Unix
    (tmp_path / "real").mkdir()
    (tmp_path / "p").symlink_to(tmp_path / "real")
    make_folder(tmp_path / "p" / "new", option="--out")
    assert (tmp_path / "real" / "new").is_dir()
