"""Detectors turn one analysed post into scored evidence (Hits).

Each detector lives in its own module and declares the labels it can emit, so
that rule files can be validated against them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

from postcheck.schema import Hit

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from postcheck.normalise import Normalised
    from postcheck.schema import Post


@dataclass
class Analysis:
    """What detectors share for one piece of a post: the normalised text and ONE spaCy Doc.

    Long posts are analysed in chunks; `offset` is where this chunk's Doc starts in
    the normalised text. Detectors report spans in Doc coordinates through `hit()`,
    which maps them back to the ORIGINAL text.
    """

    post: Post
    normalised: Normalised
    doc: Doc
    offset: int = 0
    hits: list[Hit] = field(default_factory=list)

    @cached_property
    def text(self) -> str:
        """The Doc's text, built once (spaCy rebuilds `doc.text` on every access)."""
        return self.doc.text

    def hit(
        self, detector: str, label: str, start: int, end: int, score: float, why: str = ""
    ) -> Hit:
        """A Hit for Doc span [start, end), with offsets and text from the original post."""
        o_start, o_end = self.normalised.to_original(self.offset + start, self.offset + end)
        return Hit(
            detector=detector,
            label=label,
            start=o_start,
            end=o_end,
            score=round(float(min(max(score, 0.0), 1.0)), 4),
            why=why,
            text=self.post.text[o_start:o_end],
        )


class Detector(Protocol):
    """The interface every detector implements."""

    name: str

    def labels(self) -> set[str]:
        """Every label this detector can emit (used to validate rules)."""
        ...

    def detect(self, analyses: list[Analysis]) -> None:
        """Append Hits (via `Analysis.hit`) to each analysis."""
        ...
