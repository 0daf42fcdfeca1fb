"""Readers for the platforms' export files, one module each, behind one entry point.

    for item in read_posts("twitter-2024.zip"):
        if isinstance(item, ReadError): ...   # one record could not be read; go on
        else: ...                             # a Post

A malformed RECORD is yielded as a ReadError and reading goes on; a malformed FILE
(truncated JSON, binary, not UTF-8, a missing column) raises ExportError naming the
file, the position and the fix. Every reader is a generator and streams its input.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from postcheck.errors import ExportError
from postcheck.readers import facebook, generic, instagram, linkedin, twitter
from postcheck.readers._base import (
    SNIFF_BYTES,
    Export,
    ReadError,
    ReadResult,
    check_not_binary,
    open_media,
    parse_date,
)

__all__ = [
    "FORMATS",
    "ReadError",
    "ReadResult",
    "detect_format",
    "open_media",
    "parse_date",
    "read_posts",
]

#: Every format name `--format` accepts.
FORMATS: tuple[str, ...] = ("twitter", "facebook", "instagram", "linkedin", "csv", "jsonl")
#: Options only the generic readers take (the others have fixed field names).
GENERIC_OPTIONS = ("text_column", "id_column", "date_column", "url_column")

_READERS: dict[str, Callable[..., Iterator[ReadResult]]] = {
    "twitter": twitter.read,
    "facebook": facebook.read,
    "instagram": instagram.read,
    "linkedin": linkedin.read,
    "csv": generic.read_csv,
    "jsonl": generic.read_jsonl,
}
_LAYOUTS = (
    ("twitter", twitter.looks_like),
    ("facebook", facebook.looks_like),
    ("instagram", instagram.looks_like),
    ("linkedin", linkedin.looks_like),
)
_FORMAT_FIX = f"name the format with --format ({'|'.join(FORMATS)})"


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
        found = [fmt for fmt, looks_like in _LAYOUTS if looks_like(names)]
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
    name = path.name.lower()
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    check_not_binary(head, str(path))
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if twitter.TWEET_FILE.search(name) or text.startswith("window.YTD."):
        return "twitter"
    if linkedin.SHARES_FILE.search(path.name):
        return "linkedin"
    posix = path.as_posix()
    if facebook.POSTS_FILE.search(posix) or re.match(r"your_posts.*\.json$", name):
        return "facebook"
    if instagram.POSTS_FILE.search(posix) or re.match(r"posts_\d+\.json$", name):
        return "instagram"
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if name.endswith((".csv", ".tsv")):
        first = text.splitlines()[0] if text else ""
        if all(c in first for c in ("ShareLink", "ShareCommentary")):
            return "linkedin"
        return "csv"
    if name.endswith(".json"):
        if text.startswith("[") and re.search(r'"data"\s*:\s*\[\s*\{\s*"post"', text):
            return "facebook"
        if text.startswith("[") and '"media"' in text and '"uri"' in text:
            return "instagram"
        if text.startswith("{") and _one_object_per_line(text):
            return "jsonl"
    raise ExportError(
        "postcheck cannot tell which platform's export this file is",
        where=str(path),
        fix=_FORMAT_FIX,
    )


def _one_object_per_line(text: str) -> bool:
    first = text.splitlines()[0]
    try:
        return isinstance(json.loads(first), dict)
    except json.JSONDecodeError:
        return False


def _is_zip(path: Path) -> bool:
    import zipfile

    return path.is_file() and zipfile.is_zipfile(path)


def read_posts(path: str | Path, format: str | None = None, **options: Any) -> Iterator[ReadResult]:
    """Stream the posts of one export: Posts, and ReadErrors for records that can't be read.

    `format` is one of FORMATS (detected when None). Options for CSV/JSONL:
    text_column, id_column, date_column, url_column; options left as None are ignored.
    """
    fmt = format or detect_format(path)
    if fmt not in _READERS:
        raise ExportError(
            f"unknown format {fmt!r}", where="--format", fix=f"use one of: {', '.join(FORMATS)}"
        )
    given = {k: v for k, v in options.items() if v is not None}
    unknown = [k for k in given if k not in GENERIC_OPTIONS]
    if unknown:
        raise TypeError(f"read_posts() got unknown option(s): {', '.join(unknown)}")
    if given and fmt not in ("csv", "jsonl"):
        flags = ", ".join("--" + k.replace("_", "-") for k in given)
        raise ExportError(
            f"{flags} only apply to plain CSV and JSONL files, not to a {fmt} export",
            where=str(path),
            fix="leave the option out (the platform's field names are known), "
            "or add --format csv / --format jsonl",
        )
    return _READERS[fmt](path, **given)
