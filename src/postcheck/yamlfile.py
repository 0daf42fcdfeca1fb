"""Load YAML safely and remember the line of every key, for error messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from postcheck.errors import PostcheckError

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available


class YamlDoc:
    """A parsed YAML file plus the line number of each key path."""

    def __init__(self, path: Path, data: Any, lines: dict[tuple, int]):
        self.path = path
        self.data = data
        self._lines = lines

    def where(self, *keys: Any) -> str:
        """`file:line` of the deepest known key in `keys`."""
        for n in range(len(keys), -1, -1):
            line = self._lines.get(tuple(keys[:n]))
            if line is not None:
                return f"{self.path}:{line}"
        return str(self.path)


def load_yaml(path: Path, error: type[PostcheckError], what: str) -> YamlDoc:
    """Parse `path`, raising `error` with the file and line on any problem."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error(
            f"cannot read {what}: {exc.strerror}",
            where=str(path),
            fix="check the path and permissions",
        ) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(
            f"{what} is not UTF-8 text (byte {exc.start})",
            where=str(path),
            fix="save the file as UTF-8",
        ) from exc
    try:
        loader = _Loader(text)  # parse once: keep the node tree for line numbers
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(
            f"{what} is not valid YAML: {problem}",
            where=where,
            fix="check indentation and quoting near that line (quote text containing ': ' or '#')",
        ) from exc
    lines: dict[tuple, int] = {}
    if node is not None:
        _index(node, (), lines)
    return YamlDoc(path, data, lines)


def _index(node: yaml.Node, path: tuple, lines: dict[tuple, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            sub = (*path, key.value)
            lines[sub] = key.start_mark.line + 1
            _index(value, sub, lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*path, i), lines)
