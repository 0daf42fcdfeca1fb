"""Readers for the platforms' export files, one module each, behind one entry point.

    for item in read_posts("twitter-2024.zip"):
        if isinstance(item, ReadError): ...   # one record could not be read; go on
        else: ...                             # a Post

A malformed RECORD is yielded as a ReadError and reading goes on; a malformed FILE
(truncated JSON, binary, not UTF-8, a missing column) raises ExportError naming the
file, the position and the fix. Every reader is a generator and streams its input.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from postcheck.errors import ExportError, PostcheckError
from postcheck.readers import facebook, generic, instagram, linkedin, twitter
from postcheck.readers._base import (
    SNIFF_BYTES,
    Export,
    Reader,
    ReadError,
    ReadResult,
    check_not_binary,
    describe,
    open_media,
    parse_date,
    source,
)

__all__ = [
    "FORMATS",
    "REGISTRY",
    "ReadError",
    "ReadResult",
    "Reader",
    "detect_format",
    "open_media",
    "parse_date",
    "read_posts",
]

#: Every reader, in the order detection tries them. A new platform is one module that
#: defines READERS (see `Reader`) plus one entry here.
_MODULES = (twitter, linkedin, facebook, instagram, generic)

REGISTRY: dict[str, Reader] = {r.name: r for module in _MODULES for r in module.READERS}
#: Every format name `--input-format` accepts.
FORMATS: tuple[str, ...] = tuple(REGISTRY)
#: Options only the generic readers take (the others have fixed field names).
GENERIC_OPTIONS = generic.OPTIONS
_FORMAT_FIX = f"name the format with --input-format ({'|'.join(FORMATS)})"


def detect_format(path: str | Path) -> str:
    """Which export `path` is: from a folder's or zip's layout, a file's name or contents."""
    path = Path(path)
    if not path.exists():
        raise ExportError(
            "no such file or folder",
            where=str(path),
            fix="check the path of the export (a folder, a .zip or a single file)",
        )
    if path.is_dir() or _is_zip(path):
        export = Export(path)
        try:
            names = export.names()
        finally:
            export.close()
        found = [r.name for r in REGISTRY.values() if r.looks_like and r.looks_like(names)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise ExportError(
                f"this holds more than one export ({', '.join(found)})",
                where=str(path),
                fix="give each platform's export folder or file separately",
            )
        raise ExportError(
            "this is not an export postcheck knows: no data/tweets.js (X), "
            "posts/your_posts_1.json (Facebook), content/posts_1.json (Instagram) "
            "or Shares.csv (LinkedIn) inside",
            where=str(path),
            fix=f"give the export as downloaded, or a single CSV/JSONL file; or {_FORMAT_FIX}",
        )
    return _detect_file(path)


def _detect_file(path: Path) -> str:
    try:
        with open(path, "rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError as exc:
        raise ExportError(
            f"the file cannot be read: {exc.strerror}",
            where=str(path),
            fix="check the path and that you may read it",
        ) from None
    check_not_binary(head, str(path))
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    for check in ("claims_file", "claims_content"):
        for reader in REGISTRY.values():
            claims = getattr(reader, check)
            if claims is not None and claims(path, text):
                return reader.name
    raise ExportError(
        "postcheck cannot tell which platform's export this file is",
        where=str(path),
        fix=_FORMAT_FIX,
    )


def _is_zip(path: Path) -> bool:
    import zipfile

    return path.is_file() and zipfile.is_zipfile(path)


def read_posts(path: str | Path, format: str | None = None, **options: Any) -> Iterator[ReadResult]:
    """Stream the posts of one export: Posts, and ReadErrors for records that can't be read.

    `format` is one of FORMATS (detected when None). Options for CSV/JSONL:
    text_column, id_column, date_column, url_column; options left as None are ignored.
    """
    fmt = format or detect_format(path)
    reader = REGISTRY.get(fmt)
    if reader is None:
        raise ExportError(
            f"unknown format {fmt!r}",
            where="--input-format",
            fix=f"use one of: {', '.join(FORMATS)}",
        )
    given = {k: v for k, v in options.items() if v is not None}
    unknown = [k for k in given if k not in GENERIC_OPTIONS]
    if unknown:
        raise TypeError(f"read_posts() got unknown option(s): {', '.join(unknown)}")
    if given and not set(given) <= set(reader.options):
        flags = ", ".join("--" + k.replace("_", "-") for k in given)
        raise ExportError(
            f"{flags} only apply to plain CSV and JSONL files, not to a {fmt} export",
            where=str(path),
            fix="leave the option out (the platform's field names are known), "
            "or add --input-format csv / --input-format jsonl",
        )
    return _guarded(reader.read(path, **given), fmt, str(path))


def _guarded(items: Iterator[ReadResult], fmt: str, where: str) -> Iterator[ReadResult]:
    """The reader's items; if the reader itself fails on something no record check caught,
    that becomes one last error record (saying the rest was not read), never a traceback."""
    count = 0
    iterator = iter(items)
    while True:
        try:
            item = next(iterator)
        except StopIteration:
            return
        except PostcheckError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported as an error record
            yield ReadError(
                source(fmt, where, count),
                f"after record {count}",
                f"reading stopped here, the rest of this input was not read: {describe(exc)}",
            )
            return
        count += 1
        yield item
