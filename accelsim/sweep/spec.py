"""What a sweep is: a model, a base machine, the axes of its grid and the run options.

It comes from the command line, from a sweep YAML file for larger studies, or both (command-line
values win; a `--set` replaces the file's axis of the same path). A sweep file:

    name: mobilenet-edge1            # output folder name (default: <model>-<hardware>)
    model: ../workloads/mobilenet.onnx   # paths are relative to this file
    hardware: ../hardware/edge1.yaml
    policy: liveness                 # optional, as `accelsim run --policy`
    overlap: true                    # optional; false = `--no-overlap`
    batch: 1                         # optional, for a symbolic batch dimension
    grid:                            # dotted path: a YAML list, or a string as after `--set P=`
      sram.capacity: [256KiB, 512KiB, 1MiB, 2MiB]
      bus.bandwidth: 0.5GB/s..4GB/s:x2
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accelsim.errors import ConfigError
from accelsim.sweep.grid import Axis, axis_from_values

__all__ = ["SweepSpec", "load_sweep_file"]

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
"""A folder name (`fullmatch`: `$` would also accept a name ending in a newline)."""
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_KEYS = ("name", "model", "hardware", "policy", "overlap", "batch", "grid")


@dataclass(frozen=True, slots=True)
class SweepSpec:
    """A sweep's inputs; `model` and `hardware` may be missing until the command line adds them."""

    model: Path | None = None
    hardware: Path | None = None
    axes: tuple[Axis, ...] = ()
    name: str | None = None
    policy: str = "liveness"
    overlap: bool = True
    batch: int | None = None

    def merged(self, *, axes: tuple[Axis, ...] = (), **changes: Any) -> SweepSpec:
        """This spec with the non-None `changes` applied and `axes` replacing same-path axes."""
        given = {key: value for key, value in changes.items() if value is not None}
        replaced = {axis.path for axis in axes}
        kept = tuple(axis for axis in self.axes if axis.path not in replaced)
        return dataclasses.replace(self, axes=kept + tuple(axes), **given)

    def checked(self) -> SweepSpec:
        """Raise ConfigError unless the spec is complete; returns self for chaining."""
        if self.model is None:
            raise ConfigError("sweep: no model; give MODEL.onnx or `model:` in the sweep file")
        if self.hardware is None:
            raise ConfigError("sweep: no base machine; give --hw or `hardware:` in the sweep file")
        if not self.axes:
            raise ConfigError("sweep: nothing to sweep; give --set PATH=V1,V2 or a `grid:`")
        if self.name is not None and not _NAME.fullmatch(self.name):
            raise ConfigError(
                f"sweep: name {self.name!r} is not a folder name; use letters, digits, . _ -"
            )
        return self

    @property
    def title(self) -> str:
        """The sweep's name: given, or `<model stem>-<hardware stem>` (other characters than
        letters, digits and . _ - made `_`, so a file name never makes an odd folder name)."""
        if self.name:
            return self.name
        assert self.model is not None and self.hardware is not None
        return _UNSAFE.sub("_", f"{self.model.stem}-{self.hardware.stem}")


def load_sweep_file(path: str | Path) -> SweepSpec:
    """Read a sweep YAML file (see the module docstring); relative paths are from its folder.

    Raises:
        ConfigError: `file:line: key: reason` for an unknown key or a value of the wrong type.
    """
    from accelsim._yaml import load_yaml

    doc = load_yaml(path)
    folder = Path(path).parent
    data = doc.data

    def fail(key: str, reason: str) -> ConfigError:
        return ConfigError(f"{doc.where((key,))}: {key}: {reason}")

    for key in data:
        if key not in _KEYS:
            raise fail(key, f"unknown key; expected one of: {', '.join(_KEYS)}")
    fields: dict[str, Any] = {}
    for key in ("name", "model", "hardware", "policy"):
        if key in data:
            if not isinstance(data[key], str) or not data[key]:
                raise fail(key, "expected a non-empty string")
            fields[key] = data[key]
    for key in ("model", "hardware"):
        if key in fields:
            fields[key] = folder / fields[key]
    if "overlap" in data:
        if not isinstance(data["overlap"], bool):
            raise fail("overlap", "expected true or false")
        fields["overlap"] = data["overlap"]
    if "batch" in data:
        batch = data["batch"]
        if not isinstance(batch, int) or isinstance(batch, bool) or batch < 1:
            raise fail("batch", "expected an integer >= 1")
        fields["batch"] = batch
    grid = data.get("grid", {})
    if not isinstance(grid, dict):
        raise fail("grid", "expected a mapping of dotted paths to value lists")
    axes = []
    for field, values in grid.items():
        where = doc.where(("grid", field))
        if not isinstance(values, (list, str)):
            raise ConfigError(f"{where}: grid.{field}: expected a list or a range string")
        axes.append(axis_from_values(str(field), values, source=where))
    return SweepSpec(axes=tuple(axes), **fields)
