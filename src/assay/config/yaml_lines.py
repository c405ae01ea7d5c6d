"""Load YAML while remembering the line of every key, for one-line error messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError

__all__ = ["load_yaml_with_lines"]


def _walk(node: yaml.Node, path: tuple, lines: dict[tuple, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[path + (key,)] = key_node.start_mark.line + 1
            _walk(value_node, path + (key,), lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[path + (i,)] = item.start_mark.line + 1
            _walk(item, path + (i,), lines)


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
        _walk(node, (), lines)
    return data, lines
