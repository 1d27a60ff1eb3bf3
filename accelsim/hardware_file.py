"""Reading a hardware file: YAML -> validated `Hardware`, dotted-path overrides, JSON Schema.

Every failure is one `ConfigError` line, `file:line: dotted.field: reason`, with line numbers kept
by `accelsim._yaml`. The schema itself (the pydantic models) lives in `accelsim.hardware`.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from accelsim import units
from accelsim._yaml import KeyPath, YamlDocument, load_yaml
from accelsim.errors import ConfigError
from accelsim.hardware import Hardware

__all__ = ["hardware_from_mapping", "hardware_json_schema", "load_hardware", "with_overrides"]


def load_hardware(path: str | Path) -> Hardware:
    """Load and validate a hardware YAML file.

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

    Raises:
        ConfigError: an unknown dotted path, or a value the schema rejects.
    """
    data: dict[str, Any] = hw.model_dump()
    for dotted, value in overrides.items():
        parent, key = _resolve(data, dotted, source)
        parent[key] = value
    return _validate(YamlDocument(data=data, source=source))


def _resolve(data: dict[str, Any], dotted: str, source: str) -> tuple[dict[str, Any], str]:
    """The mapping holding the last part of `dotted` and that key; ConfigError if not a field."""
    parts = dotted.split(".")
    node: Any = data
    for depth, part in enumerate(parts):
        if not isinstance(node, dict) or part not in node:
            here = ".".join(parts[:depth]) or "the top level"
            known = ", ".join(sorted(node)) if isinstance(node, dict) else "none (not a section)"
            raise ConfigError(f"{source}: {dotted}: unknown field; fields of {here}: {known}")
        if depth == len(parts) - 1:
            return node, part
        node = node[part]
    raise ConfigError(f"{source}: {dotted!r}: empty field path")  # pragma: no cover


def _validate(doc: YamlDocument) -> Hardware:
    try:
        hw = Hardware.model_validate(doc.data)
    except ValidationError as exc:
        raise ConfigError(_first_error(exc, doc)) from None
    _check_op_names(hw, doc)
    return hw


# Fields holding ONNX op_types, by path: each name must have a cost rule, or it never matches.
_OP_NAME_FIELDS: tuple[tuple[str, str], ...] = (
    ("matrix_engine", "ops"), ("matrix_engine", "fuses"),
)  # fmt: skip


def _check_op_names(hw: Hardware, doc: YamlDocument) -> None:
    """Refuse op names the cost registry does not know (`ReLU`, `MatMull`), with a did-you-mean.

    Such a name would silently match no node: nothing fused, nothing on the engine.
    """
    from accelsim.workload.costs import supported_op_types

    known = supported_op_types()
    for section, key in _OP_NAME_FIELDS:
        for index, name in enumerate(getattr(getattr(hw, section), key)):
            if name in known:
                continue
            by_lower = {k.lower(): k for k in known}
            close = [by_lower[c] for c in difflib.get_close_matches(name.lower(), by_lower, n=1)]
            hint = f"did you mean {close[0]}? " if close else ""
            raise ConfigError(
                f"{doc.where((section, key, index))}: {section}.{key}: unknown op_type "
                f'"{name}"; {hint}known: {", ".join(known)}'
            )


def _first_error(exc: ValidationError, doc: YamlDocument) -> str:
    """One line for the first problem in file order: `where: dotted.field: reason (and N more)`.

    Errors on keys the file has (unknown keys, bad values) sort by line before missing fields,
    so a misspelt key is reported as itself rather than as the field it failed to fill.
    """
    errors = exc.errors(include_url=False)
    first = min(errors, key=lambda e: doc.lines.get(tuple(e["loc"]), math.inf))
    loc: KeyPath = tuple(first["loc"])
    dotted = ".".join(str(part) for part in loc) or "(top level)"
    kind = first["type"]
    if kind == "missing":
        reason = "required field missing (see `accelsim schema`)"
    elif kind == "extra_forbidden":
        known = _field_names(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        reason = f"unknown key; {hint}expected one of: {', '.join(known)}"
    elif kind == "value_error":
        reason = str(first["ctx"]["error"])
    else:
        reason = f"{first['msg']}, got {units.show_value(first['input'])}"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{doc.where(loc)}: {dotted}: {reason}{more}"


def _field_names(loc: KeyPath) -> list[str]:
    """Field names of the model at `loc` (a path of section names from Hardware)."""
    model: type[BaseModel] = Hardware
    for part in loc:
        annotation = model.model_fields[str(part)].annotation
        assert isinstance(annotation, type) and issubclass(annotation, BaseModel)
        model = annotation
    return list(model.model_fields)


def hardware_json_schema() -> dict[str, Any]:
    """JSON Schema of the hardware file (draft 2020-12), with units, examples and descriptions."""
    schema = Hardware.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "accelsim hardware file",
        **{k: v for k, v in schema.items() if k != "title"},
    }
