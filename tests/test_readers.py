"""Export readers: one small test per platform quirk, and the error cases.

The fixtures in tests/fixtures/exports/ are written by this project; they copy the
platforms' field names and quirks, with no real people's data.
"""

from __future__ import annotations

import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_media import gps_jpeg

from postcheck.errors import ExportError
from postcheck.readers import ReadError, detect_format, parse_date, read_posts
from postcheck.readers._base import fix_mojibake
from postcheck.readers.linkedin import clean_commentary
from postcheck.schema import Post

EXPORTS = Path(__file__).parent / "fixtures" / "exports"


def posts(path, **options) -> list[Post]:
    return [p for p in read_posts(path, **options) if isinstance(p, Post)]


def errors(path, **options) -> list[ReadError]:
    return [p for p in read_posts(path, **options) if isinstance(p, ReadError)]


def zip_folder(folder: Path, archive: Path) -> Path:
    with zipfile.ZipFile(archive, "w") as zf:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                zf.write(file, file.relative_to(folder).as_posix())
    return archive


# --------------------------------------------------------------------------- detection


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("twitter", "twitter"),
        ("twitter/data/tweets.js", "twitter"),
        ("facebook", "facebook"),
        ("facebook_2021", "facebook"),
        ("facebook_2021/posts/your_posts_1.json", "facebook"),
        ("instagram", "instagram"),
        ("instagram/your_instagram_activity/content/posts_1.json", "instagram"),
        ("linkedin", "linkedin"),
        ("linkedin/Shares.csv", "linkedin"),
        ("generic/posts.csv", "csv"),
        ("generic/posts.jsonl", "jsonl"),
    ],
)
def test_detect_format(path, fmt):
    assert detect_format(EXPORTS / path) == fmt


def test_detect_format_in_a_zip(tmp_path):
    archive = zip_folder(EXPORTS / "twitter", tmp_path / "twitter-2024-01-01.zip")
    assert detect_format(archive) == "twitter"


def test_unknown_file_says_use_format(tmp_path):
    odd = tmp_path / "notes.txt"
    odd.write_text("hello\n", encoding="utf-8")
    with pytest.raises(ExportError) as err:
        detect_format(odd)
    assert str(odd) in err.value.message and "--input-format" in err.value.message


# --------------------------------------------------------------------------- X / Twitter


def test_twitter_prefix_stripped_entities_unescaped_links_expanded():
    first = posts(EXPORTS / "twitter")[0]
    assert first.text == (
        "Sack race & egg-and-spoon: Year 5 <3 #SportsDay https://example.org/news/sports-day"
    )
    assert first.id == "1700000000000000001"
    assert first.created_at == datetime(2023, 9, 8, 15, 0, tzinfo=UTC)


def test_twitter_url_uses_account_js():
    first = posts(EXPORTS / "twitter")[0]
    assert first.account == "ExampleSchool"
    assert first.url == "https://x.com/ExampleSchool/status/1700000000000000001"
    assert first.source.startswith("twitter:") and first.source.endswith("tweets.js#0")


def test_twitter_without_account_js_links_by_id(tmp_path):
    shutil.copytree(EXPORTS / "twitter", tmp_path / "x")
    (tmp_path / "x" / "data" / "account.js").unlink()
    assert posts(tmp_path / "x")[0].url == "https://x.com/i/web/status/1700000000000000001"


def test_twitter_long_post_from_note_tweet():
    long = next(p for p in posts(EXPORTS / "twitter") if p.id == "1700000000000000002")
    assert long.text.endswith("the autumn fair is on 14 October.")
    assert "…" not in long.text and "t.co" not in long.text
    assert "& the autumn" in long.text


def test_twitter_parts_are_read_in_order_and_bad_record_reported():
    items = list(read_posts(EXPORTS / "twitter"))
    ids = [i.id for i in items]
    assert ids == [
        "1700000000000000001",
        "1700000000000000002",
        "1700000000000000003",
        "1600000000000000001",
        "1600000000000000002",
    ]
    bad = items[-1]
    assert isinstance(bad, ReadError)
    assert "full_text" in bad.message and bad.position.startswith("line ")
    assert bad.source.endswith("tweets-part1.js#1")


def test_twitter_media_entity_becomes_media_and_link_is_dropped():
    mural = next(p for p in posts(EXPORTS / "twitter") if p.id == "1700000000000000003")
    assert mural.text == "Our new library mural!"
    assert [m.kind for m in mural.media] == ["photo"]
    assert mural.media[0].uri == "https://pbs.twimg.com/media/F5aBcDeXYZ.jpg"


