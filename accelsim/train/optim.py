"""Optimisers (SGD with momentum / Nesterov, RMSprop) and the learning-rate schedule.

Both update the parameter arrays in place, so the same code runs on NumPy and CuPy. Weight
decay (L2 added to the gradient) applies only to full, pointwise and fc weights: batch-norm
parameters, biases and depthwise filters get none, as the MobileNet paper advises.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from accelsim.errors import DataError
from accelsim.train.backend import module_of

Array = Any
OPTIMIZERS = ("sgd", "rmsprop")
SCHEDULES = ("cosine", "step", "constant")


@dataclass(frozen=True, slots=True)
class OptimConfig:
    """Hyper-parameters of the update rule."""

    name: str = "sgd"
    momentum: float = 0.9
    nesterov: bool = True
    weight_decay: float = 5e-4
    rms_decay: float = 0.9
    rms_epsilon: float = 1e-3

    def __post_init__(self) -> None:
        if self.name not in OPTIMIZERS:
            raise DataError(f"--optimizer {self.name!r}: unknown; expected {', '.join(OPTIMIZERS)}")
        if not 0.0 <= self.momentum < 1.0:
            raise DataError(f"--momentum {self.momentum}: out of range; expected 0 <= m < 1")
        if self.weight_decay < 0:
            raise DataError(f"--weight-decay {self.weight_decay}: must be >= 0")


def decays(name: str, depthwise: set[str]) -> bool:
    """Whether parameter `name` gets weight decay (conv/fc weights, not depthwise ones)."""
    return name.endswith(".weight") and name not in depthwise


class Optimizer:
    """SGD (momentum, optional Nesterov) or RMSprop (TensorFlow form) over a dict of arrays."""

    def __init__(self, config: OptimConfig, params: dict[str, Array], no_decay: set[str]) -> None:
        self.config = config
        self.no_decay = no_decay
        xp = module_of(next(iter(params.values())))
        self.state: dict[str, Array] = {}
        for name, p in params.items():
            self.state[f"momentum/{name}"] = xp.zeros_like(p)
            if config.name == "rmsprop":
                self.state[f"square/{name}"] = xp.zeros_like(p)

    def step(self, params: dict[str, Array], grads: dict[str, Array], lr: float) -> None:
        """Apply one update with learning rate `lr`."""
        c = self.config
        for name, p in params.items():
            g = grads[name]
            if c.weight_decay and decays(name, self.no_decay):
                g = g + c.weight_decay * p
            velocity = self.state[f"momentum/{name}"]
            if c.name == "sgd":
                velocity *= c.momentum
                velocity += g
                p -= lr * (g + c.momentum * velocity if c.nesterov else velocity)
            else:
                square = self.state[f"square/{name}"]
                square *= c.rms_decay
                square += (1.0 - c.rms_decay) * g * g
                velocity *= c.momentum
                velocity += lr * g / module_of(g).sqrt(square + c.rms_epsilon)
                p -= velocity


@dataclass(frozen=True, slots=True)
class Schedule:
    """Learning rate per (fractional) epoch: linear warm-up, then cosine, step or constant.

    `total_epochs` may be settled after warm-up (the time budget), since warm-up does not
    depend on it.
    """

    kind: str
    base_lr: float
    warmup_epochs: float
    total_epochs: int

    def __post_init__(self) -> None:
        if self.kind not in SCHEDULES:
            raise DataError(f"--schedule {self.kind!r}: unknown; expected {', '.join(SCHEDULES)}")
        if self.base_lr <= 0:
            raise DataError(f"--lr {self.base_lr}: must be > 0")

    def lr(self, epoch: float) -> float:
        """Learning rate at `epoch` (0 = start of training, total_epochs = end)."""
        if epoch < self.warmup_epochs:
            return self.base_lr * (epoch + 1e-3) / self.warmup_epochs
        span = max(self.total_epochs - self.warmup_epochs, 1e-9)
        progress = min((epoch - self.warmup_epochs) / span, 1.0)
        if self.kind == "cosine":
            return self.base_lr * 0.5 * (1.0 + math.cos(math.pi * progress))
        if self.kind == "step":  # /10 at 50 % and 75 % of the post-warm-up epochs
            return self.base_lr * 0.1 ** ((progress >= 0.5) + (progress >= 0.75))
        return self.base_lr
