"""The classifier detector: the sentence encoder, the trained heads, and how rules use them."""

from __future__ import annotations

import numpy as np
import pytest
from doubles import tampered_copy

from postcheck.detectors import classifier as clf
from postcheck.encoder import VOCAB_FILE, Encoder, load_encoder, model_file
from postcheck.errors import ModelError


@pytest.fixture(scope="module")
def encoder():
    return load_encoder()


def test_the_encoder_gives_unit_vectors_that_follow_meaning(encoder):
    texts = [
        "Well done to Year 4 for a brilliant assembly this morning!",
        "Year 4's assembly today was brilliant, well done everyone.",
        "The boiler is broken again so the school is closed tomorrow.",
    ]
    v = encoder.encode(texts)
    assert v.shape == (3, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > 0.8 > v[0] @ v[2]


def test_the_encoder_keeps_the_order_of_texts_of_any_length(encoder):
    texts = ["a " * 300, "short", "", "a longer sentence with several words in it"]
    together = encoder.encode(texts)
    alone = np.stack([encoder.encode([t])[0] for t in texts])
    assert np.allclose(together, alone, atol=1e-3)


def test_a_long_post_and_its_sentences_are_encoded_in_one_pass(encoder):
    sentences = [
        "What a lovely week at Hillside, the choir sang beautifully at the care home.",
        "Mr Green is useless and everyone in the staffroom knows it.",
        "Thanks to every parent who baked for the cake sale!",
    ]
    text = " ".join(sentences)
    spans, start = [], 0
    for sentence in sentences:
        spans.append((start, start + len(sentence)))
        start += len(sentence) + 1
    (rows,) = encoder.encode_segments([text], [spans])
    assert rows.shape == (4, 384)
    assert np.allclose(rows[0], encoder.encode([text])[0], atol=1e-6)  # the whole post
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-4)
    alone = encoder.encode(sentences)
    # each sentence's vector, pooled from the whole post's states, is nearer to that
    # sentence read on its own than the whole post's vector is (the five fine-tuned layers
    # mix in more context than the base model: the middle sentence's pooled vector is
    # 0.700 to itself alone and 0.716 to the first sentence, so "nearest" no longer holds)
    own = np.diag(rows[1:] @ alone.T)
    assert (own > rows[0] @ alone.T).all()


def test_a_sentence_past_the_encoders_reach_is_encoded_on_its_own(encoder):
    first = "Lovely sunny sports day on the field. " * 40  # far over MAX_TOKENS tokens
    last = "Ring me on my own mobile tonight about Ellie."
    text = first + last
    (rows,) = encoder.encode_segments([text], [[(0, 37), (len(first), len(text))]])
    assert np.allclose(rows[2], encoder.encode([last])[0], atol=1e-6)
    assert not np.allclose(rows[1], encoder.encode([text[:37]])[0], atol=1e-3)  # in context


def test_a_replaced_model_file_is_refused(tmp_path):
    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not the model")
    with pytest.raises(ModelError) as err:
        Encoder(model_path=fake)
    assert str(fake) in err.value.message
    assert "sha256" in err.value.message
    assert "scripts/install" in err.value.message


def test_the_model_file_is_the_pinned_package_file():
    assert model_file().name == "model.onnx"
    assert VOCAB_FILE.is_file()


def test_replaced_heads_are_refused(tmp_path):
    copy = tampered_copy(clf.HEADS_FILE, tmp_path)
    with pytest.raises(ModelError) as err:
        clf.Heads(copy)
    assert "sha256" in err.value.message and "train_classifier.py" in err.value.message


def test_the_shipped_heads_and_thresholds_cover_every_category():
    heads = clf.load_heads()
    assert set(heads.labels) == set(clf.CLASSIFIER_LABELS)
    thresholds = clf.read_thresholds()
    assert set(thresholds) == set(clf.CLASSIFIER_LABELS)
    for levels in thresholds.values():
        assert 0 < levels["lean"] <= levels["doubt"] <= levels["breach"] <= 1


