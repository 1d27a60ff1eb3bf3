"""The training loop's bookkeeping, with the network replaced by a stand-in whose outputs the
test knows: which images each step sees, the learning rate of every step, the per-epoch row,
the evaluation's weighting of a short last batch, the time budget's arithmetic, and the data
checks (labels in range, a resume on the same data). Expected values are worked in the comments
or computed here from their closed forms (a log-sum-exp in NumPy, the schedule's formula).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from accelsim.errors import DataError
from accelsim.train import loop
from accelsim.train import model as M
from accelsim.train.data import Cifar10, validate
from accelsim.train.loop import TrainConfig, _settle_epochs, evaluate, new_state, subset, train
from tests.train.conftest import synthetic_cifar

TINY = {"alpha": 0.125, "rho": 8 / 28, "warmup_epochs": 0.5, "lr": 0.05}


def _cross_entropy(logits: np.ndarray, labels: np.ndarray) -> float:
    """Mean -log softmax(logits)[label], by log-sum-exp (no label smoothing)."""
    z = logits.astype(np.float64)
    top = z.max(axis=1, keepdims=True)
    log_sum = top[:, 0] + np.log(np.exp(z - top).sum(axis=1))
    return float(np.mean(log_sum - z[np.arange(len(labels)), labels]))


class _StandIn:
    """Replaces the network: logits are (mean red, mean blue) of the normalised batch, so the
    synthetic set's red images (class 0) and blue ones (class 1) are always told apart; the
    gradients are zero. Keeps every training batch's logits."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.logits: list[np.ndarray] = []
        monkeypatch.setattr(M, "forward", self.forward)
        monkeypatch.setattr(M, "backward", self.backward)

    def forward(self, spec, params, buffers, x, *, train):
        logits = np.stack([x[..., 0].mean(axis=(1, 2)), x[..., 2].mean(axis=(1, 2))], axis=1)
        if train:
            self.logits.append(logits)
        return logits, ({} if train else None)

    def backward(self, spec, params, cache, dlogits):
        return {name: np.zeros_like(p) for name, p in params.items()}


class _Steps:
    """A Reporter that keeps what it is told."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def start_epoch(self, epoch, total_epochs, steps):
        self.calls.append(("start", epoch, total_epochs, steps))

    def step(self, steps_done, images_done, loss, accuracy):
        self.calls.append(("step", steps_done, images_done, loss, accuracy))

    def end_epoch(self, row):
        self.calls.append(("end", row["epoch"]))

    def epochs_settled(self, total_epochs, reason):
        self.calls.append(("settled", total_epochs))


def _cosine(epoch: float, base: float = 0.05, warmup: float = 0.5, total: int = 2) -> float:
    """The schedule's closed form: linear warm-up (offset 1e-3 epoch), then half a cosine."""
    if epoch < warmup:
        return base * (epoch + 1e-3) / warmup
    return base * 0.5 * (1 + math.cos(math.pi * (epoch - warmup) / (total - warmup)))


