"""`accelsim diff A B`: two runs aligned layer by layer, with the deltas.

A and B are each a saved `accelsim run --json` result or a machine (a hardware file or a bundled
name, simulated with --model). --policy and --overlap take one value for both or `A,B`.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from accelsim.cli._args import ExamplesFormatter, positive_int

if TYPE_CHECKING:
    from accelsim.hardware import Hardware

JSON_LIMIT_BYTES = 64 << 20
"""Largest saved result read (64 MiB); MobileNet's is about 100 KiB."""

EXAMPLES = """examples:
  accelsim diff edge1 edge1-unfused --model workloads/mobilenet.onnx
  accelsim diff edge1 edge1 --model workloads/mobilenet.onnx --overlap off,on
  accelsim run workloads/mobilenet.onnx --hw edge1 --json > a.json
  accelsim diff a.json edge1-2dma --model workloads/mobilenet.onnx --json
"""


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser], summary: str
) -> None:
    parser = subparsers.add_parser(
        "diff",
        help=summary,
        description=summary
        + " Each of A and B is a saved `accelsim run --json` result (.json) or a machine (a"
        " hardware file or a bundled name) simulated with --model. Prints both latencies, how"
        " the critical path's time lost to each cause changed, the layers whose window of the"
        " run changed most, a per-layer table (window, bytes, bound, change in what the window"
        " was lost to) and the layers' windows of both runs on one time axis.",
        epilog=EXAMPLES,
        formatter_class=ExamplesFormatter,
    )
    parser.add_argument("a", metavar="A", help="saved run (.json) or machine")
    parser.add_argument("b", metavar="B", help="saved run (.json) or machine")
    parser.add_argument("--model", metavar="MODEL.onnx", help="model to run on a machine A or B")
    parser.add_argument(
        "--batch", type=positive_int, metavar="N", help="batch size for a symbolic batch dimension"
    )
    parser.add_argument(
        "--policy", default="liveness", metavar="NAME[,NAME]",
        help="memory placement policy of both runs, or of A and B (default: liveness)",
    )  # fmt: skip
    parser.add_argument(
        "--overlap", default="on", metavar="on|off[,on|off]",
        help="overlap transfers and compute (on, the default) or serialise them (off, as "
        "run --no-overlap), for both runs or A and B",
    )  # fmt: skip
    parser.add_argument(
        "--top", type=positive_int, default=5, metavar="N",
        help="how many layers to name as changed most (default 5)",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the comparison as JSON")
    parser.add_argument("--cycles", action="store_true", help="show times in cycles, not µs")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from accelsim.report.diff import diff_runs, diff_view

    policies = _pair(args.policy, "--policy", None)
    overlaps = _pair(args.overlap, "--overlap", ("on", "off"))
    runs = [
        _side(spec, args, policy=policy, overlap=overlap == "on")
        for spec, policy, overlap in zip((args.a, args.b), policies, overlaps, strict=True)
    ]
    labels = (_label(args.a, policies[0], overlaps[0]), _label(args.b, policies[1], overlaps[1]))
    diff = diff_runs(runs[0][0], runs[1][0], labels=labels, top=args.top)
    if args.json:
        json.dump(diff, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    from accelsim.cli._terminal import stdout_console

    stdout_console().print(diff_view(diff, clock_hz=runs[0][1], cycles=args.cycles))
    return 0


def _pair(text: str, option: str, choices: tuple[str, ...] | None) -> tuple[str, str]:
    from accelsim.errors import AccelsimError

    values = [value.strip() for value in text.split(",")]
    if len(values) not in (1, 2) or not all(values):
        raise AccelsimError(f'{option} "{text}": give one value or two separated by a comma')
    for value in values:
        if choices is not None and value not in choices:
            raise AccelsimError(f'{option} "{value}": expected {" or ".join(choices)}')
    return (values[0], values[-1])


def _label(spec: str, policy: str, overlap: str) -> str:
    if spec.lower().endswith(".json"):
        return spec
    return f"{spec}, policy {policy}" + (", no overlap" if overlap == "off" else "")


def _side(spec: str, args: argparse.Namespace, *, policy: str,
          overlap: bool) -> tuple[dict[str, Any], float]:  # fmt: skip
    """A run's JSON document and its clock (Hz): read from a .json file or simulated."""
    from accelsim.errors import AccelsimError

    if spec.lower().endswith(".json"):
        from accelsim._inputs import read_capped
        from accelsim.report.diff import check_run

        raw = read_capped(spec, what="a saved run (.json)", limit_bytes=JSON_LIMIT_BYTES,
                          error=AccelsimError)  # fmt: skip
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise AccelsimError(f"{spec}: not JSON ({exc})") from None
        data = check_run(data, spec)
        clock = data.get("hardware", {}).get("clock") if isinstance(data, dict) else None
        return data, _clock_of(clock, spec)
    if args.model is None:
        raise AccelsimError(f"{spec}: a machine needs --model MODEL.onnx to run (or give a .json)")
    from accelsim.api import run
    from accelsim.report.export import result_to_dict

    machine = _machine(spec)
    result = run(args.model, machine, policy=policy, overlap=overlap, batch=args.batch)
    return result_to_dict(result), machine.clock


def _machine(spec: str) -> Hardware:
    from accelsim.cli._args import check_model_and_hardware
    from accelsim.hardware_file import load_hardware
    from accelsim.presets import hardware_path

    check_model_and_hardware(None, spec)
    return load_hardware(hardware_path(spec))


def _clock_of(value: object, source: str) -> float:
    """The clock of a saved run in Hz (the JSON keeps the hardware as written or in Hz)."""
    from accelsim.errors import AccelsimError
    from accelsim.units import parse_frequency

    if isinstance(value, (int, float)) and value > 0:
        return float(value)
    if isinstance(value, str):
        return parse_frequency(value)
    raise AccelsimError(f"{source}: hardware.clock missing; not a run result")
