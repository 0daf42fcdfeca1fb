"""What every reader shares: the export as a folder or a zip, text decoding, JSON
streaming with positions, dates, mojibake repair, record errors and stable ids.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache, partial
from pathlib import Path, PurePosixPath
from typing import IO, Any

from pydantic import ValidationError

from postcheck.errors import ExportError, PostcheckError
from postcheck.schema import Post, valid_unicode

#: How much of a file is looked at to tell binary from text.
SNIFF_BYTES = 8192
#: Streamed JSON: how much is read at a time, and the largest single record accepted.
_CHUNK_CHARS = 1 << 20
_MAX_RECORD_CHARS = 16 << 20


@dataclass(frozen=True)
class ReadError:
    """One record that could not be read. The scan reports it and goes on.

    `source` names the format, file and record index like a Post's source;
    `position` says where in the file (a line, or a record number).
    """

    source: str
    position: str
    message: str
    id: str | None = None
    url: str | None = None
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        # an error record is written to reports: its text must be valid Unicode too
        for name in ("source", "position", "message", "id", "url"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, valid_unicode(str(value)))


ReadResult = Post | ReadError


@dataclass(frozen=True)
class Reader:
    """One input format, as the registry in `postcheck.readers` knows it.

    `read(path, **options)` yields Posts and ReadErrors. Detection asks, in registry
    order: `looks_like(names)` for a folder or zip (its file names); `claims_file(path,
    head)` for a single file, from its name or first line (`head`: its first 8 KB as
    text); then `claims_content(path, head)`, a weaker look at the content.
    `options` names the extra options `read` takes (CSV/JSONL column names).
    """

    name: str
    read: Callable[..., Iterator[ReadResult]]
    looks_like: Callable[[list[str]], bool] | None = None
    claims_file: Callable[[Path, str], bool] | None = None
    claims_content: Callable[[Path, str], bool] | None = None
    options: tuple[str, ...] = ()


class DamagedFile(ExportError):
    """One file of an export cannot be read at all (encrypted, damaged, an unknown
    compression). Readers report it as an error record and go on with the other files."""


#: Longest message kept from an exception in an error record.
_MAX_MESSAGE = 300


def describe(exc: BaseException) -> str:
    """A short, readable reason for an error record, from any exception."""
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        text = f"the {field!r} field: {first['msg']}" if field else first["msg"]
    elif isinstance(exc, RecursionError):
        text = "the record is nested too deeply to read"
    elif isinstance(exc, PostcheckError):
        text = exc.what
    elif isinstance(exc, ValueError):
        text = str(exc)
    else:
        text = f"{type(exc).__name__}: {exc}"
    text = valid_unicode(text)
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def guarded(src: str, position: str, build: Callable[[], Post], *, id: object = None) -> ReadResult:
    """Build one record's Post; ANY failure becomes a ReadError for that record, so one
    bad record never stops the reading of the others."""
    try:
        return build()
    except Exception as exc:  # noqa: BLE001 - reported as an error record, reading goes on
        shown = None
        if isinstance(id, str | int) and not isinstance(id, bool):
            shown = str(id) if len(str(id)) <= 100 else None
        return ReadError(src, position, f"the post cannot be read: {describe(exc)}", id=shown)


# --------------------------------------------------------------------------- archives


class Export:
    """An export as a folder, a zip file, or one single file, read without unpacking."""

    def __init__(
        self, path: str | os.PathLike[str], *, search_up: int = 0, given: str | None = None
    ):
        self.path = Path(path)
        self._search_up = search_up
        self._given = given  # the one file the user named in this folder: read even if a link
        self._zip: zipfile.ZipFile | None = None
        if not self.path.exists():
            raise ExportError(
                "no such file or folder",
                where=str(self.path),
                fix="check the path of the export (a folder, a .zip or a single file)",
            )
        if self.path.is_file() and zipfile.is_zipfile(self.path):
            try:
                self._zip = zipfile.ZipFile(self.path)
            except (zipfile.BadZipFile, OSError) as exc:
                raise ExportError(
                    f"the zip file cannot be opened ({exc})",
                    where=str(self.path),
                    fix="download the archive again; it may be incomplete",
                ) from exc

    @property
    def is_zip(self) -> bool:
        return self._zip is not None

    @property
    def is_dir(self) -> bool:
        return self.path.is_dir()

    def names(self) -> list[str]:
        """Every file in the export as a relative POSIX path (a single file: its name)."""
        if self._zip is not None:
            return [n for n in self._zip.namelist() if not n.endswith("/")]
        if self.path.is_dir():
            # links are listed too: reading one that leads out of the export is an error record
            return sorted(
                p.relative_to(self.path).as_posix()
                for p in self.path.rglob("*")
                if p.is_file() or p.is_symlink()
            )
        return [self.path.name]

    def where(self, name: str) -> str:
        """How a member is named in messages and in Post.source."""
        if self._zip is not None:
            return f"{self.path}!{name}"
        if self.path.is_dir():
            return str(self.path / name)
        return str(self.path)

    def exists(self, name: str) -> bool:
        if self._zip is not None:
            try:
                self._zip.getinfo(name)
            except KeyError:
                return False
            return True
        if self.path.is_dir():
            return self.inside(self.path, name) is not None
        return name == self.path.name

    def open_binary(self, name: str) -> IO[bytes]:
        """The member's bytes; a member that cannot be read raises DamagedFile."""
        if self._zip is not None:
            try:
                return _Guarded(self._zip.open(name), self.where(name))
            except _ZIP_ERRORS as exc:
                raise damaged(exc, self.where(name)) from exc
        if self.path.is_dir() and name == self._given:
            return open(self.path / name, "rb")  # noqa: SIM115 - the caller closes it
        if self.path.is_dir():
            inside = self.inside(self.path, name)
            if inside is None:
                raise DamagedFile(
                    "this file lies outside the export (a link or '..' in its path)",
                    where=str(self.path / name),
                    fix="copy the file into the export folder instead of linking to it",
                )
            return open(inside, "rb")  # noqa: SIM115 - the caller closes it
        return open(self.path, "rb")  # noqa: SIM115

    @staticmethod
    def inside(root: Path, name: str) -> Path | None:
        """root/name when it really lies inside root (no '..', no link leading out)."""
        if not name or PurePosixPath(name).is_absolute() or ".." in PurePosixPath(name).parts:
            return None
        candidate = root / name
        try:
            resolved = candidate.resolve(strict=True)
            resolved.relative_to(root.resolve(strict=True))
        except (OSError, ValueError, RuntimeError):
            return None
        return candidate if resolved.is_file() else None

    def open_text(self, name: str) -> IO[str]:
        """The member as UTF-8 text (a BOM is dropped); binary content is an ExportError."""
        raw = self.open_binary(name)
        head = raw.read(SNIFF_BYTES)
        check_not_binary(head, self.where(name))
        stream = _Rewound(head, raw)
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        text._CHUNK_SIZE = 1 << 18  # decode in large reads: 8 KB reads cost most of the time
        return text

    def iter_json(self, name: str, *, js_prefix: bool = False) -> Iterator[tuple[int, Any]]:
        """(line, element) for each element of the member's top-level JSON list, streamed."""
        with self.open_text(name) as stream:
            yield from iter_json_array(
                stream,
                self.where(name),
                js_prefix=js_prefix,
                on_decode_error=lambda exc: decode_error(exc, self, name),
            )

    def locate(self, name: str) -> str | None:
        """A locator for an attached file that `open_media` can open later, or None."""
        name = name.lstrip("/")
        if ".." in PurePosixPath(name).parts:
            return None  # never a path out of the export
        if self._zip is not None:
            return f"{self.path.resolve()}!/{name}" if self.exists(name) else None
        base = (self.path if self.path.is_dir() else self.path.parent).resolve()
        # a single export file: attachments are named from the export's root, up a level or two
        for folder in [base, *base.parents][: self._search_up + 1]:
            candidate = self.inside(folder, name)
            if candidate is not None:
                return str(candidate)
        return None

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    RuntimeError,  # encrypted: "password required"
    NotImplementedError,  # a compression method Python cannot read
    ValueError,
)