def test_every_step_has_its_own_learning_rate_and_sees_a_disjoint_batch(monkeypatch):
    data = synthetic_cifar(64, 16)  # 128 training images
    stand_in = _StandIn(monkeypatch)
    batches: list[np.ndarray] = []
    real_batch = loop.Preprocess.batch

    def batch(self, images, index, rng):
        if rng is not None:  # training batches are augmented; evaluation's are not
            batches.append(np.asarray(index).copy())
        return real_batch(self, images, index, rng)

    monkeypatch.setattr(loop.Preprocess, "batch", batch)
    config = TrainConfig(epochs=2, batch_size=24, label_smoothing=0.0, **TINY)
    state = new_state(config, data, np, command="t")
    rates: list[float] = []
    real_step = state.optimizer.step
    monkeypatch.setattr(
        state.optimizer, "step", lambda p, g, lr: (rates.append(lr), real_step(p, g, lr))
    )
    reporter = _Steps()
    train(state, data, np, reporter=reporter, update_every=2)

    # 128 // 24 = 5 steps an epoch; the learning rate moves every step: epoch + k / 5
    assert rates == pytest.approx([_cosine(e + k / 5) for e in (0, 1) for k in range(5)])
    assert len(set(rates)) == 10
    # each step takes the next 24 of the epoch's permutation: 120 distinct images an epoch
    assert [len(b) for b in batches] == [24] * 10
    for epoch in (0, 1):
        seen = np.concatenate(batches[5 * epoch : 5 * epoch + 5])
        assert len(set(seen.tolist())) == 120 and seen.max() < 128 and seen.min() >= 0
    # the epoch's row: lr at the epoch's start; the loss is the steps' mean; accuracy is over
    # the 5 x 24 images trained on (all right: red and blue are told apart)
    losses = [
        _cross_entropy(logits, data.train_labels[index])
        for logits, index in zip(stand_in.logits, batches, strict=True)
    ]
    first, second = state.history
    assert (first["epoch"], second["epoch"]) == (1, 2)
    # epoch 0: 0.05 * 0.001 / 0.5 = 1e-4; epoch 1: a third into the cosine: 0.05 * 0.75
    assert first["lr"] == pytest.approx(1e-4) and second["lr"] == pytest.approx(0.0375)
    assert first["train_loss"] == pytest.approx(np.mean(losses[:5]), rel=1e-5)
    assert second["train_loss"] == pytest.approx(np.mean(losses[5:]), rel=1e-5)
    assert first["train_accuracy"] == second["train_accuracy"] == 1.0
    assert first["val_accuracy"] == 1.0
    # progress: after steps 2, 4 and the last (5), with images so far and the running mean
    steps = [call for call in reporter.calls if call[0] == "step"][:3]
    assert [(s[1], s[2], s[4]) for s in steps] == [(2, 48, 1.0), (4, 96, 1.0), (5, 120, 1.0)]
    assert steps[0][3] == pytest.approx(np.mean(losses[:2]), rel=1e-5)
    assert steps[2][3] == pytest.approx(np.mean(losses[:5]), rel=1e-5)
    assert reporter.calls[0] == ("start", 1, 2, 5)
    assert ("start", 2, 2, 5) in reporter.calls and reporter.calls[-1] == ("end", 2)
    assert (state.epochs_done, state.total_epochs) == (2, 2)


def test_evaluation_weights_a_short_last_batch_by_its_images(monkeypatch):
    _StandIn(monkeypatch)
    data = synthetic_cifar(8, 16)
    state = new_state(TrainConfig(epochs=1, batch_size=8, **TINY), data, np, command="t")
    # 32 test images in batches of 5: six of 5 and one of 2. The reference scores them all at
    # once: the stand-in's logits of the centre crop, normalised with the training statistics.
    images, labels = data.test_images, data.test_labels
    mean, std = np.array(state.mean), np.array(state.std)
    crop = images[:, 2:30, 2:30, :].astype(np.float64) / 255.0
    normalised = (crop - mean) / std
    # the input side at rho 8/28 is 8: nearest resampling of the 28-pixel crop takes rows
    # and columns (i + 0.5) * 28 / 8 = 1, 5, 8, 12, 15, 19, 22, 26
    picks = ((np.arange(8) + 0.5) * 28 / 8).astype(int)
    small = normalised[:, picks][:, :, picks]
    logits = np.stack([small[..., 0].mean(axis=(1, 2)), small[..., 2].mean(axis=(1, 2))], 1)
    # make one image of each class wrong by swapping its colours, so accuracy is not 1
    wrong = labels.copy()
    wrong[[3, 30]] = 1 - wrong[[3, 30]]
    loss, accuracy = evaluate(state, images, wrong, batch=5)
    assert accuracy == pytest.approx(30 / 32)
    assert loss == pytest.approx(_cross_entropy(logits, wrong), rel=1e-5)
    whole = evaluate(state, images, wrong, batch=500)
    assert whole[0] == pytest.approx(loss, rel=1e-6) and whole[1] == accuracy


