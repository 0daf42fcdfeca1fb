"""Scan outputs (JSONL, CSV, HTML) from hand-built verdicts; HTML rendered in Chromium."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from postcheck.output.csv_format import COLUMNS, CsvWriter, safe_cell
from postcheck.output.html import MASK, HtmlWriter, highlighted
from postcheck.output.jsonl import JsonlWriter
from postcheck.readers import ReadError
from postcheck.redact import redact_text, redact_verdict
from postcheck.schema import Finding, Hit, Post, Verdict

CHROMIUM = Path("/usr/bin/chromium")

BULLY_TEXT = "Honestly Mr Green you are pathetic at your job"
PII_TEXT = "Well done Oliver Bennett in 4C, call 07700 900123 <script>alert(1)</script>"


def bully_verdict() -> Verdict:
    post = Post(
        id="111",
        text=BULLY_TEXT,
        created_at=datetime(2024, 3, 1, 9, 0, tzinfo=UTC),
        url="https://x.com/ExampleSchool/status/111",
        source="twitter:tweets.js#0",
    )
    hit = Hit(
        detector="patterns", label="bullying", start=18, end=34, score=1.0, text="you are pathetic"
    )
    finding = Finding(
        rule="bullying", clause="§5.2(b)", quote="amounts to bullying", severity="breach",
        message="This reads as an insult aimed at a person.",
        suggestion="Remove the personal remark, or raise the concern privately.",
        start=18, end=34, text="you are pathetic", evidence=[hit],
    )  # fmt: skip
    return Verdict(
        verdict="breach", findings=[finding], scores={"toxicity.insult": 0.91}, post=post
    )


def pii_verdict() -> Verdict:
    post = Post(
        id="222",
        text=PII_TEXT,
        created_at=datetime(2024, 5, 2, 15, 30, tzinfo=UTC),
        url="javascript:alert(1)",
        source="facebook:your_posts_1.json#3",
    )
    name = Hit(detector="pii", label="PUPIL", start=10, end=24, score=0.85, text="Oliver Bennett")
    phone = Hit(
        detector="pii", label="PHONE_NUMBER", start=37, end=49, score=0.9, text="07700 900123"
    )
    finding = Finding(
        rule="pupil_identity", clause="§6.2(a)", quote="locate, meet or contact a child",
        severity="doubt", message="A pupil's full name with their class.",
        suggestion="Use first names only, or none.",
        start=10, end=49, text=PII_TEXT[10:49], evidence=[name, phone],
    )  # fmt: skip
    return Verdict(verdict="doubt", findings=[finding], scores={"pii.PUPIL": 0.85}, post=post)


def ok_verdict(text: str = "=SUM(A1:A2) sports day", when: datetime | None = None) -> Verdict:
    post = Post(id="333", text=text, created_at=when, source="csv:posts.csv#7")
    return Verdict(verdict="ok", findings=[], scores={"toxicity.insult": 0.01}, post=post)


def error() -> ReadError:
    return ReadError(
        source="jsonl:posts.jsonl#4", position="line 5", message="the line is not valid JSON"
    )


SUMMARY = SimpleNamespace(read=4, ok=1, doubt=1, breach=1, error=1, skipped_by_date=2, duplicates=0)


def write_all(writer) -> None:
    writer.write(ok_verdict())
    writer.write(bully_verdict())
    writer.write(pii_verdict())
    writer.write_error(error())
    writer.close(SUMMARY)


# --------------------------------------------------------------------------- JSONL


def test_jsonl_one_line_per_post_with_ids():
    out = io.StringIO()
    write_all(JsonlWriter(out))
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["verdict"] for r in lines] == ["ok", "breach", "doubt", "error"]
    breach = lines[1]
    assert breach["id"] == "111" and breach["url"].endswith("/status/111")
    assert breach["date"] == "2024-03-01T09:00:00+00:00"
    assert breach["source"] == "twitter:tweets.js#0"
    assert breach["scores"] == {"toxicity.insult": 0.91}
    assert breach["findings"][0]["clause"] == "§5.2(b)"
    assert "text" not in breach and "post" not in breach  # the post text is personal data
    assert lines[3] == {
        "verdict": "error", "error": "the line is not valid JSON", "position": "line 5",
        "id": None, "url": None, "date": None, "source": "jsonl:posts.jsonl#4",
    }  # fmt: skip


def test_jsonl_matches_check_json_schema():
    from postcheck.output.json_format import verdict_dict

    out = io.StringIO()
    JsonlWriter(out).write(bully_verdict())
    record = json.loads(out.getvalue())
    for key, value in verdict_dict(bully_verdict()).items():
        assert record[key] == value


# --------------------------------------------------------------------------- CSV


def read_csv(text: str) -> list[dict]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def test_csv_rows_per_finding_and_per_clean_post():
    out = io.StringIO(newline="")
    write_all(CsvWriter(out))
    text = out.getvalue()
    assert "\r\n" in text
    rows = read_csv(text)
    assert list(rows[0]) == list(COLUMNS)
    assert [r["verdict"] for r in rows] == ["ok", "breach", "doubt", "error"]
    assert rows[1]["clause"] == "§5.2(b)" and rows[1]["words"] == "you are pathetic"
    assert rows[1]["suggestion"].startswith("Remove the personal remark")
    assert rows[3]["message"] == "the line is not valid JSON (line 5)"


def test_csv_formula_injection_guard():
    out = io.StringIO(newline="")
    write_all(CsvWriter(out))
    rows = read_csv(out.getvalue())
    assert rows[0]["text"] == "'=SUM(A1:A2) sports day"
    for value, expected in [("=1+1", "'=1+1"), ("+44", "'+44"), ("-2", "'-2"), ("@x", "'@x"),
                            ("\tx", "'\tx"), ("fine", "fine"), (None, "")]:  # fmt: skip
        assert safe_cell(value) == expected


def test_csv_multiline_text_stays_in_one_cell():
    out = io.StringIO(newline="")
    w = CsvWriter(out)
    w.write(ok_verdict('line one\nline two, with a comma and "quotes"'))
    w.close(SUMMARY)
    (row,) = read_csv(out.getvalue())
    assert row["text"] == 'line one\nline two, with a comma and "quotes"'


def test_csv_redact():
    out = io.StringIO(newline="")
    w = CsvWriter(out, redact=True)
    w.write(pii_verdict())
    w.close(SUMMARY)
    (row,) = read_csv(out.getvalue())
    assert "Oliver" not in row["text"] and "07700" not in row["text"]
    assert "Oliver" not in row["words"] and MASK in row["words"]


def test_csv_file_opens_with_utf8_sig(tmp_path):
    path = tmp_path / "report.csv"
    with open(path, "w", encoding="utf-8", newline="") as stream:
        write_all(CsvWriter(stream))
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with open(path, encoding="utf-8-sig", newline="") as stream:
        assert len(list(csv.DictReader(stream))) == 4


# --------------------------------------------------------------------------- HTML


def render(**options) -> str:
    out = io.StringIO()
    write_all(HtmlWriter(out, **options))
    return out.getvalue()


def test_html_is_self_contained():
    page = render()
    lowered = page.lower()
    assert "<script" not in lowered.replace("&lt;script&gt;", "")
    assert "<link" not in lowered and "@import" not in lowered and "url(" not in lowered
    assert "src=" not in lowered
    assert "default-src 'none'" in page


def test_html_escapes_post_text_and_blocks_javascript_links():
    page = render()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="javascript:' not in page
    assert 'href="https://x.com/ExampleSchool/status/111"' in page


def test_html_newest_first_with_highlight_clause_and_suggestion():
    page = render()
    assert page.index('data-id="222"') < page.index('data-id="111"')  # May before March
    assert "<mark>you are pathetic</mark>" in page
    assert "amounts to bullying" in page and "§5.2(b)" in page
    assert "Remove the personal remark" in page
    assert 'data-id="333"' not in page  # ok posts are counted, not listed
    assert 'id="count-ok">1<' in page and 'id="count-error">1<' in page
    assert "the line is not valid JSON" in page
    assert "This report contains personal data" in page
    assert "2 outside the --since/--until dates" in page


def test_html_redact_masks_personal_data():
    plain = render()
    assert "Oliver Bennett" in plain and "07700 900123" in plain
    page = render(redact=True)
    assert "Oliver Bennett" not in page and "07700" not in page
    assert MASK in page
    assert "<mark>you are pathetic</mark>" in page  # not personal data: still shown


def test_highlight_and_redaction_spans():
    v = pii_verdict()
    assert (
        redact_text(PII_TEXT, v) == f"Well done {MASK} in 4C, call {MASK} <script>alert(1)</script>"
    )
    r = redact_verdict(v)
    assert r.findings[0].text == f"{MASK} in 4C, call {MASK}"
    assert r.post.text[r.findings[0].start : r.findings[0].end] == r.findings[0].text
    marked = highlighted(PII_TEXT, v)
    assert marked.startswith("Well done <mark>Oliver Bennett in 4C, call 07700 900123</mark> &lt;")
    redacted = highlighted(r.post.text, r)
    assert redacted.count(MASK) == 2 and "Oliver" not in redacted
    assert f'<mark><span class="redacted">{MASK}</span></mark>' in redacted


def test_html_memory_keeps_only_flagged_rows():
    writer = HtmlWriter(io.StringIO())
    for _ in range(1000):
        writer.write(ok_verdict())
    writer.write(bully_verdict())
    assert len(writer.rows) == 1 and writer.counts["ok"] == 1000


def test_html_with_nothing_flagged():
    out = io.StringIO()
    writer = HtmlWriter(out)
    writer.write(ok_verdict())
    writer.close(None)
    assert "No post was flagged" in out.getvalue()


def chromium(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    profile = tmp_path / "chromium-profile"
    command = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={profile}", *args,
    ]  # fmt: skip
    env = {**os.environ, "HOME": str(tmp_path)}
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_html_renders_in_headless_chromium(tmp_path):
    report = tmp_path / "report.html"
    report.write_text(render(redact=True), encoding="utf-8")
    result = chromium("--dump-dom", report.as_uri(), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert '<table id="flagged">' in dom
    assert dom.count('<tr class="post ') == 2
    assert dom.index('data-id="222"') < dom.index('data-id="111"')
    assert "<mark>you are pathetic</mark>" in dom
    assert '<svg id="chart"' in dom and dom.count('class="bar"') >= 4
    assert "Oliver Bennett" not in dom
    assert "alert(1)" in dom and "<script>alert" not in dom  # shown as text, never run

    shot = tmp_path / "report.png"
    result = chromium(f"--screenshot={shot}", "--window-size=1200,1600", report.as_uri(),
                      tmp_path=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.exists() and shot.stat().st_size > 5000
    from PIL import Image

    with Image.open(shot) as image:  # the page drew something: more than one colour
        assert len(image.convert("RGB").getcolors(maxcolors=1 << 20) or []) > 10


def test_chromium_command_is_available_or_skipped():
    """Documents the dependency: CI installs Debian's chromium (see .ci/run)."""
    assert CHROMIUM.exists() or shutil.which("chromium") is None
