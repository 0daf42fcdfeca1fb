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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import IO, Any

from postcheck.errors import ExportError
from postcheck.schema import Post

#: How much of a file is looked at to tell binary from text.
SNIFF_BYTES = 8192
#: Streamed JSON: how much is read at a time, and the largest single record accepted.
_CHUNK_CHARS = 1 << 20
_MAX_RECORD_CHARS = 64 << 20


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


ReadResult = Post | ReadError


# --------------------------------------------------------------------------- archives


class Export:
    """An export as a folder, a zip file, or one single file, read without unpacking."""

    def __init__(self, path: str | os.PathLike[str], *, search_up: int = 0):
        self.path = Path(path)
        self._search_up = search_up
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
            return sorted(
                p.relative_to(self.path).as_posix() for p in self.path.rglob("*") if p.is_file()
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
            return (self.path / name).is_file()
        return name == self.path.name

    def open_binary(self, name: str) -> IO[bytes]:
        if self._zip is not None:
            return self._zip.open(name)
        if self.path.is_dir():
            return open(self.path / name, "rb")  # noqa: SIM115 - the caller closes it
        return open(self.path, "rb")  # noqa: SIM115

    def open_text(self, name: str) -> IO[str]:
        """The member as UTF-8 text (a BOM is dropped); binary content is an ExportError."""
        raw = self.open_binary(name)
        head = raw.read(SNIFF_BYTES)
        check_not_binary(head, self.where(name))
        stream = _Rewound(head, raw)
        return io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")

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
        if self._zip is not None:
            return f"{self.path.resolve()}!/{name}" if self.exists(name) else None
        base = (self.path if self.path.is_dir() else self.path.parent).resolve()
        # a single export file: attachments are named from the export's root, up a level or two
        for folder in [base, *base.parents][: self._search_up + 1]:
            candidate = folder / name
            if candidate.is_file():
                return str(candidate)
        return None

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


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
_WS = " \t\r\n"


def iter_json_array(
    stream: IO[str], where: str, *, js_prefix: bool = False, on_decode_error=None
) -> Iterator[tuple[int, Any]]:
    """Yield (line, element) for each element of a top-level JSON array, streaming.

    Memory stays at one chunk plus one element, however long the file. With
    `js_prefix`, a leading `window.YTD.<name>.partN =` assignment is stripped (the file
    is never evaluated). A top-level object is parsed whole and its first list value
    streamed from memory (older exports). Malformed JSON raises ExportError with the
    line and column.
    """
    buf = ""
    line = 1  # the line on which buf[0] sits
    eof = False

    def fill() -> bool:
        nonlocal buf, eof
        if eof:
            return False
        try:
            chunk = stream.read(_CHUNK_CHARS)
        except UnicodeDecodeError as exc:
            if on_decode_error is not None:
                raise on_decode_error(exc) from exc
            raise
        if not chunk:
            eof = True
            return False
        buf += chunk
        return True

    counted = 0  # buf[counted] sits on line `line_at_counted` (counted incrementally)
    line_at_counted = 1

    def line_of(index: int) -> int:
        nonlocal counted, line_at_counted
        if index < counted:  # rare: an error before the last element's start
            return line + buf.count("\n", 0, index)
        line_at_counted += buf.count("\n", counted, index)
        counted = index
        return line_at_counted

    def fail(what: str, index: int, fix: str) -> ExportError:
        ln = line_of(index)
        column = index - (buf.rfind("\n", 0, index) + 1) + 1
        return ExportError(what, where=f"{where}, line {ln}, column {column}", fix=fix)

    fill()
    pos = 0
    if js_prefix:
        while len(buf) < 512 and fill():
            pass
        match = _JS_ASSIGNMENT.match(buf)
        if match:
            pos = match.end()

    def skip_whitespace(at: int) -> int:
        """The next non-blank position from `at`, reading more as needed (len(buf) at EOF)."""
        while True:
            while at < len(buf) and buf[at] in _WS:
                at += 1
            if at < len(buf) or not fill():
                return at

    pos = skip_whitespace(pos)
    if pos >= len(buf):
        raise fail(
            "the file is empty",
            pos,
            "download the export again; this file should hold a list of posts",
        )
    if buf[pos] == "{":
        while fill():
            pass
        try:
            whole = json.loads(buf[pos:])
        except json.JSONDecodeError as exc:
            raise fail(f"the JSON is malformed: {exc.msg}", pos + exc.pos, _JSON_FIX) from exc
        items = next((v for v in whole.values() if isinstance(v, list)), [])
        ln = line_of(pos)
        for item in items:
            yield ln, item
        return
    if buf[pos] != "[":
        raise fail(
            f"expected a JSON list of posts, found {buf[pos]!r}",
            pos,
            "give the export file itself (e.g. data/tweets.js, your_posts_1.json)",
        )
    pos += 1
    decoder = json.JSONDecoder()
    expect_value = True
    first = True
    while True:
        pos = skip_whitespace(pos)
        if pos >= len(buf):
            raise fail(
                "the file ends in the middle of the list (it is truncated)", pos, _TRUNCATED_FIX
            )
        ch = buf[pos]
        if ch == "]" and (first or not expect_value):
            return
        if not expect_value:
            if ch != ",":
                raise fail(f"expected ',' or ']' between posts, found {ch!r}", pos, _JSON_FIX)
            pos += 1
            expect_value = True
            continue
        while True:
            try:
                value, end = decoder.raw_decode(buf, pos)
                break
            except json.JSONDecodeError as exc:
                if len(buf) - pos > _MAX_RECORD_CHARS or not fill():
                    if eof and not buf.rstrip().endswith("]"):
                        raise fail(
                            "the file ends in the middle of a post (it is truncated)",
                            pos,
                            _TRUNCATED_FIX,
                        ) from exc
                    raise fail(f"the JSON is malformed: {exc.msg}", exc.pos, _JSON_FIX) from exc
        if end >= len(buf) and not eof and fill():
            # a number at the very end of the buffer may continue in the next chunk
            continue
        yield line_of(pos), value
        first = False
        expect_value = False
        pos = end
        if pos > _CHUNK_CHARS:  # drop what has been consumed, keeping line numbers right
            line_of(pos)
            line = line_at_counted
            buf = buf[pos:]
            pos = counted = 0


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
        return datetime.fromtimestamp(seconds, tz=UTC)
    else:
        text = str(value).strip()
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
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


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
    export = Export(target.parent, search_up=3) if single else Export(target)
    try:
        if single:
            files = [target.name]
        else:
            files = sorted((n for n in export.names() if posts_file.search(n)), key=member_sort_key)
            if not files:
                raise ExportError(missing, where=str(target), fix=fix)
        for name in files:
            where = export.where(name)
            for index, (line, item) in enumerate(export.iter_json(name)):
                src = source(fmt, where, index)
                if not isinstance(item, dict):
                    yield ReadError(src, f"line {line}", "this record is not a post object")
                    continue
                try:
                    yield to_post(item, src, export)
                except (ValueError, TypeError, AttributeError) as exc:
                    yield ReadError(src, f"line {line}", f"the post cannot be read: {exc}")
    finally:
        export.close()