def damaged(exc: BaseException, where: str) -> DamagedFile:
    """A DamagedFile saying in plain words why a zip member cannot be read."""
    text = str(exc)
    if "encrypted" in text or "password" in text:
        what = "this file in the zip is encrypted (password-protected), so it cannot be read"
    elif isinstance(exc, NotImplementedError) or "compression" in text:
        what = "this file in the zip uses a compression method postcheck cannot read"
    elif "CRC" in text:
        what = "this file in the zip is damaged (its checksum does not match its content)"
    else:
        what = f"this file in the zip cannot be read ({type(exc).__name__}: {text})"
    return DamagedFile(
        what, where=where, fix="download the export again and give the archive as downloaded"
    )


class _Guarded(io.RawIOBase):
    """A zip member whose read errors (bad CRC, corrupt data) become DamagedFile."""

    def __init__(self, inner: IO[bytes], where: str):
        self._inner = inner
        self._where = where

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self._inner.read(len(buffer))
        except _ZIP_ERRORS as exc:
            raise damaged(exc, self._where) from exc
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._inner.close()
        super().close()


class _Rewound(io.RawIOBase):
    """A binary stream with its first bytes (already read for sniffing) put back."""

    def __init__(self, head: bytes, rest: IO[bytes]):
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._rest.close()
        super().close()


