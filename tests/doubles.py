"""Test doubles: a keyword toxicity backend so engine tests don't depend on a trained model."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from postcheck.toxicity_backends import TOXICITY_LABELS

KEYWORDS = {
    "insult": ["idiot", "pathetic", "useless"],
    "threat": ["hurt you", "kill you"],
    "obscene": ["shit", "fuck"],
    "identity_attack": ["vermin"],
    "self_harm": ["kill yourself"],
}


#: Words the double is unsure about: 0.7, between its doubt (0.5) and breach (0.9) thresholds.
BORDERLINE = {"insult": ["silly"]}


class KeywordToxicity:
    """Scores 0.95 for a label when one of its keywords appears, 0.7 for a BORDERLINE
    word, else 0.01. Its calibrated thresholds: doubt 0.5, breach 0.9 for every label."""

    name = "keyword-double"
    labels = TOXICITY_LABELS

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.thresholds = {label: {"doubt": 0.5, "breach": 0.9} for label in self.labels}

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        self.calls.append(list(texts))
        out = []
        for text in texts:
            lowered = text.lower()
            row = {label: 0.01 for label in self.labels}
            for label, words in BORDERLINE.items():
                if any(w in lowered for w in words):
                    row[label] = 0.7
            for label, words in KEYWORDS.items():
                if any(w in lowered for w in words):
                    row[label] = 0.95
                    row["toxicity"] = 0.95
            out.append(row)
        return out

    def describe(self) -> dict:
        return {"name": self.name}


def fail_on_marker(detector, monkeypatch, message: str, marker: str = "BOOM") -> None:
    """Make `detector` raise RuntimeError(message) for any batch holding a post with `marker`."""
    real = detector.detect

    def detect(analyses):
        if any(marker in a.post.text for a in analyses):
            raise RuntimeError(message)
        return real(analyses)

    monkeypatch.setattr(detector, "detect", detect)


def tampered_copy(source: Path, folder: Path) -> Path:
    """A copy of a model file in `folder` with one byte appended (its sha256 no longer
    matches the pinned one)."""
    copy = folder / source.name
    shutil.copy(source, copy)
    with copy.open("ab") as fh:
        fh.write(b"\0")
    return copy