def test_twitter_zip_read_directly_with_local_media(tmp_path):
    folder = tmp_path / "unzipped"
    shutil.copytree(EXPORTS / "twitter", folder)
    gps_jpeg(folder / "data" / "tweets_media" / "1700000000000000003-F5aBcDeXYZ.jpg")
    archive = zip_folder(folder, tmp_path / "twitter-archive.zip")
    shutil.rmtree(folder)
    items = posts(archive)
    assert len(items) == 4
    mural = next(p for p in items if p.id == "1700000000000000003")
    assert mural.media[0].uri.endswith(
        "twitter-archive.zip!/data/tweets_media/1700000000000000003-F5aBcDeXYZ.jpg"
    )
    assert "twitter-archive.zip!data/tweets.js#2" in mural.source
    from postcheck.detectors.media import media_hits

    assert any(h.label == "GPS" for h in media_hits(mural.media))


def test_twitter_single_js_file_with_old_wrapperless_records(tmp_path):
    js = tmp_path / "tweet.js"
    js.write_text(
        'window.YTD.tweet.part0 = [ {"id_str": "1", "full_text": "hi &quot;all&quot;", '
        '"created_at": "Wed Oct 10 20:19:24 +0000 2018"} ]',
        encoding="utf-8",
    )
    (only,) = posts(js)
    assert only.text == 'hi "all"' and only.id == "1"


def test_twitter_js_is_never_evaluated(tmp_path):
    js = tmp_path / "tweets.js"
    js.write_text('window.YTD.tweets.part0 = alert("x")', encoding="utf-8")
    with pytest.raises(ExportError) as err:
        list(read_posts(js))
    assert "expected a JSON list" in err.value.message


# --------------------------------------------------------------------------- Facebook


def test_facebook_mojibake_is_repaired():
    first = posts(EXPORTS / "facebook")[0]
    assert first.text == "We’re so proud of our Year 4 café team 😀 Well done everyone!"


def test_facebook_old_layout_and_genuine_latin1_is_kept():
    items = posts(EXPORTS / "facebook_2021")
    assert items[0].text == "World Book Day costumes were amazing ✨ “Best day ever” said Year 2"
    assert items[1].text == "A genuine Latin-1 café stays as it is"


def test_facebook_photo_exif_coordinates():
    photo_post = posts(EXPORTS / "facebook")[1]
    (photo,) = photo_post.media
    assert photo.kind == "photo"
    assert (photo.latitude, photo.longitude) == (51.4545, -0.3012)
    assert photo.taken_at == datetime.fromtimestamp(1696230000, tz=UTC)


def test_facebook_place_and_external_link():
    items = posts(EXPORTS / "facebook")
    (place,) = items[2].media
    assert place.kind == "place" and place.title == "Riverside Park"
    assert (place.latitude, place.longitude) == (51.4613, -0.3037)
    (link,) = items[3].media
    assert link.kind == "link" and link.uri == "https://example.org/newsletter/october"
    assert items[3].text == "October newsletter is out – please read it"


def test_facebook_bad_timestamp_is_a_record_error_and_reading_goes_on():
    items = list(read_posts(EXPORTS / "facebook"))
    assert len(items) == 5
    bad = items[4]
    assert isinstance(bad, ReadError)
    assert "not a time" in bad.message and bad.position.startswith("line ")


def test_facebook_ids_are_stable():
    assert [p.id for p in posts(EXPORTS / "facebook")] == [
        p.id for p in posts(EXPORTS / "facebook")
    ]


def test_facebook_photo_file_in_the_export_is_located(tmp_path):
    root = tmp_path / "facebook-school"
    shutil.copytree(EXPORTS / "facebook", root)
    media = "your_facebook_activity/posts/media/TimelinePhotos_abc123/387654321_1234567890_n.jpg"
    gps_jpeg(root / media)
    photo = posts(root)[1].media[0]
    assert Path(photo.uri).is_file()
    single = root / "your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_1.json"
    assert Path(posts(single)[1].media[0].uri).is_file()


@pytest.mark.parametrize(
    ("broken", "fixed"),
    [
        ("Itâ\x80\x99s", "It’s"),
        ("café", "café"),  # genuine Latin-1 text: no valid UTF-8 run, left alone
        ("plain ascii", "plain ascii"),
        ("ðŸ˜€ and 🎉", "ðŸ˜€ and 🎉"),  # cp1252 mojibake is not what Facebook writes
        ("\u00f0\u009f\u0098\u0080 and 🎉", "😀 and 🎉"),  # mixed: runs fixed one by one
    ],
)
def test_fix_mojibake(broken, fixed):
    assert fix_mojibake(broken) == fixed


