"""Bundled hardware files, found by name: `--hw edge1` means the packaged `edge1.yaml`.

The presets ship inside the package (`accelsim/data/hardware`, which in a source checkout is the
repository's `hardware/` folder), so a name works from an installed wheel as well as from a
checkout, in any working directory. A path that exists always wins over a preset name.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from accelsim.errors import ConfigError

__all__ = ["hardware_path", "preset_names"]

_SUFFIX = ".yaml"


def _folder() -> Path:
    return Path(str(resources.files("accelsim") / "data" / "hardware"))


def preset_names() -> list[str]:
    """Names of the bundled machines, sorted ("cloud1", "edge1", ...)."""
    return sorted(path.stem for path in _folder().glob(f"*{_SUFFIX}"))


def hardware_path(text: str) -> Path:
    """The file `--hw TEXT` names: TEXT itself if it exists or looks like a path, else a preset.

    Raises:
        ConfigError: TEXT is a bare name (no folder, no suffix) that no preset has.
    """
    path = Path(text)
    if path.exists() or path.suffix or len(path.parts) != 1:
        return path
    preset = _folder() / f"{text}{_SUFFIX}"
    if preset.is_file():
        return preset
    raise ConfigError(
        f"--hw {text}: no such file and no bundled machine of that name; "
        f"bundled: {', '.join(preset_names())} (or give a path to a .yaml file)"
    )
