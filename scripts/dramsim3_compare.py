"""Replay DRAM request traces on accelsim's banked model and on DRAMsim3; write the comparison.

DRAMsim3 (github.com/umd-memsys/DRAMsim3) is an oracle, never a dependency: build it outside this
repository from a clone of its source with `bash scripts/build_dramsim3.sh SOURCE [OUT]` and pass
its `dramsim3main` with --dramsim3 (default /tmp/dramsim3/build/dramsim3main, that script's).
This script writes a DRAMsim3 config (.ini) matching each accelsim preset and mapping, replays
the same trace on both, and writes reports/dram/comparison.md and .csv.

Traces: the closed-form microbenchmarks (sequential reads, 4,096 random 64-byte reads, sequential
writes; one request per DRAM clock, DRAMsim3's trace reader takes at most one a clock) on every
preset, plus the workloads' `accelsim run --dram-trace` output (MobileNet and the GPT decode step
on edge1-ddr4, edge1-lpddr4 and cloud1-hbm2).

Both sides take the trace as DRAMsim3's reader does: at most one request a DRAM clock, in file
order (so a burst stream faster than that, HBM2's at full rate, is fed at one a clock to both).

Completion, both sides alike: the clock by which every read's data is back and every write
command is issued (DRAMsim3 posts writes: it acknowledges them on arrival, so their command is the
last thing it does for them). DRAMsim3 runs a fixed number of clocks, so its completion is found
by bisection on -c. Row-hit rate: column commands to an already open row, over all column
commands (DRAMsim3's num_read_row_hits + num_write_row_hits over num_read_cmds + num_write_cmds).

Usage: python scripts/dramsim3_compare.py [--dramsim3 PATH] [--out reports/dram] [--quick]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from accelsim.dram import DRAM_PRESETS, BankedDram, DramSpec
from accelsim.dram.mapping import mapping_fields

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DRAMSIM3 = Path("/tmp/dramsim3/build/dramsim3main")  # scripts/build_dramsim3.sh's
# The mapping each preset's microbenchmarks use (the one its hardware file ships with).
MICRO_MAPPINGS = {
    "ddr4-3200": ("row_column_bankgroup", "row_bank_column"),
    "lpddr4-4266": ("row_column_channel",),
    "hbm2": ("row_column_channel",),
}
WORKLOADS = (
    ("mobilenet", "workloads/mobilenet.onnx", ()),
    ("gpt-decode", "workloads/gpt_decode.onnx", ()),
)
MACHINES = ("edge1-ddr4", "edge1-lpddr4", "cloud1-hbm2")
TOLERANCE = {"sequential": 5.0, "random": 15.0, "workload": 15.0}


@dataclass(frozen=True)
class Request:
    address: int
    write: bool
    cycle: int


def dramsim3_ini(spec: DramSpec, mapping: str, page: str) -> str:
    """A DRAMsim3 config with `spec`'s geometry, timings and currents."""
    hbm = spec.protocol.startswith("HBM")
    columns = spec.row_bytes * 8 // spec.bus_width // (2 if hbm else 1)
    megs = spec.ranks * spec.banks * spec.rows * spec.row_bytes // 2**20
    rcd = f"tRCDRD = {spec.trcd}\ntRCDWR = {spec.trcd}" if hbm else f"tRCD = {spec.trcd}"
    protocol = "HBM2" if hbm else spec.protocol
    return f"""[dram_structure]
protocol = {protocol}
bankgroups = {spec.bankgroups}
banks_per_group = {spec.banks_per_group}
rows = {spec.rows}
columns = {columns}
device_width = {spec.device_width}
BL = {spec.burst_length}

[timing]
tCK = {spec.tck_ns}
AL = 0
CL = {spec.cl}
CWL = {spec.cwl}
{rcd}
tRP = {spec.trp}
tRAS = {spec.tras}
tRFC = {spec.trfc}
tREFI = {spec.trefi}
tRPRE = 1
tWPRE = 1
tRRD_S = {spec.trrd_s}
tRRD_L = {spec.trrd_l}
tWTR_S = {spec.twtr_s}
tWTR_L = {spec.twtr_l}
tFAW = {spec.tfaw}
tWR = {spec.twr}
tRTP = {spec.trtp}
tCCD_S = {spec.tccd_s}
tCCD_L = {spec.tccd_l}
tRTRS = {spec.trtrs}
tPPD = 0

[power]
VDD = {spec.vdd}
IDD0 = {spec.idd0}
IDD2P = {spec.idd2n}
IDD2N = {spec.idd2n}
IDD3P = {spec.idd3n}
IDD3N = {spec.idd3n}
IDD4W = {spec.idd4w}
IDD4R = {spec.idd4r}
IDD5AB = {spec.idd5b}
IDD6x = {spec.idd2n}

[system]
channel_size = {megs}
channels = {spec.channels}
bus_width = {spec.bus_width}
address_mapping = {mapping_fields(mapping)}
queue_structure = PER_BANK
refresh_policy = RANK_LEVEL_STAGGERED
row_buf_policy = {"OPEN_PAGE" if page == "open" else "CLOSE_PAGE"}
cmd_queue_size = 8
trans_queue_size = 32

[other]
epoch_period = 100000000
output_level = 1
"""


