"""Safe YAML loading that rejects duplicate keys and remembers the line of every key.

PyYAML silently keeps the last of two equal keys, and its constructed dicts forget where each
value came from. We compose the node tree ourselves so a duplicate is an error and every later
message can say `file:line: dotted.field: reason`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from accelsim._inputs import YAML_LIMIT_BYTES, read_capped
from accelsim.errors import ConfigError

__all__ = ["YamlDocument", "load_yaml", "parse_value", "parse_yaml"]

KeyPath = tuple[str | int, ...]
_MERGE_TAG = "tag:yaml.org,2002:merge"
_COLLECTION_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")

VALUE_LIMIT = 100_000
"""Most values (mappings, lists, scalars) one file may expand to. Aliases (`*name`) copy a whole
anchored subtree, so a few lines can expand to billions (the "billion laughs"); a real hardware
or sweep file has a few hundred values."""

VALUE_TEXT_LIMIT = 10_000
"""Most characters of one `--set` value; a real one is a number, a quantity or a short list."""
SET_VALUE_LIMIT = 1_000
"""Most values one `--set` value may expand to (aliases included), like VALUE_LIMIT for a file."""


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML mapping with the 1-based line of every key (and list item) by path."""

    data: dict[str, object]
    source: str
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line_of(self, path: KeyPath) -> int | None:
        """Line of `path`, or of its nearest ancestor that has one (a missing key's parent)."""
        for end in range(len(path), 0, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None

    def where(self, path: KeyPath) -> str:
        """`source:line` for `path`, or just `source` when no line is known."""
        line = self.line_of(path)
        return self.source if line is None else f"{self.source}:{line}"


def load_yaml(path: str | Path) -> YamlDocument:
    """Read `path` as a YAML mapping.

    Raises:
        ConfigError: missing, unreadable, not a regular file or over YAML_LIMIT_BYTES, not YAML,
            duplicate key, top level not a mapping, more than VALUE_LIMIT values.
    """
    source = str(path)
    data = read_capped(path, what="a YAML file", limit_bytes=YAML_LIMIT_BYTES, error=ConfigError)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{source}: not a text file (not UTF-8); expected YAML") from None
    return parse_yaml(text, source=source)


def parse_yaml(text: str, *, source: str) -> YamlDocument:
    """Parse YAML `text` (named `source` in messages) into a mapping with key lines."""
    builder: _Builder | None = None

    def mapping(loader: yaml.SafeLoader, node: yaml.Node | None) -> object:
        nonlocal builder
        if node is None:
            raise ConfigError(f"{source}: file is empty; expected a mapping of keys to values")
        if not isinstance(node, yaml.MappingNode):
            kind = "a list" if isinstance(node, yaml.SequenceNode) else "a single value"
            raise ConfigError(
                f"{source}:{node.start_mark.line + 1}: top level is {kind}; "
                "expected a mapping of keys to values"
            )
        builder = _Builder(loader, source, VALUE_LIMIT)
        return builder.build(node, ())

    data = _load(text, source, mapping, deep="nested too deeply to be a hardware or sweep file")
    assert isinstance(data, dict) and builder is not None
    return YamlDocument(data=data, source=source, lines=builder.lines)


def parse_value(text: str, *, source: str) -> object:
    """One YAML value typed on the command line (`--set FIELD=VALUE`): a scalar, list or mapping.

    Raises:
        ConfigError: longer than VALUE_TEXT_LIMIT, not one YAML document, a tag YAML's safe
            schema lacks, nested too deeply, or more than SET_VALUE_LIMIT values once expanded.
    """
    if len(text) > VALUE_TEXT_LIMIT:
        raise ConfigError(f"{source}: value is {len(text):,} characters, more than "
                          f"{VALUE_TEXT_LIMIT:,}; a hardware value is short")  # fmt: skip

    def value(loader: yaml.SafeLoader, node: yaml.Node | None) -> object:
        return None if node is None else _Builder(
            loader, source, SET_VALUE_LIMIT, lines_shown=False
        ).build(node, ())

    return _load(text, source, value, deep="nested too deeply to be a hardware value", lines=False)


def _load(
    text: str,
    source: str,
    build: Callable[[yaml.SafeLoader, yaml.Node | None], object],
    *,
    deep: str,
    lines: bool = True,
) -> object:
    """`build(loader, node)` of the single document in `text`; every YAML failure a ConfigError."""
    try:  # the reader checks every character as the loader is made
        loader = yaml.SafeLoader(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML: {_first_line(exc)}") from None
    try:
        return build(loader, loader.get_single_node())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = source if mark is None or not lines else f"{source}:{mark.line + 1}"
        reason = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise ConfigError(f"{where}: not valid YAML: {reason}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML: {_first_line(exc)}") from None
    except ValueError as exc:  # the constructor's own limits, e.g. a 5000-digit integer
        raise ConfigError(f"{source}: not valid YAML: {_first_line(exc)}") from None
    except RecursionError:
        raise ConfigError(f"{source}: {deep}") from None
    finally:
        loader.dispose()


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]


class _Builder:
    """Constructs Python data from nodes, recording key lines, refusing duplicate keys and
    stopping once more than VALUE_LIMIT values were built (an alias bomb)."""

    def __init__(
        self, loader: yaml.SafeLoader, source: str, limit: int, *, lines_shown: bool = True
    ) -> None:
        self.loader = loader
        self.source = source
        self.limit = limit
        self.lines_shown = lines_shown
        self.lines: dict[KeyPath, int] = {}
        self.built = 0

    def where(self, node: yaml.Node) -> str:
        return f"{self.source}:{node.start_mark.line + 1}" if self.lines_shown else self.source

    def build(self, node: yaml.Node, path: KeyPath) -> object:
        self.built += 1
        if self.built > self.limit:
            raise ConfigError(
                f"{self.where(node)}: more than {self.limit:,} values once "
                "aliases (*name) are expanded; write the values out instead of nesting aliases"
            )
        if isinstance(node, yaml.CollectionNode) and node.tag not in _COLLECTION_TAGS:
            raise ConfigError(  # SafeLoader would build a set or pairs; python/* it refuses
                f"{self.where(node)}: not valid YAML: could not determine a constructor for the "
                f"tag '{node.tag}'"
            )
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item_node in enumerate(node.value):
                item_path = (*path, index)
                self.lines[item_path] = item_node.start_mark.line + 1
                items.append(self.build(item_node, item_path))
            return items
        return self.loader.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict[str, object]:
        loader, source = self.loader, self.source
        original = list(node.value)
        explicit = sum(1 for key_node, _ in original if key_node.tag != _MERGE_TAG)
        loader.flatten_mapping(node)  # resolve `<<` merge keys the way SafeLoader would
        pairs, node.value = node.value, original  # keep the node as is for aliases to it
        merged = len(pairs) - explicit  # flatten_mapping puts merged pairs first
        mapping: dict[str, object] = {}
        from_merge: set[str] = set()  # keys an explicit key may override, as YAML intends
        for index, (key_node, value_node) in enumerate(pairs):
            key = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            key_path = (*path, key)
            dotted = ".".join(str(p) for p in key_path)
            if not isinstance(key, str):
                raise ConfigError(f"{source}:{line}: {dotted}: keys must be strings")
            if key in mapping and key not in from_merge:
                first = self.lines[key_path]
                raise ConfigError(
                    f"{source}:{line}: {dotted}: duplicate key (first given at line {first})"
                )
            if index < merged:
                from_merge.add(key)
            else:
                from_merge.discard(key)
            self.lines[key_path] = line
            mapping[key] = self.build(value_node, key_path)
        return mapping
