"""The engine: rules over detector hits, verdicts, scores, chunking, configuration."""

from __future__ import annotations

import textwrap

import pytest

from postcheck.config import Config
from postcheck.engine import CHUNK_CHARS, Checker
from postcheck.errors import ConfigError, InputError
from postcheck.rules import load_rule
from postcheck.schema import Post, Verdict

RULES = {
    "insult": """\
        clause: "§5.2(b)"
        quote: "amounts to bullying"
        severity: breach
        detect:
          - toxicity: {labels: [insult], min_score: 0.8}
          - patterns: {lemmas: [["you", "be", "pathetic"]]}
        message: "An insult aimed at a person."
        suggestion: "Remove it."
        examples: {fail: ["you are pathetic"], pass: ["a lovely day"]}
    """,
    "whereabouts": """\
        clause: "§6.2(a)"
        quote: "locate, meet or contact a child"
        severity: breach
        detect:
          all:
            - any:
                - pii: {labels: [PERSON, PUPIL]}
                - patterns: {regex: ['\\byear [1-6]\\b']}
            - patterns: {phrases: ["park", "swimming pool"]}
            - patterns: {regex: ['\\b\\d{1,2}(:\\d\\d)?\\s?(am|pm)\\b']}
        message: "Says where and when children will be."
        suggestion: "Post after the trip."
        examples: {fail: ["Year 4 at the park until 3pm"], pass: ["Year 4 loved the park"]}
    """,
    "copyright": """\
        clause: "§5.2(h)"
        quote: "breaches copyright"
        severity: doubt
        detect:
          all:
            - patterns: {phrases: ["found this online"]}
            - not: {patterns: {phrases: ["our own photo"]}}
        message: "May be someone else's work."
        suggestion: "Check you may share it."
        examples: {fail: ["found this online, lovely"], pass: ["our own photo, found this online too"]}
    """,
    "fight_video": """\
        clause: "§6.1(d)"
        quote: "encouraging violent behaviour"
        severity: doubt
        detect:
          - patterns:
              near:
                - [[filmed, video of, footage of], 3, [fight, punch-up], 0, [after school]]
                - [[knock, knock on], 0, [the, this], 2, [door]]
        message: "Shares or invites a fight."
        suggestion: "Report it instead."
        examples: {fail: ["someone filmed a massive fight after school"], pass: ["filmed the fight scene"]}
    """,
    "contact": """\
        clause: "§5.4"
        quote: "through the school/trust's social media accounts"
        severity: advice
        detect:
          - pii: {labels: [EMAIL_ADDRESS]}
        message: "Parents should be contacted through school accounts."
        suggestion: "Use the school office address."
        examples: {fail: ["email me at a@b.com"], pass: ["email the office"]}
    """,
}


@pytest.fixture(scope="module")
def rules(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rules")
    out = []
    for name, body in RULES.items():
        path = folder / f"{name}.yml"
        path.write_text(textwrap.dedent(body), encoding="utf-8")
        out.append(load_rule(path))
    return out


@pytest.fixture(scope="module")
def engine(checker, rules):
    return Checker(checker.config, toxicity_backend=checker.detectors[2].backend, rules=rules)


def fired(verdict: Verdict) -> set[str]:
    return {f.rule for f in verdict.findings}


def test_any_rule_fires_on_either_detector(engine):
    assert fired(engine.check("Honestly Mr Green you are pathetic")) == {"insult"}
    assert fired(engine.check("Honestly Mr Green, what an idiot")) == {"insult"}  # double: insult
    assert engine.check("Honestly Mr Green, what an idiot").verdict == "breach"


def test_all_needs_every_condition(engine):
    assert "whereabouts" in fired(engine.check("Year 4 are at the park until 3pm today"))
    assert "whereabouts" not in fired(engine.check("Year 4 loved the park yesterday"))
    assert "whereabouts" not in fired(engine.check("The park opens at 3pm"))


def test_not_excludes(engine):
    assert fired(engine.check("Found this online, so sweet")) == {"copyright"}
    assert engine.check("Found this online, so sweet").verdict == "doubt"
    assert not fired(engine.check("Our own photo, found this online too"))


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (
            "Someone filmed a massive fight after school today",
            "filmed a massive fight after school",
        ),
        ("Video of the punch-up after school is going round", "Video of the punch-up after school"),
        ("FOOTAGE OF THE FIGHT AFTER SCHOOL", "FOOTAGE OF THE FIGHT AFTER SCHOOL"),
        ("Knock on the big front door", "Knock on the big front door"),  # two-word step
        ("knock the door", "knock the door"),  # its one-word form
    ],
)
def test_near_finds_the_steps_in_order_within_their_gaps(engine, text, found):
    (finding,) = engine.check(text).findings
    assert finding.rule == "fight_video"
    assert [e.text for e in finding.evidence] == [found]


