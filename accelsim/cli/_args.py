"""Arguments several subcommands share, so they read and validate the same way."""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accelsim.hardware import Hardware

INT_OPTION_LIMIT = 2**31 - 1
"""Largest integer any count option takes (--batch, --top, --jobs): beyond it is a typo."""


def positive_int(text: str) -> int:
    """argparse type: an integer from 1 to INT_OPTION_LIMIT."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be >= 1")
    if value > INT_OPTION_LIMIT:
        raise argparse.ArgumentTypeError(f"{text} is over the limit of {INT_OPTION_LIMIT:,}")
    return value


def finite_float(text: str) -> float:
    """argparse type: a finite number (no nan, inf or overflow such as 1e400)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def add_model_arguments(parser: argparse.ArgumentParser, *, machine: bool = False) -> None:
    """MODEL.onnx, --batch N (resolves a symbolic batch dimension) and, with `machine`, --hw
    and --set (read them with `load_machine`)."""
    parser.add_argument("model", metavar="MODEL.onnx", help="ONNX model file")
    parser.add_argument(
        "--batch", type=positive_int, metavar="N", help="batch size for a symbolic batch dimension"
    )
    if machine:
        parser.add_argument(
            "--hw",
            required=True,
            metavar="MACHINE",
            help="hardware file (.yaml) or the name of a bundled one: "
            + ", ".join(_preset_names()),
        )
        parser.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="FIELD=VALUE",
            help='override a hardware field, e.g. --set "sram.capacity=2 MiB" (repeatable)',
        )


def add_policy_argument(parser: argparse.ArgumentParser, *, default: str | None) -> None:
    """--policy NAME, its help listing the registered policies (checked when the plan is made,
    so a miss is the registry's one-line error)."""
    from accelsim.memory.policies import POLICIES

    parser.add_argument(
        "--policy",
        default=default,
        metavar="NAME",
        help=f"memory placement policy, one of: {', '.join(sorted(POLICIES))} (default: liveness)",
    )


class ExamplesFormatter(argparse.HelpFormatter):
    """Help that wraps the description like every other, and keeps an epilog that starts with
    "examples:" as written (its command lines must not be re-flowed)."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith("examples:"):
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def _preset_names() -> list[str]:
    from accelsim.presets import preset_names

    return preset_names()


def check_model_and_hardware(model: str | None, hw: str | None) -> None:
    """Refuse a hardware file given as the model or a model as --hw, in one line that says so."""
    from pathlib import Path

    from accelsim.errors import AccelsimError

    yaml = {".yaml", ".yml"}
    model_suffix = Path(model).suffix.lower() if model else ""
    hw_suffix = Path(hw).suffix.lower() if hw else ""
    if model_suffix in yaml and hw_suffix == ".onnx":
        raise AccelsimError(
            f"MODEL {model} is a hardware file and --hw {hw} a model: swap them "
            f"(MODEL.onnx --hw MACHINE.yaml)"
        )
    if model_suffix in yaml:
        raise AccelsimError(
            f"MODEL {model} is a hardware file; give an ONNX model as MODEL and the .yaml with --hw"
        )
    if hw_suffix == ".onnx":
        raise AccelsimError(f"--hw {hw} is an ONNX model; --hw takes a hardware .yaml file")


def load_machine(args: argparse.Namespace) -> Hardware:
    """The machine of `add_model_arguments(machine=True)`: --hw (a file or a preset name),
    then each --set FIELD=VALUE applied and validated like the file."""
    from accelsim.hardware_file import load_hardware, with_overrides
    from accelsim.presets import hardware_path

    check_model_and_hardware(args.model, args.hw)
    hw = load_hardware(hardware_path(args.hw))
    return with_overrides(hw, hardware_overrides(args.set)) if args.set else hw


def hardware_overrides(pairs: list[str]) -> dict[str, object]:
    """`FIELD=VALUE` strings to a mapping; values are read as YAML scalars ("false", "[]")."""
    from accelsim._yaml import parse_value
    from accelsim.errors import ConfigError

    overrides: dict[str, object] = {}
    for pair in pairs:
        field, sep, value = pair.partition("=")
        if not sep or not field.strip():
            raise ConfigError(f"--set {pair!r}: expected FIELD=VALUE, e.g. sram.capacity=2MiB")
        overrides[field.strip()] = parse_value(value, source=f"--set {field.strip()}")
    return overrides
