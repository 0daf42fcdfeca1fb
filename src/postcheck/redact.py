"""`--redact`: mask ALL the personal data the pii detector found, in every output format.

The masking itself is presidio-anonymizer's `replace` operator. `redact_verdict` returns a
new Verdict whose post text, findings' words and evidence are masked, with every offset
moved onto the masked text, so every writer (text, JSON, JSONL, CSV, HTML) shows the same
masked text and still highlights the right words.
"""

from __future__ import annotations

from bisect import bisect_right
from functools import lru_cache
from typing import TYPE_CHECKING

from postcheck.schema import Span, move_findings

if TYPE_CHECKING:
    from postcheck.schema import Hit, Verdict

MASK = "[personal data]"
#: pii labels that are personal data (the school's own name, dates, places, web
#: addresses and organisations are not masked).
PERSONAL_LABELS = frozenset(
    {
        "PERSON", "PUPIL", "STAFF", "EMAIL_ADDRESS", "PHONE_NUMBER", "UK_POSTCODE", "UK_NHS",
        "UK_NINO", "IBAN_CODE", "CREDIT_CARD",
    }
)  # fmt: skip


def personal_spans(hits: list[Hit]) -> list[Span]:
    """The personal data among a post's hits (for `Verdict.personal_data`)."""
    return sorted(
        {
            Span(start=h.start, end=h.end, label=h.label)
            for h in hits
            if h.detector == "pii" and h.label in PERSONAL_LABELS and h.end > h.start
        },
        key=lambda s: (s.start, s.end, s.label),
    )


def spans_of(verdict: Verdict) -> list[tuple[int, int, str]]:
    """Merged, sorted (start, end, label) of all personal data known for `verdict`."""
    spans = {(s.start, s.end, s.label) for s in verdict.personal_data}
    spans |= {
        (h.start, h.end, h.label)
        for f in verdict.findings
        for h in f.evidence
        if h.detector == "pii" and h.label in PERSONAL_LABELS and h.end > h.start
    }
    merged: list[tuple[int, int, str]] = []
    for start, end, label in sorted(spans):
        if merged and start <= merged[-1][1]:
            s0, e0, l0 = merged[-1]
            merged[-1] = (s0, max(e0, end), l0)
        else:
            merged.append((start, end, label))
    return merged


@lru_cache(maxsize=1)
def _engine():
    from presidio_anonymizer import AnonymizerEngine

    return AnonymizerEngine()


class Masked:
    """A text with spans replaced by MASK, and the mapping of offsets onto it."""

    def __init__(self, text: str, spans: list[tuple[int, int, str]]):
        spans = [(max(0, s), min(len(text), e), lab) for s, e, lab in spans if s < len(text)]
        spans = [sp for sp in spans if sp[1] > sp[0]]
        self.old = [(s, e) for s, e, _ in spans]
        if not spans:
            self.text, self.new = text, []
            return
        from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

        result = _engine().anonymize(
            text=text,
            analyzer_results=[RecognizerResult(lab, s, e, 1.0) for s, e, lab in spans],
            operators={"DEFAULT": OperatorConfig("replace", {"new_value": MASK})},
        )
        self.text = result.text
        self.new = sorted((item.start, item.end) for item in result.items)
        if len(self.new) != len(self.old):  # presidio merged something: mask by hand
            self.text, self.new = _mask_by_hand(text, self.old)
        self._starts = [s for s, _ in self.old]

    def _shift(self, index: int) -> int:
        """How far text after the first `index` spans has moved."""
        if index == 0:
            return 0
        (_, e_old), (_, e_new) = self.old[index - 1], self.new[index - 1]
        return e_new - e_old

    def start(self, pos: int) -> int:
        i = bisect_right(self._starts, pos) if self.old else 0
        if i and pos < self.old[i - 1][1]:
            return self.new[i - 1][0]  # inside a mask: from the mask's start
        return pos + self._shift(i)

    def end(self, pos: int) -> int:
        i = bisect_right(self._starts, pos - 1) if self.old else 0
        if i and pos <= self.old[i - 1][1]:
            return self.new[i - 1][1]  # inside a mask: to the mask's end
        return pos + self._shift(i)


def _mask_by_hand(text: str, spans: list[tuple[int, int]]):
    out, new, at = [], [], 0
    length = 0
    for s, e in spans:
        out.append(text[at:s])
        length += s - at
        new.append((length, length + len(MASK)))
        out.append(MASK)
        length += len(MASK)
        at = e
    out.append(text[at:])
    return "".join(out), new


def redact_text(text: str, verdict: Verdict) -> str:
    """`text` (the verdict's post text) with all its personal data masked."""
    return Masked(text, spans_of(verdict)).text


def redact_verdict(verdict: Verdict) -> Verdict:
    """A copy of `verdict` with its texts masked and its offsets moved onto the masked text."""
    if verdict.redacted:
        return verdict
    spans = spans_of(verdict)
    post = verdict.post
    if post is None:  # no post text: mask each finding's words on their own
        findings = []
        for f in verdict.findings:
            local = [(s - f.start, e - f.start, lab) for s, e, lab in spans]
            findings.append(
                f.model_copy(
                    update={
                        "text": Masked(f.text, local).text,
                        "evidence": [_masked_hit(h, spans) for h in f.evidence],
                    }
                )
            )
        return verdict.model_copy(update={"findings": findings, "redacted": True})
    masked = Masked(post.text, spans)
    new_text = masked.text

    def moved(start: int, end: int) -> tuple[int, int]:
        a = masked.start(start)
        return a, max(a, masked.end(end))

    findings = move_findings(verdict.findings, new_text, moved)
    personal = [
        Span(start=a, end=b, label=label) for s, e, label in spans for a, b in [moved(s, e)]
    ]
    media = [
        m.model_copy(update={"title": _mask_words(m.title, verdict)}) if m.title else m
        for m in post.media
    ]
    return verdict.model_copy(
        update={
            "findings": findings,
            "personal_data": personal,
            "redacted": True,
            "post": post.model_copy(update={"text": new_text, "media": media}),
        }
    )


def _masked_hit(hit: Hit, spans: list[tuple[int, int, str]]) -> Hit:
    if not hit.text:
        return hit
    local = [(s - hit.start, e - hit.start, lab) for s, e, lab in spans]
    return hit.model_copy(update={"text": Masked(hit.text, local).text})


def _mask_words(title: str | None, verdict: Verdict) -> str | None:
    """A caption or alt text: masked whole if it holds a name that a finding quoted."""
    if not title:
        return title
    for f in verdict.findings:
        for h in f.evidence:
            if h.detector == "pii" and h.label in PERSONAL_LABELS and h.why.startswith("caption"):
                return MASK
    return title
