"""Every file accelsim writes goes through here, so no subcommand can lose what a user gave it.

- `refuse_inputs` stops an output that is one of the command's inputs (same file, whatever
  the spelling: checked with `samefile`, else by real path) before any work is done.
- `open_output` writes a regular file atomically: a temporary file in the same folder, fsync,
  rename; the old file's permissions are kept; on any exception or signal the temporary file
  is removed (`cli.main` turns SIGTERM/SIGHUP into an exception), and a temporary file left by
  a process that was killed outright is removed by the next write to the same path.
- A target that is not a regular file (`/dev/null`, a device, a FIFO, `/dev/stdout`, or `-`
  for stdout) is written in place: a rename would turn a device into a regular file.
- `claim_folder` lets a report folder be rewritten only where accelsim wrote before: a
  manifest (`.accelsim-outputs`) lists the files it wrote; any other file of the same name is
  refused, so `--report .` cannot clobber a project's README.md.
- An operating-system failure (read-only folder, full disk, closed stdout, NUL in a path) is
  one `AccelsimError` line naming the path.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from accelsim.errors import AccelsimError

__all__ = [
    "MANIFEST",
    "STDOUT",
    "check_output",
    "claim_folder",
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
        AccelsimError: a NUL byte in the path, a directory, a folder that does not exist, or
            one where no file can be created (read-only, /proc).
    """
    text = str(path)
    if text == STDOUT:
        return
    where = f"{option} {text}" if option else text
    if "\0" in text:
        where = f"{option} {text!r}" if option else repr(text)
        raise AccelsimError(f"{where}: cannot write: the path contains a NUL byte")
    target = Path(text)
    if target.is_dir():
        raise AccelsimError(f"{where}: cannot write: is a directory; give a file name")
    folder = target.parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise AccelsimError(f"{where}: cannot write: folder {folder} {what}")
    if _is_regular_target(text):  # written as a temporary file in `folder`, then renamed
        try:  # NOTE: a probe, not os.access: root passes access checks on read-only mounts
            handle, probe = tempfile.mkstemp(dir=folder, prefix=".accelsim-probe-")
        except OSError as exc:
            if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC):
                raise AccelsimError(f"{where}: cannot write: {_HINTS[exc.errno]}") from None
            raise AccelsimError(
                f"{where}: cannot write: no file can be created in folder {folder} ({exc.strerror})"
            ) from None
        os.close(handle)
        os.unlink(probe)


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return os.path.realpath(a) == os.path.realpath(b)


def _is_regular_target(path: str) -> bool:
    """False for stdout, an existing non-regular file, or anything existing under /dev or /proc
    (`/dev/stdout` redirected to a file resolves to that file, which the shell holds open)."""
    if path == STDOUT:
        return False
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return True  # a new file, or one the write itself will report on
    return stat.S_ISREG(mode) and not os.path.abspath(path).startswith(_IN_PLACE_ROOTS)


def refuse_inputs(
    inputs: Mapping[str, str | Path | None], outputs: Mapping[str, str | Path | None]
) -> list[str]:
    """Refuse an output that is an input or another output; name files that will be replaced.

    `inputs` and `outputs` map an option (e.g. "--data", "--onnx") to its path or None. Each
    output is also checked with `check_output`. Returns one notice per existing regular file
    that will be replaced, so nothing is overwritten without a word.

    Raises:
        AccelsimError: `--onnx m.onnx: would overwrite the input --data m.onnx`, or a
            `check_output` failure.
    """
    taken = [(f"input {option}", str(p)) for option, p in inputs.items() if p is not None]
    notices = []
    for option, path in outputs.items():
        if path is None:
            continue
        text = str(path)
        check_output(text, option=option)
        if not _is_regular_target(text):
            continue  # /dev/null twice, or stdout, loses nothing
        for owner, other in taken:
            if _same_file(text, other):
                raise AccelsimError(f"{option} {text}: would overwrite the {owner} {other}")
        taken.append((f"output {option}", text))
        if os.path.isfile(text):
            notices.append(f"accelsim: {option}: replacing existing {text}")
    return notices


@contextlib.contextmanager
def open_output(path: str | Path, *, binary: bool = False) -> Iterator[IO[Any]]:
    """An open stream whose content replaces `path` whole when the block ends without error.

    Regular files are written atomically (see the module docstring); stdout (`-`) and
    non-regular targets are written in place. Text streams are UTF-8 with newlines as given.

    Raises:
        AccelsimError: the path or its folder cannot be written (one line naming the path).
    """
    text = str(path)
    check_output(text)
    if text == STDOUT:
        with _stdout_stream(binary) as stream:
            yield stream
    elif not _is_regular_target(text):
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
        with open(path, "wb" if binary else "w", **_text_options(binary)) as stream:
            yield stream
    except OSError as exc:
        raise stream_error(path, exc) from None


def _text_options(binary: bool) -> dict[str, Any]:
    return {} if binary else {"encoding": "utf-8", "newline": ""}


@contextlib.contextmanager
def _atomic_stream(path: str, binary: bool) -> Iterator[IO[Any]]:
    # NOTE: a symlink keeps pointing where it did: the file it names is the one replaced.
    target = os.path.realpath(path)
    folder, name = os.path.split(target)
    _remove_orphans(folder, name)
    mode = _mode_for(target)
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
        os.replace(temporary, target)
        temporary = None
        _sync_folder(folder)
    except OSError as exc:
        raise stream_error(path, exc) from None
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def _mode_for(target: str) -> int:
    """The permissions of the file being replaced, or the umask's default for a new one."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
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
        lines = manifest.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise AccelsimError(f"{manifest}: unreadable ({exc}); remove it to start again") from None
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]
