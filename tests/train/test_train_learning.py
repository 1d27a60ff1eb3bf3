"""Training learns; a run interrupted and resumed from its checkpoint equals an unbroken one."""

from __future__ import annotations

import numpy as np
import pytest

from accelsim.train.loop import TrainConfig, new_state, resume_state, train
from accelsim.train.optim import OptimConfig

# alpha 1/8, rho 8/28: an 8x8 input and 4..32 channels, so an epoch takes well under a second.
TINY = {"alpha": 0.125, "rho": 8 / 28, "batch_size": 16, "warmup_epochs": 0.5, "lr": 0.05}


def test_tiny_synthetic_set_is_learned(tiny_data):
    config = TrainConfig(epochs=10, label_smoothing=0.0, **TINY)
    state = train(new_state(config, tiny_data, np, command="test"), tiny_data, np)
    first, last = state.history[0], state.history[-1]
    # chance level for 2 classes is ln 2 = 0.693; learning must get the loss well under that
    assert first["train_loss"] > 0.5
    assert last["val_loss"] < 0.25 * first["train_loss"]
    assert last["val_accuracy"] == 1.0


class _Interrupt(Exception):
    pass


class _InterruptAfterFirstEpoch:
    """A Reporter that interrupts the run once epoch 1 is checkpointed (like Ctrl-C would)."""

    def start_epoch(self, epoch, total_epochs, steps):
        pass

    def step(self, steps_done, images_done, loss, accuracy):
        pass

    def end_epoch(self, row):
        raise _Interrupt


def test_resume_reproduces_an_uninterrupted_run(tiny_data, tmp_path):
    config = TrainConfig(
        epochs=3, optim=OptimConfig(name="rmsprop", momentum=0.9), **{**TINY, "lr": 0.002}
    )
    straight = train(new_state(config, tiny_data, np, command="test"), tiny_data, np)

    checkpoint = tmp_path / "ck.npz"
    with pytest.raises(_Interrupt):
        train(
            new_state(config, tiny_data, np, command="test"),
            tiny_data,
            np,
            checkpoint=checkpoint,
            reporter=_InterruptAfterFirstEpoch(),
        )
    resumed = train(resume_state(checkpoint, np, extra_epochs_to=None), tiny_data, np)

    assert resumed.epochs_done == straight.epochs_done == 3
    for name, value in straight.params.items():
        np.testing.assert_array_equal(resumed.params[name], value, err_msg=name)
    for name, value in straight.buffers.items():
        np.testing.assert_array_equal(resumed.buffers[name], value, err_msg=name)
    metrics = ("train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr")
    assert [[r[k] for k in metrics] for r in resumed.history] == [
        [r[k] for k in metrics] for r in straight.history
    ]


def test_time_budget_stops_and_a_resume_with_more_epochs_continues(tiny_data, tmp_path):
    # a budget of 1 microsecond is spent by the first epoch: the run stops after it
    config = TrainConfig(epochs=5, time_budget_s=1e-6, **TINY)
    checkpoint = tmp_path / "ck.npz"
    state = train(
        new_state(config, tiny_data, np, command="t"), tiny_data, np, checkpoint=checkpoint
    )
    assert (state.epochs_done, state.total_epochs) == (1, 1)
    # raising the epoch target drops the spent budget (a warm restart of the cosine)
    resumed = train(resume_state(checkpoint, np, extra_epochs_to=3), tiny_data, np)
    assert resumed.epochs_done == 3
    # a new budget on resume counts on top of the time already spent: 1 us more is spent at once
    again = train(resume_state(checkpoint, np, extra_epochs_to=3, more_time_s=1e-6), tiny_data, np)
    assert again.epochs_done == 2


class _Recorder:
    """A Reporter that keeps the epoch counts the time budget settled on."""

    def __init__(self):
        self.settled = []

    def start_epoch(self, epoch, total_epochs, steps):
        pass

    def step(self, steps_done, images_done, loss, accuracy):
        pass

    def end_epoch(self, row):
        pass

    def epochs_settled(self, total_epochs, reason):
        self.settled.append((total_epochs, reason))


def test_time_budget_reports_the_epoch_count_it_settles_on(tiny_data):
    # 1 us: spent by epoch 1, so of the 5 epochs asked for 1 is all that fits
    recorder = _Recorder()
    config = TrainConfig(epochs=5, time_budget_s=1e-6, **TINY)
    state = train(new_state(config, tiny_data, np, command="t"), tiny_data, np, reporter=recorder)
    assert [total for total, _ in recorder.settled] == [state.epochs_done] == [1]
    assert recorder.settled[0][1].startswith("time budget 1e-06 s: 1 epoch(s) in all (")
    # a budget of a day fits all 2 epochs asked for: still said once, after epoch 1
    recorder = _Recorder()
    config = TrainConfig(epochs=2, time_budget_s=86_400, **TINY)
    state = train(new_state(config, tiny_data, np, command="t"), tiny_data, np, reporter=recorder)
    assert [total for total, _ in recorder.settled] == [state.epochs_done] == [2]
    assert "at most 2 epochs" in recorder.settled[0][1]


def test_one_epoch_curves_show_their_points():
    from accelsim.train.metrics import curves_figure

    row = {"epoch": 1, "train_loss": 1.0, "val_loss": 0.9, "train_accuracy": 0.5}
    figure = curves_figure({"alpha 1": [{**row, "val_accuracy": 0.6}]})
    lines = [line for ax in figure.axes for line in ax.get_lines()]
    assert len(lines) == 4  # train and validation, accuracy and loss
    for line in lines:  # a single point is only visible as a marker
        assert list(line.get_xdata()) == [1]
        assert line.get_marker() not in (None, "", "None", " ")
