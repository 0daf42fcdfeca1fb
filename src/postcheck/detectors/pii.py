"""Personal data: presidio-analyzer on the shared spaCy Doc, plus the school's roster.

Fully offline: presidio gets the already-loaded spaCy pipeline (never downloads a
model) and the public-suffix list download of its e-mail recognizer is switched
off before presidio is imported.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from postcheck.schema import Hit

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Token

    from postcheck.config import Config
    from postcheck.detectors import Analysis

PII_LABELS: tuple[str, ...] = (
    "PERSON",
    "PUPIL",
    "STAFF",
    "SCHOOL",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "UK_POSTCODE",
    "UK_NHS",
    "UK_NINO",
    "IBAN_CODE",
    "CREDIT_CARD",
    "URL",
    "LOCATION",
    "DATE_TIME",
    "NRP",
    "ORGANIZATION",
)

# Context words that raise confidence in a nearby name or number (presidio's enhancer).
PUPIL_CONTEXT = ["pupil", "student", "child", "year", "class", "form", "son", "daughter"]
STAFF_CONTEXT = ["mr", "mrs", "ms", "miss", "dr", "teacher", "head", "staff", "sir"]
PHONE_CONTEXT = ["phone", "call", "mobile", "text", "ring", "whatsapp", "number", "tel"]

# UK phone formats, including Ofcom's drama ranges that `phonenumbers` rejects.
UK_PHONE = (
    r"(?<![\w+])(?:\+44\s?\(?0?\)?\s?|0)(?:7\d{3}\s?\d{3}\s?\d{3}|[12]\d{2,3}\s?\d{3}\s?\d{3,4}"
    r"|[12]\d\s?\d{4}\s?\d{4})(?!\d)"
)

# Web addresses. presidio's UrlRecognizer lists every top-level domain in four huge
# patterns that take ~0.25 s to compile at the first check; these are enough for posts.
URL_PATTERNS = [
    ("url_with_scheme", r"\bhttps?://[^\s<>\"'()]*[^\s<>\"'().,;:!?]", 0.6),
    ("url_www", r"\bwww\d{0,3}\.[a-z0-9-]+(?:\.[a-z0-9-]+)+(?:/[^\s<>\"']*[^\s<>\"'.,;:!?])?", 0.5),
    (
        "url_bare",
        r"\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|org|net|edu|gov|uk|ie|io|co|info|me|ly"
        r"|gl|tv|app|online|school|academy)\b(?:/[^\s<>\"']*[^\s<>\"'.,;:!?])?",
        0.5,
    ),
]

# A title and a capitalised name: "Mrs Patel", "Mr O'Neill", "Dr Jane Hughes".
# Case-sensitive (?-i:...) even though presidio matches patterns ignoring case.
TITLED_NAME = (
    r"(?-i:\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Sir|Dame|Prof)\.?\s+(?:[A-Z][a-z'’-]+\s+)?[A-Z][a-zA-Z'’-]+)"
)

# Last words that make a capitalised phrase a place or an organisation, not a person.
_PLACE_OR_ORG = {
    "park", "lane", "road", "street", "close", "avenue", "drive", "way", "gardens", "green",
    "common", "centre", "center", "museum", "zoo", "farm", "woods", "wood", "hall", "house",
    "school", "primary", "academy", "college", "university", "trust", "council", "church",
    "station", "library", "theatre", "cinema", "hospital", "club", "united", "city", "town",
    "fc", "pta", "nhs", "bbc", "week", "month", "day", "fair", "stage", "year", "team",
    "kingdom", "states", "island", "islands", "valley", "hill", "bridge", "river", "lake",
}  # fmt: skip

# Words the small model often tags as PERSON in school posts but are not people.
_NOT_NAMES = {
    "year", "class", "reception", "nursery", "sports", "day", "congrats", "congratulations",
    "well", "done", "thanks", "thank", "happy", "merry", "dear", "welcome", "today", "tonight",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "mr", "mrs", "ms", "miss", "dr", "sir", "head", "teacher", "team", "pta", "ofsted",
    "christmas", "easter", "eid", "diwali", "hanukkah", "school", "academy", "trust",
    "maths", "english", "science", "art", "pe", "re", "music", "lol", "omg", "wow",
}  # fmt: skip
_TITLE = re.compile(r"^(?:mr|mrs|ms|miss|mx|dr|sir|prof)\.?\s+", re.I)


class PiiDetector:
    """Runs presidio's recognizers over the shared Doc; filters the small model's noise."""

    name = "pii"

    def __init__(self, nlp: Language, config: Config):
        _keep_tldextract_offline()
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine

        ner_config = NerModelConfiguration(
            model_to_presidio_entity_mapping={
                "PER": "PERSON",
                "PERSON": "PERSON",
                "NORP": "NRP",
                "FAC": "LOCATION",
                "LOC": "LOCATION",
                "GPE": "LOCATION",
                "ORG": "ORGANIZATION",
                "DATE": "DATE_TIME",
                "TIME": "DATE_TIME",
            },  # fmt: skip
            low_score_entity_names=["ORGANIZATION"],
        )
        self._engine = SpacyNlpEngine(
            models=[{"lang_code": "en", "model_name": nlp.meta.get("name", "en")}],
            ner_model_configuration=ner_config,
        )
        self._engine.nlp = {"en": nlp}  # share the loaded pipeline: never load or download
        from postcheck.lemmas import is_proper_noun  # imports spaCy: not for `rules list`

        self._proper = functools.partial(is_proper_noun, nlp)
        registry = RecognizerRegistry(supported_languages=["en"])
        for recognizer in _recognizers(config):
            registry.add_recognizer(recognizer)
        self._analyzer = AnalyzerEngine(
            registry=registry, nlp_engine=self._engine, supported_languages=["en"]
        )
        self._min_score = config.thresholds.pii
        allowed = [*config.allow.names, *config.allow.terms]
        self._allowed = {a.strip().lower() for a in allowed if a.strip()}

    def labels(self) -> set[str]:
        return set(PII_LABELS)

    def detect(self, analyses: list[Analysis]) -> None:
        for analysis in analyses:
            artifacts = self._engine._doc_to_nlp_artifact(analysis.doc, "en")
            results = self._analyzer.analyze(
                text=analysis.text,
                language="en",
                nlp_artifacts=artifacts,
                score_threshold=self._min_score,
            )
            hits = [
                analysis.hit(
                    "pii", r.entity_type, r.start, r.end, r.score, _why(r.analysis_explanation)
                )
                for r in results
            ]
            hits.extend(_names_the_model_mislabelled(analysis, hits, self._proper))
            hits.extend(_first_names_with_a_class(analysis, hits, self._proper))
            known = [h for h in hits if h.label in ("SCHOOL", "PUPIL", "STAFF")]
            emails = [h for h in hits if h.label == "EMAIL_ADDRESS"]
            for hit in hits:
                if hit.label == "PERSON" and any(_overlap(hit, k) for k in known):
                    continue  # the roster or the school's name already says what this is
                if hit.label == "URL" and any(_overlap(hit, e) for e in emails):
                    continue  # "sarah.jo" inside sarah.jones@... is not a web address
                if self._keep(hit):
                    analysis.hits.append(hit)

    def _keep(self, hit: Hit) -> bool:
        text = hit.text.strip()
        lowered = text.lower()
        if lowered in self._allowed or _TITLE.sub("", lowered) in self._allowed:
            return False
        if hit.label == "PERSON":
            return _plausible_name(text)
        if hit.label == "PUPIL" or hit.label == "STAFF":
            # A first name alone only counts when written as a name (capitalised).
            return " " in text or text[:1].isupper()
        return True


def _keep_tldextract_offline() -> None:
    """Make sure presidio's e-mail recognizer never fetches the public suffix list."""
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    import tldextract.tldextract as tld

    if tld.TLD_EXTRACTOR.suffix_list_urls:  # imported before postcheck could set the variable
        tld.TLD_EXTRACTOR = tld.TLDExtract(suffix_list_urls=(), fallback_to_snapshot=True)


