"""The array module (`xp`): NumPy on the CPU, CuPy on a GPU, one code path for both.

Only APIs that NumPy and CuPy share are used by the layers; the few differences (moving
arrays to the host, seeding) are wrapped here.
"""

from __future__ import annotations

import ctypes
import functools
from types import ModuleType
from typing import Any

from accelsim.errors import DataError

DEVICES = ("cpu", "cuda")


def array_module(device: str) -> ModuleType:
    """Return numpy for "cpu", cupy for "cuda"; raise DataError for anything else."""
    if device == "cpu":
        import numpy

        keep_freed_memory()
        cpu_threads()
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


# glibc mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3
_MMAP_THRESHOLD_MAX = 32 << 20  # glibc's ceiling on 64-bit


@functools.cache
def keep_freed_memory() -> bool:
    """Make glibc reuse freed activation buffers instead of returning them to the OS.

    A training step allocates and frees dozens of 5-30 MB arrays. glibc serves those with
    fresh mmap()s, so every step page-faults (and zeroes) every activation anew: on the
    2-core CPU that was a third of a step (the kernel's time). Served from the heap and kept
    there, the memory is reused warm. Returns False where the C library is not glibc.
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return all(
        mallopt(param, value) == 1
        for param, value in (
            (_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_MAX),
            (_M_TRIM_THRESHOLD, (1 << 31) - 1),
            (_M_TOP_PAD, 256 << 20),
        )
    )


@functools.cache
def cpu_threads() -> None:
    """Run BLAS on one thread: the layers split GEMMs and elementwise work over the cores
    with their own pool (layers.matmul, layers.over_chunks).

    OpenBLAS's worker threads spin for ~0.1 s after every GEMM, and on a 2-core machine they
    took a core from the elementwise chunks that follow each GEMM; with BLAS on one thread
    and the pool doing all the splitting, nothing spins (68 -> ~125 images/s, see
    reports/training/table2.md).
    """
    from accelsim._extras import require

    require("threadpoolctl", purpose="training").threadpool_limits(limits=1, user_api="blas")


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
