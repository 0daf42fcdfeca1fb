"""Facebook "Download your information" (JSON): `posts/your_posts_1.json` and the newer
`your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_1.json` layout.

The post text is in `data[].post`; attachments carry links (`external_context.url`),
places (`place.coordinate.latitude/longitude`) and media (`uri`, `title`,
`creation_timestamp`, `media_metadata.photo_metadata.exif_data[]` with
latitude/longitude). Facebook writes each UTF-8 byte as a `\\u00XX` escape, so text
comes out as mojibake ("Weâ\\x80\\x99re"); it is repaired where it round-trips.
Files are streamed one post at a time. The export has no post ids or links, so a
post's id is a stable hash of its time and text.
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
from postcheck.schema import Media, Post

FORMAT = "facebook"
POSTS_FILE = re.compile(r"(?:^|/)posts/your_posts(?:__check_ins__photos_and_videos)?_\d+\.json$")
_IMAGE = re.compile(r"\.(?:jpe?g|png|webp|heic|gif|tiff?)$", re.I)
_VIDEO = re.compile(r"\.(?:mp4|mov|avi|webm|mkv)$", re.I)


def looks_like(names: list[str]) -> bool:
    return any(POSTS_FILE.search(n) for n in names)


def claims_file(path: Path, head: str) -> bool:
    return bool(POSTS_FILE.search(path.as_posix())) or bool(
        re.match(r"your_posts.*\.json$", path.name.lower())
    )


def claims_content(path: Path, head: str) -> bool:
    return (
        path.name.lower().endswith(".json")
        and head.startswith("[")
        and bool(re.search(r'"data"\s*:\s*\[\s*\{\s*"post"', head))
    )


def read(path: str | Path, **_options: Any) -> Iterator[ReadResult]:
    """Yield one Post per Facebook post (or a ReadError for one that cannot be read)."""
    return read_json_export(
        path,
        fmt=FORMAT,
        posts_file=POSTS_FILE,
        missing="no posts/your_posts_1.json in this Facebook export",
        fix="download your information from Facebook in JSON format (not HTML), including 'Posts'",
        to_post=_post,
    )


READERS = (
    Reader(
        FORMAT, read, looks_like=looks_like, claims_file=claims_file, claims_content=claims_content
    ),
)


def _post(item: dict, src: str, export: Export) -> Post:
    created = parse_date(item.get("timestamp"))
    texts = [
        fix_mojibake(d["post"])
        for d in item.get("data") or []
        if isinstance(d, dict) and isinstance(d.get("post"), str) and d["post"].strip()
    ]
    media: list[Media] = []
    for attachment in item.get("attachments") or []:
        for data in (attachment or {}).get("data") or []:
            if not isinstance(data, dict):
                continue
            if isinstance(data.get("media"), dict):
                media.append(media_item(data["media"], export))
            if isinstance(data.get("external_context"), dict):
                url = data["external_context"].get("url")
                if url:
                    media.append(Media(kind="link", uri=fix_mojibake(str(url))))
            if isinstance(data.get("place"), dict):
                media.append(_place(data["place"]))
    if not texts:
        texts = [m.title for m in media if m.kind in ("photo", "video") and m.title][:1]
    text = "\n\n".join(texts)
    return Post(
        id=stable_id(FORMAT, created.isoformat() if created else None, text, len(media)),
        text=text,
        created_at=created,
        media=media,
        source=src,
    )


def _place(place: dict) -> Media:
    coordinate = place.get("coordinate") or {}
    lat, lon = _coordinates(coordinate)
    return Media(
        kind="place",
        uri=fix_mojibake(str(place["url"])) if place.get("url") else None,
        title=fix_mojibake(str(place.get("name") or place.get("address") or "")) or None,
        latitude=lat,
        longitude=lon,
    )


def media_item(media: dict, export: Export) -> Media:
    """A Facebook or Instagram `media` entry: file, caption, time and EXIF location."""
    uri = str(media.get("uri") or "")
    metadata = media.get("media_metadata") or {}
    exif = (metadata.get("photo_metadata") or metadata.get("video_metadata") or {}).get(
        "exif_data"
    ) or []  # fmt: skip
    lat = lon = None
    taken = None
    for entry in exif if isinstance(exif, list) else [exif]:
        if not isinstance(entry, dict):
            continue
        if lat is None:
            lat, lon = _coordinates(entry)
        if taken is None and entry.get("taken_timestamp"):
            try:
                taken = parse_date(entry["taken_timestamp"])
            except ValueError:
                taken = None
    if taken is None and media.get("creation_timestamp"):
        taken = parse_date(media["creation_timestamp"])
    kind = "video" if _VIDEO.search(uri) or "video_metadata" in metadata else "photo"
    if not _IMAGE.search(uri) and kind != "video":
        kind = "photo" if uri else "other"
    caption = media.get("description") or media.get("title")
    return Media(
        kind=kind,
        # a file not found in the export keeps its name, made relative so it is never opened
        uri=(export.locate(uri) or uri.lstrip("/")) if uri else None,
        title=fix_mojibake(str(caption)) if caption else None,
        latitude=lat,
        longitude=lon,
        taken_at=taken,
    )


def _coordinates(data: dict) -> tuple[float | None, float | None]:
    lat, lon = data.get("latitude"), data.get("longitude")
    if lat is None or lon is None:
        return None, None
    lat, lon = float(lat), float(lon)
    if lat == 0.0 and lon == 0.0:  # "no location" in some exports, not the Gulf of Guinea
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"the coordinates {lat}, {lon} are out of range")
    return lat, lon
