"""Runs to judge: small random graphs on random toy machines, seeded (the same runs each time).

The machines vary what the planner and the engine must get right together: one to three DMA
channels with queues of one to three transfers, one or two matrix units, DDR and channel
latency, Relu and Add fused, run as the matrix unit's epilogue or as layers of their own, and
SRAM from roomy down to a few tiles (spills, reloads, tiles, K splits).
"""

from __future__ import annotations

import random
from functools import cache

from accelsim.api import simulate_graph
from accelsim.errors import PlanError
from accelsim.hardware_file import with_overrides
from accelsim.workload.graph import Op, Tensor
from tests import judged
from tests.sim.toy import GraphBuilder, toy_machine


def conv_graph(rng: random.Random, name: str):
    """Convs, ReLUs and Adds; an Add may read a tensor made several layers before (a shared
    input kept, or spilled and reloaded, for a later reader)."""
    g = GraphBuilder(name)
    size = rng.randint(2, 7)
    current = g.input("x", (1, rng.randint(1, 6), size, size))
    same = [current]
    for index in range(rng.randint(1, 6)):
        kind = rng.choice(["conv", "conv", "relu", "add", "split", "branch"])
        shape = g.tensors[current].shape
        if kind == "branch":  # a conv and a ReLU both read `current`, then an Add joins them
            k = rng.choice([1, 3])
            left = g.conv(f"b{index}", current, shape[1], k, pad=k // 2)
            right = g.op(f"q{index}", "Relu", [current], f"q{index}.out", shape,
                         vector_ops=g.tensors[current].elements)  # fmt: skip
            current = g.op(f"j{index}", "Add", [right, left], f"j{index}.out", shape,
                           vector_ops=g.tensors[current].elements)  # fmt: skip
            same = [current]
            continue
        if kind == "split" and shape[1] % 2 == 0:  # two halves of the channels, added back
            half = (1, shape[1] // 2, *shape[2:])
            parts = (f"s{index}.a", f"s{index}.b")
            for part in parts:
                g.tensors[part] = Tensor(part, half, "activation")
            elements = g.tensors[current].elements
            g.ops.append(Op(f"s{index}", "Split", (current,), parts, 0, elements, {"axis": 1}))
            current = g.op(f"j{index}", "Add", list(parts), f"j{index}.out", half,
                           vector_ops=elements // 2)  # fmt: skip
            same = [current]
            continue
        if kind in ("conv", "split"):
            k = rng.choice([1, 3])
            current = g.conv(f"c{index}", current, rng.randint(1, 8), k, pad=k // 2)
            same = [current]
            continue
        elements = g.tensors[current].elements
        inputs = [current] if kind == "relu" else [current, rng.choice(same)]
        op = "Relu" if kind == "relu" else "Add"
        current = g.op(f"{op[0].lower()}{index}", op, inputs, f"{op[0].lower()}{index}.out",
                       shape, vector_ops=elements)  # fmt: skip
        same.append(current)
    return g.build(current)


def matmul_graph(rng: random.Random, name: str):
    """A chain of (1, m, k) x (k, n) products, some sharing one weight (a recurrence), with a
    ReLU or a residual Add between them: K splits, column tiles and weights kept or streamed."""
    g = GraphBuilder(name)
    m, k = rng.randint(1, 8), rng.choice([4, 8, 16, 32, 96, 256])  # deep K: partial sums
    current = g.input("x", (1, m, k))
    shared = g.weight("w", (k, k))
    for index in range(rng.randint(1, 4)):
        width = g.tensors[current].shape[-1]
        if rng.random() < 0.5 and width == k:
            weight, n = shared, k
        else:
            n = rng.choice([4, 8, 16, 32])
            weight = g.weight(f"w{index}", (width, n))
        before = current
        current = g.op(f"m{index}", "MatMul", [current, weight], f"m{index}.out", (1, m, n),
                       macs=m * width * n)  # fmt: skip
        follow = rng.choice(["none", "relu", "add"])
        if follow == "relu":
            current = g.op(f"r{index}", "Relu", [current], f"r{index}.out", (1, m, n),
                           vector_ops=m * n)  # fmt: skip
        elif follow == "add" and n == width:
            current = g.op(f"a{index}", "Add", [current, before], f"a{index}.out", (1, m, n),
                           vector_ops=m * n)  # fmt: skip
    return g.build(current)


def machine(rng: random.Random, sram: int):
    channels, mxus = rng.choice([1, 1, 2, 3]), rng.choice([1, 1, 2])
    bus, ddr = f"{rng.choice([0.5, 1, 2, 4])} GB/s", rng.choice(["100 GB/s", "2 GB/s"])
    hw = toy_machine(sram=sram, latency_ns=rng.choice([0, 3, 10]), bus=bus, ddr=ddr,
                     dma_units=channels, matrix_units=mxus)  # fmt: skip
    settings: dict[str, object] = {"lowering.fuses": rng.choice([[], ["Relu"], ["Relu", "Add"]])}
    if not settings["lowering.fuses"] and rng.random() < 0.5:
        settings["lowering.epilogue"] = ["Relu", "Add"]
    depth = rng.choice([1, 1, 2, 3])
    names = ["bus"] if channels == 1 else [f"dma{i}" for i in range(channels)]
    settings.update({f"units.{name}.depth": depth for name in names})
    settings["ddr.latency"] = f"{rng.choice([0, 0, 5])} ns"
    settings["lowering.keep_outputs"] = rng.random() < 0.3
    return with_overrides(hw, settings)


@cache
def runs(count: int, seed: int = 19) -> tuple:
    """`count` runs (RunResult, Hardware) of random graphs; plans that cannot fit, or that keep
    parts of a buffer for a later layer (`judged.keeps_slices`), are skipped."""
    rng = random.Random(seed)
    made = []
    while len(made) < count:
        graph = (conv_graph if rng.random() < 0.6 else matmul_graph)(rng, f"g{len(made)}")
        largest = sum(t.elements for t in graph.tensors.values())
        small = rng.random() < 0.7  # mostly too small for the graph: tiles, spills, reloads
        least, most = (largest // 12, largest // 2) if small else (largest // 2, 2 * largest)
        hw = machine(rng, rng.randint(max(48, least), max(64, most)))
        try:
            result = simulate_graph(graph, hw, name=graph.name, overlap=rng.random() < 0.8)
        except PlanError:
            continue
        if not judged.keeps_slices(result.plan):  # beyond the judge (tests/judged.py)
            made.append((result, hw))
    return tuple(made)
