"""Safe YAML loading that rejects duplicate keys and remembers the line of every key.

PyYAML silently keeps the last of two equal keys, and its constructed dicts forget where each
value came from. We compose the node tree ourselves so a duplicate is an error and every later
message can say `file:line: dotted.field: reason`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from accelsim.errors import ConfigError

__all__ = ["YamlDocument", "load_yaml", "parse_yaml"]

KeyPath = tuple[str | int, ...]
_MERGE_TAG = "tag:yaml.org,2002:merge"


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
        ConfigError: missing or unreadable file, not YAML, duplicate key, top level not a mapping.
    """
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{source}: no such file") from None
    except IsADirectoryError:
        raise ConfigError(f"{source}: is a directory, expected a YAML file") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{source}: not a text file (not UTF-8); expected YAML") from None
    except OSError as exc:
        raise ConfigError(f"{source}: cannot read: {exc.strerror}") from None
    return parse_yaml(text, source=source)


def parse_yaml(text: str, *, source: str) -> YamlDocument:
    """Parse YAML `text` (named `source` in messages) into a mapping with key lines."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ConfigError(f"{source}: file is empty; expected a mapping of keys to values")
        if not isinstance(node, yaml.MappingNode):
            kind = "a list" if isinstance(node, yaml.SequenceNode) else "a single value"
            raise ConfigError(
                f"{source}:{node.start_mark.line + 1}: top level is {kind}; "
                "expected a mapping of keys to values"
            )
        lines: dict[KeyPath, int] = {}
        data = _build(loader, node, (), lines, source)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = source if mark is None else f"{source}:{mark.line + 1}"
        reason = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise ConfigError(f"{where}: not valid YAML: {reason}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML: {exc}") from None
    finally:
        loader.dispose()
    assert isinstance(data, dict)
    return YamlDocument(data=data, source=source, lines=lines)


def _build(
    loader: yaml.SafeLoader,
    node: yaml.Node,
    path: KeyPath,
    lines: dict[KeyPath, int],
    source: str,
) -> object:
    """Construct Python data from `node`, recording key lines and refusing duplicate keys."""
    if isinstance(node, yaml.MappingNode):
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
                first = lines[key_path]
                raise ConfigError(
                    f"{source}:{line}: {dotted}: duplicate key (first given at line {first})"
                )
            if index < merged:
                from_merge.add(key)
            else:
                from_merge.discard(key)
            lines[key_path] = line
            mapping[key] = _build(loader, value_node, key_path, lines, source)
        return mapping
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item_node in enumerate(node.value):
            item_path = (*path, index)
            lines[item_path] = item_node.start_mark.line + 1
            items.append(_build(loader, item_node, item_path, lines, source))
        return items
    return loader.construct_object(node, deep=True)
