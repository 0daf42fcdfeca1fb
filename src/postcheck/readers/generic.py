"""Plain CSV and JSONL files: one post per row or line, columns named by options.

Options: `text_column` (else the first of text, full_text, post, message, content,
body, caption), `id_column`, `date_column`, `url_column` (each guessed from common
names when not given). JSONL keys may be dotted paths (`user.text`). Both are read
line by line (streamed); a bad row or line is a ReadError and reading goes on.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import IO, Any

from postcheck.errors import ExportError
from postcheck.readers._base import (
    _MAX_RECORD_CHARS,
    DamagedFile,
    Export,
    Reader,
    ReadError,
    ReadResult,
    decode_error,
    describe,
    file_error,
    guarded,
    parse_date,
    source,
    stable_id,
)
from postcheck.schema import Post

TEXT_NAMES = ("text", "full_text", "post", "message", "content", "body", "caption")
ID_NAMES = ("id", "id_str", "post_id", "tweet_id")
DATE_NAMES = ("created_at", "date", "timestamp", "time", "posted_at", "published")
URL_NAMES = ("url", "link", "permalink", "post_url")
_FIELD_LIMIT = 16 << 20


def read_csv(
    path: str | Path,
    *,
    text_column: str | None = None,
    id_column: str | None = None,
    date_column: str | None = None,
    url_column: str | None = None,
    fmt: str = "csv",
    **_options: Any,
) -> Iterator[ReadResult]:
    """Yield one Post per CSV row (or a ReadError for a row that cannot be read)."""
    export = Export(path)
    name = export.names()[0]
    where = export.where(name)
    columns = (text_column, id_column, date_column, url_column)
    try:
        yield from _csv_rows(export, name, where, columns, fmt)
    except DamagedFile as exc:
        yield file_error(fmt, exc)
    finally:
        export.close()


def _csv_rows(
    export: Export, name: str, where: str, names: tuple, fmt: str
) -> Iterator[ReadResult]:
    with export.open_text(name) as stream:
        rows = iter_csv(stream, where, lambda exc: decode_error(exc, export, name))
        header_line, header = next(rows, (1, None))
        if header is None:
            raise ExportError(
                "the CSV file is empty", where=where, fix="give a CSV file with a header row"
            )
        columns = _Columns(header, where, *names, "--text-column")
        for index, (line, row) in enumerate(rows):
            if not any(cell.strip() for cell in row):
                continue
            src = source(fmt, where, index)
            if len(row) < len(header) and columns.text_index >= len(row):
                yield ReadError(
                    src,
                    f"line {line}",
                    f"the row has {len(row)} fields; the header (line {header_line}) "
                    f"has {len(header)}",
                )
                continue
            record = dict(zip(header, row, strict=False))
            yield guarded(src, f"line {line}", partial(columns.post, record, src))


def iter_csv(stream: IO[str], where: str, on_decode_error) -> Iterator[tuple[int, list[str]]]:
    """(first line of the record, cells) for each CSV record; quoted line breaks are kept."""
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_LIMIT))
    reader = csv.reader(_bounded_lines(stream, where), strict=True)
    last = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError as exc:
            raise on_decode_error(exc) from exc
        except csv.Error as exc:
            raise ExportError(
                f"the CSV is malformed from line {last + 1}: {exc}",
                where=f"{where}, line {last + 1}",
                fix="a quoted cell is probably not closed: check the quotes on that line, or "
                "export the file again",
            ) from exc
        yield last + 1, row
        last = reader.line_num


def _bounded_lines(stream: IO[str], where: str) -> Iterator[str]:
    """The stream's lines, refusing one longer than a record may be (never read whole)."""
    number = 0
    while True:
        line = stream.readline(_MAX_RECORD_CHARS + 1)
        if not line:
            return
        number += 1
        if len(line) > _MAX_RECORD_CHARS:
            raise ExportError(
                f"line {number} is longer than {_MAX_RECORD_CHARS:,} characters",
                where=f"{where}, line {number}",
                fix="the file was built to be unreadable or is damaged: export it again",
            )
        yield line


def read_jsonl(
    path: str | Path,
    *,
    text_column: str | None = None,
    id_column: str | None = None,
    date_column: str | None = None,
    url_column: str | None = None,
    **_options: Any,
) -> Iterator[ReadResult]:
    """Yield one Post per JSON line (or a ReadError for a line that cannot be read)."""
    export = Export(path)
    name = export.names()[0]
    where = export.where(name)
    try:
        yield from _jsonl_lines(export, name, where, (text_column, id_column, date_column,
                                                      url_column))  # fmt: skip
    except DamagedFile as exc:
        yield file_error("jsonl", exc)
    finally:
        export.close()


