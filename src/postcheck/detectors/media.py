"""Media and location signals: a post that gives away where children are.

- `GPS`: an attached photo's metadata or a tagged place carries coordinates (from the
  export's own fields), or the attached image file, when it is in the export, has
  EXIF GPS tags (read with Pillow, a maintained library; never parsed by hand).
- `PHOTO`: the post carries a photo (for rules about consent for images of pupils).

Hits are about the whole post, not words in it: start = end = 0 and text = "".
Pillow is imported only when a post has an image file to open.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from postcheck.schema import Hit

if TYPE_CHECKING:
    from postcheck.detectors import Analysis
    from postcheck.schema import Media

MEDIA_LABELS: tuple[str, ...] = ("GPS", "PHOTO")
_GPS_IFD = 0x8825
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".heic")


class MediaDetector:
    name = "media"

    def labels(self) -> set[str]:
        return set(MEDIA_LABELS)

    def detect(self, analyses: list[Analysis]) -> None:
        for analysis in analyses:
            if analysis.offset != 0 or not analysis.post.media:
                continue  # one set of hits per post, on its first chunk
            analysis.hits.extend(media_hits(analysis.post.media))


def media_hits(media: list[Media]) -> list[Hit]:
    """GPS and PHOTO hits for a post's attachments."""
    hits: list[Hit] = []
    gps_seen: set[tuple[float, float]] = set()
    photo = False
    for item in media:
        is_image = item.kind == "photo" or (item.uri or "").lower().endswith(_IMAGE_SUFFIXES)
        photo = photo or is_image
        found: list[tuple[float, float, str]] = []
        if item.latitude is not None and item.longitude is not None:
            what = "the tagged place" if item.kind == "place" else "photo metadata"
            name = f" ({item.title})" if item.kind == "place" and item.title else ""
            found.append((item.latitude, item.longitude, f"{what}{name}"))
        elif is_image and item.uri:
            coords = image_gps(item.uri)
            if coords is not None:
                found.append((*coords, "the image file's EXIF"))
        for lat, lon, what in found:
            key = (round(lat, 4), round(lon, 4))
            if key in gps_seen:
                continue
            gps_seen.add(key)
            hits.append(
                Hit(
                    detector="media",
                    label="GPS",
                    start=0,
                    end=0,
                    score=1.0,
                    why=f"{what} has GPS coordinates {lat:.2f}, {lon:.2f}",
                )
            )
    if photo:
        hits.append(
            Hit(
                detector="media",
                label="PHOTO",
                start=0,
                end=0,
                score=1.0,
                why="a photo is attached",
            )
        )
    return hits


def image_gps(locator: str) -> tuple[float, float] | None:
    """(latitude, longitude) from an image file's EXIF GPS tags, or None.

    `locator` is what a reader put in Media.uri: a path, or `<export.zip>!/<member>`.
    Remote URLs are never fetched. Unreadable or odd files give None, never an error.
    """
    from postcheck.readers import open_media

    stream = open_media(locator)
    if stream is None:
        return None
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:  # Pillow missing: the export's own coordinates still count
        stream.close()
        return None
    try:
        with stream, Image.open(stream) as image:
            gps = image.getexif().get_ifd(_GPS_IFD)
        return gps_to_degrees(gps)
    except (OSError, UnidentifiedImageError, ValueError, TypeError, ZeroDivisionError,
            Image.DecompressionBombError, SyntaxError):  # fmt: skip
        return None


def gps_to_degrees(gps: dict) -> tuple[float, float] | None:
    """EXIF GPS IFD (1 LatitudeRef, 2 Latitude, 3 LongitudeRef, 4 Longitude) -> degrees."""
    if not gps or 2 not in gps or 4 not in gps:
        return None
    lat = _dms(gps[2])
    lon = _dms(gps[4])
    if lat is None or lon is None:
        return None
    if str(gps.get(1, "N")).strip().upper().startswith("S"):
        lat = -lat
    if str(gps.get(3, "E")).strip().upper().startswith("W"):
        lon = -lon
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return lat, lon


def _dms(value) -> float | None:
    try:
        parts = [float(v) for v in value]
    except TypeError:
        try:
            return float(value)
        except (TypeError, ValueError):
            return None
    if not parts:
        return None
    degrees, minutes, seconds = (parts + [0.0, 0.0])[:3]
    return degrees + minutes / 60 + seconds / 3600
