"""Reading a file the user named, safely: regular files only, under a documented size cap.

Every file checked here is recorded as read, so no output of the same command can replace it.

A device (`/dev/zero`, `/dev/urandom`), a FIFO or a socket never ends or blocks, and a huge file
would be read whole into memory, so the kind and size are checked before anything is read and
no more than the cap is ever read (a file growing after the check is caught too).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from accelsim.errors import AccelsimError

__all__ = ["YAML_LIMIT_BYTES", "check_regular_file", "files_read", "note_read", "read_capped"]

YAML_LIMIT_BYTES = 1 << 20
"""Largest hardware or sweep file read (1 MiB); real ones are a few KiB."""

_READ: dict[tuple[int, int], tuple[str, int]] = {}
"""Every file this process read: (st_dev, st_ino) -> (path as given, st_mtime_ns). The
output guard (`accelsim.outputs`) refuses to write any of them, however it is spelled."""


def note_read(path: str | Path, info: os.stat_result | None = None) -> None:
    """Record `path` (its `info`, else its stat) as a file this process reads."""
    try:
        info = info or os.stat(path)
    except (OSError, ValueError):
        return  # a file that cannot be statted is not read either
    _READ[(info.st_dev, info.st_ino)] = (str(path), info.st_mtime_ns)


def files_read() -> dict[tuple[int, int], tuple[str, int]]:
    """The files recorded by `note_read` (a copy)."""
    return dict(_READ)


def check_regular_file(
    path: str | Path, *, what: str, limit_bytes: int, error: type[AccelsimError]
) -> int:
    """The size of `path` if it is a regular file no larger than `limit_bytes`.

    Raises:
        `error`: missing, a directory, not a regular file, unreadable or over the cap; the
            message starts with the path and names `what` was expected.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{path}: is a directory; expected {what}")
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{path}: not a regular file (a device, FIFO or socket); expected {what}")
    if info.st_size > limit_bytes:
        raise error(
            f"{path}: {info.st_size:,} bytes is over the {limit_bytes:,}-byte limit for {what}"
        )
    note_read(path, info)
    return info.st_size


def read_capped(
    path: str | Path, *, what: str, limit_bytes: int, error: type[AccelsimError]
) -> bytes:
    """The bytes of `path`, checked by `check_regular_file` and never more than `limit_bytes`.

    Raises:
        `error`: as `check_regular_file`, or the file grew past the cap while being read.
    """
    check_regular_file(path, what=what, limit_bytes=limit_bytes, error=error)
    try:
        with open(path, "rb") as stream:
            data = stream.read(limit_bytes + 1)
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror}") from None
    if len(data) > limit_bytes:
        raise error(f"{path}: grew past the {limit_bytes:,}-byte limit for {what} while read")
    return data
