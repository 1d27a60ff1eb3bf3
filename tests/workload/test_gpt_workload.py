"""The GPT-style decoder of workloads/build_gpt.py: MACs against the closed form of a
transformer, the embedding reading only its rows, and decode bus-bound on edge1."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest

from accelsim.api import simulate_graph
from accelsim.hardware_file import load_hardware
from accelsim.workload import import_onnx

ROOT = Path(__file__).resolve().parents[2]


def _builder():
    spec = importlib.util.spec_from_file_location("build_gpt", ROOT / "workloads/build_gpt.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """One layer, dim 32, 2 heads, vocab 64, context 8; both graphs checked by onnxruntime."""
    build = _builder()
    config = build.Config(layers=1, dim=32, heads=2, vocab=64, context=8)
    folder = tmp_path_factory.mktemp("gpt")
    paths = {}
    for decode, name in ((False, "prefill"), (True, "decode")):
        model = build.build(config, decode=decode)
        build.check_with_onnxruntime(model, config)
        paths[name] = folder / f"{name}.onnx"
        onnx.save(model, str(paths[name]))
    return paths


def test_prefill_macs_match_the_closed_form(tiny):
    # Per layer: QKV S·D·3D, projection S·D·D, MLP 2·S·D·4D = 12·S·D²; attention scores and
    # mix 2·S·S·D; LM head S·D·V. S = 8, D = 32, V = 64: 98,304 + 4,096 + 16,384.
    graph = import_onnx(tiny["prefill"])
    assert graph.total_macs == 118_784
    assert graph.tensor("wte[embed]").shape == (1, 8, 32)  # 8 rows of the table, not 64


def test_decode_macs_match_the_closed_form_and_it_is_bus_bound(tiny):
    # One token against a cache of 7 + itself (T = 8): 12·D² + 2·T·D + D·V
    # = 12,288 + 512 + 2,048.
    graph = import_onnx(tiny["decode"])
    assert graph.total_macs == 14_848
    result = simulate_graph(graph, load_hardware(ROOT / "hardware/edge1.yaml"), name="d")
    assert result.floor.limit == "bus"
    assert result.busy_cycles("bus") > 10 * result.busy_cycles("matrix")


def test_decode_runs_at_the_closed_form_with_the_cache_appended_in_place(tmp_path):
    # L = 2 layers, D = 64, V = 256, a cache of N = 63 positions, int8 on edge1 (1 byte/cycle).
    # Closed form, each byte over the bus once: per layer the weights 12·D² + 13·D (QKV, output
    # projection, MLP and their biases, two LayerNorms) and the 1-byte scale; ln_f 2·D; the LM
    # head V·D (tied to the embedding, of which the token's row, D, is also read) and the
    # position's row D; the cache read, 2·L·N·D; the logits V; the new K and V rows, 2·L·D;
    # the token id 1.
    build = _builder()
    L, D, V, N = 2, 64, 256, 63
    model = build.build(build.Config(layers=L, dim=D, heads=4, vocab=V, context=N + 1), decode=True)
    onnx.save(model, str(path := tmp_path / "decode.onnx"))
    closed = L * (12 * D * D + 13 * D + 1) + 2 * D + V * D + 2 * D + 2 * L * N * D + V
    closed += 2 * L * D + 1
    edge1 = load_hardware(ROOT / "hardware/edge1.yaml")
    result = simulate_graph(import_onnx(path), edge1, name="d")
    assert result.bus_read_bytes + result.bus_write_bytes == closed == 133_251
    assert result.bus_write_bytes == V + 2 * L * D  # the logits and one new row per K and V
    assert closed <= result.latency_cycles <= 1.05 * closed
    assert any("appended in place" in note for note in result.program.notes)


def test_builder_graphs_have_the_shapes_onnxruntime_computes(tmp_path):
    # Batch 2, a cache of 5: accelsim's inferred output shapes against onnxruntime's outputs.
    import onnxruntime

    build = _builder()
    config = build.Config(layers=1, dim=32, heads=2, vocab=64, context=8, past=5, batch=2)
    for decode in (False, True):
        model = build.build(config, decode=decode)
        session = onnxruntime.InferenceSession(model.SerializeToString(),
                                               providers=["CPUExecutionProvider"])  # fmt: skip
        feeds = {
            i.name: np.zeros(i.shape, np.int64 if "int64" in i.type else np.float32)
            for i in session.get_inputs()
        }
        names = [o.name for o in session.get_outputs()]
        got = dict(zip(names, session.run(None, feeds), strict=True))
        onnx.save(model, str(path := tmp_path / f"{decode}.onnx"))
        graph = import_onnx(path)
        assert {n: graph.tensor(n).shape for n in graph.outputs} == {
            n: value.shape for n, value in got.items()
        }


def test_decode_with_a_symbolic_batch_takes_accelsim_batch(tmp_path):
    # The same decode step with its batch left as a name: `--batch 3` sets it. Three sequences
    # read the weights once (116,546 B, the closed form above without its per-sequence part) and
    # each its own cache, token row and id, and write its logits and new rows (16,705 B each).
    build = _builder()
    L, D, V, N = 2, 64, 256, 63
    config = build.Config(layers=L, dim=D, heads=4, vocab=V, context=N + 1, batch="batch")
    onnx.save(build.build(config, decode=True), str(path := tmp_path / "decode.onnx"))
    graph = import_onnx(path, batch=3)
    assert graph.tensor("logits").shape == (3, 1, V)
    weights = L * (12 * D * D + 13 * D + 1) + 2 * D + V * D + D
    per_sequence = 2 * L * N * D + 2 * L * D + V + D + 1
    result = simulate_graph(graph, load_hardware(ROOT / "hardware/edge1.yaml"), name="d")
    assert result.bus_read_bytes + result.bus_write_bytes == weights + 3 * per_sequence == 166_661
