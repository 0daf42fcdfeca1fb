"""LinkedIn data export: `Shares.csv` (Date, ShareLink, ShareCommentary, SharedUrl,
MediaUrl, Visibility), as the file, its folder, or the export's `.zip`.

ShareCommentary spans several physical lines: each line break sits inside the quoted
cell, and LinkedIn additionally wraps the commentary's lines in doubled quotes, so a
standard CSV parser yields `"Line one"\\n"Line two"`; those stray quotes are removed.
Read row by row (streamed).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from postcheck.errors import ExportError
from postcheck.readers._base import (
    DamagedFile,
    Export,
    Reader,
    ReadResult,
    decode_error,
    file_error,
    guarded,
    parse_date,
    source,
    stable_id,
)
from postcheck.readers.generic import iter_csv
from postcheck.schema import Media, Post

FORMAT = "linkedin"
SHARES_FILE = re.compile(r"(?:^|/)Shares\.csv$", re.I)
COLUMNS = ("Date", "ShareLink", "ShareCommentary", "SharedUrl", "MediaUrl", "Visibility")
REQUIRED = ("Date", "ShareCommentary")
_URN = re.compile(r"urn:li:(?:share|ugcPost|activity):\d+")
_QUOTED_BREAK = re.compile(r'"(\r?\n)+"')


def looks_like(names: list[str]) -> bool:
    return any(SHARES_FILE.search(n) for n in names)


def claims_file(path: Path, head: str) -> bool:
    if SHARES_FILE.search(path.name):
        return True
    first = head.splitlines()[0] if head else ""
    return path.name.lower().endswith((".csv", ".tsv")) and all(
        c in first for c in ("ShareLink", "ShareCommentary")
    )


def read(path: str | Path, **_options: Any) -> Iterator[ReadResult]:
    """Yield one Post per share (or a ReadError for a row that cannot be read)."""
    target = Path(path)
    export = Export(target)
    try:
        if target.is_file() and not export.is_zip:
            name = target.name
        else:
            found = [n for n in export.names() if SHARES_FILE.search(n)]
            if not found:
                raise ExportError(
                    "no Shares.csv in this LinkedIn export",
                    where=str(target),
                    fix="request the LinkedIn data archive including 'Posts' (Shares.csv)",
                )
            name = sorted(found, key=len)[0]
        where = export.where(name)
        try:
            yield from _rows(export, name, where)
        except DamagedFile as exc:
            yield file_error(FORMAT, exc)
    finally:
        export.close()


def _rows(export: Export, name: str, where: str) -> Iterator[ReadResult]:
    with export.open_text(name) as stream:
        rows = iter_csv(stream, where, lambda exc: decode_error(exc, export, name))
        _, header = next(rows, (1, None))
        if header is None:
            raise ExportError("Shares.csv is empty", where=where, fix=_FIX)
        header = [h.strip() for h in header]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise ExportError(
                f"Shares.csv has no {', '.join(missing)} column; its columns are: "
                f"{', '.join(header)}",
                where=f"{where}, line 1",
                fix=_FIX,
            )
        for index, (line, row) in enumerate(rows):
            if not any(cell.strip() for cell in row):
                continue
            src = source(FORMAT, where, index)
            record = dict(zip(header, row, strict=False))
            yield guarded(src, f"line {line}", partial(_post, record, src))


_FIX = (
    "give the Shares.csv from LinkedIn's data export as downloaded "
    "(columns Date, ShareLink, ShareCommentary, SharedUrl, MediaUrl, Visibility)"
)


def clean_commentary(text: str) -> str:
    """Undo LinkedIn's extra quoting: `"Line one"\\n"Line two"` -> `Line one\\nLine two`."""
    text = text.replace("\r\n", "\n")
    if _QUOTED_BREAK.search(text):
        text = _QUOTED_BREAK.sub(lambda m: m.group(0)[1:-1], text)
        if text.startswith('"') and text.endswith('"') and len(text) >= 2:
            text = text[1:-1]
    elif len(text) >= 2 and text.startswith('"') and text.endswith('"') and text.count('"') == 2:
        text = text[1:-1]
    return text.strip()


def _post(record: dict, src: str) -> Post:
    if record.get("ShareCommentary") is None:
        raise ValueError("the row has fewer fields than the header")
    created = parse_date(record.get("Date"))
    text = clean_commentary(record["ShareCommentary"])
    link = (record.get("ShareLink") or "").strip() or None
    urn = _URN.search(unquote(link)) if link else None
    media = []
    shared = (record.get("SharedUrl") or "").strip()
    if shared:
        media.append(Media(kind="link", uri=shared))
    media_url = (record.get("MediaUrl") or "").strip()
    if media_url:
        media.append(Media(kind="other", uri=media_url))
    return Post(
        id=urn.group(0) if urn else stable_id(FORMAT, created, text),
        text=text,
        created_at=created,
        url=link,
        media=media,
        source=src,
    )


READERS = (Reader(FORMAT, read, looks_like=looks_like, claims_file=claims_file),)