def test_the_concern_head_and_each_categorys_head_are_read_together():
    """Each category's score is the mean of its own log-odds and the concern head's, each
    standardised on ok drafts: a draft its own head is unsure of is lifted by a concern
    head that is sure something is wrong, and pulled down by one that is sure nothing is."""
    labels = ["bullying", "lewd"]
    w = np.zeros((2, 3), np.float32)  # vector -> [bullying, lewd, concern]
    w[0] = [1.0, 0.0, 0.0]
    w[1] = [0.0, 0.0, 1.0]
    concern = {"mean": [-2.0, -3.0], "spread": [1.0, 2.0], "any_mean": -1.0, "any_spread": 0.5}
    heads = clf.Heads.from_arrays(labels, [w, np.zeros(3)], concern=concern)
    vectors = np.array([[0.0, 0.0], [0.0, 1.5], [0.0, -1.5]], np.float32)
    logits = heads.logits(vectors)
    assert logits.shape == (3, 3)
    z = (np.array([[2.0, 1.5], [2.0, 1.5], [2.0, 1.5]]) + ((logits[:, 2] + 1.0) / 0.5)[:, None]) / 2
    np.testing.assert_allclose(heads.scores(vectors), 1 / (1 + np.exp(-z)), rtol=1e-6)
    plain = clf.Heads.from_arrays(labels, [w[:, :2], np.zeros(2)])
    assert heads.scores(vectors)[1, 0] > plain.scores(vectors)[1, 0]  # lifted
    assert heads.scores(vectors)[2, 0] < heads.scores(vectors)[0, 0]  # pulled down
    # with `near_top`, the concern lifts only categories near the top one, and can still
    # pull any down: row 1's lewd (standardised 1.5) is 0.5 under bullying's 2.0
    near = clf.Heads.from_arrays(labels, [w, np.zeros(3)], concern={**concern, "near_top": 0.4})
    np.testing.assert_allclose(near.scores(vectors)[:, 0], heads.scores(vectors)[:, 0])
    lewd = near.scores(vectors)[:, 1]
    assert lewd[1] == pytest.approx(1 / (1 + np.exp(-1.5)))  # not lifted: its own score
    assert lewd[2] == pytest.approx(heads.scores(vectors)[2, 1])  # pulled down, as before
    for bad in ({**concern, "spread": [1.0, 0.0]}, {"mean": [0.0, 0.0], "spread": [1.0, 1.0]}):
        with pytest.raises(ModelError, match="concern"):
            clf.Heads.from_arrays(labels, [w, np.zeros(3)], concern=bad)


def _heads_file(tmp_path, lexical_format, **arrays):
    import json

    meta = {"format": clf.HEADS_FORMAT, "labels": ["bullying"], "encoder": "e", "hidden": 0,
            "lexical": lexical_format}  # fmt: skip
    path = tmp_path / "heads.npz"
    np.savez(path, meta=np.frombuffer(json.dumps(meta).encode(), np.uint8),
             w=np.ones((4, 1), np.float16), b=np.zeros(1, np.float32), **arrays)  # fmt: skip
    return path


def test_ngram_weights_of_an_unknown_format_are_refused(tmp_path):
    wh = np.array([[0.5], [-0.25], [0.0]], np.float16)
    heads = clf.Heads(_heads_file(tmp_path, True, wh=wh), sha256=None)
    np.testing.assert_allclose(heads.lexical[:, 0], [0.5, -0.25, 0.0])
    with pytest.raises(ModelError, match="n-gram weights format 'int4'"):
        clf.Heads(_heads_file(tmp_path, "int4", wh=wh), sha256=None)


def test_the_shipped_heads_read_the_concern_head():
    heads = clf.load_heads()
    assert heads.concern is not None
    assert heads.logits(np.zeros((1, 384), np.float32)).shape == (1, len(heads.labels) + 1)


def test_the_weights_in_the_repository_stay_small():
    sizes = sum(p.stat().st_size for p in clf.HEADS_FILE.parent.iterdir())
    assert sizes <= 10 * 1024 * 1024


@pytest.mark.parametrize(
    ("text", "category"),
    [
        (
            "Can't say much but one of my Year 5s is now on a child protection plan, "
            "mum's new boyfriend is bad news.",
            "confidential",
        ),  # fmt: skip
        (
            "Some cultures just don't value education the way we do, you can tell "
            "which families they are at parents' evening.",
            "discrimination",
        ),  # fmt: skip
        (
            "Accepted a follow request from one of my Year 9s on my personal Insta, "
            "she's a sweetheart.",
            "pupil_contact",
        ),  # fmt: skip
    ],
)
def test_the_classifier_reads_meaning_without_keywords(real_checker, text, category):
    verdict = real_checker.check(text)
    assert (
        verdict.scores[f"classifier.{category}"]
        >= real_checker.calibrated["classifier"][category]["doubt"]
    ), verdict.scores
    assert verdict.verdict != "ok"


def test_one_bad_sentence_in_a_long_friendly_post_is_found_and_pointed_at(real_checker):
    bad = "Between us, little Sophie in my class is being assessed for autism and mum is in bits."
    text = (
        "What a week it has been in Year 2! We finished our topic on the Great Fire of London "
        "with a brilliant model-making afternoon, the children worked so hard and the "
        f"classroom smelt of glue for days. {bad} Next week we start our new topic on "
        "Africa, and we can't wait to taste some food from around the continent."
    )
    hit = next(h for h in real_checker.hits(text) if h.detector == "classifier"
               and h.label == "confidential")  # fmt: skip
    assert hit.score >= real_checker.calibrated["classifier"]["confidential"]["doubt"]
    assert hit.text == bad


