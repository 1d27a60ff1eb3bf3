"""Reading a hardware file: YAML -> validated `Hardware`, dotted-path overrides, JSON Schema.

Every failure is one `ConfigError` line, `file:line: dotted.field: reason`, with line numbers kept
by `accelsim._yaml`. The schema itself (the pydantic models) lives in `accelsim.hardware`.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from accelsim import units
from accelsim._yaml import KeyPath, YamlDocument, load_yaml
from accelsim.errors import ConfigError
from accelsim.hardware import UNIT_KINDS, UNIT_SCHEMAS, DmaUnit, Hardware

__all__ = [
    "field_value",
    "fields_set",
    "group_of",
    "hardware_from_mapping",
    "hardware_json_schema",
    "load_hardware",
    "with_overrides",
]


def load_hardware(path: str | Path) -> Hardware:
    """Load and validate a hardware YAML file (either layout, see `_LEGACY_SECTIONS`).

    Raises:
        ConfigError: `file:line: dotted.field: reason` for the first problem found.
    """
    return _validate(load_yaml(path))


def hardware_from_mapping(data: Mapping[str, object], *, source: str) -> Hardware:
    """Validate already-parsed data (no line numbers); `source` names it in error messages."""
    return _validate(YamlDocument(data=dict(data), source=source))


def with_overrides(
    hw: Hardware, overrides: Mapping[str, object], *, source: str = "--set"
) -> Hardware:
    """A copy of `hw` with dotted fields replaced ("sram.capacity": "2 MiB"), validated like a file.

    A path of the older layout (`bus.bandwidth`, `matrix_engine.fuses`) sets the same field on
    every unit of that kind (see `_LEGACY_SECTIONS`); errors name the path as written.

    Raises:
        ConfigError: an unknown dotted path, or a value the schema rejects.
    """
    data: dict[str, Any] = hw.model_dump()
    written: dict[KeyPath, KeyPath] = {}
    for dotted, value in overrides.items():
        for path in _override_paths(hw, data, dotted, source):
            parent, key = _resolve(data, path, dotted, source)
            parent[key] = value
            written[path] = tuple(dotted.split("."))
    fields = _VALIDATED.fields(hw, data, {str(path[0]) for path in written})
    if fields is not None:
        return Hardware.model_construct(**fields)
    checked = _validate(YamlDocument(data=data, source=source), shown=written)
    _VALIDATED.remember(checked, data)
    return checked


_GROUPS: dict[str, tuple[str, ...]] = {name: (name,) for name in Hardware.model_fields}
_GROUPS["units"] = _GROUPS["clock"] = ("clock", "units")  # the units' check reads the clock


def group_of(hw: Hardware, dotted: str) -> tuple[str, ...]:
    """The top-level fields an override of `dotted` is validated with (`_Validated`): overrides
    of one group are validated together, each group on its own."""
    paths = _override_paths(hw, hw.model_dump(), dotted, "")
    return _GROUPS.get(str(paths[0][0]), (dotted,)) if paths else (dotted,)


KEEP_VALIDATED = 256
"""Validated field groups kept per process (a sweep's grid has a few dozen distinct ones)."""


class _Validated:
    """Top-level fields of machines `_validate` accepted, by the data they were validated from.

    Pydantic validates each top-level field on its own (the units' check also reads the clock,
    so those two go together), and the checks after it read one field each (`lowering`, `ddr`):
    a field group once accepted from some data is accepted, as the same value, whenever it comes
    from the same data again. So a sweep point whose changed groups were all seen before needs
    no validation (most of a point's overrides cost); any group not seen runs the whole
    `_validate`, which also gives any error exactly as before.
    """

    def __init__(self) -> None:
        self._groups: dict[object, tuple[object, ...]] = {}

    def fields(
        self, hw: Hardware, data: dict[str, Any], changed: set[str]
    ) -> dict[str, Any] | None:
        """Every field of `hw` with the `changed` ones (top-level names) as validated from
        `data`; None unless each changed group was seen."""
        fields = {name: getattr(hw, name) for name in Hardware.model_fields}
        for group in {_GROUPS.get(name) for name in changed}:
            if group is None:
                return None
            try:
                found = self._groups.get((group, _frozen([data[name] for name in group])))
            except (KeyError, TypeError):  # a field left out, a value that cannot be a key
                return None
            if found is None:
                return None
            fields.update(zip(group, found, strict=True))
        return fields

    def remember(self, hw: Hardware, data: dict[str, Any]) -> None:
        """Keep every field group of `hw`, which `_validate` made from `data`."""
        for group in set(_GROUPS.values()):
            try:
                key = (group, _frozen([data[name] for name in group]))
                hash(key)
            except (KeyError, TypeError):
                continue
            if len(self._groups) >= KEEP_VALIDATED:
                del self._groups[next(iter(self._groups))]  # the oldest
            self._groups[key] = tuple(getattr(hw, name) for name in group)


def _frozen(value: object) -> object:
    """`value` as a key that tells apart what validates differently: types are kept (True is
    not 1, 1 is not 1.0, a list is not a tuple) and floats by their spelling (-0.0 is not 0.0);
    mappings in their order (units are in file order)."""
    kind = type(value)
    if isinstance(value, dict):
        return (kind, tuple([(key, _frozen(item)) for key, item in value.items()]))
    if isinstance(value, (list, tuple)):
        return (kind, tuple([_frozen(item) for item in value]))
    if isinstance(value, float):
        return (kind, repr(value))
    return (kind, value)


_VALIDATED = _Validated()


# The older fixed layout: its sections and where each of their keys lives now. A unit section
# becomes one unit named after the old resource (`bus`, `matrix`, `vector`), so a converted
# file's reports, JSON keys and timeline rows read as before.
_LEGACY_SECTIONS: dict[str, tuple[str, str]] = {
    "bus": ("dma", "bus"),
    "matrix_engine": ("matrix", "matrix"),
    "vector_unit": ("vector", "vector"),
}
_LEGACY_LOWERING = {"ops": "matrix_ops", "fold_batchnorm": "fold_batchnorm", "fuses": "fuses"}


def _legacy_to_new(path: KeyPath, hw: Hardware | None = None) -> list[KeyPath]:
    """Where an old-layout path lives now (every unit of the kind when `hw` is given)."""
    section, *rest = path
    if section not in _LEGACY_SECTIONS or not rest:
        return [path]
    key, *tail = rest
    if section == "matrix_engine" and key in _LEGACY_LOWERING:
        return [("lowering", _LEGACY_LOWERING[str(key)], *tail)]
    kind, name = _LEGACY_SECTIONS[str(section)]
    names = hw.units_of(kind) if hw is not None else (name,)
    return [("units", unit, *rest) for unit in names]


def _new_to_legacy(path: KeyPath) -> KeyPath:
    """The old-layout path of a converted file's field, to name it as the file does."""
    if path[:1] == ("lowering",) and len(path) > 1:
        old = {new: old for old, new in _LEGACY_LOWERING.items()}
        return ("matrix_engine", old.get(str(path[1]), path[1]), *path[2:])
    if path[:1] == ("units",) and len(path) > 1:
        for section, (_, name) in _LEGACY_SECTIONS.items():
            if path[1] == name:
                return (section, *path[2:])
    return path


def _upgrade(doc: YamlDocument) -> YamlDocument | None:
    """The new-layout data of an old-layout file (None if the file is new already).

    Raises:
        ConfigError: a file mixing both layouts, or an old one missing a unit section.
    """
    legacy = [key for key in _LEGACY_SECTIONS if key in doc.data]
    if not legacy:
        return None
    if "units" in doc.data or "lowering" in doc.data:
        raise ConfigError(
            f"{doc.where((legacy[0],))}: {legacy[0]}: the old layout (bus, matrix_engine, "
            "vector_unit) cannot be mixed with units/lowering; write units only (see "
            "hardware/edge1.yaml)"
        )
    for section in _LEGACY_SECTIONS:
        if section not in doc.data:
            raise ConfigError(f"{doc.source}: {section}: required field missing (see `accelsim "
                              "schema`)")  # fmt: skip
    data: dict[str, Any] = {k: v for k, v in doc.data.items() if k not in _LEGACY_SECTIONS}
    units: dict[str, Any] = {}
    lowering: dict[str, Any] = {}
    for section, (kind, name) in _LEGACY_SECTIONS.items():
        fields = doc.data[section]
        if not isinstance(fields, dict):
            raise ConfigError(f"{doc.where((section,))}: {section}: expected a mapping")
        units[name] = {"kind": kind}
        for key, value in fields.items():
            (target,) = _legacy_to_new((section, key))
            (lowering if target[0] == "lowering" else units[name])[str(target[-1])] = value
    data["units"] = units
    data["lowering"] = lowering
    return YamlDocument(data=data, source=doc.source)


def _resolve(
    data: dict[str, Any], path: KeyPath, dotted: str, source: str
) -> tuple[dict[str, Any], str]:
    """The mapping holding the last part of `path` and that key; ConfigError if not a field."""
    node: Any = data
    for depth, part in enumerate(path):
        if not isinstance(node, dict) or part not in node:
            here = ".".join(str(p) for p in path[:depth]) or "the top level"
            known = ", ".join(sorted(node)) if isinstance(node, dict) else "none (not a section)"
            raise ConfigError(f"{source}: {dotted}: unknown field; fields of {here}: {known}")
        if depth == len(path) - 1:
            return node, str(part)
        node = node[part]
    raise ConfigError(f"{source}: {dotted!r}: empty field path")  # pragma: no cover


def fields_set(hw: Hardware, dotted: str) -> list[str]:
    """The fields of `hw` an override path writes, spelled in the new layout: an old-layout
    path may write several, and `bus.bandwidth` is `units.bus.bandwidth` (sweeps refuse
    two spellings of one field)."""
    return [".".join(map(str, p)) for p in _override_paths(hw, hw.model_dump(), dotted, "")]


def field_value(hw: Hardware, dotted: str) -> object:
    """What `hw` holds at the place `dotted` sets (an old-layout path: its first new place);
    None when the path names nothing."""
    data: Any = hw.model_dump()
    paths = _override_paths(hw, data, dotted, "")
    node = data
    for key in paths[0] if paths else ():
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _override_paths(hw: Hardware, data: dict[str, Any], dotted: str, source: str) -> list[KeyPath]:
    """The schema paths `dotted` sets: itself, or an old-layout path's new places."""
    path: KeyPath = tuple(dotted.split("."))
    if path[0] in _LEGACY_SECTIONS and path[0] not in data:
        return _legacy_to_new(path, hw)
    return [path]


def _validate(doc: YamlDocument, *, shown: Mapping[KeyPath, KeyPath] | None = None) -> Hardware:
    """Validate `doc` (converting an old layout); errors name fields as the user wrote them."""
    upgraded = _upgrade(doc)
    checked = upgraded or doc

    def display(loc: KeyPath) -> KeyPath:
        if upgraded is not None:
            return _new_to_legacy(loc)
        for new, written in (shown or {}).items():
            if loc[: len(new)] == new:
                return (*written, *loc[len(new) :])
        return loc

    try:
        hw = Hardware.model_validate(checked.data)
    except ValidationError as exc:
        raise ConfigError(_first_error(exc, doc, checked.data, display)) from None
    _check_op_names(hw, doc, display)
    _check_dram(hw, doc, display)
    return hw


# Fields holding ONNX op_types, by path: each name must have a cost rule, or it never matches.
_OP_NAME_FIELDS: tuple[tuple[str, str], ...] = (
    ("lowering", "matrix_ops"), ("lowering", "fuses"), ("lowering", "epilogue"),
)  # fmt: skip


def _check_op_names(hw: Hardware, doc: YamlDocument, display: Callable[[KeyPath], KeyPath]) -> None:
    """Refuse op names the cost registry does not know (`ReLU`, `MatMull`), with a did-you-mean,
    and fused ops that multiply-accumulate.

    Such a name would silently match no node: nothing fused, nothing on the engine; a fused
    MatMul would drop its MACs.
    """
    from accelsim.workload.costs import find_rule, supported_op_types

    known = supported_op_types()
    by_lower = {k.lower(): k for k in known}
    for section, key in _OP_NAME_FIELDS:
        for index, name in enumerate(getattr(getattr(hw, section), key)):
            rule = find_rule(name)
            if rule is not None and (key != "fuses" or not rule.multiplies):
                continue
            field = display((section, key))
            if rule is not None:
                raise ConfigError(
                    f"{doc.where((*field, index))}: {_dotted(field)}: {name} multiply-accumulates; "
                    "an output stage cannot apply it for free (its MACs would vanish); list it "
                    "in matrix_ops instead"
                )
            close = [by_lower[c] for c in difflib.get_close_matches(name.lower(), by_lower, n=1)]
            hint = f"did you mean {close[0]}? " if close else ""
            raise ConfigError(
                f"{doc.where((*field, index))}: {_dotted(field)}: unknown op_type "
                f'"{name}"; {hint}known: {", ".join(known)}'
            )


def _check_dram(hw: Hardware, doc: YamlDocument, display: Callable[[KeyPath], KeyPath]) -> None:
    """Refuse a banked DDR that cannot work: a mapping that does not decode the preset, a
    capacity under one row or past the address bits the mapping has, timings that contradict."""
    from accelsim.dram import mapping_problem

    ddr = hw.ddr
    if ddr.timing != "banked":
        return
    spec = ddr.dram_spec

    def refuse(key: str, reason: str) -> None:
        field = display(("ddr", key))
        raise ConfigError(f"{doc.where(field)}: {_dotted(field)}: {reason}")

    problem = mapping_problem(ddr.dram_mapping, spec)
    if problem is not None:
        refuse("mapping", problem)
    shown = units.format_bytes(ddr.capacity, binary=units.is_binary_size(ddr.capacity))
    if ddr.capacity < spec.row_bytes:
        refuse("capacity", f"{shown} is smaller than one DRAM row ({spec.row_bytes} B) of "
                           f"{ddr.preset}")  # fmt: skip
    if ddr.capacity > spec.capacity:
        refuse(
            "capacity",
            f"{shown} needs address bits the mapping does not have: {ddr.preset}'s channels, "
            f"ranks, banks, rows and columns hold {units.format_bytes(spec.capacity, binary=True)}",
        )
    if spec.tras < spec.trcd:
        refuse("timings", f"tRAS {spec.tras} < tRCD {spec.trcd}: a row would close before its "
                          "first column command")  # fmt: skip
    if spec.trefi <= spec.trfc:
        refuse("timings", f"tREFI {spec.trefi} <= tRFC {spec.trfc}: refresh would never end")


def _dotted(loc: KeyPath) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def _first_error(
    exc: ValidationError, doc: YamlDocument, data: dict[str, Any],
    display: Callable[[KeyPath], KeyPath],
) -> str:  # fmt: skip
    """One line for the first problem in file order: `where: dotted.field: reason (and N more)`.

    Errors on keys the file has (unknown keys, bad values) sort by line before missing fields,
    so a misspelt key is reported as itself rather than as the field it failed to fill.
    """
    errors = exc.errors(include_url=False)
    shown = [display(_schema_loc(tuple(e["loc"]))) for e in errors]
    first_index = min(range(len(errors)), key=lambda i: doc.lines.get(shown[i], math.inf))
    first, loc = errors[first_index], shown[first_index]
    kind = first["type"]
    if kind == "missing":
        reason = "required field missing (see `accelsim schema`)"
    elif kind == "extra_forbidden":
        known = _field_names(_schema_loc(tuple(first["loc"]))[:-1], data)
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        reason = f"unknown key; {hint}expected one of: {', '.join(known)}"
    elif kind in ("union_tag_invalid", "union_tag_not_found"):
        loc = (*loc, "kind")
        got = first["ctx"].get("tag")
        what = f'unknown unit kind "{got}"' if got is not None else "required field missing"
        reason = f"{what}; expected one of: {', '.join(UNIT_KINDS)}"
    elif kind == "value_error":
        reason = str(first["ctx"]["error"])
    else:
        reason = f"{first['msg']}, got {units.show_value(first['input'])}"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{doc.where(loc)}: {_dotted(loc)}: {reason}{more}"


def _schema_loc(loc: KeyPath) -> KeyPath:
    """A pydantic error location as a file path: drop the unit-kind tag pydantic inserts."""
    if len(loc) > 2 and loc[0] == "units" and loc[2] in UNIT_KINDS:
        return (*loc[:2], *loc[3:])
    return loc


def _field_names(loc: KeyPath, data: dict[str, Any]) -> list[str]:
    """Field names of the model at `loc` (section and unit names from Hardware down)."""
    model: type[BaseModel] = Hardware
    node: Any = data
    for part in loc:
        node = node.get(part) if isinstance(node, dict) else None
        if model is Hardware and part == "units":
            continue
        if str(part) not in model.model_fields:  # a unit's name: its kind decides the model
            kind = node.get("kind") if isinstance(node, dict) else None
            model = _UNIT_MODELS.get(str(kind), DmaUnit)
            continue
        annotation = model.model_fields[str(part)].annotation
        assert isinstance(annotation, type) and issubclass(annotation, BaseModel)
        model = annotation
    return list(model.model_fields)


_UNIT_MODELS = UNIT_SCHEMAS


def schema_field(dotted: str, *, source: str) -> FieldInfo:
    """The schema field a dotted path names, before any machine is known (sweeps check axes).

    `units.<name>.<field>` accepts any unit name and a field some unit kind has (the machine's
    own units are checked when the value is applied); old-layout paths map as in a file.

    Raises:
        ConfigError: an unknown field, a section, or a path going into a value.
    """
    parts: KeyPath = tuple(dotted.split("."))
    path = _legacy_to_new(parts)[0] if parts[0] in _LEGACY_SECTIONS else parts
    models: list[type[BaseModel]] = [Hardware]
    depth = 0
    while True:
        part = str(path[depth])
        if models == [Hardware] and part == "units" and depth < len(path) - 1:
            models, depth = list(_UNIT_MODELS.values()), depth + 2
            if depth >= len(path):
                raise ConfigError(f"{source}: {dotted}: is a unit; set one of its fields")
            continue
        fields = {name: f for model in models for name, f in model.model_fields.items()}
        if part not in fields:
            shown = parts[: len(parts) - len(path) + depth]
            here = ".".join(str(p) for p in shown) or "the top level"
            raise ConfigError(
                f"{source}: {dotted}: unknown field; fields of {here}: {', '.join(fields)}"
            )
        annotation = fields[part].annotation
        section = (
            annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel)
            else None
        )
        if depth == len(path) - 1:
            if section is not None:
                names = ", ".join(f"{dotted}.{name}" for name in section.model_fields)
                raise ConfigError(f"{source}: {dotted}: is a section; set one of {names}")
            return fields[part]
        if section is None:
            went = ".".join(str(p) for p in parts[: depth + 1])
            raise ConfigError(f"{source}: {dotted}: {went} has no fields")
        models, depth = [section], depth + 1


def hardware_json_schema() -> dict[str, Any]:
    """JSON Schema of the hardware file (draft 2020-12), with units, examples and descriptions."""
    schema = Hardware.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "accelsim hardware file",
        **{k: v for k, v in schema.items() if k != "title"},
    }
