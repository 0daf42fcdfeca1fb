"""Pinning a model file's sha256 in the package's source, as the training scripts do."""

from __future__ import annotations

import re
from pathlib import Path


def pin(source: Path, constant: str, digest: str | None) -> None:
    """Set `CONSTANT = "<sha256>"` (or `CONSTANT: str | None = ...`, which may be None) in
    the Python file `source`; exits if the file has no such line."""
    text = source.read_text(encoding="utf-8")
    value = f'"{digest}"' if digest is not None else "None"
    pattern = rf'^({constant}(?:: str \| None)? = )(None|"[0-9a-f]{{64}}")$'
    new, count = re.subn(pattern, lambda m: m.group(1) + value, text, flags=re.MULTILINE)
    if count != 1:
        raise SystemExit(f"pins: no single `{constant} = ...` line in {source}")
    source.write_text(new, encoding="utf-8")
