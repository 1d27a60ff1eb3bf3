"""Compare accelsim's systolic compute cycles with SCALE-Sim v3, layer by layer.

SCALE-Sim is an oracle, never a dependency: it lives in its own venv (it needs numpy < 2.4):

    python3 -m venv /work/venv-scalesim
    /work/venv-scalesim/bin/pip install scalesim "numpy<2.4"
    python scripts/scalesim_compare.py --scalesim-python /work/venv-scalesim/bin/python

Run with the project's venv, the script imports the model with accelsim's importer, writes
SCALE-Sim's topology CSV (one row per distinct layer shape), runs this same file under the
SCALE-Sim venv (`--scalesim-step DIR`, which imports nothing from accelsim), and writes one
CSV per dataflow to reports/systolic/. How the shapes are translated is in
reports/systolic/README.md.

Small-SRAM mode (`--sram "1 MB"`, any `--arrays ROWSxCOLS ...`): accelsim runs the whole model
on edge1-systolic with that array, dataflow and SRAM, so layers that do not fit are tiled, and
each tiled layer's compute cycles (the sum of its tiles' GEMMs on the array) are compared with
SCALE-Sim's cycles for the whole layer (SCALE-Sim's compute does not depend on its SRAM).
ResNet-50: `python workloads/build_resnet.py --out /tmp/resnet`, then
`--model /tmp/resnet/resnet50.onnx --sram "1 MB" --arrays 8x64 64x64 128x128`.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

DATAFLOWS = ("ws", "os", "is")
BIG_SRAM_KB = 65536  # 64 MB per buffer: every operand fits, so there are no memory stalls
TOPOLOGY_HEADER = "Layer name,IFMAP Height,IFMAP Width,Filter Height,Filter Width,Channels,"
TOPOLOGY_HEADER += "Num Filter,Strides,"
CONFIG = """[general]
run_name = {dataflow}
[run_presets]
InterfaceBandwidth = CALC
UseRamulatorTrace = False
[architecture_presets]
ArrayHeight = {rows}
ArrayWidth = {cols}
ifmapsramszkB = {sram_kb}
filtersramszkB = {sram_kb}
ofmapsramszkB = {sram_kb}
IfmapOffset = 0
FilterOffset = 10000000
OfmapOffset = 20000000
Dataflow = {dataflow}
ReadRequestBuffer = 32
WriteRequestBuffer = 32
Bandwidth = 10
[layout]
IfmapCustomLayout = False
FilterCustomLayout = False
IfmapSRAMBankBandwidth = 10
IfmapSRAMBankNum = 10
IfmapSRAMBankPort = 2
FilterSRAMBankBandwidth = 10
FilterSRAMBankNum = 10
FilterSRAMBankPort = 2
[sparsity]
SparsitySupport = false
SparseRep = ellpack_block
OptimizedMapping = false
BlockSize = 8
RandomNumberGeneratorSeed = 40
"""


# --- step 2, under the SCALE-Sim venv -------------------------------------------------------


def scalesim_step(workdir: Path) -> None:
    """Run SCALE-Sim on every `<dataflow>.cfg` + topology in `workdir`; write results.json.

    For each run, results.json holds per COMPUTE_REPORT row [Total Cycles, Stall Cycles].
    """
    from scalesim.scale_sim import scalesim  # the oracle's venv only

    runs = json.loads((workdir / "runs.json").read_text())
    results = {}
    for run, (config, topology) in runs.items():
        sim = scalesim(
            save_disk_space=True,
            verbose=False,
            config=str(workdir / config),
            topology=str(workdir / topology),
            layout=str(workdir / "layout.csv"),
        )
        with contextlib.redirect_stdout(io.StringIO()):
            sim.run_scale(top_path=str(workdir / run))
        report = workdir / run / sim.config.get_run_name() / "COMPUTE_REPORT.csv"
        rows = list(csv.reader(report.read_text().splitlines()))[1:]
        results[run] = [[int(row[2]), int(row[3])] for row in rows]
    (workdir / "results.json").write_text(json.dumps(results))


# --- step 1, under the project venv ----------------------------------------------------------


def layer_shapes(model: Path) -> list[dict[str, object]]:
    """Every matrix-engine layer of `model`: GEMM shape and SCALE-Sim topology row.

    SCALE-Sim has no padding and sizes outputs as ceil((H - kh + s) / s), so the IFMAP size we
    give it is the extent the output actually reads, (out - 1) * s + k: its M equals ONNX's.
    Depthwise layers get "DP" in the name and Channels = 1 (one of SCALE-Sim's own per-channel
    sub-layers); the caller multiplies by the channel count.
    """
    from accelsim.workload import import_onnx

    graph = import_onnx(model)
    layers: list[dict[str, object]] = []
    for op in graph.ops:
        if op.op_type == "Conv":
            layers.append(_conv_layer(graph, op))
        elif op.op_type in ("Gemm", "MatMul"):
            layers.append(_fc_layer(graph, op))
        elif op.macs:
            sys.exit(f"{model}: node {op.name!r} ({op.op_type}): MACs but no SCALE-Sim mapping")
    return layers


def _conv_layer(graph, op) -> dict[str, object]:
    """GEMM shape and topology row of a Conv (standard, pointwise or depthwise)."""
    x_shape = graph.tensor(op.inputs[0]).shape
    w_shape = graph.tensor(op.inputs[1]).shape
    y_shape = graph.tensor(op.outputs[0]).shape
    groups = int(op.attributes.get("group", 1))
    strides = tuple(op.attributes.get("strides", (1, 1)))
    dilations = tuple(op.attributes.get("dilations", (1, 1)))
    batch, out_channels, out_h, out_w = y_shape
    kh, kw = w_shape[2], w_shape[3]
    if dilations != (1, 1) or strides[0] != strides[1] or batch != 1:
        sys.exit(f"node {op.name!r}: dilation, unequal strides or batch > 1 not translated")
    depthwise = groups > 1
    if depthwise and (groups != x_shape[1] or w_shape[1] != 1):
        sys.exit(f"node {op.name!r}: grouped (not depthwise) conv: SCALE-Sim has no mapping")
    kind = "depthwise" if depthwise else ("pointwise" if kh * kw == 1 else "standard")
    row = [
        (out_h - 1) * strides[0] + kh,
        (out_w - 1) * strides[1] + kw,
        kh,
        kw,
        1 if depthwise else w_shape[1],
        out_channels // groups,
        strides[0],
    ]
    gemm = {"m": out_h * out_w, "k": w_shape[1] * kh * kw, "n": out_channels // groups}
    return {"layer": op.name, "kind": kind, **gemm, "groups": groups, "topology": row}


def _fc_layer(graph, op) -> dict[str, object]:
    """A fully connected layer as SCALE-Sim's 1x1 conv on a 1x1 (batch-high) input."""
    a_shape = graph.tensor(op.inputs[0]).shape
    y_shape = graph.tensor(op.outputs[0]).shape
    m, k, n = a_shape[0], a_shape[1], y_shape[1]
    if op.attributes.get("transA", 0):
        sys.exit(f"node {op.name!r}: transA not translated")
    return {
        "layer": op.name,
        "kind": "fc",
        "m": m,
        "k": k,
        "n": n,
        "groups": 1,
        "topology": [m, 1, 1, 1, k, n, 1],
    }


