"""Detectors turn one analysed post into scored evidence (Hits).

Each detector lives in its own module and declares the labels it can emit, so
that rule files can be validated against them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from postcheck.normalise import Normalised
    from postcheck.schema import Hit, Post


@dataclass
class Analysis:
    """Everything detectors share for one post: the normalised text and ONE spaCy Doc."""

    post: Post
    normalised: Normalised
    doc: Doc
    hits: list[Hit] = field(default_factory=list)


class Detector(Protocol):
    """The interface every detector implements."""

    name: str

    def labels(self) -> set[str]:
        """Every label this detector can emit (used to validate rules)."""
        ...

    def detect(self, analyses: list[Analysis]) -> None:
        """Append Hits (offsets in the ORIGINAL text) to each analysis."""
        ...
