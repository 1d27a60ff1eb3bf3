"""Every file accelsim writes goes through here, so no subcommand can lose what a user gave it.

- No output follows a symbolic link: a link where an output goes is replaced by the new file
  (the file it pointed to is left alone), and files updated in place (a FIFO, a device, the
  sweep database) are opened with `O_NOFOLLOW` or refused when they are links. Links in the
  folders above an output are followed, as everywhere on Unix.
- No output may be a file the same command reads, however it is spelled (another path, a
  symbolic link, a hard link: compared by `st_dev`/`st_ino`): `refuse_inputs` checks the
  inputs a command names before any work is done, and every write checks the files
  `accelsim._inputs` recorded as read (YAML files, models, external data, files named inside
  a sweep file), so no writer can forget one.
- `open_output` writes a regular file atomically: a temporary file in the same folder, fsync,
  rename; the old file's permissions are kept; on any exception or signal the temporary file
  is removed (`cli.main` turns SIGTERM/SIGHUP into an exception), and a temporary file left by
  a process that was killed outright is removed by the next write to the same path.
- A target that is not a regular file (`/dev/null`, a device, a FIFO, `/dev/stdout`, or `-`
  for stdout) is written in place: a rename would turn a device into a regular file. It is
  opened non-blocking, so a FIFO nobody reads is an error after FIFO_WAIT_S, not a hang.
- `claim_folder` lets a report folder be rewritten only where accelsim wrote before: a
  manifest (`.accelsim-outputs`) lists the files it wrote; any other file of the same name is
  refused, so `--report .` cannot clobber a project's README.md.
- An operating-system failure (read-only folder, a folder the user may not enter, full disk,
  closed stdout, NUL in a path) is one `AccelsimError` line naming the path.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import os
import stat
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from accelsim._inputs import files_read
from accelsim.errors import AccelsimError

__all__ = [
    "FIFO_WAIT_S",
    "MANIFEST",
    "STDOUT",
    "check_folder",
    "check_folder_files",
    "check_output",
    "check_updated_in_place",
    "claim_folder",
    "make_folder",
    "open_output",
    "refuse_foreign",
    "refuse_inputs",
    "stream_error",
    "write_bytes",
    "write_text",
]

STDOUT = "-"
"""An output path meaning the process's standard output."""

MANIFEST = ".accelsim-outputs"
"""In a folder accelsim writes reports into: the names of the files it wrote there."""

FIFO_WAIT_S = 5.0
"""How long an output that is a FIFO may wait for a process to read it before it is an error."""

_TEMP_TAG = ".accelsim-"
_IN_PLACE_ROOTS = ("/dev/", "/proc/")
_HINTS = {
    errno.ENOSPC: "the disk is full; free space or write elsewhere",
    errno.EDQUOT: "the disk quota is exceeded; free space or write elsewhere",
    errno.EROFS: "the file system is read-only; write elsewhere",
    errno.EACCES: "permission denied; write elsewhere or fix the permissions",
    errno.EPERM: "not permitted; write elsewhere or fix the permissions",
    errno.ENOENT: "the folder does not exist; create it first",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "is a directory; give a file name",
    errno.EBADF: "it is closed",
    errno.EPIPE: "the reader went away",
    errno.ENXIO: "no process is reading it (a FIFO needs a reader)",
    errno.ELOOP: "is a symbolic link; accelsim never writes through a link",
}


def stream_error(path: str | Path, exc: OSError | ValueError) -> AccelsimError:
    """The one-line error for a failed write of `path` (ValueError: a closed Python stream)."""
    name = "stdout" if str(path) == STDOUT else str(path)
    if isinstance(exc, ValueError):
        return AccelsimError(f"{name}: cannot write: it is closed")
    reason = _HINTS.get(exc.errno or 0) or exc.strerror or str(exc)
    return AccelsimError(f"{name}: cannot write: {reason}")


def check_output(path: str | Path, *, option: str = "") -> None:
    """Refuse, before any work, an output path that cannot be written as a file.

    Errors read `[option ]path: cannot write: reason`.

    Raises:
        AccelsimError: a NUL byte in the path, a directory, a folder that does not exist or
            that the user may not enter, or one where no file can be created (read-only, /proc).
    """
    text = str(path)
    if text == STDOUT:
        return
    where = _where(text, option)
    target = Path(text)
    if _status(target, where) == "folder":
        raise AccelsimError(f"{where}: cannot write: is a directory; give a file name")
    folder = target.parent
    state = _status(folder, where)
    if state != "folder":
        what = "does not exist" if state == "missing" else "is not a folder"
        raise AccelsimError(f"{where}: cannot write: folder {folder} {what}")
    if _is_regular_target(text):  # written as a temporary file in `folder`, then renamed
        _probe(folder, where)


