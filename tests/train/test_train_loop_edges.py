"""The training loop's clock-driven bookkeeping, on a clock the test sets: the images-per-second
figure of an epoch whose last images do not fill a batch, and which early epochs re-settle the
epoch count under a time budget (up to the warm-up's last whole epoch, at least two), then the
stop when another epoch would not fit. The network is the stand-in of
tests/train/test_train_loop_by_hand.py; every expected value is worked in the comments.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from accelsim.errors import DataError
from accelsim.train import loop
from accelsim.train.loop import TrainConfig, new_state, train
from tests.train.conftest import synthetic_cifar
from tests.train.test_train_learning import _Recorder
from tests.train.test_train_loop_by_hand import _StandIn

TINY = {"alpha": 0.125, "rho": 8 / 28, "lr": 0.05}
SHORT_THEN_LONG = [(5.0, 10.0), (5.0, 10.0), (15.0, 30.0), (15.0, 30.0)]
"""Four epochs of 10, 10, 30 and 30 s (5, 5, 15 and 15 s of training)."""


def _clock(monkeypatch: pytest.MonkeyPatch, epochs: list[tuple[float, float]]) -> None:
    """The loop reads the clock three times an epoch (start, training done, evaluation done):
    epoch k takes `epochs[k]` = (training s, whole epoch s)."""
    readings, now = [], 0.0
    for train_s, epoch_s in epochs:
        readings += [now, now + train_s, now + epoch_s]
        now += epoch_s + 1.0
    ticks = iter(readings)
    monkeypatch.setattr(loop, "time", SimpleNamespace(perf_counter=lambda: next(ticks)))


def _budgeted(monkeypatch: pytest.MonkeyPatch, epochs: list[tuple[float, float]], *,
              budget_s: float = 100.0, warmup: float = 0.5,
              reserve_s: float = 0.0) -> tuple[loop.TrainState, _Recorder]:  # fmt: skip
    """The stand-in network asked for 10 epochs under `budget_s`, its epochs timed by
    `epochs` (see `_clock`): the run's state and what it reported."""
    _StandIn(monkeypatch)
    _clock(monkeypatch, epochs)
    data = synthetic_cifar(4, 2)
    reporter = _Recorder()
    config = TrainConfig(epochs=10, batch_size=4, time_budget_s=budget_s, warmup_epochs=warmup,
                         **TINY)  # fmt: skip
    state = train(new_state(config, data, np, command="t"), data, np, reporter=reporter,
                  reserve_s=reserve_s)  # fmt: skip
    return state, reporter


def test_images_per_second_count_the_images_trained_on_not_the_set(monkeypatch):
    _StandIn(monkeypatch)
    # 10 training images in batches of 4: 2 steps, 8 images trained on (2 left over); the
    # training part of the epoch takes 2 s, the whole epoch 5 s: 8 / 2 = 4 images/s
    _clock(monkeypatch, [(2.0, 5.0)])
    data = synthetic_cifar(5, 2)
    state = train(new_state(TrainConfig(epochs=1, batch_size=4, **TINY), data, np, command="t"),
                  data, np)  # fmt: skip
    (row,) = state.history
    assert row["train_images_per_s"] == pytest.approx(4.0)
    assert row["epoch_time_s"] == pytest.approx(5.0)
    assert state.elapsed_s == pytest.approx(5.0)


def test_the_epoch_count_is_settled_again_through_the_warm_up_then_only_the_stop(monkeypatch):
    # budget 100 s, 10 epochs asked for, warm-up 2.5 epochs: settled after epochs 1, 2 and 3
    # (ceil 2.5 = 3). Epochs take 10, 20, 40 s:
    # after 1: 10 s spent, 90 left / 10 -> 9 more: 10 in all (said: the run's first epoch)
    # after 2: 30 s spent, 70 left / 20 -> 3 more: 5 in all (changed: said)
    # after 3: 70 s spent, 30 left / 40 -> 0 more: 3 in all (changed: said); the run ends
    state, reporter = _budgeted(monkeypatch, [(5.0, 10.0), (10.0, 20.0), (20.0, 40.0)], warmup=2.5)
    assert [total for total, _ in reporter.settled] == [10, 5, 3]
    assert all("epoch(s) in all" in reason for _, reason in reporter.settled)
    assert (state.epochs_done, state.total_epochs) == (3, 3)


def test_after_the_warm_up_only_an_epoch_that_would_not_fit_stops_the_run(monkeypatch):
    # warm-up 0.5 epoch: settled after epochs 1 and 2 only (at least two). Epochs take 10, 10,
    # 30 s with a 100 s budget: after 1 and 2, 10 in all (said once: unchanged after 2); after
    # 3 (50 s spent) no re-settling (that would give 3 + 50 // 30 = 4), but another 30 s epoch
    # still fits (80 <= 100); after 4 (80 s spent) one more would not (110 > 100): stop at 4
    state, reporter = _budgeted(monkeypatch, SHORT_THEN_LONG)
    assert [total for total, _ in reporter.settled] == [10, 4]
    said = reporter.settled[1][1]
    assert said.startswith("time budget 100 s: stopping after 4 epochs (80 s spent")
    assert (state.epochs_done, state.total_epochs) == (4, 4)


