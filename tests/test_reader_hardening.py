"""Readers under attack (issue 15): zip bombs, hostile records, damaged zips, paths out of
the export, and arbitrary Unicode. Every input is built here, small, in tmp_path."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import postcheck.readers as readers
import postcheck.readers._base as base
from postcheck.errors import ExportError
from postcheck.readers import REGISTRY, Reader, ReadError, detect_format, read_posts
from postcheck.readers._base import BadRecord, iter_json_array, open_media
from postcheck.schema import Post


def tweet(i, **fields) -> dict:
    return {"tweet": {"id_str": str(i), "full_text": f"post {i}", **fields}}


def tweets_js(records: list[str]) -> str:
    return "window.YTD.tweets.part0 = [\n" + ",\n".join(records) + "\n]\n"


def utf8_ok(item) -> bool:
    values = (
        [item.text, item.id, item.source] if isinstance(item, Post) else list(vars(item).values())
    )
    return all(v.encode("utf-8") is not None for v in values if isinstance(v, str))


# --------------------------------------------------------------------------- item 2: zip bombs


def test_blank_space_between_records_is_dropped_as_it_is_read(tmp_path, monkeypatch):
    """A small zip holding 8 MB of blank space between two tweets: read with a buffer that
    never grows past a few chunks (it used to hold all of it, and re-scan it: quadratic)."""
    monkeypatch.setattr(base, "_CHUNK_CHARS", 1 << 16)
    largest = 0
    real_fill = base._JsonBuffer.fill

    def fill(self):
        nonlocal largest
        more = real_fill(self)
        largest = max(largest, len(self.buf))
        return more

    monkeypatch.setattr(base._JsonBuffer, "fill", fill)
    archive = tmp_path / "bomb.zip"
    with (
        zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf,
        zf.open("data/tweets.js", "w") as fh,
    ):
        fh.write(b"window.YTD.tweets.part0 = [" + json.dumps(tweet(1)).encode() + b",")
        for _ in range(128):
            fh.write(b" \n\t " * (1 << 14))  # 64 KB a write, 8 MB in all
        fh.write(json.dumps(tweet(2)).encode() + b"]")
    assert archive.stat().st_size < 200_000
    items = list(read_posts(archive))
    assert [p.id for p in items] == ["1", "2"]
    assert items[1].source.endswith("#1")
    assert largest <= 4 * (1 << 16)


def test_a_record_over_the_limit_stops_the_file_with_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(base, "_MAX_RECORD_CHARS", 10_000)
    path = tmp_path / "tweets.js"
    path.write_text(tweets_js([json.dumps(tweet(1)), json.dumps(tweet(2, pad=" " * 50_000))]))
    items = read_posts(path)
    assert next(items).id == "1"
    with pytest.raises(ExportError) as err:
        next(items)
    assert "larger than 10,000 characters" in err.value.message
    assert "line 3" in err.value.message and "How to fix" in err.value.message


def test_one_huge_top_level_object_is_refused_not_read_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(base, "_MAX_RECORD_CHARS", 10_000)
    path = tmp_path / "your_posts_1.json"
    path.write_text('{"settings": {"x": "' + "y" * 100_000 + '"}, "posts": []}')
    with pytest.raises(ExportError, match="larger than 10,000 characters"):
        list(read_posts(path, format="facebook"))


def test_a_top_level_object_has_its_list_streamed_with_lines(tmp_path):
    text = '{"version": 2, "meta": {"a": [1]},\n "status_updates": [\n{"x": 1},\n{"y": 2}\n]}'
    items = list(iter_json_array(io.StringIO(text), "f"))
    assert items == [(3, {"x": 1}), (4, {"y": 2})]


def test_facebook_file_holding_an_object_without_posts_is_an_error(tmp_path):
    path = tmp_path / "your_posts_1.json"
    path.write_text('{"a":1}')
    with pytest.raises(ExportError) as err:
        list(read_posts(path))
    assert "no list of posts" in err.value.message and "'a'" in err.value.message


def test_record_lines_stay_right_after_buffer_trims(monkeypatch):
    monkeypatch.setattr(base, "_CHUNK_CHARS", 16)
    text = "[" + ",".join("\n" * 5 + json.dumps({"n": i}) for i in range(50)) + "]"
    lines = [line for line, _ in iter_json_array(io.StringIO(text), "f")]
    assert lines == [1 + 5 * (i + 1) for i in range(50)]


# --------------------------------------------------------------------------- item 5: bad records


BAD_TWEETS = {
    "date 1e20": '{"tweet": {"id_str": "11", "full_text": "a", "created_at": 1e20}}',
    "date Infinity": '{"tweet": {"id_str": "12", "full_text": "a", "created_at": Infinity}}',
    "date 1e300": '{"tweet": {"id_str": "13", "full_text": "a", "created_at": 1e300}}',
    "date -Infinity": '{"tweet": {"id_str": "14", "full_text": "a", "created_at": -Infinity}}',
    "date NaN": '{"tweet": {"id_str": "15", "full_text": "a", "created_at": NaN}}',
    "nested 100,000": "[" * 100_000 + "]" * 100_000,
    "entities x": '{"tweet": {"id_str": "16", "full_text": "a", "entities": "x"}}',
    "media list x": '{"tweet": {"id_str": "17", "full_text": "a", "entities": {"media": 3}}}',
    "5,000-digit id": '{"tweet": {"id": ' + "7" * 5000 + ', "full_text": "a"}}',
    "lone surrogate id": '{"tweet": {"id_str": "\\ud800", "full_text": "a"}}',
    "id an object": '{"tweet": {"id_str": {"a": 1}, "full_text": "a"}}',
    "far date string": '{"tweet": {"id_str": "18", "full_text": "a", "created_at": "9999-12-31T23:00:00-05:00"}}',
}


def test_every_bad_record_is_an_error_record_and_reading_goes_on(tmp_path):
    records = []
    for n, bad in enumerate(BAD_TWEETS.values()):
        records += [json.dumps(tweet(1000 + n)), bad]
    records.append(json.dumps(tweet(9999)))
    path = tmp_path / "tweets.js"
    path.write_text(tweets_js(records))
    items = list(read_posts(path))
    assert len(items) == len(records)
    good = [i for i in items if isinstance(i, Post)]
    bad = [i for i in items if isinstance(i, ReadError)]
    assert [p.id for p in good] == [str(1000 + n) for n in range(len(BAD_TWEETS))] + ["9999"]
    assert len(bad) == len(BAD_TWEETS)
    assert all(b.position.startswith("line ") and b.message for b in bad)
    assert all(utf8_ok(i) for i in items)
    reasons = " | ".join(b.message for b in bad)
    assert "nested too deeply" in reasons and "4300 digits" in reasons
    assert "not valid Unicode" in reasons and "'entities' field is not an object" in reasons


def test_lone_surrogate_in_text_is_replaced_not_fatal(tmp_path):
    path = tmp_path / "tweets.js"
    path.write_text(tweets_js(['{"tweet": {"id_str": "1", "full_text": "ab\\udcffc"}}']))
    (post,) = read_posts(path)
    assert post.text == "ab\ufffdc"


def test_jsonl_hostile_lines_are_error_records(tmp_path, monkeypatch):
    import postcheck.readers.generic as generic

    monkeypatch.setattr(generic, "_MAX_RECORD_CHARS", 1_000)
    path = tmp_path / "posts.jsonl"
    path.write_text(
        "\n".join(
            [
                '{"text": "one"}',
                "[" * 100_000 + "]" * 100_000,
                '{"text": "two", "id": ' + "1" * 5000 + "}",
                '{"text": "' + "x" * 5000 + '"}',
                '{"text": "three", "date": 1e300}',
                '{"text": "four", "id": "\\ud800"}',
                '{"text": "five", "id": {"a": 1}}',
                '{"text": "six"}',
            ]
        )
    )
    items = list(read_posts(path, id_column="id", date_column="date"))
    assert len(items) == 8
    assert [i.text for i in items if isinstance(i, Post)] == ["one", "six"]
    assert all(utf8_ok(i) for i in items)


def test_csv_line_longer_than_a_record_is_a_clear_error(tmp_path, monkeypatch):
    import postcheck.readers.generic as generic

    monkeypatch.setattr(generic, "_MAX_RECORD_CHARS", 1_000)
    path = tmp_path / "posts.csv"
    path.write_text("text\nfine\n" + "x" * 5000 + "\n")
    items = read_posts(path)
    assert next(items).text == "fine"
    with pytest.raises(ExportError, match="line 3 is longer than 1,000 characters"):
        next(items)


def test_a_reader_that_fails_unexpectedly_ends_with_an_error_record(tmp_path, monkeypatch):
    def broken(path, **options):
        yield Post(text="first", id="1")
        raise KeyError("surprise")

    monkeypatch.setitem(REGISTRY, "csv", Reader("csv", broken, options=("text_column",)))
    path = tmp_path / "x.csv"
    path.write_text("text\nfirst\n")
    first, last = list(read_posts(path, format="csv"))
    assert first.text == "first"
    assert isinstance(last, ReadError) and "the rest of this input was not read" in last.message


# --------------------------------------------------------------------------- damaged zip members


def _patch_zip(archive: Path, member: str, *, local: dict[int, bytes], central: dict[int, bytes]):
    data = bytearray(archive.read_bytes())
    name = member.encode()
    lh = data.index(b"PK\x03\x04" + b"")
    while data[lh + 30 : lh + 30 + len(name)] != name:
        lh = data.index(b"PK\x03\x04", lh + 4)
    cd = data.index(b"PK\x01\x02")
    while data[cd + 46 : cd + 46 + len(name)] != name:
        cd = data.index(b"PK\x01\x02", cd + 4)
    for offset, value in local.items():
        data[lh + offset : lh + offset + len(value)] = value
    for offset, value in central.items():
        data[cd + offset : cd + offset + len(value)] = value
    archive.write_bytes(bytes(data))


def _two_part_archive(tmp_path: Path) -> Path:
    archive = tmp_path / "x.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("data/tweets.js", tweets_js([json.dumps(tweet(1)), json.dumps(tweet(2))]))
        zf.writestr("data/tweets-part1.js", tweets_js([json.dumps(tweet(3))]))
    return archive


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        ("crc", "checksum does not match"),
        ("encrypted", "encrypted"),
        ("compression", "compression method"),
    ],
)
def test_a_damaged_zip_member_is_an_error_record_and_the_rest_is_read(tmp_path, damage, words):
    archive = _two_part_archive(tmp_path)
    if damage == "crc":
        data = archive.read_bytes().replace(b'"post 2"', b'"post X"', 1)
        archive.write_bytes(data)
    elif damage == "encrypted":
        _patch_zip(archive, "data/tweets.js", local={6: b"\x01\x00"}, central={8: b"\x01\x00"})
    else:
        _patch_zip(archive, "data/tweets.js", local={8: b"\x63\x00"}, central={10: b"\x63\x00"})
    items = list(read_posts(archive))
    errors = [i for i in items if isinstance(i, ReadError)]
    assert len(errors) == 1 and words in errors[0].message
    assert errors[0].position == "the whole file" and "tweets.js" in errors[0].source
    assert "3" in [i.id for i in items if isinstance(i, Post)]


# --------------------------------------------------------------------------- paths out of the export


def test_media_paths_never_lead_outside_the_export(tmp_path):
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(b"\xff\xd8 not yours")
    export = tmp_path / "export"
    (export / "posts").mkdir(parents=True)
    (export / "media").mkdir()
    (export / "media" / "ok.jpg").write_bytes(b"\xff\xd8 fine")
    os.symlink(secret, export / "media" / "link.jpg")
    os.symlink(secret, export / "posts" / "your_posts_2.json")
    uris = [
        "media/ok.jpg",
        "../secret.jpg",
        "media/../../secret.jpg",
        "media/link.jpg",
        str(secret),
    ]
    records = [
        {"timestamp": 1700000000 + i, "data": [{"post": f"p{i}"}],
         "attachments": [{"data": [{"media": {"uri": uri}}]}]}
        for i, uri in enumerate(uris)
    ]  # fmt: skip
    (export / "posts" / "your_posts_1.json").write_text(json.dumps(records))
    items = list(read_posts(export))
    assert [i.text for i in items if isinstance(i, Post)] == ["p0", "p1", "p2", "p3", "p4"]
    (linked,) = [i for i in items if isinstance(i, ReadError)]  # the posts file linked out
    assert "your_posts_2.json" in linked.source and "outside the export" in linked.message
    located = [i.media[0].uri for i in items if isinstance(i, Post)]
    assert located[0] == str((export / "media" / "ok.jpg").resolve())
    with open_media(located[0]) as fh:
        assert fh.read() == b"\xff\xd8 fine"
    assert [open_media(uri) for uri in located[1:]] == [None] * 4
    assert located[3] == "media/link.jpg"  # not followed: left as the export named it


# --------------------------------------------------------------------------- the registry


def test_every_format_is_a_registered_reader_and_detection_asks_them_in_order(
    tmp_path, monkeypatch
):
    assert set(readers.FORMATS) == set(REGISTRY) == {
        "twitter", "facebook", "instagram", "linkedin", "csv", "jsonl"
    }  # fmt: skip

    def read_toots(path, **options):
        yield Post(text=Path(path).read_text(), id="t1")

    toots = Reader("mastodon", read_toots, claims_file=lambda p, head: p.suffix == ".toot")
    monkeypatch.setitem(REGISTRY, "mastodon", toots)
    path = tmp_path / "outbox.toot"
    path.write_text("Hello from the fediverse")
    assert detect_format(path) == "mastodon"
    assert [p.text for p in read_posts(path)] == ["Hello from the fediverse"]


# --------------------------------------------------------------------------- hypothesis

any_text = st.text(st.characters(codec=None), max_size=80)  # surrogates included
any_value = st.one_of(
    any_text,
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none(),
    st.booleans(),
    st.lists(any_text, max_size=3),
    st.dictionaries(any_text, any_text, max_size=3),
)


@settings(max_examples=120)
@given(st.lists(st.dictionaries(
    st.sampled_from(["id_str", "id", "full_text", "created_at", "entities", "extended_entities"]),
    any_value, max_size=6), max_size=5))  # fmt: skip
def test_any_tweet_records_give_one_item_each_in_valid_unicode(tmp_path_factory, records):
    folder = tmp_path_factory.mktemp("x")
    path = folder / "tweets.js"
    path.write_text(tweets_js([json.dumps({"tweet": r}) for r in records] or ["{}"]))
    items = list(read_posts(path))
    assert len(items) == max(len(records), 1)
    assert all(utf8_ok(i) for i in items)


@settings(max_examples=120)
@given(st.lists(st.dictionaries(
    st.sampled_from(["text", "id", "date", "url", "user"]), any_value, max_size=5), max_size=5))  # fmt: skip
def test_any_jsonl_records_give_one_item_each_in_valid_unicode(tmp_path_factory, records):
    folder = tmp_path_factory.mktemp("x")
    path = folder / "posts.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n{}\n")
    items = list(read_posts(path, format="jsonl", text_column="text"))
    assert len(items) == len(records) + 1
    assert all(utf8_ok(i) for i in items)


@settings(max_examples=120)
@given(st.binary(max_size=300), st.sampled_from(["tweets.js", "your_posts_1.json", "posts_1.json",
                                                 "Shares.csv", "posts.csv", "posts.jsonl", "x.json"]))  # fmt: skip
def test_any_bytes_give_items_or_a_clear_export_error(tmp_path_factory, data, name):
    path = tmp_path_factory.mktemp("x") / name
    path.write_bytes(data)
    try:
        items = list(read_posts(path))
    except ExportError as exc:
        assert exc.fix
        return
    assert all(isinstance(i, Post | ReadError) and utf8_ok(i) for i in items)


def test_bad_record_value_is_not_mistaken_for_a_post():
    items = list(iter_json_array(io.StringIO("[" + "[" * 50_000 + "]" * 50_000 + ", 1]"), "f"))
    assert isinstance(items[0][1], BadRecord) and items[1] == (1, 1)


def test_a_file_the_user_names_is_read_even_through_a_link(tmp_path):
    real = tmp_path / "elsewhere" / "tweets.js"
    real.parent.mkdir()
    real.write_text(tweets_js([json.dumps(tweet(1))]))
    link = tmp_path / "tweets.js"
    os.symlink(real, link)
    assert [p.id for p in read_posts(link)] == ["1"]