def _jsonl_lines(export: Export, name: str, where: str, names: tuple) -> Iterator[ReadResult]:
    columns: _Columns | None = None
    index = -1
    with export.open_text(name) as stream:
        line = 0
        while True:
            try:
                raw = stream.readline(_MAX_RECORD_CHARS + 1)
            except UnicodeDecodeError as exc:
                raise decode_error(exc, export, name) from exc
            if not raw:
                break
            line += 1
            if len(raw) > _MAX_RECORD_CHARS:
                _skip_line(stream)
                index += 1
                yield ReadError(
                    source("jsonl", where, index),
                    f"line {line}",
                    f"the line is longer than {_MAX_RECORD_CHARS:,} characters",
                )
                continue
            if not raw.strip():
                continue
            index += 1
            src = source("jsonl", where, index)
            try:
                record = json.loads(raw)
            except json.JSONDecodeError as exc:
                column = exc.pos + 1 if exc.lineno == 1 else len(raw.rstrip("\r\n")) + 1
                yield ReadError(
                    src, f"line {line}, column {column}", f"the line is not valid JSON: {exc.msg}"
                )
                continue
            except (RecursionError, ValueError) as exc:  # nested too deeply, a huge number
                yield ReadError(src, f"line {line}", f"the line cannot be read: {describe(exc)}")
                continue
            if not isinstance(record, dict):
                yield ReadError(src, f"line {line}", "the line is not a JSON object")
                continue
            if columns is None:
                try:
                    keys = list(_flat_keys(record))
                except RecursionError as exc:
                    yield ReadError(src, f"line {line}", describe(exc))
                    continue
                columns = _Columns(keys, where, *names, "--text-column", strict=False)
            yield guarded(src, f"line {line}", partial(columns.post, _Flat(record), src))


def _skip_line(stream: IO[str]) -> None:
    """Read on to the end of an over-long line, a chunk at a time."""
    while True:
        rest = stream.readline(_MAX_RECORD_CHARS)
        if not rest or rest.endswith("\n"):
            return


class _Flat(dict):
    """A JSON object whose keys may be looked up as dotted paths."""

    def get(self, key, default=None):  # type: ignore[override]
        value: Any = dict(self)
        for part in key.split("."):
            if not isinstance(value, dict) or part not in value:
                return default
            value = value[part]
        return value

    def __contains__(self, key) -> bool:  # type: ignore[override]
        return self.get(key, _MISSING) is not _MISSING


_MISSING = object()


def _flat_keys(record: dict, prefix: str = "") -> Iterator[str]:
    for key, value in record.items():
        yield prefix + key
        if isinstance(value, dict):
            yield from _flat_keys(value, prefix + key + ".")


class _Columns:
    """Which columns hold the text, id, date and url; a missing named column is an error."""

    def __init__(
        self,
        header: list[str],
        where: str,
        text: str | None,
        id_: str | None,
        date: str | None,
        url: str | None,
        option: str,
        *,
        strict: bool = True,
    ):
        self.where = where
        self.header = header
        self.strict = strict
        self.text = self._pick(text, TEXT_NAMES, "text", required=True)
        self.id = self._pick(id_, ID_NAMES, "id")
        self.date = self._pick(date, DATE_NAMES, "date")
        self.url = self._pick(url, URL_NAMES, "url")
        self.text_index = header.index(self.text) if self.text in header else 0

    def _pick(
        self, given: str | None, guesses: tuple[str, ...], what: str, required: bool = False
    ) -> str | None:
        shown = ", ".join(repr(h) for h in self.header[:20]) or "none"
        if given:
            if given in self.header or not self.strict:
                return given
            raise ExportError(
                f"there is no column {given!r}; the columns are: {shown}",
                where=self.where,
                fix=f"name one of those columns with --{what}-column",
            )
        lowered = {h.strip().lower(): h for h in self.header}
        for guess in guesses:
            if guess in lowered:
                return lowered[guess]
        if required:
            raise ExportError(
                f"no column holds the post text (looked for {', '.join(guesses)}); "
                f"the columns are: {shown}",
                where=self.where,
                fix="name the text column with --text-column NAME",
            )
        return None

    def post(self, record: dict, src: str) -> Post:
        text = record.get(self.text)
        if text is None:
            raise ValueError(f"the record has no {self.text!r} field")
        if not isinstance(text, str):
            if isinstance(text, dict | list):
                raise ValueError(f"the {self.text!r} field is not text")
            text = str(text)
        created = None
        if self.date and record.get(self.date) not in (None, ""):
            try:
                created = parse_date(record.get(self.date))
            except ValueError as exc:
                raise ValueError(f"the {self.date!r} field: {exc}") from exc
        pid = record.get(self.id) if self.id else None
        if isinstance(pid, dict | list):
            raise ValueError(f"the {self.id!r} field is not an id")
        if pid not in (None, "") and len(str(pid)) > 200:
            raise ValueError(f"the {self.id!r} field is {len(str(pid)):,} characters, not an id")
        url = record.get(self.url) if self.url else None
        return Post(
            id=str(pid) if pid not in (None, "") else stable_id(created, text),
            text=text,
            created_at=created,
            url=str(url) if isinstance(url, str | int) and url else None,
            source=src,
        )


def _claims_csv(path: Path, head: str) -> bool:
    return path.name.lower().endswith((".csv", ".tsv"))


def _claims_jsonl(path: Path, head: str) -> bool:
    return path.name.lower().endswith((".jsonl", ".ndjson"))


def _jsonl_content(path: Path, head: str) -> bool:
    if not (path.name.lower().endswith(".json") and head.startswith("{")):
        return False
    try:
        return isinstance(json.loads(head.splitlines()[0]), dict)
    except (ValueError, RecursionError):
        return False


#: Options only these two readers take (the platforms' field names are fixed).
OPTIONS = ("text_column", "id_column", "date_column", "url_column")
READERS = (
    Reader("jsonl", read_jsonl, claims_file=_claims_jsonl, claims_content=_jsonl_content,
           options=OPTIONS),
    Reader("csv", read_csv, claims_file=_claims_csv, options=OPTIONS),
)  # fmt: skip
