"""Training arithmetic pinned where a single-line bug in it ran unnoticed (issue 19, bugs
planted by hand in accelsim/train/): each expected value is worked out by hand beside it."""

from __future__ import annotations

import numpy as np
import pytest

from accelsim.train import layers
from accelsim.train.optim import OptimConfig, Optimizer


def test_weight_decay_adds_the_parameter_not_the_gradient():
    # p = 2, g = 1, decay 0.5: g' = 1 + 0.5 * 2 = 2; no momentum: p = 2 - 0.1 * 2 = 1.8
    # (decay times the gradient would give 2 - 0.1 * 1.5 = 1.85)
    params = {"conv1.weight": np.array([2.0])}
    config = OptimConfig(momentum=0.0, nesterov=False, weight_decay=0.5)
    Optimizer(config, params, no_decay=set()).step(params, {"conv1.weight": np.array([1.0])}, 0.1)
    assert params["conv1.weight"][0] == pytest.approx(1.8)


@pytest.mark.parametrize(("side", "stride", "out"), [(7, 2, 4), (8, 2, 4), (7, 1, 7), (5, 2, 3)])
def test_a_padded_3x3_convolution_has_the_onnx_output_size(side, stride, out):
    # ONNX Conv, kernel 3, pads 1 + 1: floor((side + 2 - 3) / stride) + 1 (7, stride 2 -> 4)
    assert out == (side + 2 - 3) // stride + 1
    shape, out_h, out_w = layers.padded_shape((2, side, side + 1, 3), stride)
    assert shape == (2, side + 2, side + 3, 3)
    assert (out_h, out_w) == (out, (side + 1 + 2 - 3) // stride + 1)
    y, _ = layers.conv3x3_forward(np.ones((1, side, side, 2), np.float32),
                                  np.ones((3, 3, 2, 1), np.float32), stride)  # fmt: skip
    assert y.shape == (1, out, out, 1)


class _Pool:
    """Stands in for the layers' thread pool: records the runs it is given (in order)."""

    def __init__(self) -> None:
        self.runs: list[int] = []

    def map(self, fn, runs):
        runs = list(runs)
        self.runs.append(len(runs))
        return [fn(run) for run in runs]


@pytest.mark.parametrize(("items", "cores", "tasks"), [(2, 2, 2), (3, 2, 2), (8, 2, 2), (9, 2, 4),
                                                      (17, 2, 6), (5, 4, 4)])  # fmt: skip
def test_chunks_go_to_the_pool_in_a_multiple_of_the_cores(monkeypatch, items, cores, tasks):
    # one item per chunk (an item of CHUNK_BYTES); tasks = min(chunks, cores * ceil(chunks /
    # (4 * cores))): 2 chunks on 2 cores -> 2 tasks, 9 -> 2 * ceil(9 / 8) = 4, 17 -> 2 * 3 = 6
    pool = _Pool()
    monkeypatch.setattr(layers, "_pool", lambda: pool)
    monkeypatch.setattr(layers, "cpu_cores", lambda: cores)
    seen: list[tuple[int, int]] = []
    layers.over_chunks(lambda part: seen.append((part.start, part.stop)), items, layers.CHUNK_BYTES,
                       np)  # fmt: skip
    assert pool.runs == [tasks]
    assert seen == [(k, k + 1) for k in range(items)]  # every chunk once, in order


def test_a_single_chunk_runs_in_the_calling_thread(monkeypatch):
    pool = _Pool()
    monkeypatch.setattr(layers, "_pool", lambda: pool)
    seen: list[slice] = []
    layers.over_chunks(seen.append, 10, 8, np)  # 80 bytes: one chunk
    assert seen == [slice(0, 10)] and pool.runs == []