# --------------------------------------------------------------------------- Instagram


def test_instagram_single_photo_caption_and_exif():
    first = posts(EXPORTS / "instagram")[0]
    assert first.text == "Harvest festival donations 🍎 thank you families!"
    assert (first.media[0].latitude, first.media[0].longitude) == (51.4545, -0.3012)
    assert first.created_at == datetime.fromtimestamp(1697014800, tz=UTC)


def test_instagram_carousel_uses_top_level_title():
    second = posts(EXPORTS / "instagram")[1]
    assert second.text == "Science week: volcanoes 🌋 and slime"
    assert len(second.media) == 2 and all(m.kind == "photo" for m in second.media)


# --------------------------------------------------------------------------- LinkedIn


def test_linkedin_multiline_commentary():
    first = posts(EXPORTS / "linkedin")[0]
    assert first.text == (
        "We are recruiting a Year 3 teacher.\nClosing date: 15 March.\nApply via our website."
    )
    assert first.id == "urn:li:share:7169000000000000001"
    assert first.created_at == datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    assert first.media[0].uri == "https://example.org/vacancies"


def test_linkedin_doubled_quotes_and_utc_suffix():
    items = posts(EXPORTS / "linkedin")
    assert items[1].text == 'Our head teacher said "well done" to the robotics club'
    assert items[1].id == "urn:li:ugcPost:7163000000000000002"
    assert items[2].created_at == datetime(2024, 1, 5, 8, 0, tzinfo=UTC)


def test_linkedin_commentary_cleaning():
    assert clean_commentary('"Line 1"\n"Line 2"') == "Line 1\nLine 2"
    assert clean_commentary('"Quoted"') == "Quoted"
    assert clean_commentary('Say "hi" "there"') == 'Say "hi" "there"'


def test_linkedin_inside_a_zip(tmp_path):
    archive = zip_folder(EXPORTS / "linkedin", tmp_path / "Basic_LinkedInDataExport.zip")
    assert len(posts(archive)) == 3


def test_linkedin_missing_column(tmp_path):
    shares = tmp_path / "Shares.csv"
    shares.write_text("Date,ShareLink,SharedUrl\n2024-01-01,x,y\n", encoding="utf-8")
    with pytest.raises(ExportError) as err:
        list(read_posts(shares))
    msg = err.value.message
    assert str(shares) in msg and "ShareCommentary" in msg and "How to fix" in msg


# --------------------------------------------------------------------------- generic


def test_generic_csv_named_columns():
    items = list(
        read_posts(
            EXPORTS / "generic/posts.csv",
            text_column="body",
            id_column="post_ref",
            date_column="when",
            url_column="link",
        )
    )
    assert [i.id for i in items] == ["p1", "p2", None, "p4"]
    assert items[0].created_at == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert items[1].text == "Two lines:\nthe second line"
    assert items[1].created_at == datetime(2024, 5, 2, 14, 30, tzinfo=UTC)
    assert isinstance(items[2], ReadError) and "yesterday" in items[2].message
    assert items[2].position == "line 5"  # the record after a two-line record
    assert items[3].created_at == datetime.fromtimestamp(1714989600, tz=UTC)
    assert items[0].url == "https://example.org/p/1"


def test_generic_csv_missing_column_names_the_columns():
    path = EXPORTS / "generic/posts.csv"
    with pytest.raises(ExportError) as err:
        list(read_posts(path, text_column="message_text"))
    msg = err.value.message
    assert str(path) in msg and "'message_text'" in msg and "'body'" in msg
    assert "--text-column" in msg


