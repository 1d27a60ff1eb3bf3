"""The array module (`xp`): NumPy on the CPU, CuPy on a GPU, one code path for both.

Only APIs that NumPy and CuPy share are used by the layers; the few differences (moving
arrays to the host, seeding) are wrapped here.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from accelsim.errors import DataError

DEVICES = ("cpu", "cuda")


def array_module(device: str) -> ModuleType:
    """Return numpy for "cpu", cupy for "cuda"; raise DataError for anything else."""
    if device == "cpu":
        import numpy

        return numpy
    if device == "cuda":
        try:
            import cupy
        except ImportError:
            raise DataError(
                "--device cuda: cupy is not installed; install cupy or use --device cpu"
            ) from None
        return cupy
    raise DataError(f"--device {device!r}: unknown device; expected one of {', '.join(DEVICES)}")


def module_of(array: Any) -> ModuleType:
    """Return the array module (numpy or cupy) that owns `array`."""
    if type(array).__module__.startswith("cupy"):
        import cupy

        return cupy
    import numpy

    return numpy


def to_host(array: Any) -> Any:
    """Return `array` as a NumPy array (a copy from the GPU for CuPy arrays)."""
    if type(array).__module__.startswith("cupy"):
        return array.get()
    return array


def to_device(arrays: dict[str, Any], xp: ModuleType) -> dict[str, Any]:
    """Copy a dict of host arrays into the array module `xp` (a no-op for NumPy arrays)."""
    return {name: xp.asarray(value) for name, value in arrays.items()}