def test_a_breach_resting_on_the_classifier_alone_needs_its_breach_threshold(real_checker):
    from postcheck.schema import Hit

    rule = next(r for r in real_checker.rules if r.id == "confidential")
    assert rule.severity == "breach"
    bar = real_checker.calibrated["classifier"]["confidential"]

    def hit(score: float) -> Hit:
        return Hit(detector="classifier", label="confidential", start=0, end=4, score=score,
                   text="text")  # fmt: skip

    if bar["doubt"] < bar["breach"]:
        assert real_checker._severity(rule, [hit(bar["doubt"])]) == "doubt"
    assert real_checker._severity(rule, [hit(bar["breach"])]) == "breach"


def test_a_clause_is_cited_once_when_a_specific_rule_already_explains_it():
    from postcheck.engine import _without_echoes
    from postcheck.schema import Finding, Hit

    def finding(rule: str, clause: str, severity: str, detector: str) -> Finding:
        hit = Hit(detector=detector, label="x", start=0, end=4, score=0.9, text="text")
        return Finding(rule=rule, clause=clause, quote="q", severity=severity, message="m",
                       suggestion="s", start=0, end=4, text="text", evidence=[hit])  # fmt: skip

    specific = finding("pupil_attainment", "§5.2(a)", "breach", "patterns")
    echo = finding("confidential", "§5.2(a)", "doubt", "classifier")
    other_clause = finding("undermines_reputation", "§5.2(f)", "doubt", "classifier")
    stronger_echo = finding("confidential", "§5.2(a)", "breach", "classifier")
    weaker_specific = finding("internal_matters", "§5.2(a)", "doubt", "patterns")
    assert _without_echoes([specific, echo, other_clause]) == [specific, other_clause]
    assert _without_echoes([weaker_specific, stronger_echo]) == [weaker_specific, stronger_echo]
    assert _without_echoes([echo]) == [echo]
    # personal data beside the classifier is context: still an echo of the specific rule
    named = finding("pupil_sensitive_details", "§5.2(a)", "doubt", "classifier")
    named.evidence.append(Hit(detector="pii", label="PERSON", start=0, end=4, score=0.8))
    assert _without_echoes([specific, named]) == [specific]


def test_classifier_scores_are_reported_for_every_category(real_checker):
    scores = real_checker.check("Year 6 bake sale on Friday!").scores
    assert {f"classifier.{c}" for c in clf.CLASSIFIER_LABELS} <= set(scores)


def test_personal_data_beside_an_unsure_classifier_does_not_make_a_breach(real_checker):
    from postcheck.schema import Hit

    rule = next(r for r in real_checker.rules if r.id == "pupil_sensitive_details")
    bar = real_checker.calibrated["classifier"]["confidential"]
    name = Hit(detector="pii", label="PERSON", start=0, end=4, score=0.85, text="Ava ")

    def reading(score: float) -> Hit:
        return Hit(detector="classifier", label="confidential", start=0, end=9, score=score,
                   text="Ava has x")  # fmt: skip

    if bar["doubt"] < bar["breach"]:
        assert real_checker._severity(rule, [name, reading(bar["doubt"])]) == "doubt"
    assert real_checker._severity(rule, [name, reading(bar["breach"])]) == "breach"
    words = Hit(detector="patterns", label="pupil_sensitive_details#1", start=4, end=9,
                score=1.0, text="has x")  # fmt: skip
    assert real_checker._severity(rule, [name, words]) == "breach"


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "Well done Year 5. Thanks to Mrs. Patel and Dr. Shah! See you there?",
            ["Well done Year 5.", "Thanks to Mrs. Patel and Dr. Shah!", "See you there?"],
        ),
        (
            "Lovely day…  Thanks all\n\n- cake sale Friday ",
            ["Lovely day…", "Thanks all", "- cake sale Friday"],
        ),
        ("one sentence with no stop", ["one sentence with no stop"]),
        ("  \n ", []),
    ],
)
def test_the_classifier_cuts_sentences_from_the_text_alone(text, sentences):
    assert [text[s:e] for s, e in clf.sentence_spans(text)] == sentences


def test_only_a_long_post_of_several_sentences_is_read_by_sentence():
    short = "Honestly Mr Green, you are pathetic. Year 9 deserve better."
    assert clf.text_segments(short) == [(0, len(short))]
    long = "We had a lovely day at the farm with the class today. " * 4
    segments = clf.text_segments(long.strip())
    assert segments[0] == (0, len(long.strip())) and len(segments) == 5