def test_generic_csv_guesses_the_text_column(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("\ufeffid,Message,date\n1,hello,2024-01-01\n", encoding="utf-8")
    (post,) = posts(path)
    assert (post.text, post.id, post.created_at.year) == ("hello", "1", 2024)


def test_generic_csv_without_text_column_asks_for_one(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ExportError) as err:
        list(read_posts(path))
    assert "--text-column" in err.value.message


def test_generic_csv_unclosed_quote_is_a_file_error(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text('text\nfine\n"never closed\n' + "x" * 200 + "\n", encoding="utf-8")
    with pytest.raises(ExportError) as err:
        list(read_posts(path))
    msg = err.value.message
    assert f"{path}, line 3" in msg and "quote" in msg


def test_generic_jsonl_bad_line_reported_and_reading_goes_on():
    items = list(read_posts(EXPORTS / "generic/posts.jsonl"))
    assert [type(i).__name__ for i in items] == [
        "Post",
        "ReadError",
        "Post",
        "ReadError",
        "ReadError",
    ]
    assert items[1].position.startswith("line 2, column ")
    assert items[2].text == "Still read after the broken line"
    assert items[3].position == "line 5"  # the blank line 4 is skipped, not an error
    assert "'text'" in items[4].message


def test_generic_jsonl_dotted_text_column(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"post": {"body": "nested"}, "id": 7}\n', encoding="utf-8")
    (post,) = posts(path, text_column="post.body")
    assert post.text == "nested" and post.id == "7"


def test_options_only_for_generic_formats():
    with pytest.raises(ExportError) as err:
        list(read_posts(EXPORTS / "twitter", text_column="x"))
    assert "--text-column" in err.value.message


# --------------------------------------------------------------------------- errors


def test_binary_file_is_rejected_with_fix(tmp_path):
    path = tmp_path / "tweets.js"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(ExportError) as err:
        list(read_posts(path, format="twitter"))
    msg = err.value.message
    assert str(path) in msg and "binary" in msg and "How to fix" in msg


def test_binary_detected_before_format(tmp_path):
    path = tmp_path / "posts.csv"
    path.write_bytes(b"text\n\x00\x01\x02")
    with pytest.raises(ExportError) as err:
        detect_format(path)
    assert "binary" in err.value.message


def test_truncated_json_names_line_and_column(tmp_path):
    full = (EXPORTS / "facebook_2021/posts/your_posts_1.json").read_text(encoding="utf-8")
    path = tmp_path / "posts" / "your_posts_1.json"
    path.parent.mkdir()
    path.write_text(full[: len(full) * 2 // 3], encoding="utf-8")
    items = read_posts(path)
    first = next(items)  # the complete record before the cut is still read
    assert isinstance(first, Post)
    with pytest.raises(ExportError) as err:
        list(items)
    msg = err.value.message
    assert str(path) in msg and "truncated" in msg
    assert ", line " in msg and ", column " in msg and "download the export again" in msg


def test_malformed_json_names_line_and_column(tmp_path):
    path = tmp_path / "tweets.js"
    path.write_text(
        'window.YTD.tweets.part0 = [\n  {"tweet": {"id_str": "1", "full_text": "a"}},\n'
        '  {"tweet": {"id_str": "2" "full_text": "b"}}\n]\n',
        encoding="utf-8",
    )
    items = read_posts(path)
    assert next(items).id == "1"
    with pytest.raises(ExportError) as err:
        list(items)
    assert f"{path}, line 3, column 28" in err.value.message


def test_not_utf8_says_save_as_utf8(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes("text\ncaf\xe9 au lait\n".encode("latin-1"))
    with pytest.raises(ExportError) as err:
        list(read_posts(path))
    msg = err.value.message
    assert str(path) in msg and "UTF-8" in msg and "line 2" in msg


def test_missing_path(tmp_path):
    with pytest.raises(ExportError) as err:
        list(read_posts(tmp_path / "nope.zip"))
    assert "no such file" in err.value.message


def test_export_folder_without_posts_file(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "account.js").write_text("window.YTD.account.part0 = []")
    with pytest.raises(ExportError) as err:
        list(read_posts(tmp_path, format="twitter"))
    assert "tweets.js" in err.value.message


# --------------------------------------------------------------------------- streaming


def test_large_json_file_is_streamed_across_chunks(tmp_path, monkeypatch):
    import postcheck.readers._base as base

    monkeypatch.setattr(base, "_CHUNK_CHARS", 64)  # force many refills and buffer trims
    records = ",\n".join(
        f'{{"tweet": {{"id_str": "{i}", "full_text": "post number {i} {"é" * (i % 7)}"}}}}'
        for i in range(300)
    )
    path = tmp_path / "tweets.js"
    path.write_text(f"window.YTD.tweets.part0 = [\n{records}\n]\n", encoding="utf-8")
    items = posts(path)
    assert [p.id for p in items] == [str(i) for i in range(300)]
    assert items[299].text.startswith("post number 299")


def test_readers_are_generators():
    import inspect

    items = read_posts(EXPORTS / "generic/posts.jsonl")
    assert inspect.isgenerator(items)


def test_parse_date_variants():
    assert parse_date("Wed Oct 10 20:19:24 +0000 2018") == datetime(
        2018, 10, 10, 20, 19, 24, tzinfo=UTC
    )
    assert parse_date("2024-03-01T09:30:00Z").tzinfo is not None
    assert parse_date(1700000000000) == datetime.fromtimestamp(1700000000, tz=UTC)
    assert parse_date("2024-03-01 09:30:00 UTC") == datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    assert parse_date("") is None
    with pytest.raises(ValueError):
        parse_date("soon")
