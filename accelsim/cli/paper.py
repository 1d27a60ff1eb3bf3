"""`accelsim paper MODEL.onnx --hw MACHINE.yaml`: the seed paper's Tables 3/4 model, compared.

Prints the paper's per-layer table as its method gives it for this model and machine;
`--compare` sets every printed cell beside the paper's and says why those that differ do;
`--json` prints the same as one JSON document; `--report DIR` writes the committed report
(markdown + CSV) including the event simulation of the same network.
"""

from __future__ import annotations

import argparse
import json
import sys

from accelsim.cli._args import add_model_arguments, load_machine


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser], summary: str
) -> None:
    parser = subparsers.add_parser(
        "paper",
        help=summary,
        description=summary
        + " The model runs over the imported graph and the hardware file, so --set or a "
        "different YAML changes the table.",
    )
    add_model_arguments(parser, machine=True)
    parser.add_argument(
        "--rules",
        default="paper",
        metavar="NAME",
        help="paper (its method, Table 1 shapes; default), as-printed (its stride-2 and reload "
        "slips put back), corrected (weights in bits, loaded once)",
    )
    parser.add_argument(
        "--compare", action="store_true", help="compare every printed cell with the paper's"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument(
        "--report",
        metavar="DIR",
        help="write the report (README.md, cells.csv, model.csv, totals.csv) into DIR",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from accelsim.paper import PaperModel, compare, rules_named
    from accelsim.workload import import_onnx

    rules = rules_named(args.rules)
    if args.report:
        from accelsim.outputs import check_folder_files
        from accelsim.paper.export import report_folder
        from accelsim.paper.report import REPORT_FILES
        from accelsim.presets import hardware_path

        # NOTE: fail before the work, not after it
        inputs = {"MODEL": args.model, "--hw": hardware_path(args.hw)}
        check_folder_files(
            report_folder(args.report), REPORT_FILES, option="--report", inputs=inputs
        )
    hw = load_machine(args)
    graph = import_onnx(args.model, batch=args.batch)
    if args.report:
        from accelsim.paper.export import write_files
        from accelsim.paper.report import build_report

        command = _command(args)
        write_files(args.report, build_report(graph, hw, command=command, rules=rules))
    comparison = compare(graph, hw, rules=rules) if args.compare else None
    table = comparison.table if comparison else PaperModel(rules).evaluate(graph, hw)
    if args.json:
        from accelsim.paper.export import comparison_to_dict, table_to_dict

        document = table_to_dict(table)
        if comparison:
            document["comparison"] = comparison_to_dict(comparison)
        json.dump(document, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    from accelsim._text import markup
    from accelsim.cli._terminal import stdout_console
    from accelsim.paper.published import load_published
    from accelsim.paper.render import comparison_view, model_view, published_pointer

    console = stdout_console()
    console.print(model_view(table))
    if comparison:
        console.print(comparison_view(comparison))
    else:
        console.print(published_pointer(load_published()))
    if args.report:
        console.print(f"report written to {markup(args.report)}")
    return 0


def _command(args: argparse.Namespace) -> str:
    """The command line that regenerates the report, as written in it."""
    parts = ["accelsim paper", args.model, "--hw", args.hw]
    if args.rules != "paper":
        parts += ["--rules", args.rules]
    parts += [f'--set "{pair}"' for pair in args.set]
    if args.batch:
        parts += ["--batch", str(args.batch)]
    return " ".join([*parts, "--report", args.report])
