"""What a resume restores and changes, read straight off the rebuilt state: the epoch target and
time budget (`--epochs` at, above and below the checkpoint's; `--time-budget` on top of the time
already spent), and the run's identity (its RNG stream, command, data source, history).

The checkpoint is the seeded initial state saved with hand-set bookkeeping (no training needed),
so every expected value is the number written into it or its plain sum.
"""

from __future__ import annotations

import numpy as np
import pytest

from accelsim.train.loop import TrainConfig, new_state, resume_state
from tests.train.conftest import synthetic_cifar

TINY = {"alpha": 0.125, "rho": 8 / 28, "warmup_epochs": 0.5}


@pytest.fixture
def checkpoint(tmp_path):
    """A 4-epoch run with a 1,000 s budget, saved after 2 epochs and 300 s."""
    config = TrainConfig(epochs=4, time_budget_s=1000.0, **TINY)
    state = new_state(config, synthetic_cifar(4, 2), np, command="accelsim train x")
    state.epochs_done, state.elapsed_s = 2, 300.0
    state.history = [{"epoch": 1.0}, {"epoch": 2.0}]
    state.rng.integers(0, 10, 5)  # move the stream on, so a fresh seed would differ
    path = tmp_path / "ck.npz"
    state.save(path)
    return path, state


def test_a_resume_without_changes_keeps_target_budget_and_bookkeeping(checkpoint):
    path, saved = checkpoint
    state = resume_state(path, np, extra_epochs_to=None)
    assert (state.total_epochs, state.config.epochs, state.config.time_budget_s) == (4, 4, 1000.0)
    assert (state.epochs_done, state.elapsed_s) == (2, 300.0)
    assert state.history == [{"epoch": 1.0}, {"epoch": 2.0}]
    assert (state.command, state.data_source) == ("accelsim train x", "synthetic")
    # the RNG continues where the saved one stood, not from the seed
    assert state.rng.integers(0, 1 << 30, 4).tolist() == saved.rng.integers(0, 1 << 30, 4).tolist()


def test_epochs_equal_to_the_target_change_nothing_not_even_the_budget(checkpoint):
    path, _ = checkpoint
    state = resume_state(path, np, extra_epochs_to=4)
    assert (state.total_epochs, state.config.time_budget_s) == (4, 1000.0)


def test_epochs_below_the_target_never_lower_it(checkpoint):
    path, _ = checkpoint
    state = resume_state(path, np, extra_epochs_to=3)
    assert (state.total_epochs, state.config.epochs, state.config.time_budget_s) == (4, 4, 1000.0)


def test_epochs_above_the_target_raise_it_and_drop_the_spent_budget(checkpoint):
    path, _ = checkpoint
    state = resume_state(path, np, extra_epochs_to=5)
    assert (state.total_epochs, state.config.epochs, state.config.time_budget_s) == (5, 5, None)


def test_more_time_counts_on_top_of_the_time_already_spent(checkpoint):
    path, _ = checkpoint
    state = resume_state(path, np, extra_epochs_to=6, more_time_s=50.0)
    # 300 s spent + 50 s more; the raised target stands
    assert (state.total_epochs, state.config.time_budget_s) == (6, 350.0)
    state = resume_state(path, np, extra_epochs_to=None, more_time_s=50.0)
    assert (state.total_epochs, state.config.time_budget_s) == (4, 350.0)
