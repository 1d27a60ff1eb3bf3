"""A run's energy recounted from its trace and program, over random machines and prices.

Each run (op-oracle style models of convs, matmuls and element-wise ops, SRAM from roomy to
tight so layers tile and spill, random per-count prices and SRAM size law) is recounted here by
the rules `accelsim.energy` states: every byte a transfer event moves is a DDR and a bus byte
and an SRAM write (load, reload) or read (store, spill); each layer reads its operands and
writes its outputs once; its MACs and vector ops are the layer's own (tiles add up to them);
leakage is the layer's window of cycles, the windows tiling the run; an SRAM byte costs its
figure times (capacity / reference) ** exponent.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

import numpy as np
import pytest
from onnx import helper

from accelsim.api import simulate_graph
from accelsim.energy import energy_of, task_energy
from accelsim.hardware_file import with_overrides
from accelsim.lowering import MATRIX
from tests.onnx_builders import make_model
from tests.oracles import cases as gen
from tests.oracles.ort_batch import build, import_cases
from tests.sim.toy import toy_machine

_INTO, _OUT = ("load", "reload"), ("store", "spill")


def _model(rng: np.random.Generator, seed: int, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A residual chain (conv, relu, conv, add of the input, matmul, softmax) on random sizes,
    beside a few independent ops: tight SRAM tiles it and spills what the add still needs."""
    c, size = int(rng.integers(2, 17)), int(rng.integers(4, 33))
    w = {f"w{i}": gen._weight((c, c, 3, 3), rng) for i in (1, 2)}
    w["m"] = gen._weight((size, size), rng)
    nodes = [helper.make_node("Conv", ["x", "w1"], ["a"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["a"], ["b"]),
             helper.make_node("Conv", ["b", "w2"], ["d"], pads=[1, 1, 1, 1]),
             helper.make_node("Add", ["d", "x"], ["e"]),
             helper.make_node("MatMul", ["e", "m"], ["f"]),
             helper.make_node("Softmax", ["f"], ["y"])]  # fmt: skip
    model = make_model(nodes, {"x": [1, c, size, size]}, w, ["y"], opset=18)
    extra = build(gen.elementwise_cases(rng)[:3] + gen.matmul_cases(rng, 3), 18)
    model.graph.node.extend(extra.graph.node)
    model.graph.input.extend(extra.graph.input)
    model.graph.initializer.extend(extra.graph.initializer)
    model.graph.output.extend(extra.graph.output)
    return import_cases(model, tmp_path, f"m{seed}")


@pytest.mark.parametrize("seed", range(12))
def test_energy_is_the_trace_and_program_priced(seed: int, tmp_path: Path) -> None:
    rng = np.random.default_rng(seed)
    pick = random.Random(seed)
    graph = _model(rng, seed, tmp_path)
    prices = {"ddr_per_byte": pick.choice([1e-12, 7e-11]), "bus_per_byte": pick.choice([0, 3e-12]),
              "sram_read_per_byte": 2e-12, "sram_write_per_byte": pick.choice([2e-12, 5e-12]),
              "mac": pick.choice([1e-13, 4e-12]), "vector_op": pick.choice([2e-13, 1e-12]),
              "sram_leakage_per_byte": pick.choice([0, 1e-9]),
              "logic_leakage_per_unit": pick.choice([0, 2e-3]),
              "sram_reference_capacity": pick.choice([4096, 65536]),
              "sram_capacity_exponent": pick.choice([0.0, 0.5])}  # fmt: skip
    sram = pick.choice([1 << 20, 16384, 6144])
    machine = with_overrides(toy_machine(sram=sram), {
        **{f"energy.{k}": v for k, v in prices.items()}, "sram.capacity": sram})  # fmt: skip
    result = simulate_graph(graph, machine, name="oracle")
    program, events = result.program, result.trace.events
    scale = (sram / prices["sram_reference_capacity"]) ** prices["sram_capacity_exponent"]
    energy = energy_of(result)
    windows = 0
    total = dict.fromkeys(energy.total.joules, 0.0)
    for layer, summary, spent in zip(program.layers, result.layers, energy.layers, strict=True):
        mine = [e for e in events if e.layer == layer.index]
        moved_in = sum(e.nbytes for e in mine if e.kind in _INTO)
        moved_out = sum(e.nbytes for e in mine if e.kind in _OUT)
        window = summary.breakdown.end - summary.breakdown.start
        windows += window
        vector = layer.epilogue_ops if layer.unit == MATRIX else layer.vector_ops
        counts = {
            "ddr": moved_in + moved_out, "bus": moved_in + moved_out,
            "sram_write": moved_in + sum(program.nbytes(n) for n in layer.writes),
            "sram_read": moved_out + sum(program.nbytes(n) for n in (*layer.reads, *layer.weights)),
            "matrix": layer.macs if layer.unit == MATRIX else 0, "vector": vector,
            "sram_leakage": window, "logic_leakage": window,
        }  # fmt: skip
        assert spent.activity.counts == counts, layer.name
        joules = {
            "ddr": counts["ddr"] * prices["ddr_per_byte"],
            "bus": counts["bus"] * prices["bus_per_byte"],
            "sram_read": counts["sram_read"] * prices["sram_read_per_byte"] * scale,
            "sram_write": counts["sram_write"] * prices["sram_write_per_byte"] * scale,
            "matrix": counts["matrix"] * prices["mac"],
            "vector": counts["vector"] * prices["vector_op"],
            "sram_leakage": window * prices["sram_leakage_per_byte"] * sram / 1e9,
            "logic_leakage": window * prices["logic_leakage_per_unit"] * len(machine.units) / 1e9,
        }  # fmt: skip
        assert spent.energy.joules == pytest.approx(joules, rel=1e-12, abs=1e-30), layer.name
        for name, value in joules.items():
            total[name] += value
    assert windows == result.latency_cycles
    assert energy.total.joules == pytest.approx(total, rel=1e-9, abs=1e-30)
    dynamic = sum(v for k, v in total.items() if not k.endswith("leakage"))
    assert math.fsum(task_energy(result, energy)) == pytest.approx(dynamic, rel=1e-9, abs=1e-30)
