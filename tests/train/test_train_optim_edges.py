"""The optimiser and schedule at their edges, by hand: Nesterov over two steps (one step cannot
tell it from plain momentum applied the other way), no weight decay on depthwise filters, a
warm-up that leaves less than one epoch of cosine, and rates asked for past the last epoch."""

from __future__ import annotations

import math

import numpy as np
import pytest

from accelsim.train.optim import OptimConfig, Optimizer, Schedule


def test_nesterov_two_steps_by_hand():
    # no decay, momentum 0.9, lr 0.1, gradients 1 then 2:
    # v1 = 1, step g + 0.9 v1 = 1.9 -> p = 1 - 0.19 = 0.81
    # v2 = 0.9 + 2 = 2.9, step 2 + 0.9 * 2.9 = 4.61 -> p = 0.81 - 0.461 = 0.349
    params = {"conv1.weight": np.array([1.0])}
    opt = Optimizer(OptimConfig(nesterov=True, weight_decay=0.0), params, no_decay=set())
    for g in (1.0, 2.0):
        opt.step(params, {"conv1.weight": np.array([g])}, 0.1)
    assert params["conv1.weight"][0] == pytest.approx(0.349)


def test_depthwise_filters_get_no_weight_decay():
    # plain SGD (no momentum), decay 0.5, gradient 1, lr 0.1: a pointwise weight steps by
    # 1 + 0.5 = 1.5 (p = 0.85); the depthwise one named in no_decay by 1 (p = 0.9)
    params = {"conv1.weight": np.array([1.0]), "conv2.weight": np.array([1.0])}
    config = OptimConfig(momentum=0.0, nesterov=False, weight_decay=0.5)
    opt = Optimizer(config, params, no_decay={"conv2.weight"})
    opt.step(params, {k: np.array([1.0]) for k in params}, 0.1)
    assert params["conv1.weight"][0] == pytest.approx(0.85)
    assert params["conv2.weight"][0] == pytest.approx(0.9)


def test_a_cosine_shorter_than_an_epoch_still_runs_its_whole_half_period():
    # warm-up 1.5 of 2 epochs: the cosine spans 0.5 epoch; a quarter epoch in it is half way
    s = Schedule("cosine", 0.2, warmup_epochs=1.5, total_epochs=2)
    assert s.lr(1.75) == pytest.approx(0.1)
    assert s.lr(2.0) == pytest.approx(0.0, abs=1e-12)


def test_past_the_last_epoch_the_rate_stays_at_the_end_of_the_schedule():
    cosine = Schedule("cosine", 0.2, warmup_epochs=2, total_epochs=12)
    # 2 epochs past the end: still 0, not back up the cosine (0.1 * (1 + cos 1.2 pi) = 0.019)
    assert cosine.lr(14.0) == pytest.approx(0.0, abs=1e-12)
    step = Schedule("step", 1.0, warmup_epochs=0, total_epochs=8)
    assert step.lr(20.0) == pytest.approx(0.01)
    assert math.isclose(Schedule("constant", 0.3, 1, 4).lr(9.0), 0.3)
