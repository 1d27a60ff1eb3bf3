"""`accelsim run MODEL.onnx --hw MACHINE.yaml`: simulate and report (table, --json, --trace,
--timeline with --from/--to, --svg, --html)."""

from __future__ import annotations

import argparse
import json
import sys

from accelsim.cli._args import add_model_arguments, add_policy_argument, load_machine


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser], summary: str
) -> None:
    parser = subparsers.add_parser(
        "run",
        help=summary,
        description=summary
        + " Prints the machine, the workload, a per-layer table (transfers, compute, start/end,"
        " SRAM in use, what bounds each layer) and totals with the latency floor.",
    )
    add_model_arguments(parser, machine=True)
    add_policy_argument(parser, default="liveness")
    parser.add_argument(
        "--no-overlap", action="store_true", help="serialise transfers and compute (no prefetch)"
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON document instead of tables"
    )
    parser.add_argument(
        "--trace", metavar="FILE.json", help="write every event as a Chrome trace (Perfetto)"
    )
    parser.add_argument(
        "--dram-trace",
        metavar="FILE",
        help="banked DDR only: write every DRAM burst in DRAMsim3's trace format (hex address, "
        "READ/WRITE, arrival in DRAM clocks) for replay in DRAMsim3",
    )
    parser.add_argument("--cycles", action="store_true", help="show times in cycles instead of µs")
    parser.add_argument(
        "--unsupported",
        choices=("error", "vector"),
        default="error",
        help="an op without a cost rule: refuse the model (error, the default) or cost it as one "
        "vector op per output element (vector), listed in the notes as assumed",
    )
    parser.add_argument(
        "--timeline",
        action="store_true",
        help="after the tables, draw a Gantt chart: bus, matrix engine, vector unit, SRAM in use",
    )
    parser.add_argument(
        "--from",
        dest="start",
        metavar="WHEN",
        help='timeline start: a layer name (from its first transfer) or a time: µs ("120"; '
        'cycles with --cycles) or with a unit ("0.1 ms")',
    )
    parser.add_argument(
        "--to",
        dest="end",
        metavar="WHEN",
        help="timeline end: a layer name (to its last event) or a time",
    )
    parser.add_argument(
        "--html",
        metavar="FILE.html",
        help="write one self-contained HTML report: machine, layers, timeline with the critical "
        "path (hover a bar for its task), where the time went, SRAM and power over time",
    )
    parser.add_argument(
        "--svg",
        metavar="FILE.svg",
        help=f"write the timeline as an SVG ({SVG_COLUMNS} columns, rich's export) to FILE.svg",
    )
    parser.set_defaults(handler=handle)


SVG_COLUMNS = 100


def handle(args: argparse.Namespace) -> int:
    from accelsim.api import collector_paused

    with collector_paused():  # the reports walk the run's records too
        return _report(args)


def _import_the_rest() -> None:
    """What the run imports after the model (the simulator, its summary, the report), imported
    while onnx checks the model in a child process: the two overlap on a second core."""
    import simpy  # noqa: F401  (the engine imports it on its first run)

    import accelsim.api  # noqa: F401
    import accelsim.energy  # noqa: F401
    import accelsim.memory.policies  # noqa: F401
    import accelsim.report.tables  # noqa: F401
    import accelsim.sim.engine  # noqa: F401
    import accelsim.summary  # noqa: F401
    import accelsim.timing.models  # noqa: F401


def _report(args: argparse.Namespace) -> int:
    from accelsim.api import run
    from accelsim.errors import AccelsimError
    from accelsim.presets import hardware_path

    if (args.start or args.end) and not (args.timeline or args.svg):
        raise AccelsimError("--from/--to zoom the timeline; add --timeline or --svg")
    if args.json and args.timeline:
        raise AccelsimError(
            "--timeline draws in the terminal; drop it or --json (--svg works with both)"
        )
    from accelsim.outputs import refuse_inputs

    machine = load_machine(args)
    if args.dram_trace and machine.ddr.timing != "banked":
        raise AccelsimError(
            f"--dram-trace needs ddr.timing: banked; {machine.name} uses {machine.ddr.timing}"
        )
    notices = refuse_inputs(
        {"MODEL": args.model, "--hw": str(hardware_path(args.hw))},
        {"--trace": args.trace, "--svg": args.svg, "--html": args.html,
         "--dram-trace": args.dram_trace},  # fmt: skip
    )
    result = run(
        args.model, machine, policy=args.policy, overlap=not args.no_overlap, batch=args.batch,
        assume_vector=args.unsupported == "vector", keep_searches=False,
        meanwhile=_import_the_rest,
    )  # fmt: skip
    if args.trace:
        from accelsim.report.export import chrome_trace, write_json

        write_json(args.trace, chrome_trace(result))
    if args.html:
        from accelsim.outputs import write_text
        from accelsim.report.html import report_html

        write_text(args.html, report_html(result))
    if args.dram_trace:
        from accelsim.outputs import write_text

        assert result.dram is not None  # banked, checked above
        write_text(args.dram_trace, result.dram.dram_trace())
    timeline = None
    if args.timeline or args.svg:
        from accelsim.report.timeline import Timeline, resolve_window

        window = resolve_window(result, args.start, args.end, cycles=args.cycles)
        timeline = Timeline(result, window=window, cycles=args.cycles)
    if args.svg:
        from accelsim.outputs import write_text
        from accelsim.report.timeline import timeline_svg

        assert timeline is not None  # built above for --svg
        write_text(args.svg, timeline_svg(timeline, columns=SVG_COLUMNS))
    for notice in notices:  # NOTE: after the writes, which may still refuse (see outputs.py)
        print(notice, file=sys.stderr)
    if args.json:
        from accelsim.report.export import result_to_dict

        json.dump(result_to_dict(result), sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    from accelsim._text import markup
    from accelsim.cli._terminal import stdout_console
    from accelsim.report.tables import run_report

    console = stdout_console()
    console.print(run_report(result, cycles=args.cycles))
    if args.timeline:
        console.print(timeline)
    if args.svg:
        console.print(f"timeline written to {markup(args.svg)}")
    if args.trace:
        console.print(f"trace written to {markup(args.trace)} (open in https://ui.perfetto.dev)")
    if args.html:
        console.print(f"report written to {markup(args.html)}")
    return 0
