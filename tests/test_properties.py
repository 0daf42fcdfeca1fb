"""Properties that hold for ANY input text (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postcheck.errors import InputError
from postcheck.schema import Verdict

texts = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=300
)


def sentences_of(words: list[str], max_words: int) -> st.SearchStrategy[str]:
    """Texts made of `words`, joined by spaces."""
    return st.lists(st.sampled_from(words), max_size=max_words).map(" ".join)


WORDY = [
    "Year",
    "4",
    "are",
    "at",
    "the",
    "park",
    "until",
    "3pm",
    "Oliver",
    "Bennett",
    "you",
    "pathetic",
    "k1ll",
    "y0urself",
    "\u200b",
    "ｆｕｃｋ",
    "call",
    "07700 900123",
    "@",
    "#",
    "email",
    "a@b.com",
    "\n",
    "!!",
    "🙂",
    "é",
    "\u202e",
    "і",
    "d",
]
wordy = sentences_of(WORDY, 40)

settings.register_profile(
    "postcheck", deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.load_profile("postcheck")


def _check_or_refuse(checker, text: str) -> Verdict | None:
    try:
        return checker.check(text)
    except InputError:
        assert not text.strip()  # the only reason to refuse a short text
        return None


@settings(max_examples=150)
@given(st.one_of(texts, wordy))
def test_any_text_gives_a_verdict_with_spans_inside_the_text(checker, text):
    verdict = _check_or_refuse(checker, text)
    if verdict is None:
        return
    assert verdict.verdict in ("ok", "doubt", "breach")
    for finding in verdict.findings:
        assert 0 <= finding.start <= finding.end <= len(text)
        assert finding.text == text[finding.start : finding.end]
        for hit in finding.evidence:
            assert 0 <= hit.start <= hit.end <= len(text)
            assert hit.text == text[hit.start : hit.end]
    for hit in checker.hits(text):
        assert hit.text == text[hit.start : hit.end]
        assert 0.0 <= hit.score <= 1.0


@settings(max_examples=40)
@given(st.one_of(texts, wordy))
def test_results_are_deterministic(checker, text):
    first = _check_or_refuse(checker, text)
    second = _check_or_refuse(checker, text)
    assert first == second


threatish = sentences_of(
    [
        "I",
        "will",
        "kill",
        "you",
        "hurt",
        "shoot",
        "find",
        "know",
        "where",
        "live",
        "should",
        "be",
        "shot",
        "we",
        "see",
        "Monday",
        "send",
        "pics",
        "kys",
        "die",
        "!",
        ".",
    ],
    15,
)


@settings(max_examples=150)
@given(st.lists(st.one_of(texts, wordy, threatish), min_size=1, max_size=4))
def test_the_embedded_screen_is_never_above_the_full_score(texts_):
    # the toxicity detector skips a sentence whose screened threat is below the bar; that
    # is safe only if the screen is a lower bound of the full score, for any text
    from postcheck.toxicity_backends import load_backend

    model = load_backend({"backend": "embedded"})
    for screened, full in zip(model.screen(texts_), model.score(texts_), strict=True):
        for label, value in screened.items():
            assert value <= full[label] + 1e-6
