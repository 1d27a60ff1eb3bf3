"""Checkpoints: every array (weights, running statistics, optimiser state) plus a JSON record.

One `.npz` per run, rewritten after every epoch through a temporary file and a rename, so an
interrupted run always leaves the last complete epoch behind for `--resume`.
"""

from __future__ import annotations

import json
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from accelsim.errors import DataError
from accelsim.train.archive import MiB, checked_zip_members

_GROUPS = ("param", "buffer", "optim")
LIMIT_BYTES = 1024 * MiB
"""A checkpoint's arrays, inflated (MobileNet alpha 1 with its optimiser state: ~30 MB)."""
START_AGAIN = "remove it (or drop --resume) to start training again"


def save_checkpoint(
    path: Path, arrays: dict[str, dict[str, np.ndarray]], record: dict[str, Any]
) -> None:
    """Write `arrays` (group -> name -> host array) and the JSON `record` atomically."""
    flat: dict[str, Any] = {
        f"{group}:{name}": a for group, named in arrays.items() for name, a in named.items()
    }
    from accelsim.outputs import open_output

    path.parent.mkdir(parents=True, exist_ok=True)
    with open_output(path, binary=True) as handle:
        np.savez(handle, record=np.array(json.dumps(record)), **flat)


def load_checkpoint(path: Path) -> tuple[dict[str, dict[str, np.ndarray]], dict[str, Any]]:
    """Read a checkpoint back; DataError naming the file when it is missing or damaged.

    Member sizes are checked before anything is inflated (a bomb is refused in milliseconds).
    """
    if not path.is_file():
        raise DataError(f"{path}: no checkpoint to resume from; drop --resume to start afresh")
    checked_zip_members(
        path, member_limit_bytes=LIMIT_BYTES, total_limit_bytes=LIMIT_BYTES, what="checkpoint",
        fix=START_AGAIN,
    )  # fmt: skip
    try:
        with np.load(path, allow_pickle=False) as npz:
            record = json.loads(str(npz["record"]))
            arrays: dict[str, dict[str, np.ndarray]] = {g: {} for g in _GROUPS}
            for key in npz.files:
                if key != "record":
                    group, name = key.split(":", 1)
                    arrays[group][name] = npz[key]
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as e:
        raise DataError(f"{path}: not a readable checkpoint ({e}); {START_AGAIN}") from None
    if not isinstance(record, dict):
        raise DataError(f"{path}: checkpoint record is not a JSON object; {START_AGAIN}")
    return arrays, record


def check_arrays(
    path: Path,
    arrays: dict[str, dict[str, np.ndarray]],
    expected: dict[str, dict[str, tuple[int, ...]]],
) -> None:
    """Refuse a checkpoint whose arrays (weights, statistics, optimiser state) are not
    exactly those the network it describes needs: name and shape, group by group.

    Raises:
        DataError: `ck.npz: checkpoint lacks optim arrays momentum/fc.weight; remove it ...`.
    """
    for group, shapes in expected.items():
        have = arrays.get(group, {})
        missing = sorted(shapes.keys() - have.keys())
        extra = sorted(have.keys() - shapes.keys())
        wrong = sorted(n for n in shapes.keys() & have.keys() if have[n].shape != shapes[n])
        problems = (("lacks", missing), ("has unknown", extra), ("has misshapen", wrong))
        for problem, names in problems:
            if names:
                more = f" and {len(names) - 3} more" if names[3:] else ""
                shown = ", ".join(names[:3]) + more
                raise DataError(
                    f"{path}: checkpoint {problem} {group} arrays {shown}; {START_AGAIN}"
                )
