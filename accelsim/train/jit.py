"""Which batch-norm and depthwise kernels run: compiled (numba) on NumPy arrays when numba is
installed, the NumPy/CuPy array code otherwise.

numba is optional (`pip install accelsim[train]`); the compiled kernels are CPU-only, so CuPy
arrays always take the array code. Set ACCELSIM_NUMBA=0 to force the NumPy kernels (the
tests compare the two paths).
"""

from __future__ import annotations

import functools
import os
from types import ModuleType
from typing import Any

DISABLE_VARIABLE = "ACCELSIM_NUMBA"


@functools.cache
def _compiled() -> ModuleType | None:
    if os.environ.get(DISABLE_VARIABLE, "1") == "0":
        return None
    try:
        from accelsim.train import _kernels
    except ImportError:
        return None
    return _kernels


def kernels_for(xp: Any) -> ModuleType | None:
    """The compiled kernels module when `xp` is numpy and numba is usable, else None."""
    return _compiled() if xp.__name__ == "numpy" else None


def describe() -> str:
    """Which CPU kernels run, for logs and benchmark records ("numba 0.60.0" or "numpy")."""
    if _compiled() is None:
        return "numpy"
    import numba

    return f"numba {numba.__version__}"