def check_not_binary(head: bytes, where: str) -> None:
    if b"\x00" in head:
        raise ExportError(
            "this is a binary file, not a text export",
            where=where,
            fix="give the export's JSON, JS or CSV file (or its folder or .zip), "
            "not an image or other binary file",
        )


def decode_error(exc: UnicodeDecodeError, export: Export, name: str) -> ExportError:
    """An ExportError naming the first line that is not UTF-8 (found by re-reading the file)."""
    line, column = 0, exc.start
    with export.open_binary(name) as raw:
        for line, data in enumerate(raw, start=1):  # noqa: B007 - line is used after the loop
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as bad:
                column = bad.start + 1
                break
    return ExportError(
        f"the file is not UTF-8 text (line {line}, byte {column} is 0x{exc.object[exc.start]:02x})",
        where=export.where(name),
        fix="save the file as UTF-8 (in Excel: 'CSV UTF-8'); platform exports already are",
    )


@lru_cache(maxsize=4)
def _zip_handle(path: str) -> zipfile.ZipFile:
    return zipfile.ZipFile(path)


def open_media(locator: str) -> IO[bytes] | None:
    """Open an attached file found by a reader (see Export.locate); None when absent."""
    if "!/" in locator:
        archive, member = locator.split("!/", 1)
        if not archive.lower().endswith(".zip") or not os.path.isfile(archive):
            return None
        try:
            return _zip_handle(archive).open(member)
        except (KeyError, OSError, zipfile.BadZipFile):
            return None
    if locator.startswith(("http://", "https://")) or not os.path.isabs(locator):
        return None
    try:
        return open(locator, "rb")  # noqa: SIM115 - the caller closes it
    except OSError:
        return None


# --------------------------------------------------------------------------- JSON

_JS_ASSIGNMENT = re.compile(r"^\s*window\.YTD\.[A-Za-z0-9_]+\.part\d+\s*=\s*")
_BLANK_RUN = re.compile(r"[ \t\r\n]*")
_STRUCTURE = re.compile(r'["\[\]{}]')
_STRING_REST = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_SCALAR = re.compile(r"[^,\]}\s]*")
_RECORD_FIX = (
    "the file was built to be unreadable or is damaged: download the export again; "
    "platform exports never hold records this large"
)


@dataclass(frozen=True)
class BadRecord:
    """Yielded by `iter_json_array` in place of a record that is valid JSON in shape but
    cannot be turned into a value (nested too deeply, a number too long); reading goes on."""

    reason: str