def test_subset_is_all_images_or_a_seeded_sorted_sample():
    assert subset(5, None, 0).tolist() == [0, 1, 2, 3, 4]
    assert subset(5, 5, 0).tolist() == [0, 1, 2, 3, 4]  # a limit of all is all, in order
    assert subset(5, 9, 0).tolist() == [0, 1, 2, 3, 4]
    picked = subset(100, 7, 3)
    expected = np.sort(np.random.default_rng(3).permutation(100)[:7])
    assert picked.tolist() == expected.tolist() and len(set(picked.tolist())) == 7


def _budget_state(*, budget, elapsed, done, epochs, total):
    config = SimpleNamespace(time_budget_s=budget, epochs=epochs)
    return SimpleNamespace(config=config, elapsed_s=elapsed, epochs_done=done, total_epochs=total)


def test_the_time_budget_fits_whole_epochs_into_what_is_left():
    # 100 s budget, 25 s spent, 20 s kept for the export: 55 s left, 20 s epochs -> 2.75 -> 2
    # more whole epochs after the 1 done: 3 in all (at most the 10 asked for)
    state = _budget_state(budget=100.0, elapsed=25.0, done=1, epochs=10, total=10)
    said = _settle_epochs(state, 20.0, 20.0, first=True)
    assert state.total_epochs == 3
    assert said == (
        "time budget 100 s: 3 epoch(s) in all (25 s spent, last epoch 20 s, 20 s kept for the "
        "export, at most 10 epochs)"
    )
    # settled again on the same count: said only on the run's first epoch
    assert _settle_epochs(state, 20.0, 20.0, first=False) is None
    assert _settle_epochs(state, 20.0, 20.0, first=True) == said
    # 60 s left exactly fits 3 epochs of 20 s
    state = _budget_state(budget=95.0, elapsed=25.0, done=1, epochs=10, total=10)
    _settle_epochs(state, 20.0, 10.0, first=True)
    assert state.total_epochs == 4
    # never above the epochs asked for: 3
    state = _budget_state(budget=100.0, elapsed=25.0, done=1, epochs=3, total=3)
    assert _settle_epochs(state, 20.0, 10.0, first=False) is None  # unchanged, not the first
    assert state.total_epochs == 3
    # overspent: -15 s left -> no more epochs, never fewer than those done
    state = _budget_state(budget=40.0, elapsed=45.0, done=2, epochs=10, total=10)
    assert _settle_epochs(state, 20.0, 10.0, first=False) is not None  # changed: said
    assert state.total_epochs == 2
    # a run resumed past the epochs asked for keeps the epochs it has done
    state = _budget_state(budget=1000.0, elapsed=45.0, done=5, epochs=3, total=5)
    _settle_epochs(state, 20.0, 10.0, first=True)
    assert state.total_epochs == 5
    # no budget: nothing settled
    state = _budget_state(budget=None, elapsed=45.0, done=2, epochs=10, total=10)
    assert _settle_epochs(state, 20.0, 10.0, first=True) is None and state.total_epochs == 10


def _data(train_labels, test_labels=(0, 1)) -> Cifar10:
    n, m = len(train_labels), len(test_labels)
    return Cifar10(
        np.zeros((n, 32, 32, 3), np.uint8), np.array(train_labels, np.int64),
        np.zeros((m, 32, 32, 3), np.uint8), np.array(test_labels, np.int64),
        ("a", "b", "c"), "s",
    )  # fmt: skip


def test_labels_run_from_0_to_one_less_than_the_class_count():
    assert validate(_data([0, 1, 2]), "d").class_names == ("a", "b", "c")  # 0..2 of 3 classes
    with pytest.raises(DataError, match=r"^d: train labels outside 0\.\.2$"):
        validate(_data([0, 3]), "d")  # 3 classes: label 3 is one past the last
    with pytest.raises(DataError, match=r"^d: test labels outside 0\.\.2$"):
        validate(_data([0, 1], [2, 3]), "d")
    with pytest.raises(DataError, match=r"^d: train labels outside 0\.\.2$"):
        validate(_data([-1, 0]), "d")


