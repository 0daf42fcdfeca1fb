"""The library and the `check` command under hostile text (issue 15): lone surrogates,
a bad post inside a batch, and long runs of punctuation or emoji."""

from __future__ import annotations

import subprocess
import sys

import pytest
from doubles import fail_on_marker
from hypothesis import given, settings
from hypothesis import strategies as st

from postcheck.cli import main
from postcheck.errors import InputError
from postcheck.normalise import MAX_RUN, normalise
from postcheck.schema import Post

# any code point at all, lone surrogates included
any_text = st.text(st.characters(codec=None), max_size=200)
surrogates = st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1)


def spans_inside(verdict, text: str) -> None:
    for finding in verdict.findings:
        assert finding.text == text[finding.start : finding.end]
        for hit in finding.evidence:
            assert hit.text == text[hit.start : hit.end]


@settings(max_examples=100)
@given(any_text)
def test_any_text_even_not_valid_unicode_gets_a_verdict(checker, text):
    try:
        verdict = checker.check(text)
    except InputError:
        assert not text.strip()
        return
    checked = verdict.post.text
    assert len(checked) == len(text)  # surrogates become U+FFFD, one for one
    checked.encode("utf-8")
    spans_inside(verdict, checked)
    verdict.model_dump_json()  # writable as JSON


@settings(max_examples=30)
@given(st.lists(st.one_of(any_text, surrogates), min_size=1, max_size=70))
def test_check_many_gives_every_verdict_before_a_bad_post(checker, texts):
    got = []
    try:
        for verdict in checker.check_many(texts, batch_size=8):
            got.append(verdict)
    except InputError as exc:
        bad = next(i for i, t in enumerate(texts) if not t.strip())
        assert len(got) == bad and f"post {bad + 1} of the input" in exc.message
    else:
        assert len(got) == len(texts)


def test_lone_surrogates_do_not_lose_the_batch(checker):
    texts = [f"Well done Year {i} \ud83d on sports day" for i in range(64)]
    verdicts = list(checker.check_many(texts))
    assert len(verdicts) == 64
    assert verdicts[5].post.text == "Well done Year 5 \ufffd on sports day"


def test_a_post_object_with_surrogates_is_checked(checker):
    post = Post(text="placeholder", id="1")
    post.text = "Call me on 07700 900123 \udcff"  # mutated after validation
    verdict = checker.check(post)
    assert verdict.post.text.endswith("\ufffd")
    spans_inside(verdict, verdict.post.text)


def test_a_failing_post_only_loses_itself(checker, monkeypatch):
    fail_on_marker(checker.detectors[0], monkeypatch, "detector bug")
    got = []
    with pytest.raises(RuntimeError, match="detector bug"):
        for verdict in checker.check_many(["one", "two", "BOOM", "four"]):
            got.append(verdict.post.text)
    assert got == ["one", "two"]


def test_cli_check_refuses_bytes_that_are_not_utf8(capsys):
    assert main(["check", "caf\udcc3 \udcff"]) == 2
    err = capsys.readouterr().err
    assert "not valid UTF-8 (byte 0xc3 at character 4)" in err
    assert "Traceback" not in err


def test_cli_check_with_a_raw_0xff_argument_in_a_real_process():
    run = subprocess.run(
        [sys.executable, "-m", "postcheck.cli", "check", b"\xff"],
        capture_output=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert b"byte 0xff" in run.stderr and b"Traceback" not in run.stderr


# --------------------------------------------------------------------------- long runs


@pytest.mark.parametrize(
    "run",
    ["!" * 99_000, "%" * 99_000, "\U0001f468\u200d\U0001f469\u200d\U0001f467" * 20_000,
     "\U0001f44d\U0001f3fd" * 40_000, "?!" * 49_000],
)  # fmt: skip
def test_long_non_word_runs_are_capped_before_spacy(run):
    norm = normalise(f"Great day {run} see you")
    assert len(norm.text) <= len("Great day  see you") + MAX_RUN
    assert norm.text.startswith("Great day ") and norm.text.endswith(" see you")
    # the kept characters still map onto the whole run
    start = len("Great day ")
    assert norm.to_original(start, start + MAX_RUN) == (start, start + len(run))


def test_a_short_run_is_left_alone():
    assert normalise("Wow!!! 🎉🎉🎉 so proud").text == "Wow!!! 🎉🎉🎉 so proud"


def test_99000_exclamation_marks_get_a_verdict_and_a_threat_around_them_is_found(checker):
    text = "!" * 49_000 + " I will kill you " + "!" * 49_000
    verdict = checker.check(text)
    spans_inside(verdict, text)
    assert verdict.verdict == "breach"
    assert checker.check("!" * 99_000).verdict == "ok"
