"""The training loop: epochs of augmented mini-batches, evaluation, checkpoints and metrics.

The loop is silent: it reports progress through a `Reporter` (the CLI draws a rich progress
bar), and returns the per-epoch history. With a time budget, the epoch count is settled once
warm-up ends, from the measured epoch time, so the learning-rate schedule completes in time.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

import numpy as np

from accelsim.errors import DataError
from accelsim.train import model as M
from accelsim.train.augment import Preprocess
from accelsim.train.backend import to_device, to_host
from accelsim.train.checkpoint import START_AGAIN, check_arrays, load_checkpoint, save_checkpoint
from accelsim.train.data import Cifar10
from accelsim.train.layers import softmax_cross_entropy
from accelsim.train.metrics import write_metrics_csv
from accelsim.train.optim import OptimConfig, Optimizer, Schedule

EVAL_BATCH = 500


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """Everything that defines a run (stored in the checkpoint; resume reuses it)."""

    alpha: float = 1.0
    rho: float = 1.0
    epochs: int = 60
    batch_size: int = 128
    lr: float = 0.1
    schedule: str = "cosine"
    warmup_epochs: float = 2.0
    label_smoothing: float = 0.1
    seed: int = 0
    time_budget_s: float | None = None
    limit_train: int | None = None
    limit_test: int | None = None
    optim: OptimConfig = field(default_factory=OptimConfig)

    def __post_init__(self) -> None:
        M.MobileNetSpec(self.alpha, self.rho)  # raises DataError for alpha/rho outside (0, 1]
        if self.epochs < 0:
            raise DataError(f"--epochs {self.epochs}: must be >= 0")
        if self.batch_size < 2:
            raise DataError(f"--batch-size {self.batch_size}: must be >= 2 (batch norm)")
        if not 0.0 <= self.label_smoothing < 1.0:
            raise DataError(f"--label-smoothing {self.label_smoothing}: expected 0 <= s < 1")
        if self.time_budget_s is not None and self.time_budget_s <= 0:
            raise DataError(f"--time-budget {self.time_budget_s}: must be > 0 seconds")

    @staticmethod
    def from_record(record: dict[str, Any]) -> TrainConfig:
        values = dict(record)
        values["optim"] = OptimConfig(**values["optim"])
        return TrainConfig(**values)


class Reporter(Protocol):
    """Receives progress; the CLI's implementation draws it, tests pass a silent one."""

    def start_epoch(self, epoch: int, total_epochs: int, steps: int) -> None: ...

    def step(self, steps_done: int, images_done: int, loss: float, accuracy: float) -> None: ...

    def end_epoch(self, row: dict[str, float]) -> None: ...

    def epochs_settled(self, total_epochs: int, reason: str) -> None: ...


class SilentReporter:
    """A Reporter that ignores everything."""

    def start_epoch(self, epoch: int, total_epochs: int, steps: int) -> None:
        """Ignore."""

    def step(self, steps_done: int, images_done: int, loss: float, accuracy: float) -> None:
        """Ignore."""

    def end_epoch(self, row: dict[str, float]) -> None:
        """Ignore."""

    def epochs_settled(self, total_epochs: int, reason: str) -> None:
        """Ignore."""


@dataclass
class TrainState:
    """Mutable run state: arrays on the device, host RNG, history and the settled epoch count."""

    config: TrainConfig
    spec: M.MobileNetSpec
    params: dict[str, Any]
    buffers: dict[str, Any]
    optimizer: Optimizer
    rng: np.random.Generator
    mean: tuple[float, ...]
    std: tuple[float, ...]
    total_epochs: int
    epochs_done: int = 0
    elapsed_s: float = 0.0
    history: list[dict[str, float]] = field(default_factory=list)
    command: str = ""
    data_source: str = ""

    @property
    def schedule(self) -> Schedule:
        c = self.config
        return Schedule(c.schedule, c.lr, c.warmup_epochs, self.total_epochs)

    def host_arrays(self) -> dict[str, dict[str, np.ndarray]]:
        return {
            "param": {k: to_host(v) for k, v in self.params.items()},
            "buffer": {k: to_host(v) for k, v in self.buffers.items()},
            "optim": {k: to_host(v) for k, v in self.optimizer.state.items()},
        }

    def save(self, path: Path) -> None:
        record = {
            "config": asdict(self.config),
            "num_classes": self.spec.num_classes,
            "mean": list(self.mean),
            "std": list(self.std),
            "total_epochs": self.total_epochs,
            "epochs_done": self.epochs_done,
            "elapsed_s": self.elapsed_s,
            "history": self.history,
            "rng": self.rng.bit_generator.state,
            "command": self.command,
            "data_source": self.data_source,
        }
        save_checkpoint(path, self.host_arrays(), record)


def _depthwise_names(spec: M.MobileNetSpec) -> set[str]:
    return {f"conv{s.index}.weight" for s in spec.layers if s.kind == "dw"}


