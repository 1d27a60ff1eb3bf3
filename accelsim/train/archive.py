"""Size budgets for the archives training reads, checked before anything is inflated.

A zip (image folders, `.npz` checkpoints and caches) or a tar member declares its size in a
header; a decompression bomb declares gigabytes in a few kilobytes. These checks read only
the headers, so a bomb is refused in milliseconds instead of filling memory. (A header that
lies about its size cannot get past it either: zipfile stops at the declared size and the
CRC check then fails.)
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from accelsim.errors import DataError

__all__ = ["MiB", "check_size", "checked_zip_members"]

MiB = 1 << 20


def check_size(origin: str, size_bytes: int, limit_bytes: int, *, what: str, fix: str) -> None:
    """Refuse `size_bytes` over `limit_bytes` with one line naming `origin` and the fix.

    Raises:
        DataError: `origin: would inflate to N B, over the L B limit for a <what>; <fix>`.
    """
    if size_bytes > limit_bytes:
        raise DataError(
            f"{origin}: would inflate to {size_bytes:,} B, over the {limit_bytes:,} B limit for "
            f"this {what} (corrupt, or a decompression bomb); {fix}"
        )


def checked_zip_members(
    path: Path, *, member_limit_bytes: int, total_limit_bytes: int, what: str, fix: str
) -> list[zipfile.ZipInfo]:
    """The members of the zip at `path`, after checking their declared sizes.

    Raises:
        DataError: the file is not a readable zip, or a member or the total is over budget.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise DataError(f"{path}: not a readable {what} ({exc}); {fix}") from None
    for info in members:
        check_size(
            f"{path}: member {info.filename}", info.file_size, member_limit_bytes, what=what,
            fix=fix,
        )  # fmt: skip
    check_size(str(path), sum(i.file_size for i in members), total_limit_bytes, what=what, fix=fix)
    return members
