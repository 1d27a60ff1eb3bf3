"""`accelsim schema`: print (or write) the JSON Schema of the hardware file for editors and CI."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser], summary: str
) -> None:
    """Add the `schema` subcommand."""
    p = subparsers.add_parser("schema", help=summary, description=summary)
    p.add_argument(
        "--output",
        "-o",
        type=Path,
        metavar="FILE",
        help="write the schema to FILE (atomically; - for stdout) instead of stdout",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Render the schema as indented JSON to stdout or to `args.output`."""
    from accelsim.hardware_file import hardware_json_schema
    from accelsim.outputs import STDOUT, write_text

    text = json.dumps(hardware_json_schema(), indent=2, ensure_ascii=False) + "\n"
    write_text(STDOUT if args.output is None else args.output, text)
    return 0