@pytest.mark.parametrize(
    "text",
    [
        "We filmed our drama class and the fight scene was great after school",  # gap too long
        "There was a fight after school and someone filmed it",  # wrong order
        "Lovely video of sports day. A fight after school is never OK",  # another sentence
        "I filmed the fight after-school club",  # "after-school" is not the step's words
        "knock knock, who is at the door",
    ],
)
def test_near_does_not_reach_past_its_gaps_order_or_sentence(engine, text):
    assert "fight_video" not in fired(engine.check(text))


def test_advice_never_changes_the_verdict(engine):
    verdict = engine.check("Parents can email me at mr.green@example.org")
    assert fired(verdict) == {"contact"}
    assert verdict.verdict == "ok"


def test_finding_cites_clause_and_points_at_the_original_words(engine):
    text = "Honestly Mr Green y\u200bou are pathetic!!"
    (finding,) = engine.check(text).findings
    assert finding.clause == "§5.2(b)"
    assert finding.quote == "amounts to bullying"
    assert finding.text == text[finding.start : finding.end]
    assert "pathetic" in finding.text
    assert finding.evidence and all(text[h.start : h.end] == h.text for h in finding.evidence)


def test_scores_cover_every_label_even_when_no_rule_fires(engine):
    verdict = engine.check("A lovely day at school")
    assert verdict.verdict == "ok"
    for label in ("toxicity.insult", "toxicity.threat", "pii.PERSON", "pii.EMAIL_ADDRESS"):
        assert label in verdict.scores
    assert engine.check("what an idiot").scores["toxicity.insult"] == pytest.approx(0.95)


def test_verdict_is_json_serialisable(engine):
    verdict = engine.check("Honestly Mr Green you are pathetic")
    again = Verdict.model_validate_json(verdict.model_dump_json())
    assert again == verdict


def test_check_many_keeps_order_and_batches(engine):
    texts = ["you are pathetic", "a lovely day", "found this online"] * 30
    verdicts = list(engine.check_many(texts, batch_size=7))
    assert [v.post.text for v in verdicts] == texts
    assert [v.verdict for v in verdicts[:3]] == ["breach", "ok", "doubt"]


