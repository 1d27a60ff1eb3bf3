"""`accelsim hw explain --set`: every override lands, as `run --set` would apply it. edge1 (1 GHz,
1 GB/s bus, 1 TFLOPS engine, 1 MB SRAM) at 2 GHz with 2 MiB: the bus moves half a byte a cycle,
the engine 1e12 / 2 / 2e9 = 250 MACs a cycle, and the SRAM holds 2 x 1,048,576 B."""

from __future__ import annotations

import json

from accelsim.cli import main


def test_each_set_changes_the_facts(capsys):
    assert main(["hw", "explain", "edge1", "--json"]) == 0
    base = json.loads(capsys.readouterr().out)
    argv = ["hw", "explain", "edge1", "--set", "clock=2 GHz", "--set", "sram.capacity=2 MiB",
            "--json"]  # fmt: skip
    assert main(argv) == 0
    facts = json.loads(capsys.readouterr().out)
    per_cycle = {unit["name"]: unit["per_cycle"] for unit in facts["units"]}
    assert (base["clock_hz"], base["sram_bytes"]) == (1e9, 1_000_000)
    assert (facts["clock_hz"], facts["sram_bytes"]) == (2e9, 2_097_152)
    assert (per_cycle["bus"], per_cycle["matrix"]) == (0.5, 250.0)
