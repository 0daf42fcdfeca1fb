"""Toxicity: scores the whole post and each of its sentences with the configured backend.

A post's score for a label is the whole post's score; in a long post (more than
LONG_POST_WORDS words, where one bad sentence is diluted in the whole) it is the highest
of the whole post's and its sentences' scores. Measured on the dev sets, taking the
sentence maximum in short posts raised false alarms on benign posts and lowered AUC
(models/MODEL_CARD.md). Threats are the exception (SENTENCE_LABELS): a threat is a
threat wherever it sits, and one sentence of threat in a friendly post ("Lovely assembly
today. Someone should shoot that ref.") scores near 0 as a whole, so in every post a
sentence whose `threat` reaches the label's `breach` threshold (the model is sure) gives
the post that score. Below that bar short sentences would raise false alarms ("I'll be
in in a bit." scores 0.5 alone): measured, models/MODEL_CARD.md. The Hit points at the sentence that
scored highest, so a reader sees which words raised it. One Hit per label is always
emitted, so every label has a score.

Sentences are scored in full only where they can matter: in long posts, in posts whose
whole score reaches SPAN_FLOOR on some label (or the backend's lowest `doubt` threshold,
if that is lower), and in posts where a sentence's screened `threat` reaches the bar (a
backend's optional `screen`: cheap scores never above its full ones; a backend without
one has every sentence scored in full). In other posts every label is far below any
threshold, and its Hit points at the whole post.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from postcheck.rules import calibrated_threshold

if TYPE_CHECKING:
    from postcheck.detectors import Analysis
    from postcheck.toxicity_backends import ToxicityBackend


#: Posts longer than this are scored by their worst sentence too (a tweet is at most ~55).
LONG_POST_WORDS = 60
#: Whole-post score from which a short post's sentences are scored too (to point at words).
SPAN_FLOOR = 0.1
#: Labels where, in every post, one sentence the model is sure of (at the label's `breach`
#: threshold) counts on its own, not only in long posts.
SENTENCE_LABELS = frozenset({"threat"})
#: The bar for that when the backend has no calibrated `breach` threshold.
SENTENCE_BAR_DEFAULT = 0.8
#: Where a sentence ends besides spaCy's sentence boundaries (its small model joins
#: "... from year 3. Ryan, I will ..." into one); models/train.py splits with it too.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def sentence_spans(analysis: Analysis) -> list[tuple[int, int]]:
    """(start, end) Doc character offsets of the post's sentences, whitespace trimmed:
    spaCy's sentences, each split again at SENTENCE_END."""
    text = analysis.text
    spans = []
    for sent in analysis.doc.sents:
        start = sent.start_char
        for end_mark in [*SENTENCE_END.finditer(text, start, sent.end_char), None]:
            end = end_mark.start() if end_mark else sent.end_char
            piece = text[start:end]
            if piece.strip():
                lead = len(piece) - len(piece.lstrip())
                spans.append((start + lead, start + len(piece.rstrip())))
            if end_mark:
                start = end_mark.end()
    return spans


class ToxicityDetector:
    name = "toxicity"

    def __init__(self, backend: ToxicityBackend):
        self.backend = backend

    def labels(self) -> set[str]:
        return set(self.backend.labels)

    def detect(self, analyses: list[Analysis]) -> None:
        if not analyses:
            return
        thresholds = getattr(self.backend, "thresholds", None) or {}
        floor = min([SPAN_FLOOR] + [t["doubt"] for t in thresholds.values()])
        # the score at which one sentence's label counts for a short post: its `breach`
        bars = {
            label: calibrated_threshold(thresholds, label, "breach", SENTENCE_BAR_DEFAULT)
            for label in SENTENCE_LABELS
        }
        post_texts = [a.text for a in analyses]
        whole_rows = self.backend.score(post_texts)
        long_post = [len(text.split()) > LONG_POST_WORDS for text in post_texts]
        sentences_of: dict[int, list[tuple[int, int]]] = {}  # Doc char offsets, 2+ sentences
        for i, analysis in enumerate(analyses):
            sentences = sentence_spans(analysis)
            if len(sentences) > 1:
                sentences_of[i] = sentences
        scored = {
            i
            for i in sentences_of
            if long_post[i] or max(whole_rows[i].values(), default=0.0) >= floor
        }
        scored.update(
            self._may_hold_a_threat(
                [i for i in sentences_of if i not in scored], sentences_of, post_texts, bars
            )
        )
        segments = [(i, start, end) for i in sorted(scored) for start, end in sentences_of[i]]
        texts = [post_texts[i][start:end] for i, start, end in segments]
        sentence_rows = self.backend.score(texts) if texts else []
        best: dict[tuple[int, str], tuple[float, int, int]] = {}
        posts = [(i, 0, len(text)) for i, text in enumerate(post_texts)]
        for (i, start, end), row in zip(posts + segments, whole_rows + sentence_rows, strict=True):
            for label, score in row.items():
                old = best.get((i, label))
                # The highest score wins; on a tie, the shorter (more specific) segment.
                if (
                    old is None
                    or score > old[0]
                    or (score == old[0] and end - start < old[2] - old[1])
                ):
                    best[(i, label)] = (score, start, end)
        why = f"{self.backend.name} model score"
        for (i, label), (top, start, end) in best.items():
            sure = label in bars and top >= bars[label]
            score = top if long_post[i] or sure else whole_rows[i][label]
            analyses[i].hits.append(analyses[i].hit("toxicity", label, start, end, score, why))

    def _may_hold_a_threat(
        self,
        candidates: list[int],
        sentences_of: dict[int, list[tuple[int, int]]],
        post_texts: list[str],
        bars: dict[str, float],
    ) -> list[int]:
        """The posts among `candidates` with a sentence whose screened SENTENCE_LABELS score
        reaches its bar, `breach` (every candidate, if the backend has no `screen`): below
        it a sentence cannot change a short post's score, and `screen` is never above the
        full score, so a screened sentence at the bar is one that counts."""
        screen = getattr(self.backend, "screen", None)
        if not candidates or screen is None:
            return candidates
        owners = [i for i in candidates for _ in sentences_of[i]]
        texts = [post_texts[i][start:end] for i in candidates for start, end in sentences_of[i]]
        found: set[int] = set()
        for i, row in zip(owners, screen(texts), strict=True):
            if any(row.get(label, 0.0) >= bar for label, bar in bars.items()):
                found.add(i)
        return [i for i in candidates if i in found]
