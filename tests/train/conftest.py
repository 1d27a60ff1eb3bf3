"""Fixtures for the training tests: tiny synthetic CIFAR-like data sets built in code."""

from __future__ import annotations

import numpy as np
import pytest

from accelsim.train import jit
from accelsim.train.data import Cifar10


def synthetic_cifar(train_per_class: int, test_per_class: int, seed: int = 0) -> Cifar10:
    """Two classes that differ only in which colour channel is bright (learnable in a few steps)."""
    rng = np.random.default_rng(seed)

    def split(per_class: int) -> tuple[np.ndarray, np.ndarray]:
        labels = np.repeat(np.arange(2), per_class)
        images = rng.integers(0, 100, (len(labels), 32, 32, 3)).astype(np.uint8)
        images[labels == 0, :, :, 0] += 150  # class 0: red
        images[labels == 1, :, :, 2] += 150  # class 1: blue
        return images, labels

    return Cifar10(*split(train_per_class), *split(test_per_class), ("red", "blue"), "synthetic")


@pytest.fixture
def tiny_data() -> Cifar10:
    return synthetic_cifar(64, 16)


@pytest.fixture(params=["numpy", "numba"])
def cpu_kernels(request, monkeypatch) -> str:
    """Run a test once on the NumPy batch-norm/depthwise kernels and once on the compiled
    ones (skipped where numba is not installed or ACCELSIM_NUMBA=0)."""
    if request.param == "numpy":
        monkeypatch.setattr(jit, "kernels_for", lambda xp: None)
    elif jit.kernels_for(np) is None:
        pytest.skip("numba not installed (or ACCELSIM_NUMBA=0)")
    return request.param