def write_inputs(workdir: Path, layers, *, rows: int, cols: int, dataflows) -> dict[str, int]:
    """Write configs, topologies and runs.json; return each distinct topology row's index.

    Runs: one per dataflow over the distinct rows, plus `ws-dp-full`, the first depthwise layer
    with all its channels, to check that SCALE-Sim's per-channel sub-layers are identical.
    """
    distinct: dict[str, int] = {}
    lines = [TOPOLOGY_HEADER]
    for layer in layers:
        key = _row_key(layer)
        if key not in distinct:
            distinct[key] = len(distinct)
            name = f"L{distinct[key]}" + ("_DP" if layer["kind"] == "depthwise" else "")
            lines.append(f"{name},{key},")
    (workdir / "topology.csv").write_text("\n".join(lines) + "\n")
    (workdir / "layout.csv").write_text("Layer name,\n")
    runs = {}
    for dataflow in dataflows:
        config = CONFIG.format(dataflow=dataflow, rows=rows, cols=cols, sram_kb=BIG_SRAM_KB)
        (workdir / f"{dataflow}.cfg").write_text(config)
        runs[dataflow] = [f"{dataflow}.cfg", "topology.csv"]
    first_dp = next((layer for layer in layers if layer["kind"] == "depthwise"), None)
    if first_dp is not None and "ws" in dataflows:
        row = list(first_dp["topology"])
        row[4] = first_dp["groups"]
        (workdir / "dp_full.csv").write_text(f"{TOPOLOGY_HEADER}\nDP_full,{_join(row)},\n")
        runs["ws-dp-full"] = ["ws.cfg", "dp_full.csv"]
    (workdir / "runs.json").write_text(json.dumps(runs))
    return distinct


def _row_key(layer) -> str:
    return _join(layer["topology"])


def _join(values) -> str:
    return ",".join(str(value) for value in values)


def _check_dp_expansion(layers, distinct, results) -> None:
    """Print whether SCALE-Sim's full expansion of the first depthwise layer (one sub-layer per
    channel) gives `groups` sub-layers equal to the single-channel row we multiply."""
    first = next(layer for layer in layers if layer["kind"] == "depthwise")
    single = results["ws"][distinct[_row_key(first)]]
    full = results["ws-dp-full"]
    same = len(full) == first["groups"] and all(row == single for row in full)
    print(
        f"ws {first['layer']}: SCALE-Sim's own expansion gives {len(full)} sub-layers, "
        f"each {single} [cycles, stalls]: {same}"
    )


