"""Where a scan's records go: the output registry (`postcheck.output`), the checkpoint's
place beside the -o file, and the checks an -o path gets before any scanning."""

from __future__ import annotations

import os
from pathlib import Path

from postcheck.errors import InputError
from postcheck.output import OUTPUT_FORMATS, open_output  # noqa: F401 - the shared registry


def default_checkpoint_path(output: str | os.PathLike[str]) -> Path:
    """Where `scan -o FILE` keeps its checkpoint (and journal, + `.jsonl`; lock, + `.lock`)."""
    output = Path(output)
    return output.with_name(output.name + ".postcheck-checkpoint")


def check_output_path(path: str | os.PathLike[str]) -> Path:
    """Refuse, before any scanning, an -o that names a folder or lies in a missing folder."""
    path = Path(path)
    folder = path.parent
    if path.is_dir():
        raise InputError(
            "-o names a folder, not a file",
            where=str(path),
            fix=f"give a file name in it, e.g. -o {path / 'report.html'}",
        )
    if not folder.is_dir():
        raise InputError(
            "the folder for the -o file does not exist",
            where=str(folder),
            fix=f"create it first (mkdir -p {folder}), or write the report elsewhere",
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(
            "you may not write in the folder of the -o file",
            where=str(folder),
            fix="write the report to a folder of your own",
        )
    return path
