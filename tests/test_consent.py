"""The roster's media_consent column: naming a pupil whose family said no is a §6.2(b) breach."""

from __future__ import annotations

import pytest

from postcheck.config import Config
from postcheck.consent import RULE_ID, read_consent
from postcheck.errors import ConfigError
from postcheck.schema import Media, Post

ROSTER = """name,role,class,media_consent
Oliver Bennett,pupil,4C,no
Ava Thompson,pupil,Year 3,no
Mia Patel,pupil,5B,yes
Leo Carter,pupil,2A,
Jane Hughes,staff,,
"""


@pytest.fixture(scope="module")
def consent_checker(tmp_path_factory):
    from postcheck.engine import Checker

    roster = tmp_path_factory.mktemp("school") / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    return Checker(Config(roster=roster, toxicity={"backend": "keyword-double"}))


def consent_findings(verdict):
    return [f for f in verdict.findings if f.rule == RULE_ID]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Well done to Oliver Bennett for his lovely painting!", "Oliver Bennett"),
        ("A huge well done to oliver bennett today", "oliver bennett"),
        ("Ava in Year 3 won the spelling bee this morning!", "Ava in Year 3"),
        ("Congratulations to Ava (Y3) for her poem", "Ava (Y3"),
        ("Star of the week in 4C: Oliver!", "4C: Oliver"),
    ],
)
def test_naming_a_pupil_without_consent_is_a_breach(consent_checker, text, words):
    verdict = consent_checker.check(text)
    (finding,) = consent_findings(verdict)
    assert verdict.verdict == "breach"
    assert finding.clause == "§6.2(b)" and finding.severity == "breach"
    assert "has not consented" in finding.message
    assert finding.text == words and text[finding.start : finding.end] == words


def test_a_caption_or_alt_text_that_names_them_is_a_breach(consent_checker):
    post = Post(
        text="Our art display is up in the hall",
        media=[Media(kind="photo", uri="art.jpg", title="Oliver Bennett with his painting")],
    )
    verdict = consent_checker.check(post)
    (finding,) = consent_findings(verdict)
    assert verdict.verdict == "breach" and "caption or alt text" in finding.message
    assert finding.text == ""


@pytest.mark.parametrize(
    "text",
    [
        "Well done to Mia Patel for her lovely painting!",  # consented
        "Mia in 5B read her poem beautifully",  # consented, first name and class
        "Leo Carter helped tidy the library",  # consent not recorded: not this check
        "Ava from the office will collect the money",  # first name, no class: another Ava
        "Oliver in 2A was brilliant",  # another class: another Oliver
        "Our art display is up in the hall",
    ],
)
def test_consented_or_other_pupils_are_not_flagged_under_6_2_b(consent_checker, text):
    verdict = consent_checker.check(text)
    assert consent_findings(verdict) == []
    assert not [f for f in verdict.findings if f.clause == "§6.2(b)"]


def test_no_consent_column_means_no_consent_check(tmp_path):
    from postcheck.consent import ConsentCheck

    roster = tmp_path / "roster.csv"
    roster.write_text("name,role\nOliver Bennett,pupil\n", encoding="utf-8")
    assert ConsentCheck.from_config(Config(roster=roster)) is None
    assert read_consent(roster)[0].consent is None


def test_a_bad_consent_value_names_the_line_and_the_fix(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("name,role,media_consent\nA B,pupil,yes\nC D,pupil,maybe\n")
    with pytest.raises(ConfigError) as err:
        read_consent(roster)
    assert err.value.where == f"{roster}:3" and "'maybe'" in err.value.what
    assert "`yes` or `no`" in err.value.fix


def test_the_api_lists_the_consent_check_with_the_rules(consent_checker):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from postcheck.serve import create_app

    client = TestClient(create_app(checker=consent_checker), base_url="http://127.0.0.1:8765")
    listed = {r["id"]: r for r in client.get("/api/rules").json()}
    assert listed[RULE_ID]["clause"] == "§6.2(b)" and listed[RULE_ID]["severity"] == "breach"
    assert listed[RULE_ID]["quote"].startswith("Ensure that any messages")
    verdict = client.post("/api/check", json={"text": "Well done Oliver Bennett!"}).json()
    assert verdict["verdict"] == "breach"
    assert any(f["rule"] == RULE_ID for f in verdict["findings"])


def test_an_x_photos_alt_text_is_read_and_checked(consent_checker, tmp_path):
    import json

    from postcheck.readers import read_posts

    tweet = {"tweet": {
        "id_str": "42", "created_at": "Fri Sep 08 15:00:00 +0000 2023",
        "full_text": "Our art display is up in the hall https://t.co/x1",
        "entities": {"urls": []},
        "extended_entities": {"media": [{
            "type": "photo", "url": "https://t.co/x1",
            "media_url_https": "https://pbs.twimg.com/media/abc.jpg",
            "ext_alt_text": "Oliver Bennett holding his painting",
        }]},
    }}  # fmt: skip
    data = tmp_path / "data"
    data.mkdir()
    (data / "tweets.js").write_text("window.YTD.tweets.part0 = " + json.dumps([tweet]))
    (post,) = list(read_posts(tmp_path, "twitter"))
    assert post.media[0].title == "Oliver Bennett holding his painting"
    verdict = consent_checker.check(post)
    assert [f.rule for f in verdict.findings if f.clause == "§6.2(b)"] == [RULE_ID]
