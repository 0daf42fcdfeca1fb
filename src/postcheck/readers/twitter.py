"""X (Twitter) archive: `data/tweets.js` (or `tweet.js`, `tweets-part1.js`...), as a folder,
the `.zip` itself, or the single `.js` file.

Each file is `window.YTD.tweets.part0 = [ {"tweet": {...}}, ... ]`: the assignment is
stripped and the rest parsed as JSON, streamed one tweet at a time (never evaluated).
`full_text` is HTML-escaped in the archive (`&amp;`) and is unescaped; t.co links are
expanded; long posts (over 280 characters) take their full text from `note-tweet.js`,
matched to their tweet by time and opening words. `data/account.js` gives the account
name for post URLs. note-tweet.js is small and read whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from postcheck.errors import ExportError
from postcheck.readers._base import (
    BadRecord,
    DamagedFile,
    Export,
    Reader,
    ReadError,
    ReadResult,
    describe,
    file_error,
    guarded,
    member_sort_key,
    parse_date,
    source,
    unescape_entities,
)
from postcheck.schema import Media, Post, valid_unicode

FORMAT = "twitter"
TWEET_FILE = re.compile(r"(?:^|/)(?:tweets?|tweets?-part\d+)\.js$")
_NOTE_FILE = re.compile(r"(?:^|/)note-tweet(?:-part\d+)?\.js$")
_ACCOUNT_FILE = re.compile(r"(?:^|/)account\.js$")
_TCO = re.compile(r"https?://t\.co/\w+")
#: A long post's tweet and its note are created within this many seconds of each other.
_NOTE_WINDOW_S = 10


def looks_like(names: list[str]) -> bool:
    return any(TWEET_FILE.search(n) for n in names)


def claims_file(path: Path, head: str) -> bool:
    return bool(TWEET_FILE.search(path.name.lower())) or head.startswith("window.YTD.")


def read(path: str | Path, **_options: Any) -> Iterator[ReadResult]:
    """Yield one Post per tweet (or a ReadError for a record that cannot be read)."""
    target = Path(path)
    if target.is_file() and target.suffix.lower() == ".js":
        export = Export(target.parent, given=target.name)
        tweet_files = [target.name]
        data_dir = ""
    else:
        export = Export(target)
        names = export.names()
        tweet_files = sorted((n for n in names if TWEET_FILE.search(n)), key=member_sort_key)
        if not tweet_files:
            export.close()
            raise ExportError(
                "no data/tweets.js (or tweet.js, tweets-part1.js) in this X archive",
                where=str(target),
                fix="give the archive's folder or .zip as downloaded from X, or the tweets.js file",
            )
        data_dir = str(PurePosixPath(tweet_files[0]).parent)
    try:
        try:
            account = _account(export, data_dir)
        except DamagedFile as exc:
            account = None
            yield file_error(FORMAT, exc)
        note_errors: list[ReadError] = []
        try:
            notes = _Notes(_read_notes(export, data_dir, note_errors))
        except DamagedFile as exc:
            notes = _Notes([])
            yield file_error(FORMAT, exc)
        yield from note_errors
        for name in tweet_files:
            try:
                yield from _read_tweets(export, name, data_dir, account, notes)
            except DamagedFile as exc:
                yield file_error(FORMAT, exc)
        for index, note in notes.unmatched():
            where = export.where(_join(data_dir, "note-tweet.js"))
            yield Post(
                id=f"note-{note['id']}",
                text=note["text"],
                created_at=note["created_at"],
                account=account,
                source=source(FORMAT, where, index),
            )
    finally:
        export.close()


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder and folder != "." else name


def _account(export: Export, data_dir: str) -> str | None:
    name = _join(data_dir, "account.js")
    if not export.exists(name):
        return None
    for _, item in export.iter_json(name, js_prefix=True):
        account = item.get("account", item) if isinstance(item, dict) else {}
        username = account.get("username") if isinstance(account, dict) else None
        if isinstance(username, str) and username.strip():
            return valid_unicode(username)
    return None


def _read_notes(export: Export, data_dir: str, errors: list[ReadError]) -> list[dict]:
    """The long posts of note-tweet.js; a note that cannot be read goes into `errors`."""
    name = _join(data_dir, "note-tweet.js")
    if not export.exists(name):
        return []
    notes = []
    where = export.where(name)
    for index, (line, item) in enumerate(export.iter_json(name, js_prefix=True)):
        try:
            if isinstance(item, BadRecord):
                raise ValueError(item.reason)
            note = _note(item, index)
        except Exception as exc:  # noqa: BLE001 - reported as an error record
            errors.append(
                ReadError(source(FORMAT, where, index), f"line {line}",
                          f"the long post cannot be read: {describe(exc)}")
            )  # fmt: skip
            continue
        if note is not None:
            notes.append(note)
    return notes


def _note(item: Any, index: int) -> dict | None:
    note = item.get("noteTweet", item) if isinstance(item, dict) else None
    core = note.get("core") if isinstance(note, dict) else None
    if not isinstance(core, dict) or not isinstance(core.get("text"), str):
        return None
    text = unescape_entities(core["text"])
    urls = core.get("urls")
    for url in urls if isinstance(urls, list) else []:
        if isinstance(url, dict):
            short, expanded = url.get("shortUrl"), url.get("expandedUrl")
            if isinstance(short, str) and short and isinstance(expanded, str) and expanded:
                text = text.replace(short, expanded)
    try:
        created = parse_date(note.get("createdAt"))
    except ValueError:
        created = None
    return {"id": str(note.get("noteTweetId", index)), "text": text, "created_at": created,
            "index": index, "used": False}  # fmt: skip


class _Notes:
    """Long posts, found again for their (truncated) tweet."""

    def __init__(self, notes: list[dict]):
        self.notes = notes

    def match(self, created: datetime | None, text: str) -> dict | None:
        if not self.notes:
            return None
        opening = _key(text)[:60]
        if not opening:
            return None
        for note in self.notes:
            if note["used"]:
                continue
            close = (
                created is None
                or note["created_at"] is None
                or abs((note["created_at"] - created).total_seconds()) <= _NOTE_WINDOW_S
            )
            if close and _key(note["text"]).startswith(opening):
                note["used"] = True
                return note
        return None

    def unmatched(self) -> Iterator[tuple[int, dict]]:
        for note in self.notes:
            if not note["used"]:
                yield note["index"], note


def _key(text: str) -> str:
    text = _TCO.sub("", text)
    text = re.sub(r"https?://\S+", "", text)
    return " ".join(text.replace("…", " ").split())


def _read_tweets(
    export: Export, name: str, data_dir: str, account: str | None, notes: _Notes
) -> Iterator[ReadResult]:
    where = export.where(name)
    for index, (line, item) in enumerate(export.iter_json(name, js_prefix=True)):
        src = source(FORMAT, where, index)
        if isinstance(item, BadRecord):
            yield ReadError(src, f"line {line}", item.reason)
            continue
        tweet = item.get("tweet", item) if isinstance(item, dict) else None
        if not isinstance(tweet, dict):
            yield ReadError(src, f"line {line}", "this record is not a tweet object")
            continue
        yield guarded(
            src,
            f"line {line}",
            lambda tweet=tweet, src=src: _post(tweet, src, export, data_dir, account, notes),
            id=tweet.get("id_str") or tweet.get("id"),
        )


def _post(
    tweet: dict, src: str, export: Export, data_dir: str, account: str | None, notes: _Notes
) -> Post:
    tid = tweet.get("id_str") or tweet.get("id")
    if not tid:
        raise ValueError("the tweet has no id_str")
    if not isinstance(tid, str | int) or isinstance(tid, bool):
        raise ValueError("the tweet's id_str is not text or a number")
    tid = str(tid)
    if len(tid) > 100:
        raise ValueError(f"the tweet's id is {len(tid):,} characters long, not an id")
    raw = tweet.get("full_text", tweet.get("text"))
    if not isinstance(raw, str):
        raise ValueError("the tweet has no full_text")
    created = parse_date(tweet.get("created_at"))
    text = unescape_entities(raw)
    entities = _mapping(tweet, "entities")
    for url in _list(entities, "urls"):
        if isinstance(url, dict) and _text(url, "url") and _text(url, "expanded_url"):
            text = text.replace(url["url"], url["expanded_url"])
    media_entities = _list(_mapping(tweet, "extended_entities"), "media") or _list(
        entities, "media"
    )  # fmt: skip
    media = []
    for entity in media_entities:
        if not isinstance(entity, dict):
            continue
        if _text(entity, "url"):
            text = text.replace(entity["url"], "")
        media.append(_media(entity, tid, export, data_dir))
    text = text.strip()
    note = notes.match(created, text)
    if note is not None:
        text = note["text"]
    user = account or "i/web"
    return Post(
        id=tid,
        text=text,
        created_at=created,
        url=f"https://x.com/{user}/status/{tid}",
        account=account,
        media=media,
        source=src,
    )


def _mapping(data: dict, key: str) -> dict:
    """data[key] when it is an object ({} when absent); anything else is a bad record."""
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"the tweet's {key!r} field is not an object")
    return value


def _list(data: dict, key: str) -> list:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"the tweet's {key!r} field is not a list")
    return value


def _text(data: dict, key: str) -> bool:
    value = data.get(key)
    return isinstance(value, str) and bool(value)


def _media(entity: dict, tid: str, export: Export, data_dir: str) -> Media:
    kind = {"photo": "photo", "video": "video", "animated_gif": "video"}.get(
        entity.get("type") if isinstance(entity.get("type"), str) else "", "other"
    )
    remote = entity.get("media_url_https") or entity.get("media_url")
    if not isinstance(remote, str):
        remote = None
    uri = remote
    if remote and kind == "photo":
        filename = f"{tid}-{PurePosixPath(remote).name}"
        for folder in ("tweets_media", "tweet_media"):
            local = export.locate(_join(data_dir, f"{folder}/{filename}"))
            if local:
                uri = local
                break
    alt = entity.get("ext_alt_text")  # the photo's alt text (checked for pupils' names)
    return Media(kind=kind, uri=uri, title=alt if isinstance(alt, str) and alt else None)


READERS = (Reader(FORMAT, read, looks_like=looks_like, claims_file=claims_file),)