def test_long_posts_are_analysed_in_chunks_with_correct_offsets(engine):
    filler = "We had a lovely day and everyone joined in. " * (CHUNK_CHARS // 20)
    text = filler + "Honestly Mr Green you are pathetic. " + filler
    verdict = engine.check(text)
    (finding,) = [f for f in verdict.findings if f.rule == "insult"]
    assert text[finding.start : finding.end] == finding.text
    assert "pathetic" in finding.text


def test_empty_and_oversized_posts_are_refused(engine):
    with pytest.raises(InputError, match="empty"):
        engine.check("   \n ")
    with pytest.raises(InputError, match="limit"):
        engine.check("a" * (engine.config.max_chars + 1))


def test_an_image_only_post_is_checked(engine):
    assert engine.check(Post(text="", media=[{"kind": "photo", "uri": "a.jpg"}])).verdict == "ok"


def test_rule_selection_and_severity_overrides(checker):
    config = Config(
        toxicity={"backend": "keyword-double"},
        rules={"select": [], "ignore": [], "severity": {}},
    )
    all_rules = Checker(config).rules
    some = all_rules[0].id
    config = Config(toxicity={"backend": "keyword-double"}, rules={"ignore": [some]})
    assert some not in {r.id for r in Checker(config).rules}
    with pytest.raises(ConfigError, match="unknown rule id"):
        Checker(Config(toxicity={"backend": "keyword-double"}, rules={"select": ["nope"]}))


def test_unknown_toxicity_backend_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown toxicity backend"):
        Checker(Config(toxicity={"backend": "crystal-ball"}))


def test_library_entry_point(monkeypatch):
    import postcheck

    assert postcheck.Checker is Checker
    assert callable(postcheck.check)


def model_rule(clause: str, quote: str, label: str, fail: str) -> str:
    """A breach rule whose only evidence is the model's `label`, at the model's thresholds."""
    return textwrap.dedent(f"""\
        clause: "{clause}"
        quote: "{quote}"
        severity: breach
        detect:
          - toxicity: {{labels: [{label}]}}
        message: "A {label}, by the model's own thresholds."
        suggestion: "Remove it."
        examples: {{fail: ["{fail}"], pass: ["a lovely day"]}}
        """)


CALIBRATED_RULE = model_rule("§5.2(b)", "amounts to bullying", "insult", "you are an idiot")


def engine_with(checker, tmp_path, backend, rule=CALIBRATED_RULE):
    """A Checker with `backend` as its toxicity model and `rule` as its only rule."""
    path = tmp_path / "rule.yml"
    path.write_text(rule, encoding="utf-8")
    return Checker(checker.config, toxicity_backend=backend, rules=[load_rule(path)])


@pytest.fixture(scope="module")
def calibrated_engine(checker, tmp_path_factory):
    path = tmp_path_factory.mktemp("calibrated") / "calibrated.yml"
    path.write_text(CALIBRATED_RULE, encoding="utf-8")
    backend = checker.detectors[2].backend
    return Checker(checker.config, toxicity_backend=backend, rules=[load_rule(path)])


def test_model_rules_default_to_the_models_calibrated_thresholds(calibrated_engine, engine):
    # "silly" scores 0.7 with the double: above its doubt threshold (0.5), below 0.8
    assert fired(calibrated_engine.check("That was a silly thing to say.")) == {"calibrated"}
    # the same score misses a rule with an explicit `min_score: 0.8`
    assert not fired(engine.check("That was a silly thing to say."))


def test_a_breach_resting_on_an_unsure_model_score_is_a_doubt(calibrated_engine):
    engine = calibrated_engine
    unsure = engine.check("That was a silly thing to say.")
    assert [(f.rule, f.severity) for f in unsure.findings] == [("calibrated", "doubt")]
    assert unsure.verdict == "doubt"
    sure = engine.check("You are an idiot.")  # 0.95, above the breach threshold (0.9)
    assert ("calibrated", "breach") in [(f.rule, f.severity) for f in sure.findings]
    assert sure.verdict == "breach"


class SentenceOnlyToxicity:
    """Scores 0.9 for insult only when the scored text is exactly "You idiot." (a sentence
    on its own), 0.1 otherwise; its calibrated thresholds: doubt 0.05, breach 0.95."""

    name = "sentence-double"
    labels = ("toxicity", "insult")

    def __init__(self) -> None:
        self.thresholds = {label: {"doubt": 0.05, "breach": 0.95} for label in self.labels}

    def score(self, texts):
        return [
            {"toxicity": 0.1, "insult": 0.9 if t.strip() == "You idiot." else 0.1} for t in texts
        ]

    def describe(self) -> dict:
        return {"name": self.name}


def test_short_posts_are_scored_whole_long_posts_by_their_worst_sentence(checker, tmp_path):
    from postcheck.detectors.toxicity import LONG_POST_WORDS

    engine = engine_with(checker, tmp_path, SentenceOnlyToxicity())
    short = engine.check("What a lovely day. You idiot.")
    assert short.scores["toxicity.insult"] == pytest.approx(0.1)  # the whole post's score
    (finding,) = short.findings  # 0.1 is above this double's doubt threshold (0.05)
    assert finding.text == "You idiot."  # but the words shown are the worst sentence
    filler = " ".join(["We had a lovely day at the farm with the class."] * 7)
    assert len(filler.split()) > LONG_POST_WORDS
    long = engine.check(f"{filler} You idiot.")
    assert long.scores["toxicity.insult"] == pytest.approx(0.9)


class RecordingToxicity:
    """Gives every text the same insult score and no threat, unless `per_text` says
    otherwise ({text: {label: score}}), and records what it was asked to score; no
    `screen`, like the Detoxify backend."""

    name = "recording"
    labels = ("toxicity", "insult", "threat")

    def __init__(self, insult: float, per_text: dict[str, dict] | None = None) -> None:
        self.insult = insult
        self.per_text = per_text or {}
        self.calls: list[list[str]] = []
        self.thresholds = {label: {"doubt": 0.5, "breach": 0.8} for label in self.labels}

    def score(self, texts):
        self.calls.append(list(texts))
        return [self._row(t) for t in texts]

    def _row(self, text: str) -> dict[str, float]:
        return {
            "toxicity": 0.0,
            "insult": self.insult,
            "threat": 0.0,
            **self.per_text.get(text, {}),
        }

    def describe(self) -> dict:
        return {"name": self.name}


class ScreeningToxicity(RecordingToxicity):
    """The same, with a `screen` (cheap scores never above `score`'s) that it records too."""

    def __init__(self, insult: float, per_text: dict[str, dict] | None = None) -> None:
        super().__init__(insult, per_text)
        self.screened: list[list[str]] = []

    def screen(self, texts):
        self.screened.append(list(texts))
        return [{"threat": self._row(t)["threat"]} for t in texts]


THREAT_RULE = model_rule("§5.2(e)", "threatening", "threat", "I will hurt you")


@pytest.mark.parametrize(
    ("insult", "sentences_scored"),
    [(0.01, False), (0.099, False), (0.1, True), (0.6, True)],
)
def test_a_short_posts_sentences_are_scored_only_when_a_score_reaches_the_span_floor(
    checker, tmp_path, insult, sentences_scored
):
    from postcheck.detectors.toxicity import SPAN_FLOOR

    assert SPAN_FLOOR == 0.1
    backend = ScreeningToxicity(insult)
    post = "What a lovely day. We went to the farm."
    verdict = engine_with(checker, tmp_path, backend).check(post)
    assert verdict.scores["toxicity.insult"] == pytest.approx(insult)
    if sentences_scored:
        assert backend.calls == [[post], ["What a lovely day.", "We went to the farm."]]
        assert backend.screened == []  # already scored in full: nothing to screen
    else:  # far below every threshold, no threat screened: the model ran on the post alone
        assert backend.calls == [[post]]
        assert backend.screened == [["What a lovely day.", "We went to the farm."]]
        assert not verdict.findings


@pytest.mark.parametrize("backend_class", [ScreeningToxicity, RecordingToxicity])
def test_a_threat_in_one_sentence_of_a_friendly_post_is_found(checker, tmp_path, backend_class):
    threat = "I know where you live."
    post = f"Lovely assembly today, well done year 3. {threat} See you all on Monday!"
    backend = backend_class(0.0, per_text={post: {"threat": 0.02}, threat: {"threat": 0.9}})
    verdict = engine_with(checker, tmp_path, backend, THREAT_RULE).check(post)
    assert verdict.scores["toxicity.threat"] == pytest.approx(0.9)
    assert verdict.verdict == "breach"
    assert [e.text for f in verdict.findings for e in f.evidence] == [threat]
    # scored in full: the post, then its three sentences
    assert backend.calls[-1] == [
        "Lovely assembly today, well done year 3.",
        threat,
        "See you all on Monday!",
    ]


@pytest.mark.parametrize(("screened", "scored_in_full"), [(0.79, False), (0.8, True)])
def test_a_sentence_is_scored_in_full_when_its_screened_threat_reaches_the_bar(
    checker, tmp_path, screened, scored_in_full
):
    post = "Lovely day. See you soon."
    backend = ScreeningToxicity(0.0, per_text={"See you soon.": {"threat": screened}})
    verdict = engine_with(checker, tmp_path, backend, THREAT_RULE).check(post)
    assert backend.screened == [["Lovely day.", "See you soon."]]
    if scored_in_full:
        assert backend.calls == [[post], ["Lovely day.", "See you soon."]]
        assert verdict.scores["toxicity.threat"] == pytest.approx(screened)
    else:  # below the bar it could not count: the model is not run on the sentences
        assert backend.calls == [[post]]
        assert verdict.scores["toxicity.threat"] == 0.0


@pytest.mark.parametrize(("sentence_threat", "threat"), [(0.3, 0.0), (0.79, 0.0), (0.85, 0.85)])
def test_in_a_short_post_only_a_sure_sentence_threat_counts(
    checker, tmp_path, sentence_threat, threat
):
    # `threat` takes a sentence's score only at the label's breach threshold (0.8 here);
    # other labels of a short post are always the whole post's
    post = "First one. Second one."
    worst = {"insult": 0.9, "threat": sentence_threat}
    backend = RecordingToxicity(0.2, per_text={"Second one.": worst})
    verdict = engine_with(checker, tmp_path, backend).check(post)
    assert backend.calls == [[post], ["First one.", "Second one."]]
    assert verdict.scores["toxicity.threat"] == pytest.approx(threat)
    assert verdict.scores["toxicity.insult"] == pytest.approx(0.2)
    assert not verdict.findings  # the rule reads insult only


@pytest.mark.parametrize(
    ("post", "sentences"),
    [
        # spaCy's small model reads "year 3. Ryan" as one sentence; the split at .!? fixes it
        (
            "Great singing from year 3. Ryan, I will hurt you.",
            ["Great singing from year 3.", "Ryan, I will hurt you."],
        ),
        (
            "Lovely day.\n\nThanks all!  See you soon ",
            ["Lovely day.", "Thanks all!", "See you soon"],
        ),
        ("One sentence only", ["One sentence only"]),
        ("   ", []),
    ],
)
def test_sentence_spans(checker, post, sentences):
    from types import SimpleNamespace

    from postcheck.detectors.toxicity import sentence_spans

    analysis = SimpleNamespace(text=post, doc=checker.nlp(post))  # what it reads of one
    spans = sentence_spans(analysis)
    assert [analysis.text[start:end] for start, end in spans] == sentences


def test_a_long_posts_sentences_are_always_scored(checker, tmp_path):
    backend = RecordingToxicity(0.0)
    engine = engine_with(checker, tmp_path, backend)
    post = " ".join(["We had a lovely day at the farm with the class."] * 7)
    engine.check(post)
    assert len(backend.calls) == 2 and len(backend.calls[1]) == 7


def test_evidence_on_the_same_words_comes_in_one_order_whatever_the_hash_seed(checker):
    """A rule's phrase and its regex can match the same words with the same label; their
    order in a finding was set order, which followed the process's hash seed."""
    from postcheck.engine import _finding
    from postcheck.schema import Hit

    rule = checker.rules[0]
    post = Post(text="Pulled a sickie on Friday")
    for n in range(20):
        hits = [
            Hit(detector="patterns", label="x#1", start=0, end=15, score=1.0,
                why=f"{kind} matched {n}", text="Pulled a sickie")
            for kind in ("words", "regex")
        ]  # fmt: skip
        for given in (hits, hits[::-1]):
            whys = [h.why for h in _finding(rule, post, given, "doubt").evidence]
            assert whys == [f"regex matched {n}", f"words matched {n}"]