def read_trace(path: Path) -> list[Request]:
    requests = []
    for line in path.read_text().split("\n"):
        if line.strip():
            address, op, cycle = line.split()
            requests.append(Request(int(address, 16), op == "WRITE", int(cycle)))
    return requests


def write_trace(requests: list[Request], path: Path) -> None:
    lines = [f"0x{r.address:x} {'WRITE' if r.write else 'READ'} {r.cycle}\n" for r in requests]
    # NOTE: DRAMsim3's reader tests EOF before reading, so it drops the last line when its queue
    # is full then, or replays it once more; a line it never reaches keeps the real ones exact.
    path.write_text("".join(lines) + f"0x0 READ {1 << 50}\n")


def run_accelsim(spec: DramSpec, mapping: str, page: str, requests: list[Request]) -> dict:
    dram = BankedDram(spec, mapping=mapping, page=page)  # type: ignore[arg-type]
    done = 0
    write_delay = spec.cwl + spec.burst_cycles
    entered = -1
    for r in requests:
        # As DRAMsim3's trace reader: one request a clock at most, in file order.
        entered = max(r.cycle, entered + 1)
        access = dram.access(r.address, spec.burst_bytes, write=r.write, arrival=entered)
        done = max(done, access.end - write_delay if r.write else access.end)
    c = dram.counts
    return {"cycles": done, "hit_rate": c.hits / max(1, c.rd + c.wr), "acts": c.act, "refs": c.ref}


def _stats(binary: Path, ini: Path, trace: Path, cycles: int, out: Path) -> dict:
    subprocess.run(
        [str(binary), str(ini), "-c", str(cycles), "-t", str(trace), "-o", str(out)],
        check=True, capture_output=True,
    )  # fmt: skip
    data = json.loads((out / "dramsim3.json").read_text())
    channels = list(data.values())
    numbers = [k for k, v in channels[0].items() if isinstance(v, (int, float))]
    return {key: sum(ch[key] for ch in channels) for key in numbers}


def run_dramsim3(binary: Path, ini_text: str, requests: list[Request], channels: int) -> dict:
    reads = sum(not r.write for r in requests)
    writes = len(requests) - reads
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ini, trace = folder / "config.ini", folder / "trace.txt"
        ini.write_text(ini_text)
        write_trace(requests, trace)

        def finished(cycles: int) -> dict | None:
            stats = _stats(binary, ini, trace, cycles, folder)
            # DRAMsim3 keeps up to 8 posted writes a channel buffered when traffic stops (its
            # drain threshold), so the last few writes may never issue.
            left = min(writes, 8 * channels)
            ok = stats["num_reads_done"] >= reads and stats["num_write_cmds"] >= writes - left
            return stats if ok else None

        high = max(r.cycle for r in requests) + 1000
        while finished(high) is None:
            high *= 2
        low = 0
        while high - low > 1:
            middle = (low + high) // 2
            if finished(middle) is None:
                low = middle
            else:
                high = middle
        stats = _stats(binary, ini, trace, high, folder)
    columns = stats["num_read_cmds"] + stats["num_write_cmds"]
    hits = stats["num_read_row_hits"] + stats["num_write_row_hits"]
    return {
        "cycles": high, "hit_rate": hits / max(1, columns), "acts": stats["num_act_cmds"],
        "refs": stats["num_ref_cmds"],
    }  # fmt: skip


