"""The tiler searches once per distinct set of planning inputs: layers that differ only in their
names (a transformer's identical blocks) share one search, renamed; a layer differing in anything
the search reads is searched again.

Toy machine (tests/sim/toy.py): 1 byte per cycle on the bus, 100 FLOP a cycle on the matrix
engine, 1 op a cycle on the vector unit, int8, no transfer latency.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from accelsim.api import simulate_graph
from accelsim.lowering import Layer, Window, lower
from accelsim.memory import tiling
from accelsim.work import Vector
from tests.sim.toy import GraphBuilder, toy_machine


def _fc(g: GraphBuilder, suffix: str, columns: int) -> str:
    """x (1, 4, 8) times w (8, columns): 4 rows of K = 8, as in test_tiling_shapes."""
    x = g.input(f"x{suffix}", (1, 4, 8))
    w = g.weight(f"w{suffix}", (8, columns))
    return g.op(f"fc{suffix}", "MatMul", [x, w], f"y{suffix}", (1, 4, columns),
                macs=4 * columns * 8)  # fmt: skip


def test_identical_layers_share_one_search_and_a_different_one_does_not(monkeypatch):
    searched: list[str] = []
    search = tiling.tile_layer

    def counting(layer, program, hw, **options):
        searched.append(layer.name)
        return search(layer, program, hw, **options)

    monkeypatch.setattr(tiling, "tile_layer", counting)
    g = GraphBuilder()
    outputs = (_fc(g, "1", 16), _fc(g, "2", 16), _fc(g, "3", 12))
    result = simulate_graph(g.build(*outputs), toy_machine(sram=100), name="t")
    # fc1 and fc2 differ only in names: one search. fc3 has 12 columns: its own.
    assert searched == ["fc1", "fc3"]
    loads = Counter((e.buffer, e.nbytes) for e in result.trace.events if e.kind == "load")
    # fc1's split, worked out in test_tiling_shapes: x once (32 B), w by groups of 3 columns
    # (24 B) and the last column (8 B); fc2 gets the same under its own names.
    for x, w in (("x1", "w1"), ("x2", "w2")):
        mine = {(name, size): n for (name, size), n in loads.items() if name in (x, w)}
        assert mine == {(w, 24): 5, (w, 8): 1, (x, 32): 1}
    # fc3's 12 x 8 B of weights load once (not fc1's 16 columns' 128 B, had it reused fc1's).
    assert sum(n * size for (name, size), n in loads.items() if name == "w3") == 96
    assert result.plan.tiles[0] == result.plan.tiles[1] == 6


def _layer_and_buffers():
    g = GraphBuilder()
    program = lower(g.build(_fc(g, "", 16)), toy_machine())
    return program.layers[0], program.buffers


def test_names_do_not_enter_the_key():
    layer, buffers = _layer_and_buffers()
    renamed = {"x": "a", "w": "b", "y": "c"}
    other = dataclasses.replace(
        layer, index=7, name="block7.fc",
        reads=tuple(renamed[n] for n in layer.reads),
        weights=tuple(renamed[n] for n in layer.weights),
        writes=tuple(renamed[n] for n in layer.writes),
    )  # fmt: skip
    others = {renamed[n]: dataclasses.replace(b, name=renamed[n]) for n, b in buffers.items()}
    names, key = tiling._signature(other, others)
    assert names == ("a", "b", "c")
    assert key == tiling._signature(layer, buffers)[1]


CHANGES = {
    "op_types": lambda layer: {"op_types": ("Gemm",)},
    "unit": lambda layer: {"unit": "vector"},
    "macs": lambda layer: {"macs": layer.macs + 1},
    "vector_ops": lambda layer: {"vector_ops": layer.vector_ops + 1},
    "elements": lambda layer: {"elements": layer.elements + 1},
    "epilogue_ops": lambda layer: {"epilogue_ops": layer.epilogue_ops + 1},
    "window": lambda layer: {"window": Window(kernel=3, stride=1, pad=1)},
    "gemm": lambda layer: {"gemm": dataclasses.replace(layer.gemm, k=layer.gemm.k + 1)},
    "reads": lambda layer: {"reads": ("w", "x")},
    "weights": lambda layer: {"weights": ("x",)},
    "writes": lambda layer: {"writes": ("x",)},
    "held": lambda layer: {"held": ("w",)},
    "pointwise": lambda layer: {"pointwise": ("x",)},
    "views": lambda layer: {"views": (("x", (4, 8)),)},
}


def test_every_field_the_search_reads_is_in_the_key():
    assert set(CHANGES) == {f.name for f in dataclasses.fields(Layer)} - {"index", "name"}


@pytest.mark.parametrize("field", sorted(CHANGES))
def test_a_layer_differing_in_one_field_has_another_key(field):
    layer, buffers = _layer_and_buffers()
    other = dataclasses.replace(layer, **CHANGES[field](layer))
    assert tiling._signature(other, buffers)[1] != tiling._signature(layer, buffers)[1]


@pytest.mark.parametrize("change", [{"shape": (1, 8, 4)}, {"nbytes": 33}])
def test_a_buffer_differing_in_shape_or_size_gives_another_key(change):
    layer, buffers = _layer_and_buffers()
    others = {**buffers, "x": dataclasses.replace(buffers["x"], **change)}
    assert tiling._signature(layer, others)[1] != tiling._signature(layer, buffers)[1]


def _two_matmuls_on_x():
    """Two MatMuls reading x (1 x 16 x 64) whole, each with a 64 x 64 weight (4 KiB)."""
    g = GraphBuilder()
    x = g.input("x", (1, 16, 64))
    outs = [g.op(f"m{i}", "MatMul", [x, g.weight(f"w{i}", (64, 64))], f"y{i}", (1, 16, 64),
                 macs=16 * 64 * 64) for i in range(2)]  # fmt: skip
    return g.build(*outs)


def test_a_tiler_keeps_each_question_with_what_is_in_sram_and_agrees_only_on_every_answer():
    # On 1,500 B of SRAM both MatMuls are tiled and the planner keeps x in SRAM between them:
    # it asks for m0 with nothing in SRAM, then for m1 with x there. At 0.5, 1 and 4 GB/s m0 is
    # split alike (16 tiles); with x in SRAM, m1 takes 16 tiles of 64 B at 0.5 and 1 GB/s but
    # 22 of 48 B at 4 GB/s (tests/sweep/test_reuse.py). So the 1 GB/s tiler agrees with the
    # 0.5 GB/s one, the 4 GB/s one does not (only its second answer differs).
    from accelsim.memory.policies import make_plan

    graph = _two_matmuls_on_x()
    tilers = {}
    for bus in ("0.5 GB/s", "1 GB/s", "4 GB/s"):
        hw = toy_machine(sram=1500, bus=bus, matrix="2000 GFLOPS")
        program = lower(graph, hw)
        tilers[bus] = tiling.Tiler(program, hw)
        make_plan(program, hw, policy="liveness", overlap=True, tiler=tilers[bus])
    questions = [(q[0].name, q[2]) for q in tilers["0.5 GB/s"].asked.values()]
    assert questions == [("m0", frozenset()), ("m1", frozenset({"x"}))]
    assert tilers["1 GB/s"].agrees(tilers["0.5 GB/s"])
    assert not tilers["4 GB/s"].agrees(tilers["0.5 GB/s"])
    first, second = (
        tilers["4 GB/s"]._answer(key, question)
        for key, question in tilers["0.5 GB/s"].asked.items()
    )  # fmt: skip
    assert (len(first.tiles), len(second.tiles)) == (16, 22)


@pytest.mark.parametrize("sram", ["32 KiB", "128 KiB"])
def test_mobilenet_points_that_take_a_kept_tiled_plan_get_the_plan_planned_alone(sram):
    # MobileNet on edge1 at 32 and 128 KiB of SRAM tiles layers, keeping inputs in SRAM between
    # them. Over 4 buses x 2 engines some points share a plan (their tilers answer alike), and
    # every point's plan, shared or not, is the one planning its machine afresh gives.
    from pathlib import Path

    from accelsim.hardware_file import load_hardware, with_overrides
    from accelsim.memory.policies import make_plan
    from accelsim.sweep.reuse import Reuse
    from accelsim.workload import import_onnx

    root = Path(__file__).resolve().parents[2]
    graph, base = import_onnx(root / "workloads" / "mobilenet.onnx"), load_hardware(
        root / "hardware" / "edge1.yaml"
    )
    reuse, planned = Reuse(), []
    for bus in ("0.25 GB/s", "0.5 GB/s", "4 GB/s", "32 GB/s"):
        for peak in ("0.5 TFLOPS", "1 TFLOPS"):
            hw = with_overrides(base, {"sram.capacity": sram, "bus.bandwidth": bus,
                                       "matrix_engine.peak": peak})  # fmt: skip
            planned.append(reuse.planned(graph, hw, policy="liveness", overlap=True))
            alone = make_plan(lower(graph, hw), hw, policy="liveness", overlap=True)
            assert planned[-1].plan == alone, (sram, bus, peak)
    assert 1 < len({id(p) for p in planned}) < len(planned)


def test_a_renamed_tiling_is_each_tile_renamed_field_by_field():
    # by hand: tiles 0 and 2 read and weigh the same tuples but write different slices, tile 1
    # reads other slices; renamed twice over (the second time from its memo)
    work = Vector(ops=8, elements=8)
    reads, other, weights = (("x", 4),), (("x", 2), ("y", 2)), (("w", 1),)
    tiles = (
        tiling.Tile(0, 0, reads, weights, ("z", 4), work),
        tiling.Tile(0, 1, other, weights, ("z", 2), work, chunk=1, last=False, psum=6),
        tiling.Tile(1, 0, reads, weights, ("z", 3), work),
    )
    plain = tiling.Tiling(tiles, 8, 1, tiling.BUFFERINGS[1], shared=(("s", 5),))
    names = {"x": "a", "y": "b", "w": "c", "z": "d", "s": "e"}
    for _ in range(2):
        renamed = tiling._renamed(plain, tuple(names), tuple(names.values()))
        assert renamed.shared == (("e", 5),)
        assert renamed.tiles == (
            tiling.Tile(0, 0, (("a", 4),), (("c", 1),), ("d", 4), work),
            tiling.Tile(0, 1, (("a", 2), ("b", 2)), (("c", 1),), ("d", 2), work, chunk=1,
                        last=False, psum=6),  # fmt: skip
            tiling.Tile(1, 0, (("a", 4),), (("c", 1),), ("d", 3), work),
        )
