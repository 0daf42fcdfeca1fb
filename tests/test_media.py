"""The media detector: GPS from export fields, from the image file's EXIF, and photos."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from postcheck.detectors.media import MEDIA_LABELS, MediaDetector, gps_to_degrees, media_hits
from postcheck.schema import Media, Post


def gps_jpeg(path: Path, lat: float = 51.45, lon: float = -0.30) -> Path:
    """A tiny JPEG whose EXIF carries GPS coordinates (made with Pillow at test time)."""
    from PIL import Image

    def dms(value: float) -> tuple[float, float, float]:
        value = abs(value)
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        seconds = round(((value - degrees) * 60 - minutes) * 60, 4)
        return (float(degrees), float(minutes), seconds)

    image = Image.new("RGB", (8, 8), "white")
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = ("N" if lat >= 0 else "S"), dms(lat)
    gps[3], gps[4] = ("E" if lon >= 0 else "W"), dms(lon)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, exif=exif)
    return path


def plain_jpeg(path: Path) -> Path:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 8), "white").save(path)
    return path


def test_labels_include_gps():
    assert "GPS" in MEDIA_LABELS
    assert MediaDetector().labels() == set(MEDIA_LABELS)


def test_exported_coordinates_are_a_gps_hit():
    hits = media_hits([Media(kind="photo", uri="x.jpg", latitude=51.4545, longitude=-0.3012)])
    gps = [h for h in hits if h.label == "GPS"]
    assert len(gps) == 1
    hit = gps[0]
    assert (hit.detector, hit.score, hit.start, hit.end, hit.text) == ("media", 1.0, 0, 0, "")
    assert hit.why == "photo metadata has GPS coordinates 51.45, -0.30"
    assert any(h.label == "PHOTO" for h in hits)


def test_place_with_coordinates_names_the_place():
    hits = media_hits([Media(kind="place", title="Riverside Park", latitude=51.46, longitude=-0.3)])
    assert [h.label for h in hits] == ["GPS"]
    assert "Riverside Park" in hits[0].why


def test_image_file_with_exif_gps(tmp_path):
    image = gps_jpeg(tmp_path / "trip.jpg")
    hits = media_hits([Media(kind="photo", uri=str(image))])
    gps = [h for h in hits if h.label == "GPS"]
    assert gps and gps[0].why == "the image file's EXIF has GPS coordinates 51.45, -0.30"


def test_image_inside_a_zip_export(tmp_path):
    image = gps_jpeg(tmp_path / "img.jpg", lat=-33.86, lon=151.21)
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(image, "media/posts/img.jpg")
    hits = media_hits([Media(kind="photo", uri=f"{archive.resolve()}!/media/posts/img.jpg")])
    assert any(h.label == "GPS" and "-33.86, 151.21" in h.why for h in hits)


def test_no_gps_no_hit(tmp_path):
    image = plain_jpeg(tmp_path / "plain.jpg")
    hits = media_hits([Media(kind="photo", uri=str(image))])
    assert [h.label for h in hits] == ["PHOTO"]


@pytest.mark.parametrize(
    "uri",
    ["https://pbs.twimg.com/media/x.jpg", "relative/missing.jpg", "/no/such/file.jpg", ""],
)
def test_remote_or_missing_files_are_never_fetched_or_fatal(uri):
    hits = media_hits([Media(kind="photo", uri=uri)])
    assert [h.label for h in hits] == ["PHOTO"]


def test_a_corrupt_image_is_ignored(tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe1garbage" * 10)
    assert [h.label for h in media_hits([Media(kind="photo", uri=str(bad))])] == ["PHOTO"]


def test_gps_conversion_edge_cases():
    assert gps_to_degrees({}) is None
    assert gps_to_degrees({1: "S", 2: (10.0, 30.0, 0.0), 3: "E", 4: (5.0, 0.0, 0.0)}) == (
        -10.5,
        5.0,
    )
    assert gps_to_degrees({1: "N", 2: (0.0, 0.0, 0.0), 3: "E", 4: (0.0, 0.0, 0.0)}) is None
    assert gps_to_degrees({1: "N", 2: (95.0, 0.0, 0.0), 3: "E", 4: (1.0, 0.0, 0.0)}) is None


def test_detector_adds_hits_once_per_post():
    from types import SimpleNamespace

    post = Post(text="x", media=[Media(kind="place", latitude=1.0, longitude=2.0)])
    first = SimpleNamespace(post=post, offset=0, hits=[])
    second = SimpleNamespace(post=post, offset=5000, hits=[])
    MediaDetector().detect([first, second])
    assert [h.label for h in first.hits] == ["GPS"]
    assert second.hits == []


def test_checker_reports_gps_under_safeguarding(checker):
    """With the real engine: the media detector is wired in and its evidence is scored."""
    post = Post(text="Our trip today", media=[Media(kind="place", latitude=51.45, longitude=-0.3)])
    verdict = checker.check(post)
    assert verdict.scores.get("media.GPS") == 1.0
    gps_findings = [f for f in verdict.findings if any(h.label == "GPS" for h in f.evidence)]
    gps_rules = [r for r in checker.rules if any(c.kind == "media" for c in r.detect.leaves())]
    if gps_rules:  # the rule that cites the safeguarding clause for location data
        assert gps_findings and gps_findings[0].clause.startswith("§6.2")
        assert verdict.verdict != "ok"
