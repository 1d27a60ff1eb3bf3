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


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """MODEL.onnx and --batch N (resolves a symbolic batch dimension)."""
    parser.add_argument("model", metavar="MODEL.onnx", help="ONNX model file")
    parser.add_argument(
        "--batch", type=positive_int, metavar="N", help="batch size for a symbolic batch dimension"
    )
