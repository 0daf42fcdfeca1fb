"""Read the text of a draft from an argument, a file or standard input, safely."""

from __future__ import annotations

import codecs
from typing import BinaryIO

from postcheck.errors import InputError


def decode_draft(data: bytes, where: str, max_chars: int) -> str:
    """UTF-8 or UTF-16 text from `data`, or an InputError that says what is wrong and how
    to fix it. UTF-16 is what Notepad calls "Unicode": with a byte-order mark, or ASCII-range
    text with every other byte zero."""
    encoding = _utf16(data)
    if encoding is not None:
        try:
            return check_draft(data.decode(encoding), where, max_chars)
        except UnicodeDecodeError as exc:
            raise InputError(
                f'the text looks like UTF-16 (Notepad\'s "Unicode") but byte {exc.start} '
                "is not valid UTF-16",
                where=where,
                fix="save the file again as UTF-8 or Unicode text",
            ) from None
    if b"\x00" in data[:8192]:
        raise InputError(
            "this looks like a binary file (it contains NUL bytes), not text",
            where=where,
            fix="give a plain-text file (.txt) holding the draft post",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"the text is not valid UTF-8 (bad byte 0x{data[exc.start]:02x} at byte "
            f"{exc.start}, line {line})",
            where=where,
            fix="save the file as UTF-8 text (in Word or Notepad: Save As > Encoding: UTF-8)",
        ) from None
    return check_draft(text, where, max_chars)


def check_argument(text: str, where: str, max_chars: int) -> str:
    """A draft given on the command line: bytes that were not UTF-8 reach Python as lone
    surrogates (U+DC80..U+DCFF); refuse them with the byte and where it is."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(text[exc.start])
        byte = f"byte 0x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"U+{code:04X}"
        raise InputError(
            f"the text is not valid UTF-8 ({byte} at character {exc.start + 1})",
            where=where,
            fix="set your terminal to UTF-8, or save the draft as UTF-8 text and use --file",
        ) from None
    return check_draft(text, where, max_chars)


def check_draft(text: str, where: str, max_chars: int) -> str:
    """Reject empty or over-long drafts with a clear message."""
    if not text.strip():
        raise InputError(
            "the draft is empty",
            where=where,
            fix='give the text to check, e.g. postcheck check "Well done Year 6!"',
        )
    if len(text) > max_chars:
        raise InputError(
            f"the draft is {len(text):,} characters long; the limit is {max_chars:,}",
            where=where,
            fix="check it in parts, or raise `max_chars` in postcheck.yml",
        )
    return text


def read_stream(stream: BinaryIO, where: str, max_chars: int) -> str:
    """Read at most what the size limit allows (UTF-8 uses up to 4 bytes a character)."""
    data = stream.read(max_chars * 4 + 1)
    if len(data) > max_chars * 4:
        raise InputError(
            f"the input is larger than the limit of {max_chars:,} characters",
            where=where,
            fix="check it in parts, or raise `max_chars` in postcheck.yml",
        )
    return decode_draft(data, where, max_chars)


def _utf16(data: bytes) -> str | None:
    """'utf-16' when `data` starts with a UTF-16 byte-order mark, 'utf-16-le'/'-be' for
    BOM-less UTF-16 of mostly Latin text, else None."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = data[:512]
    if len(head) < 4 or len(data) % 2:
        return None
    odd, even = head[1::2], head[0::2]
    if odd.count(0) == len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) == len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None
