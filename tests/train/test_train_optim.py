"""Update rules and the learning-rate schedule against hand-computed steps."""

from __future__ import annotations

import math

import numpy as np
import pytest

from accelsim.errors import DataError
from accelsim.train.optim import OptimConfig, Optimizer, Schedule


def _one(config, grads, lr=0.1, start=1.0):
    params = {"conv1.weight": np.array([start]), "bn1.bias": np.array([start])}
    opt = Optimizer(config, params, no_decay=set())
    for g in grads:
        opt.step(params, {k: np.array([g]) for k in params}, lr)
    return params


def test_sgd_momentum_two_steps_by_hand():
    # v1 = g1 = 1 -> p = 1 - .1*1 = .9; v2 = .9*1 + 2 = 2.9 -> p = .9 - .29 = .61
    p = _one(OptimConfig(nesterov=False, weight_decay=0.0), [1.0, 2.0])
    assert p["conv1.weight"][0] == pytest.approx(0.61)


def test_sgd_nesterov_and_weight_decay_only_on_weights():
    # weight: g = 1 + 0.5*1 = 1.5, v = 1.5, step = g + .9 v = 2.85 -> p = 1 - .285 = .715
    # bias (no decay): g = 1, v = 1, step = 1.9 -> p = .81
    p = _one(OptimConfig(nesterov=True, weight_decay=0.5), [1.0])
    assert p["conv1.weight"][0] == pytest.approx(0.715)
    assert p["bn1.bias"][0] == pytest.approx(0.81)


def test_rmsprop_step_by_hand():
    # s = .1 * 4 = .4; v = .1 * 2 / sqrt(.4 + 1e-3) = .31584...; p = 1 - v
    config = OptimConfig(name="rmsprop", momentum=0.0, weight_decay=0.0)
    p = _one(config, [2.0])
    assert p["conv1.weight"][0] == pytest.approx(1 - 0.2 / math.sqrt(0.401))


def test_cosine_schedule_warms_up_then_halves_at_midpoint():
    s = Schedule("cosine", 0.2, warmup_epochs=2, total_epochs=12)
    assert s.lr(1.0) == pytest.approx(0.2 * 1.001 / 2)  # linear ramp (offset 1e-3 epoch)
    assert s.lr(2.0) == pytest.approx(0.2)
    assert s.lr(7.0) == pytest.approx(0.1)  # half way through the 10 cosine epochs
    assert s.lr(12.0) == pytest.approx(0.0, abs=1e-12)


def test_step_schedule_divides_by_ten_twice():
    s = Schedule("step", 1.0, warmup_epochs=0, total_epochs=8)
    assert [s.lr(e) for e in (0, 3.9, 4, 6, 7.9)] == pytest.approx([1, 1, 0.1, 0.01, 0.01])


def test_bad_optimiser_options_are_data_errors():
    with pytest.raises(DataError, match=r"^--optimizer 'adam': unknown; expected sgd, rmsprop$"):
        OptimConfig(name="adam")
    with pytest.raises(DataError, match=r"^--lr -1.0: must be > 0$"):
        Schedule("cosine", -1.0, 1, 10)