def _names_the_model_mislabelled(
    analysis: Analysis, hits: list[Hit], proper: Callable[[Token], bool]
) -> list[Hit]:
    """The small model often calls a person's full name a place or organisation
    ("Amara Okafor" as GPE). Two or three capitalised proper nouns, none of them a
    place or organisation word, are also kept as a PERSON, with a lower score."""
    out = []
    for ent in analysis.doc.ents:
        words = [t for t in ent if not t.is_punct]
        if ent.label_ not in ("GPE", "LOC", "ORG", "FAC", "NORP") or not 2 <= len(words) <= 3:
            continue
        if not all(t.text[:1].isupper() and t.text[1:].islower() for t in words):
            continue
        if any(t.lower_ in _PLACE_OR_ORG or t.lower_ in _NOT_NAMES for t in words):
            continue
        if not all(proper(t) for t in words):  # last: it may run the tagger
            continue
        hit = analysis.hit(
            "pii", "PERSON", ent.start_char, ent.end_char, 0.45,
            f"capitalised name the small model labelled {ent.label_}",
        )  # fmt: skip
        if not any(h.label == "PERSON" and _overlap(h, hit) for h in hits):
            out.append(hit)
    return out


_CLASS_AFTER_NAME = re.compile(
    r"^(?:in|from) (?:year|yr|reception|nursery|class|form)\b|^(?:in|from) \d[a-z]{1,2}\b", re.I
)


