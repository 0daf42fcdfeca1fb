"""Toxicity: scores the whole post and each of its sentences with the configured backend.

A post's score for a label is the whole post's score; in a long post (more than
LONG_POST_WORDS words, where one bad sentence is diluted in the whole) it is the highest
of the whole post's and its sentences' scores. Measured on the dev sets, taking the
sentence maximum in short posts raised false alarms on benign posts and lowered AUC
(models/MODEL_CARD.md). The Hit points at the sentence that scored highest, so a reader
sees which words raised it. One Hit per label is always emitted, so every label has a score.

Sentences are scored only where they can matter: in long posts, and in posts whose whole
score reaches SPAN_FLOOR on some label (or the backend's lowest `doubt` threshold, if that
is lower). In other posts every label is far below any threshold, and its Hit points at
the whole post. Most posts are like that, and the model then runs once per post.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from postcheck.detectors import Analysis
    from postcheck.toxicity_backends import ToxicityBackend


#: Posts longer than this are scored by their worst sentence too (a tweet is at most ~55).
LONG_POST_WORDS = 60
#: Whole-post score from which a short post's sentences are scored too (to point at words).
SPAN_FLOOR = 0.1


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
        post_texts = [a.text for a in analyses]
        whole_rows = self.backend.score(post_texts)
        long_post = [len(text.split()) > LONG_POST_WORDS for text in post_texts]
        # (analysis index, start, end) in Doc chars: each post's sentences, where they count
        segments: list[tuple[int, int, int]] = []
        for i, (analysis, row) in enumerate(zip(analyses, whole_rows, strict=True)):
            if not long_post[i] and max(row.values(), default=0.0) < floor:
                continue
            sentences = [(s.start_char, s.end_char) for s in analysis.doc.sents if s.text.strip()]
            if len(sentences) > 1:
                segments.extend((i, start, end) for start, end in sentences)
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
            score = top if long_post[i] else whole_rows[i][label]
            analyses[i].hits.append(analyses[i].hit("toxicity", label, start, end, score, why))
