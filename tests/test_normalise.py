import pytest
from hypothesis import given
from hypothesis import strategies as st

from postcheck.normalise import normalise


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("k1ll y0urself", "kill yourself"),
        ("sh!t day", "shit day"),
        ("k i l l yourself", "kill yourself"),
        ("k.i.l.l", "kill"),
        ("what a c u n t that ref was", "what a cunt that ref was"),
        ("such a t w a t", "such a twat"),
        ("kick his a r s e", "kick his arse"),
        ("ｉｄｉｏｔ", "idiot"),  # full-width letters
        ("іdіоt", "idiot"),  # Cyrillic look-alikes
        ("id\u200biot", "idiot"),  # zero-width space
        ("\u202eidiot", "idiot"),  # bidi override
        ("z̷a̷l̷g̷o̷", "zalgo"),  # combining marks
        ("ﬁne", "fine"),  # ligature
        # Left alone: numbers, classes, times, addresses, handles, real Cyrillic words.
        ("Year 4 at 3pm in 4C", "Year 4 at 3pm in 4C"),
        ("mail j0hn@example.com", "mail j0hn@example.com"),
        ("@k1ng #w1n", "@k1ng #w1n"),
        ("0800 123 4567", "0800 123 4567"),
        ("Привет", "Привет"),
        ("I am a teacher", "I am a teacher"),
    ],
)
def test_normalise_table(original, expected):
    assert normalise(original).text == expected


@pytest.mark.parametrize(
    ("original", "word", "expected_original"),
    [
        ("you are an і\u200bdіоt!", "idiot", "і\u200bdіоt"),
        ("well k i l l yourself", "kill", "k i l l"),
        ("ｆｕｃｋ off", "fuck", "ｆｕｃｋ"),
    ],
)
def test_spans_map_back_to_the_original(original, word, expected_original):
    n = normalise(original)
    start = n.text.index(word)
    s, e = n.to_original(start, start + len(word))
    assert original[s:e] == expected_original


@given(st.text())
def test_every_normalised_span_maps_inside_the_original(text):
    n = normalise(text)
    assert len(n.starts) == len(n.text) == len(n.ends)
    for i in range(len(n.text)):
        s, e = n.to_original(i, i + 1)
        assert 0 <= s < e <= len(text)
    if n.text:
        s, e = n.to_original(0, len(n.text))
        assert 0 <= s < e <= len(text)


@given(st.text())
def test_normalise_is_deterministic(text):
    assert normalise(text) == normalise(text)


@pytest.mark.parametrize("code", ["GB59IFUE40226315499137", "SW1A 1AA", "AB123456C", "4C", "Y6"])
def test_codes_and_identifiers_are_not_leet_folded(code):
    assert normalise(code).text == code


@pytest.mark.parametrize(("leet", "plain"), [("n1gg3r", "nigger"), ("b1tch3s", "bitches")])
def test_heavier_leetspeak_is_folded(leet, plain):
    assert normalise(leet).text == plain
