"""Output formats, one module each, behind one registry that `check`, `scan` and `serve` share.

Adding a format: write `postcheck/output/myformat.py` with

    EXTENSIONS = (".ext",)        # -o file names that choose it
    NEWLINE = None                # how to open the file ("" for csv)
    def writer(stream, *, redact=False, colour=False, single=False): ...  # a Writer

(a Writer has `write(verdict)`, `write_error(error)` and `close(summary)`), then add one
line to FORMATS below.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import IO, Any, Protocol

from postcheck.errors import InputError

#: name -> module. One line per format.
FORMATS: dict[str, str] = {
    "text": "postcheck.output.text",
    "json": "postcheck.output.json_format",
    "jsonl": "postcheck.output.jsonl",
    "csv": "postcheck.output.csv_format",
    "html": "postcheck.output.html",
}
OUTPUT_FORMATS: tuple[str, ...] = tuple(FORMATS)


class Writer(Protocol):
    """What checks are written to: one call per post, then close with the summary (or None)."""

    def write(self, verdict: Any) -> None: ...

    def write_error(self, error: Any) -> None: ...

    def close(self, summary: Any) -> None: ...


def format_module(fmt: str):
    if fmt not in FORMATS:
        raise InputError(
            f"unknown output format {fmt!r}", where="-f", fix=f"use {'|'.join(FORMATS)}"
        )
    return import_module(FORMATS[fmt])


def extensions() -> dict[str, str]:
    """{'.html': 'html', ...} for every registered format."""
    out: dict[str, str] = {}
    for fmt in FORMATS:
        for ext in format_module(fmt).EXTENSIONS:
            out.setdefault(ext, fmt)
    return out


def format_for_path(path: str | os.PathLike[str] | None, default: str = "text") -> str:
    """The format an -o file name asks for; `default` for standard output; an unknown
    extension is an InputError (never a silent text file)."""
    if path is None or str(path) == "-":
        return default
    known = extensions()
    suffix = Path(path).suffix.lower()
    if suffix in known:
        return known[suffix]
    raise InputError(
        f"cannot tell the output format from the file name (extension {suffix or 'none'!r})",
        where=str(path),
        fix=f"name the file with one of {', '.join(sorted(known))}, or give -f {'|'.join(FORMATS)}",
    )


def open_output(
    fmt: str, path: str | os.PathLike[str] | None = None, *, redact: bool = False,
    stream: IO[str] | None = None, colour: bool = False, single: bool = False, **options: Any,
) -> Any:  # fmt: skip
    """A writer for `-f FORMAT -o PATH` (stdout when path is None or '-').

    A file is written under a private temporary name and renamed when closed (atomic). Call
    `.abort()` (files only) to drop it after an error; a path that is a folder, or whose
    folder does not exist, is an InputError. `single`: one draft (`check`).
    Other `options` (explain, include_text) go to the writers that use them.
    """
    module = format_module(fmt)

    def make(target: IO[str]) -> Writer:
        return module.writer(target, redact=redact, colour=colour, single=single, **options)

    if path is None or str(path) == "-":
        return make(stream or sys.stdout)
    from postcheck.scan.outputs import check_output_path

    return _AtomicOutput(make, check_output_path(path), getattr(module, "NEWLINE", None))


class _AtomicOutput:
    """A writer whose file appears, complete and private (0600), only when it is closed.

    Its temporary file (O_EXCL, an unpredictable name) is created on the first record,
    so a scan can first clear stale ones under its lock, and removed by `abort()`.
    """

    def __init__(self, inner_factory: Callable[[IO[str]], Writer], path: Path, newline: str | None):
        self.path = path
        self.inner_factory = inner_factory
        self.newline = newline
        self.tmp: Path | None = None
        self.stream: IO[str] | None = None
        self.inner: Writer | None = None

    def _open(self) -> Writer:
        if self.inner is None:
            from postcheck.scan.journal import private_temp

            fd, self.tmp = private_temp(self.path)
            self.stream = os.fdopen(fd, "w", encoding="utf-8", newline=self.newline)
            self.inner = self.inner_factory(self.stream)
        return self.inner

    def write(self, verdict: Any) -> None:
        self._open().write(verdict)

    def write_error(self, error: Any) -> None:
        self._open().write_error(error)

    def close(self, summary: Any) -> None:
        self._open().close(summary)
        assert self.stream is not None and self.tmp is not None
        self.stream.flush()
        os.fsync(self.stream.fileno())
        self.stream.close()
        os.replace(self.tmp, self.path)
        fsync_dir(self.path.parent)

    def abort(self) -> None:
        if self.stream is not None:
            self.stream.close()
        if self.tmp is not None:
            self.tmp.unlink(missing_ok=True)


def fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (best effort: some file systems refuse)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
