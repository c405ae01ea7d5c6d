"""Load YAML while remembering the line of every key, for one-line error messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError

__all__ = ["load_yaml_with_lines"]


def _walk(node: yaml.Node, path: tuple, lines: dict[tuple, int], file: Path,
          seen: set[int]) -> None:
    """Record key lines; reject duplicate keys; stop at aliases already visited (cycles)."""
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        keys: set = set()
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if isinstance(key, str) and key in keys:
                dotted = ".".join(str(p) for p in path + (key,))
                raise ConfigError(f"duplicate key '{dotted}'", file=file, line=line, field=dotted)
            keys.add(key if isinstance(key, str) else id(key_node))
            lines[path + (key,)] = line
            _walk(value_node, path + (key,), lines, file, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[path + (i,)] = item.start_mark.line + 1
            _walk(item, path + (i,), lines, file, seen)


def load_yaml_with_lines(path: Path) -> tuple[dict[str, Any], dict[tuple, int]]:
    """Return the parsed mapping and ``{key path: 1-based line}``."""
    if not path.exists():
        raise ConfigError("recipe file not found", file=path)
    if path.is_dir():
        raise ConfigError("recipe path is a directory, expected a YAML file", file=path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"recipe is not UTF-8 text ({exc.reason})", file=path) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except RecursionError:
        raise ConfigError("invalid YAML: nested too deeply", file=path) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"invalid YAML: {problem}", file=path, line=line) from None
    if data is None:
        raise ConfigError("recipe is empty", file=path)
    if not isinstance(data, dict):
        raise ConfigError("recipe must be a YAML mapping with run/evaluation/inference sections",
                          file=path, line=1)
    lines: dict[tuple, int] = {}
    if node is not None:
        _walk(node, (), lines, path, set())
    return data, lines
