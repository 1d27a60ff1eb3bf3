"""What-if grids: `--set dotted.path=v1,v2` and `START..STOP:xF` ranges, expanded to points.

A value list is split at top-level commas (a YAML flow list such as `[Relu,Clip]` stays one
value) and each item is read as one bounded YAML value (`_yaml.parse_value`), so `true` and `[]`
become typed while `256KiB` stays a string for the hardware schema's unit parser. A range
`START..STOP:+STEP` (arithmetic) or `START..STOP:xFACTOR` (geometric) is expanded with the
unit parser of the field it sets (`sram.capacity=256KiB..2MiB:x2` gives 256 KiB, 512 KiB,
1 MiB, 2 MiB) and labelled in that unit. Paths are checked against the schema up front;
values are checked per point, so one bad value makes one invalid point, not a failed sweep.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from accelsim import units
from accelsim.errors import ConfigError

if TYPE_CHECKING:
    pass

__all__ = ["MAX_POINTS", "Axis", "Point", "Setting", "axis_from_values", "expand", "parse_set"]

MAX_POINTS = 100_000
"""A grid larger than this is almost certainly a typo in a range step."""

_RANGE = re.compile(r"^(?P<start>[^,]+?)\.\.(?P<stop>[^,:]+):(?P<op>[x+])(?P<step>[^,]+)$")


@dataclass(frozen=True, slots=True)
class Setting:
    """One field set to one value: `value` goes to the schema, `label` is how reports show it."""

    path: str
    label: str
    value: Any


@dataclass(frozen=True, slots=True)
class Axis:
    """One swept field and the values it takes, in the order given."""

    path: str
    settings: tuple[Setting, ...]


@dataclass(frozen=True, slots=True)
class Point:
    """One design point: a setting per axis, applied on top of the base hardware."""

    index: int
    settings: tuple[Setting, ...]

    @property
    def key(self) -> str:
        """Stable identity of the point (JSON of its paths and values) for the results store."""
        return json.dumps([[s.path, s.value] for s in self.settings], sort_keys=True)

    @property
    def overrides(self) -> dict[str, Any]:
        return {s.path: s.value for s in self.settings}

    @property
    def label(self) -> str:
        return " ".join(f"{s.path}={s.label}" for s in self.settings)


def parse_set(text: str, *, source: str = "--set") -> Axis:
    """Parse one `--set PATH=VALUES` argument (a list or a range; see the module docstring).

    Raises:
        ConfigError: no `=`, an unknown path, an empty value, or a malformed range.
    """
    path, sep, values = text.partition("=")
    path = path.strip()
    if not sep or not path:
        raise ConfigError(
            f'{source} "{text}": expected PATH=VALUES, e.g. sram.capacity=256KiB,512KiB'
        )
    return axis_from_values(path, values.strip(), source=source)


def axis_from_values(path: str, values: str | list[Any], *, source: str) -> Axis:
    """An axis from a `--set` value text or an already-typed list (a sweep file's YAML list)."""
    check_path(path, source=source)
    where = f"{source}: {path}"
    if isinstance(values, list):
        if not values:
            raise ConfigError(f"{where}: empty list of values")
        settings = [Setting(path, _label(value), value) for value in values]
    elif (match := _RANGE.match(values)) is not None:
        settings = _expand_range(path, match, where)
    else:
        from accelsim._yaml import parse_value

        settings = []
        for item in _split_top_level(values):
            if not item:
                raise ConfigError(f'{where}: empty value in "{values}"; separate values by commas')
            settings.append(Setting(path, item, parse_value(item, source=where)))
    return Axis(path, tuple(settings))


def expand(axes: Sequence[Axis]) -> list[Point]:
    """Every combination of the axes' settings, the last axis varying fastest.

    Raises:
        ConfigError: two axes set the same path, or the grid exceeds MAX_POINTS.
    """
    paths = [axis.path for axis in axes]
    repeated = sorted({p for p in paths if paths.count(p) > 1})
    if repeated:
        raise ConfigError(f"{', '.join(repeated)}: set twice; give all its values in one --set")
    count = 1
    for axis in axes:
        count *= len(axis.settings)
    if count > MAX_POINTS:
        raise ConfigError(f"the grid has {count:,} points, more than {MAX_POINTS:,}; check ranges")
    combos = itertools.product(*(axis.settings for axis in axes))
    return [Point(index, tuple(combo)) for index, combo in enumerate(combos)]


def check_path(path: str, *, source: str) -> None:
    """Raise ConfigError unless `path` names a value field of the hardware schema."""
    from accelsim.hardware_file import schema_field

    schema_field(path, source=source)


def _unit_of(path: str) -> tuple[Callable[[object], float], str] | None:
    """(parser, kind) of the unit field at `path`, or None for a plain field."""
    from accelsim.hardware_file import schema_field

    for meta in schema_field(path, source="--set").metadata:
        if callable(getattr(meta, "parse", None)) and isinstance(getattr(meta, "kind", None), str):
            return meta.parse, meta.kind
    return None


_FORMATS: dict[str, Callable[[float], str]] = {
    "bandwidth": lambda v: units.format_rate(v, "B/s"),
    "compute_rate": lambda v: units.format_rate(v, "FLOPS"),
    "frequency": lambda v: units.format_rate(v, "Hz"),
    "time": units.format_seconds,
    "energy": units.format_energy,
}


def _expand_range(path: str, match: re.Match[str], where: str) -> list[Setting]:
    """START..STOP:+STEP or START..STOP:xFACTOR, inclusive of STOP when a step lands on it."""
    unit = _unit_of(path)
    parse: Callable[[object], float] = unit[0] if unit else _plain_number
    text = match.group(0)
    try:
        start, stop = parse(match["start"].strip()), parse(match["stop"].strip())
        step = parse(match["step"].strip()) if match["op"] == "+" else float(match["step"])
    except (ValueError, units.UnitError) as exc:
        raise ConfigError(f'{where}: range "{text}": {exc}') from None
    geometric = match["op"] == "x"
    if (geometric and (step <= 1 or start <= 0)) or (not geometric and step <= 0) or stop < start:
        need = "START > 0 and FACTOR > 1" if geometric else "STEP > 0"
        raise ConfigError(
            f'{where}: range "{text}" is empty or endless; need {need}, STOP >= START'
        )
    values: list[float] = []
    for k in itertools.count():
        try:
            value = start * step**k if geometric else start + k * step
        except OverflowError:  # past any finite STOP
            break
        if value > stop * (1 + 1e-9):
            break
        if len(values) == MAX_POINTS:
            raise ConfigError(f'{where}: range "{text}" has over {MAX_POINTS:,} values')
        values.append(float(f"{value:.12g}"))
    kind = unit[1] if unit else ""
    binary = "i" in match["start"]
    settings = []
    for value in values:
        typed = int(value) if value.is_integer() else value
        if kind == "size":
            label = units.format_bytes(typed, binary=binary)
        else:
            label = _FORMATS.get(kind, _general)(typed)
        settings.append(Setting(path, label.replace(" ", ""), typed))
    return settings


def _general(value: float) -> str:
    return f"{value:g}"


def _plain_number(text: object) -> float:
    """A range bound of a field without a unit; ValueError unless a finite number."""
    number = float(str(text))
    if not math.isfinite(number):
        raise ValueError(f'"{text}" is not a finite number')
    return number


def _split_top_level(text: str) -> list[str]:
    """Split at commas outside [] and {} (so YAML flow lists stay whole); items stripped."""
    items: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        if char == "," and depth == 0:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    items.append("".join(current).strip())
    return items


def _label(value: Any) -> str:
    """How a typed value (from a sweep file) is shown: strings as written, others as YAML."""
    if isinstance(value, str):
        return value
    import yaml

    return str(yaml.safe_dump(value, default_flow_style=True)).strip().removesuffix("...").strip()