def check_folder(path: str | Path, *, option: str) -> None:
    """Refuse, before any work, an output folder that cannot be made or written into.

    Raises:
        AccelsimError: `option path: cannot write: ...` for a file where the folder (or a
            folder above it) should be, a folder the user may not enter, or a read-only one.
    """
    text = str(path)
    where = _where(text, option)
    folder = Path(text)
    while (state := _status(folder, where)) == "missing" and folder != folder.parent:
        folder = folder.parent  # the first folder that exists is where it will be made
    if state == "missing":
        raise AccelsimError(f"{where}: cannot write: no folder of it exists")
    if state != "folder":
        what = "is a file, not a folder" if folder == Path(text) else f"{folder} is a file"
        raise AccelsimError(f"{where}: cannot write: {what}")
    _probe(folder, where)


def make_folder(path: str | Path, *, option: str) -> None:
    """Create the output folder `path` and the folders above it (see `check_folder`).

    Raises:
        AccelsimError: one line naming the path when the folder cannot be made.
    """
    check_folder(path, option=option)
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        raise stream_error(_where(str(path), option), exc) from None


def _where(text: str, option: str) -> str:
    shown = repr(text) if "\0" in text else text
    return f"{option} {shown}" if option else shown


def _status(path: Path, where: str) -> str:
    """What `path` is: `folder`, `file` (anything else that exists) or `missing`.

    One line for a path with a NUL byte or under a folder the user may not enter."""
    if "\0" in str(path):
        raise AccelsimError(f"{where}: cannot write: the path contains a NUL byte")
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        # A link leading nowhere (to nothing, or below a file) is a file, never a folder to
        # make; a path that is no link has a folder above it missing or a file (the caller
        # names that folder).
        return "file" if os.path.islink(path) else "missing"  # a dangling link: replaced
    except OSError as exc:
        raise stream_error(where, exc) from None
    return "folder" if stat.S_ISDIR(mode) else "file"


def _probe(folder: Path, where: str) -> None:
    """Create and remove a file in `folder`: the only sure test (root passes access checks
    on read-only mounts, so `os.access` cannot tell)."""
    try:
        handle, probe = tempfile.mkstemp(dir=folder, prefix=".accelsim-probe-")
    except OSError as exc:
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC):
            raise AccelsimError(f"{where}: cannot write: {_HINTS[exc.errno]}") from None
        raise AccelsimError(
            f"{where}: cannot write: no file can be created in folder {folder} ({exc.strerror})"
        ) from None
    os.close(handle)
    os.unlink(probe)


def _identities(path: str, *, links_too: bool = True) -> set[tuple[int, int]]:
    """(st_dev, st_ino) of `path` itself and, with `links_too`, of what it names if it is a
    symbolic link."""
    found = set()
    for follow in (False, True) if links_too else (False,):
        with contextlib.suppress(OSError, ValueError):
            info = os.stat(path, follow_symlinks=follow)
            found.add((info.st_dev, info.st_ino))
    return found


def _same_file(output: str, other: str, *, other_is_output: bool = False) -> bool:
    """Whether writing `output` would change `other`: an input by any spelling or link, or
    another output by any spelling (links are replaced, so two links to one file are two)."""
    ours = _identities(output, links_too=not other_is_output)
    theirs = _identities(other, links_too=not other_is_output)
    if ours and theirs:
        return bool(ours & theirs)
    return os.path.realpath(output) == os.path.realpath(other)


def _refuse_read(path: str, where: str) -> None:
    """Refuse an output that is (or links to) a file this process read (see `accelsim._inputs`)."""
    for follow in (False, True):
        try:
            info = os.stat(path, follow_symlinks=follow)
        except (OSError, ValueError):
            continue
        source = _input_named(info)
        if source is not None:
            how = "links to" if stat.S_ISLNK(os.lstat(path).st_mode) else "is"
            raise _overwrites(where, how, source)


def _input_named(info: os.stat_result) -> str | None:
    """The path an input was read under if `info` is that file (unchanged since), else None."""
    source = files_read().get((info.st_dev, info.st_ino))
    return source[0] if source is not None and source[1] == info.st_mtime_ns else None


