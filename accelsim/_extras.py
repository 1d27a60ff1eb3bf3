"""Optional dependencies: what each extra of `pip install accelsim[...]` provides, and the one
line a user sees when the code that needs it runs without it.

The simulator itself needs none of these; training (`accelsim[train]`) and sweeps on a Dask
cluster (`accelsim[dask]`) do. `accelsim[all]` is both.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from accelsim.errors import AccelsimError

__all__ = ["EXTRAS", "require"]

EXTRAS: dict[str, tuple[str, str]] = {
    "PIL": ("train", "pillow"),
    "threadpoolctl": ("train", "threadpoolctl"),
    "dask.distributed": ("dask", "dask[distributed]"),
}
"""Importable module -> (extra that installs it, its distribution name)."""


def require(module: str, *, purpose: str) -> ModuleType:
    """Import `module` (a key of EXTRAS), or raise one line naming the extra that provides it.

    Raises:
        AccelsimError: e.g. "accelsim train needs threadpoolctl, which is not installed:
            pip install 'accelsim[train]'".
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        extra, distribution = EXTRAS[module]
        raise AccelsimError(
            f"{purpose} needs {distribution}, which is not installed: "
            f"pip install 'accelsim[{extra}]'"
        ) from None