def test_a_split_needs_images_and_as_many_labels():
    data = _data([0, 1])
    empty = Cifar10(data.train_images[:0], data.train_labels[:0], data.test_images,
                    data.test_labels, data.class_names, "s")  # fmt: skip
    with pytest.raises(DataError, match=r"^d: train split has 0 images and 0 labels$"):
        validate(empty, "d")
    short = Cifar10(data.train_images, data.train_labels, data.test_images,
                    data.test_labels[:1], data.class_names, "s")  # fmt: skip
    with pytest.raises(DataError, match=r"^d: test split has 2 images and 1 labels$"):
        validate(short, "d")


def test_a_resume_must_see_the_same_classes_and_training_images():
    data = synthetic_cifar(8, 4)
    state = new_state(TrainConfig(epochs=1, batch_size=8, **TINY), data, np, command="t")
    loop.check_same_data(state, data, "--data")  # the same data: accepted
    three = Cifar10(data.train_images, data.train_labels, data.test_images, data.test_labels,
                    ("r", "g", "b"), "s")  # fmt: skip
    with pytest.raises(DataError, match=r"^--data: 3 classes, but the checkpoint was trained on 2"):
        loop.check_same_data(state, three, "--data")
    # one image's top row one step brighter: 32 pixels of 16 x 1,024 per channel move the
    # means by 32 / 255 / 16,384 = 7.7e-6 (about 2e-5 of them): a different data set
    changed = data.train_images.copy()
    changed[0, 0] += 1
    brighter = Cifar10(changed, data.train_labels, data.test_images,
                       data.test_labels, data.class_names, "s")  # fmt: skip
    with pytest.raises(DataError, match=r"^--data: not the data set the checkpoint was trained"):
        loop.check_same_data(state, brighter, "--data")


def test_channel_statistics_on_the_unit_scale_by_hand():
    # two 32x32 images, one all (255, 0, 51), one all (0, 0, 102): red 0.5 mean, std 0.5;
    # green 0, std 0; blue (0.2 + 0.4) / 2 = 0.3, std 0.1
    images = np.zeros((2, 32, 32, 3), np.uint8)
    images[0] = (255, 0, 51)
    images[1] = (0, 0, 102)
    data = Cifar10(images, np.array([0, 1]), images, np.array([0, 1]), ("a", "b"), "s")
    mean, std = data.channel_stats()
    assert mean == pytest.approx((0.5, 0.0, 0.3))
    assert std == pytest.approx((0.5, 0.0, 0.1), abs=1e-6)


def test_the_constant_schedule_holds_the_rate_after_warm_up():
    from accelsim.train.optim import Schedule

    s = Schedule("constant", 0.3, warmup_epochs=1, total_epochs=5)
    # warm-up: 0.3 x (0.5 + 0.001) / 1; then 0.3 to the end and beyond
    assert s.lr(0.5) == pytest.approx(0.3 * 0.501)
    assert [s.lr(e) for e in (1, 2.5, 5, 9)] == [0.3, 0.3, 0.3, 0.3]
    # step: /10 from half of the 4 post-warm-up epochs (epoch 3), /100 from 3/4 (epoch 4)
    s = Schedule("step", 1.0, warmup_epochs=1, total_epochs=5)
    assert [s.lr(e) for e in (2.99, 3, 3.99, 4)] == pytest.approx([1, 0.1, 0.1, 0.01])


def test_optimiser_and_schedule_options_out_of_range_are_one_line():
    from accelsim.train.optim import OptimConfig, Schedule

    with pytest.raises(DataError, match=r"^--momentum 1\.0: out of range; expected 0 <= m < 1$"):
        OptimConfig(momentum=1.0)
    with pytest.raises(DataError, match=r"^--momentum -0\.1: out of range"):
        OptimConfig(momentum=-0.1)
    OptimConfig(momentum=0.0, weight_decay=0.0)  # both limits accepted
    with pytest.raises(DataError, match=r"^--weight-decay -1e-05: must be >= 0$"):
        OptimConfig(weight_decay=-1e-5)
    with pytest.raises(DataError, match=r"^--schedule 'linear': unknown; expected cosine, step"):
        Schedule("linear", 0.1, 1, 5)
    with pytest.raises(DataError, match=r"^--lr 0\.0: must be > 0$"):
        Schedule("cosine", 0.0, 1, 5)
