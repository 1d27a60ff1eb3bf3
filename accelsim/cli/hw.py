"""`accelsim hw explain HW.yaml`: what the numbers in a hardware file imply (no simulation)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser], summary: str
) -> None:
    """Add the `hw` subcommand and its `explain` action."""
    parser = subparsers.add_parser("hw", help=summary, description=summary)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    explain = actions.add_parser(
        "explain",
        help="peaks per unit and in total, bytes per cycle, machine balance, SRAM in tiles",
        description="Print what a hardware file implies: peak MAC/s and FLOP/s per matrix unit "
        "and in total, bytes per cycle of each DMA unit and of DDR, the machine balance (FLOPs "
        "per DDR byte, the roofline's ridge point), SRAM in bytes and typical tiles, the clock, "
        "and a systolic array's shape and dataflow.",
    )
    explain.add_argument("hw", metavar="MACHINE", help="hardware file (.yaml) or bundled name")
    explain.add_argument(
        "--set", action="append", default=[], metavar="FIELD=VALUE",
        help='override a hardware field, e.g. --set "units.matrix.rows=16" (repeatable)',
    )  # fmt: skip
    explain.add_argument("--json", action="store_true", help="print the facts as JSON")
    explain.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Load the machine, derive its facts, print them as a table or JSON."""
    from accelsim.cli._args import hardware_overrides
    from accelsim.facts import machine_facts
    from accelsim.hardware_file import load_hardware, with_overrides
    from accelsim.presets import hardware_path

    hw = load_hardware(hardware_path(args.hw))
    if args.set:
        hw = with_overrides(hw, hardware_overrides(args.set))
    facts = machine_facts(hw)
    if args.json:
        sys.stdout.write(json.dumps(asdict(facts), indent=1) + "\n")
        return 0
    from accelsim.cli._terminal import stdout_console
    from accelsim.report.facts import facts_table

    stdout_console().print(facts_table(facts))
    return 0
