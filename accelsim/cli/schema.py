"""`accelsim schema`: print (or write) the JSON Schema of the hardware file for editors and CI."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from accelsim.errors import AccelsimError


def register(subparsers: argparse._SubParsersAction, summary: str) -> None:
    """Add the `schema` subcommand."""
    p = subparsers.add_parser("schema", help=summary, description=summary)
    p.add_argument(
        "--output",
        "-o",
        type=Path,
        metavar="FILE",
        help="write the schema to FILE (atomically) instead of stdout",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Render the schema as indented JSON to stdout or to `args.output`."""
    from accelsim.hardware_file import hardware_json_schema

    text = json.dumps(hardware_json_schema(), indent=2, ensure_ascii=False) + "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        _write_atomically(args.output, text)
    return 0


def _write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder and rename, so no partial file is left."""
    folder = path.parent
    if not folder.is_dir():
        raise AccelsimError(f"{path}: cannot write: folder {folder} does not exist")
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; a schema is meant to be shared
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise AccelsimError(f"{path}: cannot write: {exc.strerror}") from None