class _JsonBuffer:
    """A window on a text stream for the JSON streamer, bounded in size.

    `buf[pos:]` is what has not been consumed yet. Consumed text is dropped whenever more
    is read (its line breaks are counted first), so blank space between records never
    accumulates, and a record being completed is re-read only O(log size) times because
    each read at least doubles the pending text.
    """

    def __init__(self, stream: IO[str], where: str, on_decode_error, limit: int):
        self.stream = stream
        self.where = where
        self.on_decode_error = on_decode_error
        self.limit = limit
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.base_line = 1  # the line of buf[0]
        self.counted = 0  # buf[counted] is on line counted_line (counted incrementally)
        self.counted_line = 1

    def fill(self) -> bool:
        """Read more (dropping what was consumed); False at the end of the stream."""
        if self.eof:
            return False
        pending = len(self.buf) - self.pos
        try:
            chunk = self.stream.read(max(_CHUNK_CHARS, pending))
        except UnicodeDecodeError as exc:
            if self.on_decode_error is not None:
                raise self.on_decode_error(exc) from exc
            raise
        if not chunk:
            self.eof = True
            return False
        self.line_of(self.pos)
        self.base_line = self.counted_line
        self.buf = self.buf[self.pos :] + chunk
        self.pos = self.counted = 0
        return True

    def line_of(self, index: int) -> int:
        if index < self.counted:  # rare: an error before the last counted position
            return self.base_line + self.buf.count("\n", 0, index)
        self.counted_line += self.buf.count("\n", self.counted, index)
        self.counted = index
        return self.counted_line

    def fail(self, what: str, index: int, fix: str) -> ExportError:
        line = self.line_of(index)
        column = index - (self.buf.rfind("\n", 0, index) + 1) + 1
        return ExportError(what, where=f"{self.where}, line {line}, column {column}", fix=fix)

    def skip_blank(self) -> bool:
        """Move to the next non-blank character; False at the end of the stream."""
        while True:
            self.pos = _BLANK_RUN.match(self.buf, self.pos).end()  # the fastest skip in re
            if self.pos < len(self.buf):
                return True
            if not self.fill():
                return False

    def peek(self) -> str:
        return self.buf[self.pos]

    def too_large(self) -> ExportError:
        return self.fail(
            f"one record is larger than {self.limit:,} characters "
            "(or its JSON is malformed), so postcheck stops reading this file",
            self.pos,
            _RECORD_FIX,
        )

    def value(self, decoder: json.JSONDecoder) -> Any:
        """Decode the value at `pos` and move past it; a BadRecord when it cannot be built."""
        while True:
            try:
                value, end = decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if len(self.buf) - self.pos > self.limit:
                    raise self.too_large() from exc
                if self.fill():
                    continue
                if not self.buf.rstrip().endswith(("]", "}")):
                    raise self.fail(
                        "the file ends in the middle of a post (it is truncated)",
                        self.pos,
                        _TRUNCATED_FIX,
                    ) from exc
                raise self.fail(f"the JSON is malformed: {exc.msg}", exc.pos, _JSON_FIX) from exc
            except RecursionError:
                return self.skip("the record is nested too deeply to read")
            except ValueError as exc:  # e.g. an integer of more than 4,300 digits
                return self.skip(f"the record cannot be read: {str(exc).split(':')[0]}")
            if end >= len(self.buf) and not self.eof and self.fill():
                continue  # a number at the very end of the buffer may go on in the next chunk
            if end - self.pos > self.limit:
                raise self.too_large()
            self.pos = end
            return value

    def skip(self, reason: str) -> BadRecord:
        """Move past the value at `pos` without building it (linear, bounded by the limit)."""
        offset = 0  # how far past pos the scan has got (pos moves when the buffer is refilled)
        depth = 0
        while True:
            at = self.pos + offset
            if depth == 0 and self.buf[at] not in '"[{':  # a bare number or literal
                match = _SCALAR.match(self.buf, at)
                if match.end() < len(self.buf) or self.eof:
                    self.pos = match.end()
                    return BadRecord(reason)
            else:
                found = _STRUCTURE.search(self.buf, at)
                while found is not None:
                    if found.group() == '"':
                        closing = _STRING_REST.match(self.buf, found.end())
                        if closing is None:  # the string goes on: scan it again with more text
                            offset = found.start() - self.pos
                            break
                        end = closing.end()
                    else:
                        depth += 1 if found.group() in "[{" else -1
                        end = found.end()
                    if depth <= 0:
                        self.pos = end
                        return BadRecord(reason)
                    found = _STRUCTURE.search(self.buf, end)
                else:
                    offset = len(self.buf) - self.pos
            if offset > self.limit:
                raise self.too_large()
            if not self.fill():
                raise self.fail(
                    "the file ends in the middle of a post (it is truncated)",
                    self.pos,
                    _TRUNCATED_FIX,
                )


def iter_json_array(
    stream: IO[str],
    where: str,
    *,
    js_prefix: bool = False,
    on_decode_error=None,
    max_record_chars: int | None = None,
) -> Iterator[tuple[int, Any]]:
    """Yield (line, element) for each element of a top-level JSON array, streaming.

    Time is linear in the input and memory stays at about one chunk plus one record,
    however long the file and however much blank space it holds; a record larger than
    `max_record_chars` stops the file with an ExportError. With `js_prefix`, a leading
    `window.YTD.<name>.partN =` assignment is stripped (the file is never evaluated). A
    top-level object (older exports) has its first list value streamed the same way; an
    object with no list in it is an ExportError. A record that cannot be built (nested
    too deeply, a number too long) is yielded as a BadRecord and reading goes on.
    Malformed JSON raises ExportError with the line and column.
    """
    limit = max_record_chars or _MAX_RECORD_CHARS
    buf = _JsonBuffer(stream, where, on_decode_error, limit)
    decoder = json.JSONDecoder()
    buf.fill()
    if js_prefix:
        while len(buf.buf) < 512 and buf.fill():
            pass
        match = _JS_ASSIGNMENT.match(buf.buf)
        if match:
            buf.pos = match.end()
    if not buf.skip_blank():
        raise buf.fail(
            "the file is empty",
            buf.pos,
            "download the export again; this file should hold a list of posts",
        )
    if buf.peek() == "{":
        yield from _object_list(buf, decoder)
        return
    if buf.peek() != "[":
        raise buf.fail(
            f"expected a JSON list of posts, found {buf.peek()!r}",
            buf.pos,
            "give the export file itself (e.g. data/tweets.js, your_posts_1.json)",
        )
    yield from _array(buf, decoder)


