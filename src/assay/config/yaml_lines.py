"""Load YAML while remembering the line of every key, for one-line error messages.

A recipe is user input, so loading it is bounded: the file may hold at most
:data:`MAX_RECIPE_BYTES`, nest at most :data:`MAX_DEPTH` levels, and its aliases may expand to
at most :data:`MAX_ALIAS_NODES` nodes in all (a "billion laughs" alias bomb is refused while it
is composed, before anything is expanded); a recursive alias is refused too. Each refusal is a
:class:`~assay.errors.ConfigError` naming the file and the line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, SequenceNode

from ..data.textcheck import has_surrogate, key_part, preview
from ..errors import ConfigError

__all__ = ["load_yaml_with_lines", "MAX_RECIPE_BYTES", "MAX_DEPTH", "MAX_ALIAS_NODES"]

#: a recipe is a few kilobytes; anything past this is refused before it is parsed
MAX_RECIPE_BYTES = 1024 * 1024
#: mappings and lists nested deeper than this are refused
MAX_DEPTH = 64
#: the nodes that aliases may add to the document in all, when expanded
MAX_ALIAS_NODES = 10_000


class _BoundedLoader(yaml.SafeLoader):
    """A SafeLoader that counts what aliases expand to, caps the nesting depth, and reports
    construction failures (an integer past the 4,300-digit limit, a bad date) as YAML
    errors with a position."""

    def __init__(self, stream: str, file: Path) -> None:
        super().__init__(stream)
        self._file = file
        self._depth = 0
        self._alias_nodes = 0
        self._sizes: dict[int, int] = {}

    def _size(self, node: yaml.Node) -> int:
        """Nodes in ``node`` with every alias expanded (memoised: linear in distinct nodes)."""
        known = self._sizes.get(id(node))
        if known is not None:
            return known
        stack = [(node, False)]
        while stack:
            cur, done = stack.pop()
            if id(cur) in self._sizes:
                continue
            if isinstance(cur, SequenceNode):
                children = list(cur.value)
            elif isinstance(cur, MappingNode):
                children = [x for pair in cur.value for x in pair]
            else:
                self._sizes[id(cur)] = 1
                continue
            if done:
                total = 1
                for c in children:
                    total += self._sizes[id(c)]
                    if total > MAX_ALIAS_NODES:
                        total = MAX_ALIAS_NODES + 1   # enough to refuse; keep numbers small
                        break
                self._sizes[id(cur)] = total
            else:
                stack.append((cur, True))
                stack.extend((c, False) for c in children if id(c) not in self._sizes)
        return self._sizes[id(node)]

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(AliasEvent):
            event = self.peek_event()
            target = self.anchors.get(event.anchor)
            line = event.start_mark.line + 1
            if target is not None:
                if isinstance(target, (SequenceNode, MappingNode)) and target.end_mark is None:
                    raise ConfigError(f"recursive YAML alias *{preview(event.anchor)[1:-1]} "
                                      "(it refers to a node that contains it)",
                                      file=self._file, line=line)
                self._alias_nodes += self._size(target)
                if self._alias_nodes > MAX_ALIAS_NODES:
                    raise ConfigError(
                        f"YAML aliases expand to more than {MAX_ALIAS_NODES:,} nodes (an alias "
                        f"bomb?); refused at alias *{preview(event.anchor)[1:-1]}",
                        file=self._file, line=line)
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise ConfigError(f"YAML nested more than {MAX_DEPTH} levels deep",
                                  file=self._file, line=mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as exc:
            text = str(exc)
            reason = ("an integer has too many digits" if "digits" in text
                      else f"invalid value ({preview(text, 80)[1:-1]})")
            raise ConstructorError(None, None, reason, node.start_mark) from None


def _walk(node: yaml.Node, path: tuple, lines: dict[tuple, int], file: Path,
          seen: set[int]) -> None:
    """Record key lines; reject duplicate keys; stop at aliases already visited."""
    stack = [(node, path)]
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            keys: set = set()
            todo = []
            for key_node, value_node in node.value:
                key = key_node.value
                line = key_node.start_mark.line + 1
                if not isinstance(key, str):
                    key = id(key_node)
                if isinstance(key, str) and key in keys:
                    dotted = ".".join(key_part(p) for p in path + (key,))
                    raise ConfigError(f"duplicate key '{dotted}'", file=file, line=line,
                                      field=dotted)
                keys.add(key)
                lines.setdefault(path + (key,), line)
                todo.append((value_node, path + (key,)))
            stack.extend(reversed(todo))
        elif isinstance(node, SequenceNode):
            for i, item in enumerate(node.value):
                lines.setdefault(path + (i,), item.start_mark.line + 1)
            stack.extend((item, path + (i,)) for i, item in reversed(list(enumerate(node.value))))


def _find_surrogate(data: Any) -> tuple | None:
    """The key path of the first string or key holding a lone surrogate (YAML's ``"\\ud800"``
    escape makes one), else None."""
    stack: list[tuple[Any, tuple]] = [(data, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, str):
            if has_surrogate(node):
                return path
        elif isinstance(node, dict):
            for k, v in node.items():
                if isinstance(k, str) and has_surrogate(k):
                    return path + (k,)
                stack.append((v, path + (k,)))
        elif isinstance(node, (list, tuple)):
            stack.extend((v, path + (i,)) for i, v in enumerate(node))
    return None


def _read_text(path: Path) -> str:
    try:
        if not path.exists():
            raise ConfigError("recipe file not found", file=path)
        if path.is_dir():
            raise ConfigError("recipe path is a directory, expected a YAML file", file=path)
        with path.open("rb") as fh:
            raw = fh.read(MAX_RECIPE_BYTES + 1)
    except (OSError, ValueError) as exc:   # ValueError: a NUL byte in the path
        reason = getattr(exc, "strerror", None) or "not a usable file name"
        raise ConfigError(f"cannot read the recipe ({reason})", file=path) from None
    if len(raw) > MAX_RECIPE_BYTES:
        raise ConfigError(f"recipe is larger than {MAX_RECIPE_BYTES // 1024} KiB; a recipe is "
                          "a few lines of settings (put data in the dataset file)", file=path)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ConfigError(f"recipe is not UTF-8 text ({exc.reason})", file=path,
                          line=line) from None


def load_yaml_with_lines(path: Path) -> tuple[dict[str, Any], dict[tuple, int]]:
    """Return the parsed mapping and ``{key path: 1-based line}``."""
    text = _read_text(path)
    loader = _BoundedLoader(text, path)
    lines: dict[tuple, int] = {}
    try:
        node = loader.get_single_node()
        if node is not None:
            # before construction: merge keys (<<) are flattened into the nodes then
            _walk(node, (), lines, path, set())
        data = loader.construct_document(node) if node is not None else None
    except RecursionError:
        raise ConfigError("invalid YAML: nested too deeply", file=path) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problem = " ".join(str(problem).split())
        if len(problem) > 120:
            problem = problem[:120] + "..."
        problem = problem.encode("utf-8", "backslashreplace").decode("utf-8")
        raise ConfigError(f"invalid YAML: {problem}", file=path, line=line) from None
    finally:
        loader.dispose()
    if data is None:
        raise ConfigError("recipe is empty", file=path)
    if not isinstance(data, dict):
        raise ConfigError("recipe must be a YAML mapping with run/evaluation/inference sections",
                          file=path, line=1)
    bad = _find_surrogate(data)
    if bad is not None:
        line = None
        for cut in range(len(bad), 0, -1):
            if bad[:cut] in lines:
                line = lines[bad[:cut]]
                break
        field = ".".join(key_part(p) if not isinstance(p, int) else str(p) for p in bad)
        raise ConfigError("contains an unpaired UTF-16 surrogate escape (e.g. \\ud800)",
                          file=path, line=line, field=field or None)
    return data, lines
