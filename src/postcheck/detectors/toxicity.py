"""Toxicity: scores the whole post and each of its sentences with the configured backend.

A post's score for a label is the whole post's score; in a long post (more than
LONG_POST_WORDS words, where one bad sentence is diluted in the whole) it is the highest
of the whole post's and its sentences' scores. Measured on the dev sets, taking the
sentence maximum in short posts raised false alarms on benign posts and lowered AUC
(models/MODEL_CARD.md). The Hit points at the sentence that scored highest, so a reader
sees which words raised it. One Hit per label is always emitted, so every label has a score.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from postcheck.detectors import Analysis
    from postcheck.toxicity_backends import ToxicityBackend


#: Posts longer than this are scored by their worst sentence too (a tweet is at most ~55).
LONG_POST_WORDS = 60


class ToxicityDetector:
    name = "toxicity"

    def __init__(self, backend: ToxicityBackend):
        self.backend = backend

    def labels(self) -> set[str]:
        return set(self.backend.labels)

    def detect(self, analyses: list[Analysis]) -> None:
        segments: list[tuple[int, int, int]] = []  # (analysis index, start, end) in Doc chars
        for i, analysis in enumerate(analyses):
            doc = analysis.doc
            segments.append((i, 0, len(doc.text)))
            sentences = [(s.start_char, s.end_char) for s in doc.sents if s.text.strip()]
            if len(sentences) > 1:
                segments.extend((i, start, end) for start, end in sentences)
        texts = [analyses[i].doc.text[start:end] for i, start, end in segments]
        if not texts:
            return
        whole: dict[tuple[int, str], float] = {}
        best: dict[tuple[int, str], tuple[float, int, int]] = {}
        for (i, start, end), row in zip(segments, self.backend.score(texts), strict=True):
            for label, score in row.items():
                if (i, label) not in whole:  # each analysis's first segment is its whole text
                    whole[(i, label)] = score
                old = best.get((i, label))
                # The highest score wins; on a tie, the shorter (more specific) segment.
                if (
                    old is None
                    or score > old[0]
                    or (score == old[0] and end - start < old[2] - old[1])
                ):
                    best[(i, label)] = (score, start, end)
        why = f"{self.backend.name} model score"
        long_post = {i: len(a.doc.text.split()) > LONG_POST_WORDS for i, a in enumerate(analyses)}
        for (i, label), (top, start, end) in best.items():
            score = top if long_post[i] else whole[(i, label)]
            analyses[i].hits.append(analyses[i].hit("toxicity", label, start, end, score, why))