def new_state(config: TrainConfig, data: Cifar10, xp: ModuleType, *, command: str) -> TrainState:
    """Seeded initial state for `config` on the array module `xp`."""
    spec = M.MobileNetSpec(config.alpha, config.rho, len(data.class_names))
    host_params, host_buffers = M.init_params(spec, config.seed)
    params = to_device(host_params, xp)
    mean, std = data.channel_stats()
    return TrainState(
        config=config,
        spec=spec,
        params=params,
        buffers=to_device(host_buffers, xp),
        optimizer=Optimizer(config.optim, params, _depthwise_names(spec)),
        rng=np.random.default_rng(config.seed),
        mean=mean,
        std=std,
        total_epochs=config.epochs,
        command=command,
        data_source=data.source,
    )


def check_same_data(state: TrainState, data: Cifar10, where: str) -> None:
    """A resumed run must see the data set it was trained on: same classes and the same
    training images' channel statistics (a path may move; its content may not change).

    Raises:
        DataError: names `where` (the --data option) and what differs.
    """
    if len(data.class_names) != state.spec.num_classes:
        raise DataError(
            f"{where}: {len(data.class_names)} classes, but the checkpoint was trained on "
            f"{state.spec.num_classes} ({state.data_source or '?'}); resume with that data set"
        )
    mean, std = data.channel_stats()
    if not np.allclose((mean, std), (state.mean, state.std), rtol=1e-6, atol=0):
        raise DataError(
            f"{where}: not the data set the checkpoint was trained on ({state.data_source or '?'}"
            "): its training images differ; resume with that data set or start afresh"
        )


def resume_state(
    path: Path,
    xp: ModuleType,
    *,
    extra_epochs_to: int | None,
    more_time_s: float | None = None,
) -> TrainState:
    """Rebuild a TrainState from a checkpoint.

    `extra_epochs_to` raises the epoch target (the cosine stretches: a warm restart); the old
    time budget then no longer applies, unless `more_time_s` grants a new one on top of the
    time already spent.
    """
    arrays, record = load_checkpoint(path)
    try:
        return _restore(path, arrays, record, xp, extra_epochs_to, more_time_s)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DataError(
            f"{path}: checkpoint record is damaged ({type(exc).__name__}: {exc}); {START_AGAIN}"
        ) from None


def _restore(
    path: Path,
    arrays: dict[str, dict[str, np.ndarray]],
    record: dict[str, Any],
    xp: ModuleType,
    extra_epochs_to: int | None,
    more_time_s: float | None,
) -> TrainState:
    config = TrainConfig.from_record(record["config"])
    total = record["total_epochs"]
    if extra_epochs_to is not None and extra_epochs_to > total:
        total = extra_epochs_to
        config = replace(config, epochs=total, time_budget_s=None)
    if more_time_s is not None:
        config = replace(config, time_budget_s=record["elapsed_s"] + more_time_s)
    spec = M.MobileNetSpec(config.alpha, config.rho, record["num_classes"])
    host_params, host_buffers = M.init_params(spec, 0)
    host_state = Optimizer(config.optim, host_params, _depthwise_names(spec)).state
    check_arrays(path, arrays, {
        "param": {k: v.shape for k, v in host_params.items()},
        "buffer": {k: v.shape for k, v in host_buffers.items()},
        "optim": {k: v.shape for k, v in host_state.items()},
    })  # fmt: skip
    params = to_device(arrays["param"], xp)
    optimizer = Optimizer(config.optim, params, _depthwise_names(spec))
    for name in optimizer.state:
        optimizer.state[name] = xp.asarray(arrays["optim"][name])
    rng = np.random.default_rng()
    rng.bit_generator.state = record["rng"]
    return TrainState(
        config=config,
        spec=spec,
        params=params,
        buffers=to_device(arrays["buffer"], xp),
        optimizer=optimizer,
        rng=rng,
        mean=tuple(record["mean"]),
        std=tuple(record["std"]),
        total_epochs=total,
        epochs_done=record["epochs_done"],
        elapsed_s=record["elapsed_s"],
        history=record["history"],
        command=record["command"],
        data_source=record["data_source"],
    )


def evaluate(
    state: TrainState, images: Any, labels: Any, *, batch: int = EVAL_BATCH
) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) in evaluation mode over device arrays images/labels."""
    pre = Preprocess(state.spec.input_size, state.mean, state.std)
    total_loss = 0.0
    correct = 0
    for start in range(0, len(labels), batch):
        index = np.arange(start, min(start + batch, len(labels)))
        x = pre.batch(images, index, None)
        logits, _ = M.forward(state.spec, state.params, state.buffers, x, train=False)
        y = labels[start : start + batch]
        loss, _, probs = softmax_cross_entropy(logits, y)
        total_loss += float(loss) * len(index)
        correct += int((probs.argmax(axis=1) == y).sum())
    return total_loss / len(labels), correct / len(labels)


def subset(count: int, limit: int | None, seed: int) -> np.ndarray:
    """All indices, or a seeded random `limit` of them (sorted) for smoke runs; the same
    `--limit-test` images are scored each epoch and by the final onnxruntime check."""
    if limit is None or limit >= count:
        return np.arange(count)
    return np.sort(np.random.default_rng(seed).permutation(count)[:limit])


def _settle_epochs(
    state: TrainState, epoch_time_s: float, reserve_s: float, *, first: bool
) -> str | None:
    """After warm-up, fit the epoch count into the time budget (never above config.epochs);
    return what was settled, for the log, on the run's first epoch and whenever it changes."""
    budget = state.config.time_budget_s
    if budget is None:
        return None
    left = budget - state.elapsed_s - reserve_s
    fit = state.epochs_done + max(0, math.floor(left / epoch_time_s))
    before = state.total_epochs
    state.total_epochs = max(state.epochs_done, min(state.config.epochs, fit))
    if state.total_epochs == before and not first:
        return None
    return (
        f"time budget {budget:g} s: {state.total_epochs} epoch(s) in all ({state.elapsed_s:.0f} s "
        f"spent, last epoch {epoch_time_s:.0f} s, {reserve_s:.0f} s kept for the export, "
        f"at most {state.config.epochs} epochs)"
    )