def compare(layers, distinct, results, *, rows: int, cols: int, dataflow: str):
    """Per layer: SCALE-Sim's compute cycles (summed over its sub-layers), ours, difference."""
    from accelsim.timing import systolic_cycles

    table = []
    for layer in layers:
        total, stalls = results[dataflow][distinct[_row_key(layer)]]
        copies = layer["groups"] if layer["kind"] == "depthwise" else 1
        shape = {key: layer[key] for key in ("m", "k", "n", "groups")}
        ours = systolic_cycles(**shape, rows=rows, cols=cols, dataflow=dataflow)
        packed = systolic_cycles(
            **shape, rows=rows, cols=cols, dataflow=dataflow, group_mapping="packed"
        )
        scalesim = total * copies
        table.append(
            {
                "layer": layer["layer"],
                "kind": layer["kind"],
                **shape,
                "scalesim_layers": copies,
                "scalesim_cycles": scalesim,
                "scalesim_stall_cycles": stalls * copies,
                "accelsim_cycles": ours.cycles,
                "difference": ours.cycles - scalesim,
                "relative_difference_pct": f"{100 * (ours.cycles - scalesim) / scalesim:.3f}",
                "accelsim_folds": ours.folds,
                "accelsim_utilisation": f"{ours.utilisation:.4f}",
                "accelsim_packed_cycles": packed.cycles,
                "packed_groups_per_pass": packed.groups_per_pass,
            }
        )
    return table


def accelsim_run(model: Path, *, rows: int, cols: int, dataflow: str, sram: str):
    """accelsim's run of `model` on edge1-systolic with this array, dataflow and SRAM, and the
    machine."""
    from accelsim.api import run
    from accelsim.hardware_file import load_hardware, with_overrides
    from accelsim.presets import hardware_path

    hw = with_overrides(
        load_hardware(hardware_path("edge1-systolic")),
        {"units.matrix.rows": rows, "units.matrix.cols": cols,
         "units.matrix.dataflow": dataflow, "sram.capacity": sram},
    )  # fmt: skip
    return run(model, hw), hw


def compare_tiled(layers, distinct, results, result, hw, *, dataflow: str):
    """Per tiled matrix layer: tiles and compute cycles of accelsim's run (`result` on `hw`)
    against SCALE-Sim's cycles for the whole layer; `least_split_cycles` is the least compute of
    any split the tiler could choose at this SRAM (what no choice of split can beat)."""
    ours = {layer.name: layer for layer in result.layers}
    lowered = {layer.name: layer for layer in result.program.layers}
    table = []
    for layer in layers:
        got = ours[layer["layer"]]
        if got.tiles == 1:
            continue
        total, _ = results[dataflow][distinct[_row_key(layer)]]
        copies = layer["groups"] if layer["kind"] == "depthwise" else 1
        scalesim = total * copies
        least = _least_split(lowered[layer["layer"]], result.program, hw)
        table.append(
            {
                "layer": layer["layer"],
                "kind": layer["kind"],
                **{key: layer[key] for key in ("m", "k", "n", "groups")},
                "tiles": got.tiles,
                "scalesim_cycles": scalesim,
                "accelsim_cycles": got.compute_cycles,
                "relative_difference_pct": _pct(got.compute_cycles, scalesim),
                "least_split_cycles": least,
                "least_split_pct": _pct(least, scalesim),
            }
        )
    return table


def _pct(ours: int, theirs: int) -> str:
    return f"{100 * (ours - theirs) / theirs:.3f}"


def _least_split(layer, program, hw) -> int:
    """The least compute of every split the tiler considers for `layer` (its own cost model)."""
    from accelsim.memory import tiling

    names, key = tiling._signature(layer, program.buffers)
    relevant = tuple(program.buffers[n] for n in (*layer.reads, *layer.weights, *layer.writes))
    inputs = tiling._Inputs((*key, (), False), layer, relevant, frozenset())
    _, menu = tiling._menu(inputs, hw.sram.capacity, False)
    return min(compute for *_, compute in menu.scores(layer, hw))