def microbenchmarks(spec: DramSpec, quick: bool) -> dict[str, list[Request]]:
    """Sequential reads, random 64-byte reads, sequential writes; one request a clock."""
    size = spec.burst_bytes
    count = 4096 if quick else 32768
    rng = random.Random(14)
    random_reads = [Request(rng.randrange(spec.capacity // 64) * 64, False, i) for i in range(4096)]
    return {
        "sequential read": [Request(i * size, False, i) for i in range(count)],
        "random 64 B read": random_reads,
        "sequential write": [Request(i * size, True, i) for i in range(count // 4)],
    }


def workload_traces(folder: Path) -> list[tuple[str, str, str, Path]]:
    """(case, preset, mapping, trace) of each workload on each banked machine."""
    from accelsim.hardware_file import load_hardware

    cases = []
    for machine in MACHINES:
        hw = load_hardware(ROOT / "hardware" / f"{machine}.yaml")
        for name, model, extra in WORKLOADS:
            if not (ROOT / model).exists():
                continue
            trace = folder / f"{name}-{machine}.trace"
            subprocess.run(
                [sys.executable, "-m", "accelsim", "run", str(ROOT / model), "--hw",
                 str(ROOT / "hardware" / f"{machine}.yaml"), "--dram-trace", str(trace), *extra],
                check=True, capture_output=True,
            )  # fmt: skip
            cases.append((f"{name} on {machine}", hw.ddr.preset, hw.ddr.mapping, trace))
    return cases


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dramsim3", type=Path, default=DEFAULT_DRAMSIM3)
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "dram")
    parser.add_argument("--quick", action="store_true", help="short streams, no workloads")
    args = parser.parse_args()
    if not args.dramsim3.is_file():
        print(f"no DRAMsim3 at {args.dramsim3}: build it with `bash scripts/build_dramsim3.sh "
              "SOURCE [OUT]` and pass --dramsim3 OUT/build/dramsim3main", file=sys.stderr)
        return 2
    rows = []
    for preset, spec in DRAM_PRESETS.items():
        for mapping in MICRO_MAPPINGS[preset]:
            for case, requests in microbenchmarks(spec, args.quick).items():
                rows.append(compare(args.dramsim3, case, preset, mapping, spec, requests))
                print(_line(rows[-1]), flush=True)
    if not args.quick:
        with tempfile.TemporaryDirectory() as tmp:
            for case, preset, mapping, trace in workload_traces(Path(tmp)):
                spec = DRAM_PRESETS[preset]
                rows.append(compare(args.dramsim3, case, preset, mapping, spec, read_trace(trace)))
                print(_line(rows[-1]), flush=True)
    write_report(rows, args.out)
    return 0


def compare(
    binary: Path, case: str, preset: str, mapping: str, spec: DramSpec, requests: list[Request]
) -> dict:
    ours = run_accelsim(spec, mapping, "open", requests)
    theirs = run_dramsim3(binary, dramsim3_ini(spec, mapping, "open"), requests, spec.channels)
    kind = "random" if "random" in case else "sequential" if "sequential" in case else "workload"
    error = 100.0 * (ours["cycles"] - theirs["cycles"]) / theirs["cycles"]
    hit_points = 100.0 * (ours["hit_rate"] - theirs["hit_rate"])
    ok = abs(error) <= TOLERANCE[kind] and abs(hit_points) <= 5.0
    return {
        "case": case, "preset": preset, "mapping": mapping, "requests": len(requests),
        "accelsim_cycles": ours["cycles"], "dramsim3_cycles": theirs["cycles"],
        "error_pct": round(error, 2), "target_pct": TOLERANCE[kind],
        "accelsim_hit_pct": round(100 * ours["hit_rate"], 1),
        "dramsim3_hit_pct": round(100 * theirs["hit_rate"], 1),
        "hit_diff_points": round(hit_points, 1), "accelsim_acts": ours["acts"],
        "dramsim3_acts": theirs["acts"], "accelsim_refs": ours["refs"],
        "dramsim3_refs": theirs["refs"], "within_target": "yes" if ok else "NO",
    }  # fmt: skip


def _line(row: dict) -> str:
    return (
        f"{row['case']:<28} {row['preset']:<12} {row['mapping']:<22} "
        f"{row['accelsim_cycles']:>9} {row['dramsim3_cycles']:>9} {row['error_pct']:>+7.2f}% "
        f"hit {row['accelsim_hit_pct']:5.1f} / {row['dramsim3_hit_pct']:5.1f} "
        f"{row['within_target']}"
    )


def write_report(rows: list[dict], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with (out / "comparison.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    header = (
        "| case | preset | mapping | requests | accelsim clocks | DRAMsim3 clocks | diff | target "
        "| row hits accelsim | row hits DRAMsim3 | ACT accelsim / DRAMsim3 | REF | within |\n"
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
    )
    body = "".join(
        f"| {r['case']} | {r['preset']} | {r['mapping']} | {r['requests']:,} | "
        f"{r['accelsim_cycles']:,} | {r['dramsim3_cycles']:,} | {r['error_pct']:+.2f} % | "
        f"±{r['target_pct']:g} % | {r['accelsim_hit_pct']} % | {r['dramsim3_hit_pct']} % | "
        f"{r['accelsim_acts']:,} / {r['dramsim3_acts']:,} | {r['accelsim_refs']} / "
        f"{r['dramsim3_refs']} | {r['within_target']} |\n"
        for r in rows
    )
    title = "# accelsim banked DRAM vs DRAMsim3\n\nGenerated by `scripts/dramsim3_compare.py`; "
    note = "clocks are DRAM clocks (tCK) to completion, see the script's docstring.\n\n"
    (out / "comparison.md").write_text(title + note + header + body)


if __name__ == "__main__":
    sys.exit(main())