def train(
    state: TrainState,
    data: Cifar10,
    xp: ModuleType,
    *,
    reporter: Reporter | None = None,
    checkpoint: Path | None = None,
    metrics_csv: Path | None = None,
    reserve_s: float = 0.0,
    update_every: int = 10,
) -> TrainState:
    """Run the remaining epochs; checkpoint after each; return the state (also updated in place)."""
    reporter = reporter or SilentReporter()
    c = state.config
    train_subset = subset(len(data.train_labels), c.limit_train, c.seed)
    test_subset = subset(len(data.test_labels), c.limit_test, c.seed)
    limit = len(train_subset)
    train_images = xp.asarray(data.train_images[train_subset])
    train_labels = xp.asarray(data.train_labels[train_subset])
    test_images = xp.asarray(data.test_images[test_subset])
    test_labels = xp.asarray(data.test_labels[test_subset])
    pre = Preprocess(state.spec.input_size, state.mean, state.std)
    steps = limit // c.batch_size
    if steps == 0:
        raise DataError(f"--batch-size {c.batch_size}: larger than the {limit} training images")
    first_epoch = state.epochs_done
    while state.epochs_done < state.total_epochs:
        epoch = state.epochs_done
        reporter.start_epoch(epoch + 1, state.total_epochs, steps)
        started = time.perf_counter()
        order = state.rng.permutation(limit)
        loss_sum = xp.zeros((), xp.float32)
        correct = xp.zeros((), xp.int64)
        for k in range(steps):
            index = order[k * c.batch_size : (k + 1) * c.batch_size]
            x = pre.batch(train_images, index, state.rng)
            y = train_labels[xp.asarray(index)]
            logits, cache = M.forward(state.spec, state.params, state.buffers, x, train=True)
            loss, dlogits, probs = softmax_cross_entropy(
                logits, y, label_smoothing=c.label_smoothing
            )
            assert cache is not None  # train=True keeps what backward needs
            grads = M.backward(state.spec, state.params, cache, dlogits)
            state.optimizer.step(state.params, grads, state.schedule.lr(epoch + k / steps))
            loss_sum += loss
            correct += (probs.argmax(axis=1) == y).sum()
            if (k + 1) % update_every == 0 or k + 1 == steps:
                seen = (k + 1) * c.batch_size
                reporter.step(k + 1, seen, float(loss_sum) / (k + 1), int(correct) / seen)
        train_time = time.perf_counter() - started
        val_loss, val_accuracy = evaluate(state, test_images, test_labels)
        epoch_time = time.perf_counter() - started
        row = {
            "epoch": epoch + 1,
            "lr": state.schedule.lr(epoch),
            "train_loss": float(loss_sum) / steps,
            "train_accuracy": int(correct) / (steps * c.batch_size),
            "val_loss": val_loss,
            "val_accuracy": val_accuracy,
            "epoch_time_s": epoch_time,
            "train_images_per_s": steps * c.batch_size / train_time,
        }
        state.history.append(row)
        state.epochs_done += 1
        state.elapsed_s += epoch_time
        settled = None
        if state.epochs_done <= max(2, math.ceil(c.warmup_epochs)):
            # early epochs include kernel compilation: settle again while the cosine has barely
            # started, so a re-estimate shifts the schedule by a negligible amount
            settled = _settle_epochs(state, epoch_time, reserve_s, first=epoch == first_epoch)
        if (
            c.time_budget_s is not None
            and state.epochs_done < state.total_epochs
            and state.elapsed_s + epoch_time + reserve_s > c.time_budget_s
        ):
            state.total_epochs = state.epochs_done  # out of time: stop before the next epoch
            settled = (
                f"time budget {c.time_budget_s:g} s: stopping after {state.epochs_done} epochs "
                f"({state.elapsed_s:.0f} s spent, another epoch would not fit)"
            )
        if checkpoint is not None:
            state.save(checkpoint)
        if metrics_csv is not None:
            write_metrics_csv(metrics_csv, state.history)
        reporter.end_epoch(row)
        if settled is not None:
            reporter.epochs_settled(state.total_epochs, settled)
    return state