def _small_sram(args, layers) -> None:
    """The small-SRAM comparison for every array and dataflow (see the module docstring)."""
    summary = []
    for array in args.arrays:
        rows, cols = (int(part) for part in array.split("x"))
        runs = {
            dataflow: accelsim_run(args.model, rows=rows, cols=cols, dataflow=dataflow,
                                   sram=args.sram)  # fmt: skip
            for dataflow in args.dataflow
        }
        # SCALE-Sim runs only the layers some dataflow tiles (it takes minutes per array)
        tiled = {layer.name for result, _ in runs.values() for layer in result.layers
                 if layer.tiles > 1}  # fmt: skip
        chosen = [layer for layer in layers if layer["layer"] in tiled]
        with tempfile.TemporaryDirectory(prefix="scalesim-") as name:
            workdir = Path(name)
            distinct = write_inputs(workdir, chosen, rows=rows, cols=cols,
                                    dataflows=args.dataflow)  # fmt: skip
            step = [args.scalesim_python, __file__, "--scalesim-step", str(workdir)]
            subprocess.run(step, check=True)
            results = json.loads((workdir / "results.json").read_text())
        for dataflow in args.dataflow:
            result, hw = runs[dataflow]
            latency = result.latency_cycles
            table = compare_tiled(chosen, distinct, results, result, hw, dataflow=dataflow)
            sram = args.sram.replace(" ", "")
            write_csv(args.out / f"{args.model.stem}_{rows}x{cols}_{dataflow}_sram{sram}.csv",
                      table)  # fmt: skip
            worst = max(table, key=lambda row: abs(float(row["relative_difference_pct"])))
            over = [row for row in table if abs(float(row["relative_difference_pct"])) > 5]
            inherent = [row for row in over if float(row["least_split_pct"]) > 5]
            summary.append(
                {"array": f"{rows}x{cols}", "dataflow": dataflow, "latency_cycles": latency,
                 "tiled_layers": len(table), "worst_layer": worst["layer"],
                 "worst_pct": worst["relative_difference_pct"], "over_5pct": len(over),
                 "over_5pct_at_every_split": len(inherent)}  # fmt: skip
            )
            print(summary[-1], flush=True)
    write_csv(args.out / f"{args.model.stem}_sram{args.sram.replace(' ', '')}_summary.csv",
              summary)  # fmt: skip


def write_csv(path: Path, table) -> None:
    """Write `table` (a list of dicts) to `path` via a temporary file (no partial output)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(table[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(table)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(buffer.getvalue())
    temporary.replace(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scalesim-step", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--scalesim-python", default="/work/venv-scalesim/bin/python")
    parser.add_argument("--model", type=Path, default=Path("workloads/mobilenet.onnx"))
    parser.add_argument("--rows", type=int, default=32)
    parser.add_argument("--cols", type=int, default=16)
    parser.add_argument("--dataflow", nargs="+", choices=DATAFLOWS, default=list(DATAFLOWS))
    parser.add_argument("--out", type=Path, default=Path("reports/systolic"))
    parser.add_argument("--sram", help='small-SRAM mode: accelsim\'s SRAM, e.g. "1 MB"')
    parser.add_argument("--arrays", nargs="+", default=["8x64", "64x64", "128x128"],
                        help="small-SRAM mode: arrays as ROWSxCOLS")  # fmt: skip
    args = parser.parse_args()
    if args.scalesim_step:
        scalesim_step(args.scalesim_step)
        return
    layers = layer_shapes(args.model)
    if args.sram:
        args.out.mkdir(parents=True, exist_ok=True)
        _small_sram(args, layers)
        return
    with tempfile.TemporaryDirectory(prefix="scalesim-") as name:
        workdir = Path(name)
        array = {"rows": args.rows, "cols": args.cols}
        distinct = write_inputs(workdir, layers, **array, dataflows=args.dataflow)
        step = [args.scalesim_python, __file__, "--scalesim-step", str(workdir)]
        subprocess.run(step, check=True)
        results = json.loads((workdir / "results.json").read_text())
    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"{args.model.stem}_{args.rows}x{args.cols}"
    if "ws-dp-full" in results:
        _check_dp_expansion(layers, distinct, results)
    for dataflow in args.dataflow:
        table = compare(layers, distinct, results, **array, dataflow=dataflow)
        write_csv(args.out / f"{stem}_{dataflow}.csv", table)
        for kind in ("standard", "pointwise", "fc", "depthwise"):
            rows = [row for row in table if row["kind"] == kind]
            worst = max(abs(float(row["relative_difference_pct"])) for row in rows)
            print(f"{dataflow} {kind:9} layers={len(rows):2} max |rel diff| = {worst:.3f} %")
        off_by_layers = all(row["difference"] == row["scalesim_layers"] for row in table)
        print(f"{dataflow} accelsim - scalesim = 1 per SCALE-Sim layer everywhere: {off_by_layers}")
        ours = sum(row["accelsim_cycles"] for row in table)
        theirs = sum(row["scalesim_cycles"] for row in table)
        packed = sum(row["accelsim_packed_cycles"] for row in table)
        print(f"{dataflow} total: scalesim {theirs}, accelsim {ours} (packed {packed})")


if __name__ == "__main__":
    main()