def _array(buf: _JsonBuffer, decoder: json.JSONDecoder) -> Iterator[tuple[int, Any]]:
    """The elements of the array that starts at buf.pos; leaves pos after its `]`."""
    buf.pos += 1
    first = True
    while True:
        if not buf.skip_blank():
            raise buf.fail(
                "the file ends in the middle of the list (it is truncated)",
                buf.pos,
                _TRUNCATED_FIX,
            )
        if buf.peek() == "]" and first:
            buf.pos += 1
            return
        line = buf.line_of(buf.pos)
        value = buf.value(decoder)
        yield line, value
        first = False
        if not buf.skip_blank():
            raise buf.fail(
                "the file ends in the middle of the list (it is truncated)",
                buf.pos,
                _TRUNCATED_FIX,
            )
        char = buf.peek()
        if char == "]":
            buf.pos += 1
            return
        if char != ",":
            raise buf.fail(f"expected ',' or ']' between posts, found {char!r}", buf.pos, _JSON_FIX)
        buf.pos += 1


def _object_list(buf: _JsonBuffer, decoder: json.JSONDecoder) -> Iterator[tuple[int, Any]]:
    """The elements of the first list value in the object that starts at buf.pos."""
    start = buf.pos
    buf.pos += 1
    keys: list[str] = []
    while True:
        if not buf.skip_blank():
            raise buf.fail("the file ends inside its JSON object (it is truncated)", buf.pos,
                           _TRUNCATED_FIX)  # fmt: skip
        if buf.peek() == "}":
            shown = ", ".join(repr(k) for k in keys[:10]) or "none"
            raise buf.fail(
                f"the file is a JSON object with no list of posts in it (its keys: {shown})",
                start,
                "give the export's posts file as downloaded (it holds a list of posts); "
                "this file may be another part of the export",
            )
        key = buf.value(decoder)
        if not isinstance(key, str):
            raise buf.fail("the JSON object is malformed (a key is not a string)", buf.pos,
                           _JSON_FIX)  # fmt: skip
        keys.append(key)
        if not buf.skip_blank() or buf.peek() != ":":
            raise buf.fail("the JSON object is malformed (expected ':')", buf.pos, _JSON_FIX)
        buf.pos += 1
        if not buf.skip_blank():
            raise buf.fail("the file ends inside its JSON object (it is truncated)", buf.pos,
                           _TRUNCATED_FIX)  # fmt: skip
        if buf.peek() == "[":
            yield from _array(buf, decoder)
            return
        buf.value(decoder)  # another setting of the export: bounded like a record, then dropped
        if not buf.skip_blank():
            raise buf.fail("the file ends inside its JSON object (it is truncated)", buf.pos,
                           _TRUNCATED_FIX)  # fmt: skip
        if buf.peek() == ",":
            buf.pos += 1
        elif buf.peek() != "}":
            raise buf.fail(f"expected ',' or '}}' in the JSON object, found {buf.peek()!r}",
                           buf.pos, _JSON_FIX)  # fmt: skip


_JSON_FIX = "download the export again; if it persists, the file was edited by hand"
_TRUNCATED_FIX = "the download or unzip was interrupted: download the export again"


# --------------------------------------------------------------------------- text fixes

_MOJIBAKE_RUN = re.compile(r"[\u0080-\u00ff]+")


def fix_mojibake(text: str) -> str:
    """Undo UTF-8 bytes written as `\\u00XX` escapes (Facebook and Instagram exports).

    Each run of U+0080..U+00FF characters is re-decoded as UTF-8 only when it is a
    complete, valid UTF-8 sequence; anything else (a genuine 'café') is kept as is.
    """
    if text.isascii():
        return text

    def repair(match: re.Match[str]) -> str:
        run = match.group(0)
        try:
            return run.encode("latin-1").decode("utf-8")
        except UnicodeDecodeError:
            return run

    return _MOJIBAKE_RUN.sub(repair, text)


