"""Personal data, presidio-style: text -> the spans and labels we expect (or must not see)."""

from __future__ import annotations

import pytest

from postcheck.config import Config


def pii(checker, text: str) -> set[tuple[str, str]]:
    return {(h.label, h.text) for h in checker.hits(text) if h.detector == "pii"}


@pytest.mark.parametrize(
    ("text", "label", "span"),
    [
        (
            "Email me at sarah.jones@hillside.sch.uk about it",
            "EMAIL_ADDRESS",
            "sarah.jones@hillside.sch.uk",
        ),
        ("or office@example.org", "EMAIL_ADDRESS", "office@example.org"),
        (
            "Ring me on 07700 900123 after school",
            "PHONE_NUMBER",
            "07700 900123",
        ),  # Ofcom drama range
        ("Call the office on 020 7946 0958", "PHONE_NUMBER", "020 7946 0958"),
        ("Call +44 7911 123456 tonight", "PHONE_NUMBER", "+44 7911 123456"),
        ("Her NHS number is 943 476 5919", "UK_NHS", "943 476 5919"),
        ("Lives at 12 Mill Lane, KT1 4DB", "UK_POSTCODE", "KT1 4DB"),
        ("NI number AB 12 34 56 C on the form", "UK_NINO", "AB 12 34 56 C"),
        ("Pay to GB82 WEST 1234 5698 7654 32 please", "IBAN_CODE", "GB82 WEST 1234 5698 7654 32"),
        ("More at https://example.org/trip-letter", "URL", "https://example.org/trip-letter"),
        ("Well done to Oliver Bennett in 4C", "PERSON", "Oliver Bennett"),
        ("Thank you to Mrs Patel for organising the fair", "PERSON", "Patel"),
        # lone first names the small model misses, kept because a class follows
        ("Ava in Year 3 has ADHD so please be patient with her.", "PERSON", "Ava"),
        ("Isla in Reception is diabetic, please remember her snack.", "PERSON", "Isla"),
        ("Harry from 5B has nits again.", "PERSON", "Harry"),
        # common first names, written as names (capitalised)
        ("Leo has been diagnosed with autism.", "PERSON", "Leo"),
        ("So proud of Amelia today!", "PERSON", "Amelia"),
    ],
)
def test_pii_found(checker, text, label, span):
    found = pii(checker, text)
    assert any(lab == label and span in t for lab, t in found), found


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Well done Year 6 on a brilliant sports day!", "PERSON"),
        ("Congratulations to #TeamHillside and @HillsidePE", "PERSON"),
        ("Our Christmas fair raised £1,250", "PHONE_NUMBER"),
        ("Year 4 scored 12 3456 points", "PHONE_NUMBER"),
        ("Happy Diwali to all our families", "PERSON"),
        ("Science in 4C: we made volcanoes!", "PERSON"),
        ("Everyone in Year 3 has been brilliant this week.", "PERSON"),
        ("Tomorrow in Reception we bake bread.", "PERSON"),
        ("Greetings from Year 3 on our trip to the farm!", "PERSON"),
        ("Hello from Reception!", "PERSON"),
        ("leo the lion visited Reception", "PERSON"),
        ("Grace and courage were our assembly themes.", "PERSON"),
    ],
)
def test_small_model_noise_is_filtered(checker, text, label):
    assert label not in {lab for lab, _ in pii(checker, text)}


@pytest.fixture(scope="module")
def school_checker(tmp_path_factory):
    from postcheck.engine import Checker

    folder = tmp_path_factory.mktemp("school")
    roster = folder / "roster.csv"
    roster.write_text(
        "name,role\nAmara Okafor,pupil\nTom Li,pupil\nJane Hughes,staff\n", encoding="utf-8"
    )
    config = Config(
        school={"name": "Hillside Primary"},
        roster=roster,
        allow={"names": ["Jane Hughes"]},
        toxicity={"backend": "keyword-double"},
    )
    return Checker(config)


def test_roster_names_are_found_with_their_role(school_checker):
    found = pii(school_checker, "Amara Okafor and Tom were brilliant at Hillside Primary today")
    assert ("PUPIL", "Amara Okafor") in found
    assert ("PUPIL", "Tom") in found
    assert ("SCHOOL", "Hillside Primary") in found
    assert not any(lab == "PERSON" and "Amara" in t for lab, t in found)


def test_roster_first_name_only_counts_when_capitalised(school_checker):
    found = pii(school_checker, "we went to see tom and jerry at the cinema")
    assert not any(lab == "PUPIL" for lab, _ in found)


def test_allow_list_clears_names_for_publication(school_checker):
    found = pii(school_checker, "A message from our head teacher Jane Hughes")
    assert not any("Jane Hughes" in t for _, t in found)


def test_pii_spans_point_into_the_original_text(checker):
    text = "Ｅｍａｉｌ: tom@example.org\u200b and call 07700 900123"
    for hit in checker.hits(text):
        assert text[hit.start : hit.end] == hit.text


def test_no_url_inside_an_email_address(checker):
    found = pii(checker, "Email me at sarah.jones@hillside.sch.uk about it")
    assert not any(lab == "URL" for lab, _ in found), found


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("Full results at https://example.org/sports-day.", "https://example.org/sports-day"),
        ("See www.hillside.sch.uk/letters for details", "www.hillside.sch.uk/letters"),
        ("Book at hillsidepta.org.uk today!", "hillsidepta.org.uk"),
        ("(http://bit.ly/3xYz)", "http://bit.ly/3xYz"),
    ],
)
def test_web_addresses(checker, text, url):
    assert ("URL", url) in pii(checker, text)


@pytest.mark.parametrize(
    "text", ["e.g. bring a coat", "Mr.Smith said hi", "Well done Year 6... brilliant"]
)
def test_not_web_addresses(checker, text):
    assert not any(lab == "URL" for lab, _ in pii(checker, text))
