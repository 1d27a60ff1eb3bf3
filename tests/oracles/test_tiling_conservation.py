"""Tiling conserves work: over random layers with awkward sizes (primes, odd channel counts,
groups) and SRAM from roomy to a few KiB, the tiles of every layer carry exactly its MACs and
vector ops (no tile's share rounded away or counted twice, however the rows, channels and
reduction chunks split), and every tile's GEMM fits inside the layer's."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from onnx import helper

from accelsim.api import simulate_graph
from accelsim.errors import PlanError
from accelsim.lowering import MATRIX
from accelsim.plan import Tasks
from accelsim.work import Gemm, Vector
from tests.onnx_builders import make_model
from tests.oracles.ort_batch import import_cases
from tests.sim.toy import toy_machine

PRIMES = (3, 5, 7, 11, 13, 17)


def _graph(seed: int, tmp_path: Path):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    weights = np.random.default_rng(seed)
    c, size = rng.choice(PRIMES), rng.choice((*PRIMES, 19))
    out = rng.choice(PRIMES)
    group = rng.choice([1, c]) if out % c == 0 or out == c else 1
    out = c if group == c else out
    inner, cols = rng.choice(PRIMES), rng.choice((*PRIMES, 31))
    stride = rng.choice([1, 2])
    width = (size - 1) // stride + 1  # pads 1, kernel 3
    w = {"w1": weights.standard_normal((out, c // group, 3, 3)).astype(np.float32),
         "m": weights.standard_normal((width, inner)).astype(np.float32),
         "g": weights.standard_normal((inner, cols)).astype(np.float32),
         "s": weights.standard_normal((inner,)).astype(np.float32)}  # fmt: skip
    nodes = [helper.make_node("Conv", ["x", "w1"], ["a"], pads=[1, 1, 1, 1], group=group,
                              strides=[stride] * 2),
             helper.make_node("Relu", ["a"], ["b"]),
             helper.make_node("MatMul", ["b", "m"], ["d"]),
             helper.make_node("LogSoftmax", ["d"], ["d2"], axis=-1),
             helper.make_node("LayerNormalization", ["d2", "s"], ["e"], axis=-1),
             helper.make_node("MatMul", ["e", "g"], ["y"])]  # fmt: skip
    model = make_model(nodes, {"x": [1, c, size, size]}, w, ["y"], opset=18)
    return import_cases(model, tmp_path, f"t{seed}")


@pytest.mark.parametrize("seed", range(16))
def test_tiles_carry_exactly_their_layers_work(seed: int, tmp_path: Path) -> None:
    graph = _graph(seed, tmp_path)
    ran = 0
    for sram in (1 << 20, 16384, 8192, 4096, 3072, 1536):
        try:
            result = simulate_graph(graph, toy_machine(sram=sram), name="t")
        except PlanError:  # a whole softmax row does not fit: refused, rightly
            continue
        ran += 1
        tasks = Tasks.of(result.plan.tasks)
        macs = [0] * len(result.program.layers)
        ops = [0] * len(result.program.layers)
        for layer, work in zip(tasks.layer, tasks.work, strict=True):
            if isinstance(work, Gemm):
                macs[layer] += work.macs
                whole = result.program.layers[layer].gemm
                assert whole is not None
                assert work.m <= whole.m and work.k <= whole.k and work.groups <= whole.groups
                assert work.n * work.groups <= whole.n * whole.groups
            elif isinstance(work, Vector):
                ops[layer] += work.ops
        for layer in result.program.layers:
            vector = layer.epilogue_ops if layer.unit == MATRIX else layer.vector_ops
            assert (macs[layer.index], ops[layer.index]) == (layer.macs, vector), (
                f"{layer.name} at SRAM {sram}"
            )
    assert ran >= 3


@pytest.mark.parametrize("seed", range(6))
def test_reduction_chunks_cover_k_exactly(seed: int, tmp_path: Path) -> None:
    """A weight too big for SRAM is split along K: the chunks of every tile add up to the
    layer's K and each tile's GEMM multiplies out to its MACs (a prime K splits unevenly)."""
    rng = random.Random(seed)
    k, n, rows = rng.choice([509, 1031, 2003]), rng.choice(PRIMES), rng.choice(PRIMES)
    weight = np.random.default_rng(seed).standard_normal((k, n)).astype(np.float32)
    model = make_model([helper.make_node("MatMul", ["x", "w"], ["y"])], {"x": [1, rows, k]},
                       {"w": weight}, ["y"], opset=18)  # fmt: skip
    graph = import_cases(model, tmp_path, f"k{seed}")
    split = 0
    for sram in (8192, 4096, 2048):
        result = simulate_graph(graph, toy_machine(sram=sram), name="t")
        gemms = [w for w in Tasks.of(result.plan.tasks).work if isinstance(w, Gemm)]
        (layer,) = result.program.layers
        split += any(g.k < k for g in gemms)
        assert all(g.m * g.k * g.n * g.groups == g.macs for g in gemms)
        assert sum(g.macs for g in gemms) == layer.macs == rows * k * n
        columns = {}
        for g in gemms:  # tiles of the same rows and columns: their chunks add up to K
            columns.setdefault((g.m, g.n), []).append(g.k)
        assert all(sum(ks) % k == 0 for ks in columns.values()), columns
    assert split, "the weight was meant to be split along K"