def unescape_entities(text: str) -> str:
    """`&amp;` -> `&`, `&lt;` -> `<`... (X archives keep tweet text HTML-escaped)."""
    return html.unescape(text) if "&" in text else text


# --------------------------------------------------------------------------- dates

_DATE_FORMATS = (
    "%a %b %d %H:%M:%S %z %Y",  # X: Wed Oct 10 20:19:24 +0000 2018
    "%Y-%m-%d %H:%M:%S %Z",  # LinkedIn: 2024-03-01 09:30:00 UTC
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
)


def parse_date(value: Any) -> datetime | None:
    """A timezone-aware datetime from a timestamp or a date string; None if empty.

    Numbers are Unix seconds (milliseconds when too large for seconds); strings may be
    ISO 8601 or the platforms' own formats. Times without a zone are taken as UTC.
    Raises ValueError when the value is not a date.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a date")
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, int | float):
        seconds = value / 1000 if abs(value) > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"{_short(value)} is not a date postcheck can read") from None
    elif not isinstance(value, str):
        raise ValueError(f"{type(value).__name__} is not a date")
    else:
        text = value.strip()
        if len(text) > 64:
            raise ValueError(f"{_short(text)} is not a date postcheck understands")
        if re.fullmatch(r"-?\d+(\.\d+)?", text):
            return parse_date(float(text))
        parsed = None
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            for fmt in _DATE_FORMATS:
                try:
                    parsed = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
        if parsed is None:
            raise ValueError(f"{text!r} is not a date or time postcheck understands")
        if parsed.tzinfo is not None:
            try:
                parsed.astimezone(UTC)  # a time zone that pushes the date off the calendar
            except (OverflowError, ValueError):
                raise ValueError(f"{text!r} is not a date postcheck can read") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


# --------------------------------------------------------------------------- ids


def stable_id(*parts: object) -> str:
    """A short id that is the same every time for the same content (when a platform has none)."""
    digest = hashlib.sha256("\x1f".join("" if p is None else str(p) for p in parts).encode())
    return "h" + digest.hexdigest()[:16]


def source(fmt: str, where: str, index: int) -> str:
    return f"{fmt}:{where}#{index}"


def member_sort_key(name: str) -> tuple[str, int, str]:
    """Order tweets.js before tweets-part1.js before tweets-part2.js (numbers as numbers)."""
    stem = PurePosixPath(name).name
    numbers = re.findall(r"\d+", stem)
    return (str(PurePosixPath(name).parent), int(numbers[-1]) if numbers else 0, stem)


def read_json_export(
    path: str | Path,
    *,
    fmt: str,
    posts_file: re.Pattern[str],
    missing: str,
    fix: str,
    to_post: Callable[[dict, str, Export], Post],
) -> Iterator[Post | ReadError]:
    """The posts of a JSON export (Facebook, Instagram): the export folder or .zip, or one
    posts file; each record becomes a Post via `to_post`, or a ReadError and reading goes on."""
    target = Path(path)
    single = target.is_file() and not zipfile.is_zipfile(target)
    export = Export(target.parent, search_up=3, given=target.name) if single else Export(target)
    try:
        if single:
            files = [target.name]
        else:
            files = sorted((n for n in export.names() if posts_file.search(n)), key=member_sort_key)
            if not files:
                raise ExportError(missing, where=str(target), fix=fix)
        for name in files:
            where = export.where(name)
            try:
                for index, (line, item) in enumerate(export.iter_json(name)):
                    src = source(fmt, where, index)
                    if isinstance(item, BadRecord):
                        yield ReadError(src, f"line {line}", item.reason)
                    elif not isinstance(item, dict):
                        yield ReadError(src, f"line {line}", "this record is not a post object")
                    else:
                        yield guarded(src, f"line {line}", partial(to_post, item, src, export))
            except DamagedFile as exc:
                yield file_error(fmt, exc)
    finally:
        export.close()


def file_error(fmt: str, exc: DamagedFile) -> ReadError:
    """The error record for a whole file that could not be read (the others are read)."""
    where = exc.where or "?"
    return ReadError(source(fmt, where, -1), "the whole file", f"{exc.what} ({exc.fix})")
