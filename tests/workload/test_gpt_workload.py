"""The GPT-style decoder of workloads/build_gpt.py: MACs against the closed form of a
transformer, the embedding reading only its rows, and decode bus-bound on edge1."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

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