def _overwrites(where: str, how: str, source: str) -> AccelsimError:
    return AccelsimError(
        f"{where}: {how} {source}, an input of this command; refusing to overwrite it: write "
        "elsewhere"
    )


def _is_regular_target(path: str) -> bool:
    """False for stdout, an existing non-regular file (not a link), or anything existing under
    /dev or /proc (`/dev/stdout` redirected to a file resolves to that file, which the shell
    holds open). A symbolic link elsewhere is a regular target: it is replaced, not followed."""
    if path == STDOUT:
        return False
    system = os.path.abspath(path).startswith(_IN_PLACE_ROOTS)
    try:
        mode = os.stat(path, follow_symlinks=system).st_mode
    except (OSError, ValueError):
        return True  # a new file, or one the write itself will report on
    return not system and (stat.S_ISREG(mode) or stat.S_ISLNK(mode))


def refuse_inputs(
    inputs: Mapping[str, str | Path | None], outputs: Mapping[str, str | Path | None]
) -> list[str]:
    """Refuse an output that is an input or another output; name files that will be replaced.

    `inputs` and `outputs` map an option (e.g. "--data", "--onnx") to its path or None. Each
    output is also checked with `check_output` and against every file already read. Returns
    one notice per existing regular file or link that will be replaced, so nothing is
    overwritten without a word.

    Raises:
        AccelsimError: `--onnx m.onnx: would overwrite the input --data m.onnx`, or a
            `check_output` failure.
    """
    taken = [(f"input {option}", str(p), False) for option, p in inputs.items() if p is not None]
    notices = []
    for option, path in outputs.items():
        if path is None:
            continue
        text = str(path)
        check_output(text, option=option)
        if not _is_regular_target(text):
            continue  # /dev/null twice, or stdout, loses nothing
        for owner, other, is_output in taken:
            if _same_file(text, other, other_is_output=is_output):
                raise AccelsimError(f"{option} {text}: would overwrite the {owner} {other}")
        _refuse_read(text, f"{option} {text}")
        taken.append((f"output {option}", text, True))
        if os.path.islink(text):
            notices.append(f"accelsim: {option}: replacing the link {text} (not what it names)")
        elif os.path.isfile(text):
            notices.append(f"accelsim: {option}: replacing existing {text}")
    return notices


def check_updated_in_place(path: str | Path) -> None:
    """Refuse a file that will be updated in place (a database) where it is a symbolic link,
    not a regular file, or a file this command read.

    Raises:
        AccelsimError: one line naming the path and what it is.
    """
    text = str(path)
    try:
        mode = os.lstat(text).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise stream_error(text, exc) from None
    if stat.S_ISLNK(mode):
        raise AccelsimError(
            f"{text}: is a symbolic link; accelsim updates this file in place and never through "
            "a link: put the file itself there, or write elsewhere"
        )
    if not stat.S_ISREG(mode):
        raise AccelsimError(f"{text}: cannot write: not a regular file (a device, FIFO or socket)")
    _refuse_read(text, text)


@contextlib.contextmanager
def open_output(path: str | Path, *, binary: bool = False) -> Iterator[IO[Any]]:
    """An open stream whose content replaces `path` whole when the block ends without error.

    Regular files (and symbolic links, which are replaced) are written atomically (see the
    module docstring); stdout (`-`) and non-regular targets are written in place.

    Raises:
        AccelsimError: the path or its folder cannot be written, or it is a file this process
            read (one line naming the path).
    """
    text = str(path)
    check_output(text)
    if text == STDOUT:
        with _stdout_stream(binary) as stream:
            yield stream
        return
    _refuse_read(text, text)
    if not _is_regular_target(text):
        with _in_place_stream(text, binary) as stream:
            yield stream
    else:
        with _atomic_stream(text, binary) as stream:
            yield stream


@contextlib.contextmanager
def _stdout_stream(binary: bool) -> Iterator[IO[Any]]:
    if sys.stdout is None:  # started with stdout closed
        raise stream_error(STDOUT, OSError(errno.EBADF, os.strerror(errno.EBADF)))
    stream: IO[Any] = sys.stdout.buffer if binary else sys.stdout
    try:
        yield stream
        stream.flush()
    except OSError as exc:
        raise stream_error(STDOUT, exc) from None
    except ValueError as exc:
        if not stream.closed:
            raise  # not the stream's fault: a bug in what was being written
        raise stream_error(STDOUT, exc) from None