def test_an_epoch_that_exactly_fits_what_is_left_still_runs(monkeypatch):
    # budget 80 s, warm-up 0.5: after epoch 1 (10 s) 70 s left / 10 -> 8 in all (said).
    # Epochs 2, 3 take 10, 30 s: after 3, 50 s spent and another 30 s epoch ends at exactly
    # 80 s: it fits. After 4 (80 s spent) nothing fits: stop at 4
    state, reporter = _budgeted(monkeypatch, SHORT_THEN_LONG, budget_s=80.0)
    assert [total for total, _ in reporter.settled] == [8, 4]
    assert (state.epochs_done, state.total_epochs) == (4, 4)


def test_a_resume_on_fewer_classes_than_the_checkpoint_is_refused():
    data = synthetic_cifar(8, 4)
    state = new_state(TrainConfig(epochs=1, batch_size=8, **TINY), data, np, command="t")
    # the same images and labels (0 and 1) under three class names: 3 classes, not 2
    state.spec = loop.M.MobileNetSpec(state.spec.alpha, state.spec.rho, 3)
    with pytest.raises(DataError, match=r"^--data: 2 classes, but the checkpoint was trained on 3"):
        loop.check_same_data(state, data, "--data")


def test_a_resumed_run_says_its_epoch_count_on_its_own_first_epoch(monkeypatch, tmp_path):
    _StandIn(monkeypatch)
    # 3 epochs in 100 s with a 2.5-epoch warm-up, resumed after epoch 1 (10 s spent). Epoch 2
    # takes 10 s: 20 s spent, 80 left fit all 3 epochs: unchanged, yet said (the resumed run's
    # first epoch); epoch 3 settles the same 3 again: not said
    data = synthetic_cifar(4, 2)
    config = TrainConfig(epochs=3, batch_size=4, time_budget_s=100.0, warmup_epochs=2.5, **TINY)
    state = new_state(config, data, np, command="t")
    state.epochs_done, state.elapsed_s = 1, 10.0
    state.save(tmp_path / "ck.npz")
    _clock(monkeypatch, [(5.0, 10.0), (5.0, 10.0)])
    reporter = _Recorder()
    resumed = loop.resume_state(tmp_path / "ck.npz", np, extra_epochs_to=None)
    train(resumed, data, np, reporter=reporter)
    assert [total for total, _ in reporter.settled] == [3]
    assert reporter.settled[0][1].startswith("time budget 100 s: 3 epoch(s) in all (20 s spent")


def test_the_export_reserve_counts_before_another_epoch(monkeypatch):
    # budget 100 s with 25 s kept for the export, warm-up 0.5: after epoch 1 (10 s) 65 s left
    # / 10 -> 6 more: 7 in all; after 2 (20 s) 55 / 10 -> 5 more: 7 (unchanged, not said).
    # After 3 (a 30 s epoch, 50 s spent) another 30 s epoch and the 25 s reserve end at 105 s:
    # stop at 3 (without the reserve it would end at 80 s and run)
    state, reporter = _budgeted(monkeypatch, SHORT_THEN_LONG, reserve_s=25.0)
    assert [total for total, _ in reporter.settled] == [7, 3]
    assert "25 s kept for the export" in reporter.settled[0][1]
    assert reporter.settled[1][1].startswith("time budget 100 s: stopping after 3 epochs (50 s")
    assert (state.epochs_done, state.total_epochs) == (3, 3)


def test_a_short_warm_up_still_settles_again_after_the_second_epoch(monkeypatch):
    # warm-up 0.5 epoch: settled after epochs 1 and 2 all the same (at least two). Budget
    # 100 s, epochs of 10 s then 20 s: after 1, 90 left / 10 -> 10 in all (said); after 2
    # (30 s spent) 70 / 20 -> 3 more: 5 in all (changed: said as a count, not as a stop).
    # Epochs 3-5 (20 s each) then fit: 50 + 20 and 70 + 20 <= 100; the run ends at 5 (90 s).
    # Settled only after epoch 1, it would keep 10 and stop at 5 for want of time instead
    epochs = [(5.0, 10.0)] + [(10.0, 20.0)] * 5
    state, reporter = _budgeted(monkeypatch, epochs)
    assert [total for total, _ in reporter.settled] == [10, 5]
    assert reporter.settled[1][1].startswith("time budget 100 s: 5 epoch(s) in all (30 s spent")
    assert (state.epochs_done, state.total_epochs) == (5, 5)
