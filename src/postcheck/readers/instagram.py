"""Instagram export (JSON): `content/posts_1.json`, also under `your_instagram_activity/`.

Each post is `{"media": [{"uri", "title", "creation_timestamp", "media_metadata":
{"photo_metadata": {"exif_data": [{"latitude", "longitude"}]}}}], "title",
"creation_timestamp"}`: a single-photo post keeps its caption in `media[0].title`, a
carousel in the top-level `title`. Same mojibake as Facebook, repaired the same way.
Streamed one post at a time; the export has no post ids or links, so a post's id is a
stable hash of its time and caption.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from postcheck.readers._base import (
    Export,
    Reader,
    ReadResult,
    fix_mojibake,
    parse_date,
    read_json_export,
    stable_id,
)
from postcheck.readers.facebook import media_item
from postcheck.schema import Post

FORMAT = "instagram"
POSTS_FILE = re.compile(r"(?:^|/)content/posts_\d+\.json$")


def looks_like(names: list[str]) -> bool:
    return any(POSTS_FILE.search(n) for n in names)


def claims_file(path: Path, head: str) -> bool:
    return bool(POSTS_FILE.search(path.as_posix())) or bool(
        re.match(r"posts_\d+\.json$", path.name.lower())
    )


def claims_content(path: Path, head: str) -> bool:
    return (
        path.name.lower().endswith(".json")
        and head.startswith("[")
        and '"media"' in head
        and '"uri"' in head
    )


def read(path: str | Path, **_options: Any) -> Iterator[ReadResult]:
    """Yield one Post per Instagram post (or a ReadError for one that cannot be read)."""
    return read_json_export(
        path,
        fmt=FORMAT,
        posts_file=POSTS_FILE,
        missing="no content/posts_1.json in this Instagram export",
        fix="download your information from Instagram in JSON format (not HTML), "
        "including 'Content'",
        to_post=_post,
    )


READERS = (
    Reader(
        FORMAT, read, looks_like=looks_like, claims_file=claims_file, claims_content=claims_content
    ),
)


def _post(item: dict, src: str, export: Export) -> Post:
    raw_media = [m for m in item.get("media") or [] if isinstance(m, dict)]
    caption = item.get("title") or ""
    if not caption and raw_media:
        caption = raw_media[0].get("title") or ""
    text = fix_mojibake(str(caption))
    when = item.get("creation_timestamp")
    if when is None and raw_media:
        when = raw_media[0].get("creation_timestamp")
    created = parse_date(when)
    media = [media_item(m, export) for m in raw_media]
    for m in media:  # the caption is the post's text, not each photo's title
        if m.title == text:
            m.title = None
    first_uri = raw_media[0].get("uri") if raw_media else None
    return Post(
        id=stable_id(FORMAT, created.isoformat() if created else None, text, first_uri),
        text=text,
        created_at=created,
        media=media,
        source=src,
    )
