"""--redact masks ALL the personal data the pii detector finds, in every output format,
whether or not a rule used it (presidio-anonymizer does the masking)."""

from __future__ import annotations

import io
import json

import pytest

from postcheck.cli import main
from postcheck.config import Config
from postcheck.output import OUTPUT_FORMATS, open_output
from postcheck.redact import MASK, redact_verdict
from postcheck.schema import Post

ROSTER = "name,role\nOliver Bennett,pupil\nJane Hughes,staff\n"
# personal data that no rule needs to use: a phone number, an e-mail, a postcode, names
POSTS = [
    "Text me on 07700 900346 about the bake sale",
    "Great to see Oliver Bennett and Jane Hughes at the fair, email sarah.jones@example.com",
    "Drop the forms at 12 Mill Lane, SW1A 1AA by Friday",
    "Honestly Mr Green you are such an idiot, ring 07700 900123",
]
SECRETS = ["07700 900346", "Oliver Bennett", "Bennett", "Jane Hughes", "sarah.jones@example.com",
           "SW1A 1AA", "07700 900123", "900346"]  # fmt: skip


@pytest.fixture(scope="module")
def roster_checker(tmp_path_factory):
    from postcheck.engine import Checker

    roster = tmp_path_factory.mktemp("school") / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    return Checker(Config(roster=roster, toxicity={"backend": "keyword-double"}))


@pytest.fixture(scope="module")
def verdicts(roster_checker):
    return [roster_checker.check(Post(id=str(i), text=t)) for i, t in enumerate(POSTS)]


def test_the_checker_records_all_personal_data(verdicts):
    labels = {s.label for v in verdicts for s in v.personal_data}
    assert {"PHONE_NUMBER", "PUPIL", "STAFF", "EMAIL_ADDRESS", "UK_POSTCODE"} <= labels
    phone = verdicts[0]  # whether or not a rule used the number, it is recorded
    assert any(POSTS[0][s.start : s.end] == "07700 900346" for s in phone.personal_data)


def test_redact_verdict_keeps_offsets_true(verdicts):
    for v in verdicts:
        r = redact_verdict(v)
        assert r.redacted and r.schema_version == v.schema_version
        for secret in SECRETS:
            assert secret not in r.post.text
        for f in r.findings:
            assert r.post.text[f.start : f.end] == f.text
            for h in f.evidence:
                assert not h.text or r.post.text[h.start : h.end] == h.text
        for span in r.personal_data:
            assert r.post.text[span.start : span.end] == MASK
    assert redact_verdict(redact_verdict(verdicts[0])) == redact_verdict(verdicts[0])


@pytest.mark.parametrize("fmt", OUTPUT_FORMATS)
def test_every_format_masks_everything_found(verdicts, fmt):
    for single in (True, False):
        out = io.StringIO()
        writer = open_output(fmt, stream=out, redact=True, single=single, include_text=True)
        for v in verdicts if not single else verdicts[:1]:
            writer.write(v)
        writer.close(None)
        written = out.getvalue()
        for secret in SECRETS:
            assert secret not in written, (fmt, single, secret)
        if not single:
            assert MASK in written


def test_without_redact_the_data_is_there(verdicts):
    out = io.StringIO()
    writer = open_output("csv", stream=out)
    for v in verdicts:
        writer.write(v)
    writer.close(None)
    assert "07700 900346" in out.getvalue() and "Oliver Bennett" in out.getvalue()


def test_check_and_scan_redact_from_the_command_line(tmp_path, capsys):
    config = tmp_path / "postcheck.yml"
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    config.write_text("roster: roster.csv\ntoxicity: {backend: keyword-double}\n")
    main(["check", "--config", str(config), "--redact", "-f", "json", POSTS[3]])
    data = json.loads(capsys.readouterr().out)
    assert data["redacted"] is True and "07700" not in json.dumps(data)
    export = tmp_path / "posts.jsonl"
    export.write_text("".join(json.dumps({"id": str(i), "text": t}) + "\n"
                              for i, t in enumerate(POSTS)))  # fmt: skip
    for name in ("r.csv", "r.html", "r.jsonl", "r.txt", "r.json"):
        out = tmp_path / name
        main(["scan", str(export), "--config", str(config), "--redact", "-o", str(out),
              "--with-text"])  # fmt: skip
        written = out.read_text(encoding="utf-8")
        for secret in SECRETS:
            assert secret not in written, (name, secret)


def test_a_redacted_jsonl_keeps_the_real_texts_fingerprint(verdicts):
    """So the review page's decisions still match the posts in the next scan."""
    from postcheck.decisions import fingerprint

    out = io.StringIO()
    writer = open_output("jsonl", stream=out, redact=True)
    writer.write(verdicts[0])
    writer.close(None)
    record = json.loads(out.getvalue())
    assert record["fingerprint"] == fingerprint(POSTS[0]) and record["redacted"] is True
    assert "07700" not in out.getvalue()
