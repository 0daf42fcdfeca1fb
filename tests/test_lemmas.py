"""The shared spaCy pipeline's lemmas come from spaCy's lookup table, not from a tagger."""

from __future__ import annotations

import pytest
import spacy

from postcheck import lemmas
from postcheck.engine import SPACY_MODEL, load_nlp
from postcheck.errors import ConfigError

TEXT = (
    "Mr Patel pulled a sickie on Friday. The pupils were failing their mocks, "
    "so I phoned Sarah Jones in Leeds on 0113 496 0000!"
)


def test_pipeline_runs_no_tagger():
    names = load_nlp().pipe_names
    assert lemmas.COMPONENT in names
    assert not set(lemmas.RULE_LEMMA_PIPES) & set(names)
    assert "ner" in names and "senter" in names


@pytest.mark.parametrize(
    ("word", "lemma"),
    [("pulled", "pull"), ("Pulled", "pull"), ("were", "be"), ("failing", "fail"),
     ("mocks", "mock"), ("phoned", "phone"), ("Patel", "Patel"), ("sickie", "sickie")],
)  # fmt: skip
def test_lemmas_from_the_table(word, lemma):
    doc = load_nlp()(f"They {word} it.")
    assert doc[1].lemma_ == lemma


def test_entities_and_sentences_match_the_full_pipeline():
    """Leaving out the tagger's components changes neither the entities nor the sentences."""
    full = spacy.load(SPACY_MODEL, exclude=["parser"])
    full.enable_pipe("senter")
    ours = load_nlp()
    for text in (TEXT, "Well done Year 5! Photos from Bolton Museum are on the website."):
        a, b = full(text), ours(text)
        assert [(e.text, e.label_) for e in a.ents] == [(e.text, e.label_) for e in b.ents]
        assert [s.text for s in a.sents] == [s.text for s in b.sents]


def test_changed_table_is_refused(monkeypatch):
    lemmas.lookup_table.cache_clear()
    monkeypatch.setattr(lemmas, "TABLE_SHA256", "0" * 64)
    try:
        with pytest.raises(ConfigError) as caught:
            lemmas.lookup_table()
        assert lemmas.TABLE in caught.value.message
        assert "reinstall" in caught.value.fix
    finally:
        lemmas.lookup_table.cache_clear()


def test_tagger_runs_on_demand():
    """Posts are not tagged unless a part of speech is asked for; then the doc is tagged."""
    nlp = load_nlp()
    doc = nlp("Ava in Year 3 read beautifully in assembly.")
    assert not doc.has_annotation("TAG")
    assert lemmas.is_proper_noun(nlp, doc[0])  # "Ava"
    assert doc.has_annotation("TAG")
    assert not lemmas.is_proper_noun(nlp, doc[4])  # "read"
