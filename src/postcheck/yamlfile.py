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
            lines: dict[tuple, int] = {}
            if node is not None:
                _index(node, lines, path, error, what)  # refuses aliases, duplicates, depth
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
    except (ValueError, OverflowError, RecursionError) as exc:  # e.g. a 5,000-digit number
        raise error(
            f"{what} holds a value YAML cannot read ({type(exc).__name__}: "
            f"{str(exc).split(':')[0]})",
            where=str(path),
            fix="quote long numbers and dates as text, or correct the value",
        ) from None
    return YamlDoc(path, data, lines)


#: Deeper nesting than any setting or rule needs; deeper is refused, never recursed into.
MAX_DEPTH = 64


def _index(
    root: yaml.Node, lines: dict[tuple, int], path: Path, error: type[PostcheckError], what: str
) -> None:
    """Record the line of every key path, walking each node once (no recursion).

    Refuses what these files never need and an attacker would use: anchors and aliases
    (an alias bomb expands a small file into billions of nodes), the same key twice in
    one mapping (the second would silently win), and nesting deeper than MAX_DEPTH.
    """
    seen: set[int] = set()
    # (node, its key path, the line of the key it hangs under)
    stack: list[tuple[yaml.Node, tuple, int]] = [(root, (), root.start_mark.line + 1)]
    while stack:
        node, keys, line = stack.pop()
        if id(node) in seen:
            raise error(
                f"{what} uses a YAML alias (`*name`, repeating the part marked `&name` on "
                f"line {node.start_mark.line + 1})",
                where=f"{path}:{line}",
                fix="write the values out in full: postcheck files do not allow anchors or aliases",
            )
        seen.add(id(node))
        if len(keys) > MAX_DEPTH:
            raise error(
                f"{what} is nested more than {MAX_DEPTH} levels deep",
                where=f"{path}:{line}",
                fix="settings and rules are never nested this deeply: correct the file",
            )
        lines.setdefault(keys, node.start_mark.line + 1)
        children: list[tuple[yaml.Node, tuple, int]] = []
        if isinstance(node, yaml.MappingNode):
            first: dict[Any, int] = {}
            for key, value in node.value:
                key_line = key.start_mark.line + 1
                if isinstance(key, yaml.ScalarNode):
                    if key.value in first and key.value != "<<":
                        raise error(
                            f"the key `{key.value}` appears twice in the same place (first "
                            f"on line {first[key.value]})",
                            where=f"{path}:{key_line}",
                            fix="keep one of them: YAML would silently use only the last",
                        )
                    first[key.value] = key_line
                else:
                    children.append((key, keys, key_line))
                sub = (*keys, key.value if isinstance(key, yaml.ScalarNode) else key_line)
                lines[sub] = key_line
                children.append((value, sub, key_line))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                children.append((item, (*keys, i), line))  # an alias: reported at the key above
        stack.extend(reversed(children))  # visited in document order: the anchor comes first
