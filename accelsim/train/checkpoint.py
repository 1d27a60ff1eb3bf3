"""Checkpoints: every array (weights, running statistics, optimiser state) plus a JSON record.

One `.npz` per run, rewritten after every epoch through a temporary file and a rename, so an
interrupted run always leaves the last complete epoch behind for `--resume`.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from accelsim.errors import DataError

_GROUPS = ("param", "buffer", "optim")


def save_checkpoint(
    path: Path, arrays: dict[str, dict[str, np.ndarray]], record: dict[str, Any]
) -> None:
    """Write `arrays` (group -> name -> host array) and the JSON `record` atomically."""
    flat = {f"{group}:{name}": a for group, named in arrays.items() for name, a in named.items()}
    from accelsim.outputs import open_output

    path.parent.mkdir(parents=True, exist_ok=True)
    with open_output(path, binary=True) as handle:
        np.savez(handle, record=np.array(json.dumps(record)), **flat)


def load_checkpoint(path: Path) -> tuple[dict[str, dict[str, np.ndarray]], dict[str, Any]]:
    """Read a checkpoint back; DataError when it is missing or damaged."""
    if not path.is_file():
        raise DataError(f"{path}: no checkpoint to resume from; drop --resume to start afresh")
    try:
        with np.load(path, allow_pickle=False) as npz:
            record = json.loads(str(npz["record"]))
            arrays: dict[str, dict[str, np.ndarray]] = {g: {} for g in _GROUPS}
            for key in npz.files:
                if key != "record":
                    group, name = key.split(":", 1)
                    arrays[group][name] = npz[key]
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as e:
        raise DataError(f"{path}: not a readable checkpoint ({e})") from None
    return arrays, record
