"""The policy's clause index: reference (e.g. ``§5.2(b)``) -> the clause's own words."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from postcheck.errors import ConfigError

_CLAUSE = re.compile(r"^\s*-\s+\*\*(§[\d.]+(?:\([a-z]\))?)\*\*\s*(.*)$")
_SECTION = re.compile(r"^\s*-\s+\*\*(§[\d.]+)\*\*\s*(.*)$")


def default_clauses_path() -> Path:
    return Path(str(resources.files("postcheck") / "data" / "clauses.md"))


@lru_cache(maxsize=8)
def load_clauses(path: Path | None = None) -> dict[str, str]:
    """Parse a clauses.md file into {reference: text}. Sub-clauses also keep their parent."""
    path = path or default_clauses_path()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"cannot read the policy clause index: {exc}",
            where=str(path),
            fix="point `policy:` in postcheck.yml at a readable UTF-8 clauses.md",
        ) from exc
    clauses: dict[str, str] = {}
    current: str | None = None
    for line in lines:
        m = _CLAUSE.match(line)
        if m:
            current = m.group(1)
            clauses[current] = m.group(2).strip()
        elif (
            current and line.startswith("  ") and line.strip() and not line.strip().startswith("-")
        ):
            clauses[current] += " " + line.strip()
        else:
            current = None
    if not clauses:
        raise ConfigError(
            "no clauses found in the policy clause index",
            where=str(path),
            fix="list clauses as `- **§5.2(a)** clause text` lines, as in the shipped clauses.md",
        )
    return {ref: re.sub(r"\*\*", "", text) for ref, text in clauses.items()}