@contextlib.contextmanager
def _in_place_stream(path: str, binary: bool) -> Iterator[IO[Any]]:
    try:
        descriptor = _open_in_place(path)
        with os.fdopen(descriptor, "wb" if binary else "w", **_text_options(binary)) as stream:
            yield stream
    except OSError as exc:
        raise stream_error(path, exc) from None


def _open_in_place(path: str) -> int:
    """A blocking write descriptor for a device or FIFO, opened non-blocking so a FIFO with no
    reader fails (ENXIO) instead of hanging; retried for FIFO_WAIT_S for a reader to come.
    Links are followed only under /dev and /proc (`/dev/stdout` is one).

    The path may have changed since it was checked, so the opened file itself is compared with
    the inputs (`fstat`) before a byte is written: nothing is truncated at open (`O_TRUNC`),
    only a regular file found to be no input is emptied, and a refused one is left alone."""
    flags = os.O_WRONLY | os.O_NONBLOCK | os.O_NOCTTY
    if not os.path.abspath(path).startswith(_IN_PLACE_ROOTS):
        flags |= os.O_NOFOLLOW
    deadline = time.monotonic() + FIFO_WAIT_S
    while True:
        try:
            try:  # a file this call creates is new: it cannot be an input
                descriptor = os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o666)
                return _blocking(descriptor)
            except FileExistsError:
                descriptor = os.open(path, flags)
            break
        except OSError as exc:
            if exc.errno != errno.ENXIO or time.monotonic() >= deadline:
                raise
            time.sleep(0.05)
    info = os.fstat(descriptor)
    source = _input_named(info)
    if source is not None:
        os.close(descriptor)
        raise _overwrites(path, "is", source)
    if stat.S_ISREG(info.st_mode):  # `/dev/stdout` redirected to a file
        os.ftruncate(descriptor, 0)
    return _blocking(descriptor)


def _blocking(descriptor: int) -> int:
    status = fcntl.fcntl(descriptor, fcntl.F_GETFL)
    fcntl.fcntl(descriptor, fcntl.F_SETFL, status & ~os.O_NONBLOCK)
    return descriptor


def _text_options(binary: bool) -> dict[str, Any]:
    return {} if binary else {"encoding": "utf-8", "newline": ""}


@contextlib.contextmanager
def _atomic_stream(path: str, binary: bool) -> Iterator[IO[Any]]:
    # NOTE: the rename replaces `path` itself: a symbolic link there is replaced, and the file
    # it named is left alone; a hard link keeps the old content under its other names.
    target = Path(path)
    folder, name = str(target.parent), target.name
    _remove_orphans(folder, name)
    mode = _mode_for(path)
    temporary: str | None = None
    try:
        handle, temporary = tempfile.mkstemp(
            dir=folder, prefix=f".{name}{_TEMP_TAG}{os.getpid()}-", suffix=".tmp"
        )
        with os.fdopen(handle, "wb" if binary else "w", **_text_options(binary)) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        _replace(temporary, path)
        temporary = None
        _sync_folder(folder)
    except OSError as exc:
        raise stream_error(path, exc) from None
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def _replace(temporary: str, path: str) -> None:
    """Rename `temporary` over `path` unless what `path` names by now is (or links to) an input.

    On Linux the two are swapped atomically (`renameat2` RENAME_EXCHANGE) and what was swapped
    out is checked, then removed, or swapped back if it is an input; a new `path` is made with
    RENAME_NOREPLACE. Elsewhere (or on a file system without them) `path` is checked again
    just before `os.replace`, which leaves only that instant between check and rename.

    Raises:
        AccelsimError: `path` is an input (`temporary` is left for the caller to remove).
    """
    if _rename2(temporary, path, _RENAME_EXCHANGE):
        try:
            _refuse_read(temporary, path)
        except AccelsimError:
            _rename2(temporary, path, _RENAME_EXCHANGE)  # the input goes back where it was
            raise
        os.unlink(temporary)
    elif not _rename2(temporary, path, _RENAME_NOREPLACE):
        _refuse_read(path, path)
        os.replace(temporary, path)


_RENAME_NOREPLACE, _RENAME_EXCHANGE = 1, 2
"""renameat2(2) flags (Linux >= 3.15, glibc >= 2.28)."""


