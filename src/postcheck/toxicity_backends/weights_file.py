"""Reading the embedded models' weight files (npz of plain arrays, never pickle).

Every failure is a ModelError that names the file, what is wrong and how to fix it.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from postcheck.errors import ModelError


def sha256_file(path: Path) -> str:
    """The sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class WeightsFile:
    """One weights file of one model: `what` names the model in messages ("the Jigsaw
    BiLSTM's weights"), `fix` says how to get a good file back."""

    def __init__(self, path: Path, what: str, fix: str):
        self.path, self.what, self.fix = Path(path), what, fix

    def error(self, problem: str) -> ModelError:
        return ModelError(problem, where=str(self.path), fix=self.fix)

    def verify(self, expected: str | None) -> str:
        """The file's sha256; a ModelError if it is missing or differs from `expected`
        (None: not pinned; an empty string never matches)."""
        if not self.path.is_file():
            raise self.error(f"{self.what} file is missing")
        digest = hashlib.sha256(self.path.read_bytes()).hexdigest()
        if expected is not None and digest != expected.lower():
            raise self.error(
                f"{self.what} have sha256 {digest}, expected {expected} (corrupt or replaced file)"
            )
        return digest

    def arrays(self, names: Sequence[str]) -> dict[str, np.ndarray]:
        """The named arrays, loaded with allow_pickle=False."""
        try:
            with np.load(self.path, allow_pickle=False) as npz:
                return {k: npz[k] for k in names}
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            raise self.error(f"cannot read {self.what}: {exc}") from exc

    def text(self, array: np.ndarray) -> str:
        """A string stored as uint8 bytes (vocabularies, JSON metadata)."""
        try:
            return array.tobytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise self.error(f"cannot read {self.what}: {exc}") from exc

    def meta(self, array: np.ndarray, version: int) -> dict[str, Any]:
        """The JSON metadata, checked to be of format `version`."""
        try:
            meta = json.loads(self.text(array))
        except ValueError as exc:
            raise self.error(f"cannot read {self.what}: {exc}") from exc
        if not isinstance(meta, dict) or meta.get("format") != version:
            found = meta.get("format") if isinstance(meta, dict) else None
            raise self.error(f"weights are format {found}, this postcheck reads {version}")
        return meta
