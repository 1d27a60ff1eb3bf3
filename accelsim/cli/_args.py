"""Arguments several subcommands share, so they read and validate the same way."""

from __future__ import annotations

import argparse


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be >= 1")
    return value


def add_model_arguments(parser: argparse.ArgumentParser, *, machine: bool = False) -> None:
    """MODEL.onnx, --batch N (resolves a symbolic batch dimension) and, with `machine`, --hw."""
    parser.add_argument("model", metavar="MODEL.onnx", help="ONNX model file")
    parser.add_argument(
        "--batch", type=positive_int, metavar="N", help="batch size for a symbolic batch dimension"
    )
    if machine:
        parser.add_argument("--hw", required=True, metavar="MACHINE.yaml", help="hardware file")


def guard_outputs(inputs: list[str], outputs: dict[str, str | None]) -> list[str]:
    """Refuse an output that would overwrite an input or another output; name replaced files.

    `outputs` maps an option (e.g. "--trace") to its path or None. Returns one notice per
    existing file that will be replaced, so nothing the user has is overwritten silently.
    """
    from pathlib import Path

    from accelsim.errors import AccelsimError

    taken = {Path(p).resolve(): f"input {p}" for p in inputs}
    notices = []
    for option, path in outputs.items():
        if path is None:
            continue
        resolved = Path(path).resolve()
        if resolved in taken:
            raise AccelsimError(f"{option} {path}: would overwrite the {taken[resolved]}")
        taken[resolved] = f"{option} output"
        if resolved.is_file():
            notices.append(f"accelsim: {option}: replacing existing {path}")
    return notices