def _rename2(old: str, new: str, flag: int) -> bool:
    """Whether renameat2(old, new, flag) succeeded (False: unsupported, or it did not apply)."""
    call = getattr(_libc(), "renameat2", None)
    if call is None:
        return False
    at_cwd = -100  # AT_FDCWD
    return bool(call(at_cwd, os.fsencode(old), at_cwd, os.fsencode(new), flag) == 0)


@functools.cache
def _libc() -> Any:
    import ctypes  # only when a file is written: start-up stays lean

    return ctypes.CDLL(None, use_errno=True)


def _mode_for(path: str) -> int:
    """The permissions of the regular file being replaced, or the umask's default for a new
    one (or for a link being replaced: a link's own mode means nothing)."""
    with contextlib.suppress(OSError):
        info = os.lstat(path)
        if stat.S_ISREG(info.st_mode):
            return stat.S_IMODE(info.st_mode)
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable (best effort: not every file system allows it)."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _remove_orphans(folder: str, name: str) -> None:
    """Remove temporary files for `name` left by accelsim processes that no longer exist."""
    prefix = f".{name}{_TEMP_TAG}"
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if not (entry.name.startswith(prefix) and entry.name.endswith(".tmp")):
                continue
            pid_text = entry.name[len(prefix) :].split("-", 1)[0]
            if pid_text.isdigit() and not _alive(int(pid_text)):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all (see `open_output`)."""
    with open_output(path, binary=True) as stream:
        stream.write(data)


def write_text(path: str | Path, text: str) -> None:
    """Write UTF-8 `text` to `path` whole or not at all (see `open_output`)."""
    with open_output(path) as stream:
        stream.write(text)


def claim_folder(folder: str | Path, names: Iterable[str], *, command: str) -> None:
    """Allow `command` to (re)write `names` in `folder`, refusing files it did not write.

    A name already in `folder` is allowed only if the folder's manifest lists it. The manifest
    is updated before any file is written, so it covers a write that is interrupted.

    Raises:
        AccelsimError: a file of one of `names` exists and accelsim did not write it.
    """
    wanted = list(names)
    owned = refuse_foreign(folder, wanted)
    listed = sorted(owned | set(wanted))
    if listed != sorted(owned):
        header = f"# files written here by accelsim {command}; it may replace only these\n"
        write_text(Path(folder) / MANIFEST, header + "".join(f"{n}\n" for n in listed))


def check_folder_files(
    folder: str | Path,
    names: Iterable[str],
    *,
    option: str,
    inputs: Mapping[str, str | Path | None],
    updated: Iterable[str] = (),
) -> None:
    """Before the work, in an existing output folder: refuse a file of `names` accelsim did
    not write there (`refuse_foreign`), and any of `names`, `updated` (files rewritten in
    place, e.g. a database) and the manifest that is one of `inputs` or a file already read.

    Raises:
        AccelsimError: one line naming the file and the input or the reason.
    """
    target = Path(folder)
    wanted = list(names)
    refuse_foreign(target, wanted)
    for name in (*wanted, *updated, MANIFEST):
        refuse_inputs(inputs, {option: target / name})


def refuse_foreign(folder: str | Path, names: Iterable[str]) -> set[str]:
    """Refuse a file of one of `names` in `folder` that its manifest does not list.

    Returns the names the manifest lists (empty when there is none). Call it before the work
    whose results `claim_folder` will later write.

    Raises:
        AccelsimError: `DIR/README.md: exists and was not written by accelsim ...`.
    """
    target = Path(folder)
    manifest = target / MANIFEST
    owned = set(_read_manifest(manifest))
    for name in names:
        if os.path.lexists(target / name) and name not in owned:
            raise AccelsimError(
                f"{target / name}: exists and was not written by accelsim (not listed in "
                f"{manifest}); refusing to overwrite it: move it away or choose another folder"
            )
    return owned


def _read_manifest(manifest: Path) -> list[str]:
    try:
        descriptor = os.open(manifest, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with os.fdopen(descriptor, encoding="utf-8") as stream:
            lines = stream.read(1 << 20).splitlines()
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        if isinstance(exc, OSError) and exc.errno == errno.ELOOP:
            raise AccelsimError(
                f"{manifest}: is a symbolic link, not the list of files accelsim wrote here; "
                "remove the link"
            ) from None
        reason = exc.strerror if isinstance(exc, OSError) else exc
        raise AccelsimError(
            f"{manifest}: unreadable ({reason}); remove it to start again"
        ) from None
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]