def _first_names_with_a_class(
    analysis: Analysis, hits: list[Hit], proper: Callable[[Token], bool]
) -> list[Hit]:
    """The small model misses many lone first names ("Ava", "Isla"). A capitalised proper
    noun written just before its class ("Ava in Year 3", "Isla in Reception", "Harry from
    5B") is kept as a PERSON, with a lower score."""
    out = []
    doc = analysis.doc
    for tok in doc[:-2]:
        if not tok.is_alpha or len(tok.text) < 2 or not tok.is_title:
            continue
        if tok.lower_ in _NOT_NAMES or tok.lower_ in _PLACE_OR_ORG or tok.ent_type_ == "DATE":
            continue
        after = tok.idx + len(tok.text)
        if not _CLASS_AFTER_NAME.match(doc.text[after : after + 24].lstrip()):
            continue
        if not proper(tok):  # last: it may run the tagger
            continue
        hit = analysis.hit(
            "pii", "PERSON", tok.idx, tok.idx + len(tok.text), 0.45,
            "capitalised first name just before a class ('in Year 3')",
        )  # fmt: skip
        if not any(h.label in ("PERSON", "PUPIL", "STAFF") and _overlap(h, hit) for h in hits):
            out.append(hit)
    return out


def _overlap(a: Hit, b: Hit) -> bool:
    return a.start < b.end and b.start < a.end


def _plausible_name(text: str) -> bool:
    """Filter the small model's noisy PERSON labels."""
    if not text or text[0] in "@#" or any(ch.isdigit() for ch in text):
        return False
    words = [w for w in re.split(r"[\s'’-]+", _TITLE.sub("", text)) if w]
    if not words or not any(w[:1].isupper() for w in words):
        return False
    if all(w.lower().strip(".,!?") in _NOT_NAMES for w in words):
        return False
    return not (len(words) == 1 and len(words[0]) < 2)


def _why(explanation: Any) -> str:
    if explanation is None:
        return ""
    why = explanation.recognizer
    if explanation.supportive_context_word:
        why += f" (context word '{explanation.supportive_context_word}')"
    return why


def _recognizers(config: Config) -> list[Any]:
    from presidio_analyzer import Pattern, PatternRecognizer
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        EmailRecognizer,
        IbanRecognizer,
        NhsRecognizer,
        PhoneRecognizer,
        SpacyRecognizer,
        UkNinoRecognizer,
        UkPostcodeRecognizer,
    )

    class SchoolEmailRecognizer(EmailRecognizer):
        """Accepts UK school addresses: `*.sch.uk` is a public suffix, so presidio's check
        (which wants a registrable domain) rejects e.g. office@hillside.sch.uk."""

        def validate_result(self, pattern_text: str) -> bool:
            import tldextract

            return bool(tldextract.extract(pattern_text).suffix)

    recognizers: list[Any] = [
        SchoolEmailRecognizer(),
        PhoneRecognizer(supported_regions=("GB", "US", "IE"), context=PHONE_CONTEXT),
        PatternRecognizer(
            supported_entity="PERSON",
            name="TitledNameRecognizer",
            patterns=[Pattern("title_and_name", TITLED_NAME, 0.7)],
        ),
        PatternRecognizer(
            supported_entity="PHONE_NUMBER",
            name="UkPhoneFormatRecognizer",
            patterns=[Pattern("uk_phone", UK_PHONE, 0.6)],
            context=PHONE_CONTEXT,
        ),
        UkPostcodeRecognizer(  # presidio's base score (0.1) hides postcodes without context
            patterns=[Pattern("uk_postcode", UkPostcodeRecognizer.PATTERNS[0].regex, 0.5)]
        ),
        UkNinoRecognizer(),
        NhsRecognizer(),
        IbanRecognizer(),
        CreditCardRecognizer(),
        PatternRecognizer(
            supported_entity="URL",
            name="UrlRecognizer",
            patterns=[Pattern(name, regex, score) for name, regex, score in URL_PATTERNS],
            context=["url", "website", "link", "site"],
        ),
        SpacyRecognizer(
            supported_entities=["PERSON", "LOCATION", "DATE_TIME", "NRP", "ORGANIZATION"]
        ),
    ]
    from postcheck.detectors.first_names import FIRST_NAMES

    recognizers.append(
        PatternRecognizer(  # lone first names the small model misses; case-sensitive
            supported_entity="PERSON",
            name="CommonFirstNameRecognizer",
            deny_list=list(FIRST_NAMES),
            deny_list_score=0.45,
            global_regex_flags=re.DOTALL | re.MULTILINE,
        )
    )
    roster = config.roster_names()
    for role, context in (("PUPIL", PUPIL_CONTEXT), ("STAFF", STAFF_CONTEXT)):
        full = sorted({n for n in roster[role] if n.strip()}, key=len, reverse=True)
        first = sorted({n.split()[0] for n in full if len(n.split()) > 1})
        if full:
            recognizers.append(
                PatternRecognizer(
                    supported_entity=role,
                    name=f"Roster{role.title()}Recognizer",
                    deny_list=full,
                    deny_list_score=1.0,
                    context=context,
                )
            )
        if first:
            recognizers.append(
                PatternRecognizer(
                    supported_entity=role,
                    name=f"Roster{role.title()}FirstNameRecognizer",
                    deny_list=first,
                    deny_list_score=0.6,
                    context=context,
                )
            )
    school = [*config.school.all(), *config.trust.all()]
    if school:
        recognizers.append(
            PatternRecognizer(
                supported_entity="SCHOOL",
                name="SchoolNameRecognizer",
                deny_list=school,
                deny_list_score=1.0,
            )
        )
    return recognizers
