"""Classifier: what a draft means, as a score per policy category.

A sentence encoder (all-MiniLM-L6-v2, int8 ONNX, its top layers fine-tuned on the drafts:
`postcheck.encoder`) turns the post into a vector; small trained heads
(`data/classifier/heads.npz`, trained by `models/train_classifier.py` on the project's
drafts corpus) give one probability per category; a concern head, trained on every
category at once, is read with each of them (`Heads.scores`). A post of more than
LONG_POST_WORDS words and more than one sentence is also read sentence by sentence (each
sentence's vector pooled from the same encoder pass over the whole post), and each
category takes its highest score, so one bad sentence in a long friendly post is not
averaged away; the Hit points at the words that scored highest (the whole post, or that
sentence). Thresholds (`thresholds.yml`, per category: `doubt`, `breach`, `lean`) were
calibrated on the corpus's validation split, dev2 and benign institution posts: see
models/CLASSIFIER_CARD.md.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import yaml

from postcheck.encoder import BASE_NAME, DATA_DIR, Encoder, load_encoder
from postcheck.errors import ModelError
from postcheck.toxicity_backends.weights_file import WeightsFile

if TYPE_CHECKING:
    from postcheck.detectors import Analysis

#: The policy categories the heads score, and the clause each belongs to.
CATEGORY_CLAUSES: dict[str, str] = {
    "confidential": "§5.2(a)",
    "bullying": "§5.2(b)",
    "discrimination": "§5.2(c)",
    "disrepute": "§5.2(d)",
    "lewd": "§5.2(e)",
    "threat": "§5.2(e)",
    "offensive": "§5.2(e)",
    "undermining": "§5.2(f)",
    "defamation": "§5.2(g)",
    "copyright": "§5.2(h)",
    "unlawful": "§5.2(i)",
    "pupil_contact": "§5.3",
    "parent_channel": "§5.4",
    "work_time": "§5.5",
    "grooming": "§6.1(b)",
    "self_harm_risk": "§6.1(d)",
    "locating_child": "§6.2(a)",
    "photo_policy": "§6.2(b)",
}
CLASSIFIER_LABELS: tuple[str, ...] = tuple(CATEGORY_CLAUSES)

HEADS_FILE = DATA_DIR / "heads.npz"
THRESHOLDS_FILE = DATA_DIR / "thresholds.yml"
#: sha256 of the shipped heads; models/train_classifier.py writes the new value here.
HEADS_SHA256 = "70ab1ab871c660ee5ecfddde99ac38953eec4f6111f51304440b746f0256290d"
HEADS_FORMAT = 1
#: Posts longer than this (and of more than one sentence) are also scored by sentence.
LONG_POST_WORDS = 30
RETRAIN = (
    "reinstall postcheck, or retrain with `python models/train_classifier.py` "
    "(it writes the heads, the thresholds and HEADS_SHA256)"
)


#: Word uni- and bigrams are hashed into this many buckets for the heads' lexical part.
HASH_BUCKETS = 1 << 16
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def lexical_features(text: str) -> tuple[np.ndarray, np.ndarray]:
    """(buckets, values): the text's word uni- and bigrams hashed (crc32) into
    HASH_BUCKETS, each with 1 + log(count), scaled to unit length."""
    words = _WORD.findall(text.lower())
    grams = words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    counts = Counter(zlib.crc32(g.encode()) % HASH_BUCKETS for g in grams)
    if not counts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    buckets = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
    values = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))
    return buckets, values / np.linalg.norm(values)


class Heads:
    """The trained heads: a one-hidden-layer network (or a linear layer) per category over
    the sentence vector, plus (optionally) a linear term over hashed word n-grams and a
    concern head for any category (its column last), all in one npz of plain arrays (no
    pickle), sha256-checked on load."""

    def __init__(self, path: Path = HEADS_FILE, sha256: str | None = HEADS_SHA256):
        weights = WeightsFile(path, "the classifier's heads", RETRAIN)
        weights.verify(sha256)
        arrays = weights.arrays(["meta"])
        meta = weights.meta(arrays["meta"], HEADS_FORMAT)
        self.labels: tuple[str, ...] = tuple(meta["labels"])
        self.encoder: str = meta.get("encoder", BASE_NAME)
        unknown = [label for label in self.labels if label not in CATEGORY_CLAUSES]
        if unknown:
            raise weights.error(f"unknown categories in the heads: {', '.join(unknown)}")
        names = ["w1", "b1", "w2", "b2"] if meta.get("hidden") else ["w", "b"]
        lexical = meta.get("lexical")  # n-gram weights: float16 in `wh`
        if lexical not in (None, False, True):
            raise weights.error(f"unknown n-gram weights format {lexical!r} in the heads")
        layers = weights.arrays(names + (["wh"] if lexical else []))
        self.layers = [layers[k].astype(np.float32) for k in names]
        self.lexical = layers["wh"].astype(np.float32) if lexical else None
        self.concern = _concern(meta.get("concern"), len(self.labels), str(weights.path))
        columns = len(self.labels) + (self.concern is not None)
        if self.layers[-1].shape[-1] != columns:
            raise weights.error(f"the heads have {self.layers[-1].shape[-1]} outputs, not "
                                f"{columns}")  # fmt: skip

    @classmethod
    def from_arrays(
        cls,
        labels: list[str],
        layers: list[np.ndarray],
        lexical: np.ndarray | None = None,
        encoder: str = BASE_NAME,
        concern: dict | None = None,
    ) -> Heads:
        """Heads held in memory (models/train_classifier.py calibrates with these)."""
        heads = cls.__new__(cls)
        heads.labels, heads.encoder = tuple(labels), encoder
        heads.layers = [np.asarray(x, dtype=np.float32) for x in layers]
        heads.lexical = None if lexical is None else np.asarray(lexical, dtype=np.float32)
        heads.concern = _concern(concern, len(heads.labels), "the heads in memory")
        return heads

    def scores(
        self, vectors: np.ndarray, texts: list[str] | None = None, whole: np.ndarray | None = None
    ) -> np.ndarray:
        """(n, len(labels)) probabilities for (n, 384) sentence vectors of `texts`.

        With a `concern` head (trained on every category at once: is anything wrong?),
        each category's score reads both: the mean of its own log-odds and the concern
        head's, each standardised on ok drafts (`concern` in the heads' metadata), so a
        draft that is plainly a problem but unlike any one category's examples is still
        flagged, under the category it is nearest to (and those within `near_top` of it,
        on the standardised scale: the concern lifts no other).

        `whole`: for each row (a sentence of a post), the row of its whole post; a
        sentence's concern is the mean of its own and its post's (a sentence alone, out of
        context, looks more worrying than it is; its post alone hides one bad sentence in
        a friendly post). None: each row its own."""
        logits = self.logits(vectors, texts)
        if self.concern is not None:
            mean, spread, any_mean, any_spread, near_top = self.concern
            own = (logits[:, :-1] - mean) / spread
            anything = (logits[:, -1:] - any_mean) / any_spread
            if whole is not None:  # a sentence: half its own concern, half its post's
                anything = (anything + anything[whole]) / 2
            # the concern lifts only the categories near the one the text is nearest to;
            # it can still pull any category down
            near = own >= own.max(axis=1, keepdims=True) - near_top
            logits = (own + np.where(near, anything, np.minimum(anything, own))) / 2
        return 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))

    def logits(self, vectors: np.ndarray, texts: list[str] | None = None) -> np.ndarray:
        """(n, outputs) raw log-odds of every head (the concern head's last, if any)."""
        if len(self.layers) == 4:
            w1, b1, w2, b2 = self.layers
            logits = np.maximum(vectors @ w1 + b1, 0.0) @ w2 + b2
        else:
            w, b = self.layers
            logits = vectors @ w + b
        if self.lexical is not None and texts is not None:
            for i, text in enumerate(texts):
                buckets, values = lexical_features(text)
                if len(buckets):
                    logits[i] += values @ self.lexical[buckets]
        return logits


def _concern(meta: dict | None, labels: int, where: str) -> tuple[np.ndarray, ...] | None:
    """(mean, spread, concern mean, concern spread) of the heads' log-odds on ok drafts, and
    how near the top category another must be for the concern to lift it; `where`: the
    heads' file, named in the error."""
    if not meta:
        return None
    bad = ModelError("the classifier's heads have a bad `concern` entry",
                     where=where, fix=RETRAIN)  # fmt: skip
    try:
        mean = np.asarray(meta["mean"], np.float32)
        spread = np.asarray(meta["spread"], np.float32)
        any_mean, any_spread = np.float32(meta["any_mean"]), np.float32(meta["any_spread"])
        near_top = np.float32(meta.get("near_top", np.inf))
    except (KeyError, TypeError, ValueError) as exc:
        raise bad from exc
    if mean.shape != (labels,) or spread.shape != (labels,) or (spread <= 0).any():
        raise bad
    if not any_spread > 0:
        raise bad
    return mean, spread, any_mean, any_spread, near_top


def read_thresholds(path: Path = THRESHOLDS_FILE) -> dict[str, dict[str, float]]:
    """{category: {"doubt": x, "breach": y, "lean": z}} from the thresholds file (`lean`,
    the score a rule with a specific signal asks for, where the file gives one)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ModelError(f"cannot read the classifier's thresholds: {exc}", where=str(path),
                         fix=RETRAIN) from exc  # fmt: skip
    out: dict[str, dict[str, float]] = {}
    for label, levels in data.items():
        if label not in CATEGORY_CLAUSES or not isinstance(levels, dict):
            raise ModelError(f"bad entry {label!r} in the classifier's thresholds",
                             where=str(path), fix=RETRAIN)  # fmt: skip
        out[label] = {"doubt": float(levels["doubt"]), "breach": float(levels["breach"])}
        if "lean" in levels:
            out[label]["lean"] = float(levels["lean"])
    return out


@lru_cache(maxsize=1)
def load_heads() -> Heads:
    return Heads()


#: Where the classifier cuts a long post into sentences: after . ! ? or … and a space, and
#: at line breaks. From the text alone (not spaCy's sentences), so that the encoder can
#: start on a post's sentences while spaCy reads it (`postcheck.engine._EncodeHelper`).
SENTENCE_BREAK = re.compile(r"(?<=[.!?…])\s+|\s*\n\s*")
#: A piece ending in one of these (a title or abbreviation) runs on into the next one.
RUNS_ON = re.compile(r"\b(?:Mr|Mrs|Ms|Mx|Dr|Miss|Prof|Rev|St|Sr|Jr|vs|etc|e\.g|i\.e|No)\.$",
                     re.IGNORECASE)  # fmt: skip


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the text's sentences, whitespace trimmed (SENTENCE_BREAK, RUNS_ON)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for cut in [*SENTENCE_BREAK.finditer(text), None]:
        end = cut.start() if cut else len(text)
        piece = text[start:end]
        if cut and RUNS_ON.search(piece):
            continue  # "Mrs. Patel": the sentence goes on
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            spans.append((start + lead, start + len(piece.rstrip())))
        if cut:
            start = cut.end()
    return spans


def text_segments(text: str) -> list[tuple[int, int]]:
    """The character spans the classifier reads in a text: the whole text, and in a long
    text (more than LONG_POST_WORDS words) of several sentences each sentence too."""
    whole = [(0, len(text))]
    if len(text.split()) <= LONG_POST_WORDS:
        return whole
    sentences = sentence_spans(text)
    return whole + sentences if len(sentences) > 1 else whole


class ClassifierDetector:
    """One Hit per category per post: its highest score over the post's segments."""

    name = "classifier"

    def __init__(
        self,
        encoder: Encoder | None = None,
        heads: Heads | None = None,
        thresholds: dict[str, dict[str, float]] | None = None,
    ):
        self.encoder = encoder or load_encoder()
        self.heads = heads or load_heads()
        if self.heads.encoder != self.encoder.name:
            raise ModelError(
                f"the classifier's heads were trained on the encoder {self.heads.encoder}, "
                f"but the encoder loaded is {self.encoder.name}",
                where=str(HEADS_FILE),
                fix=RETRAIN,
            )
        self.thresholds = thresholds if thresholds is not None else read_thresholds()

    def labels(self) -> set[str]:
        return set(CLASSIFIER_LABELS)

    def spans_to_encode(self, text: str) -> tuple[tuple[int, int], ...]:
        """The sentence spans `detect` pools for a piece whose text is `text` (beside the
        whole text): `text_segments` less the whole."""
        return tuple(text_segments(text)[1:])

    def detect(self, analyses: list[Analysis]) -> None:
        if not analyses:
            return
        texts = [a.text for a in analyses]
        spans = [self.spans_to_encode(text) for text in texts]
        # one encoder pass per piece: the whole text's vector and its sentences' (pooled
        # from the same token states)
        vectors = self.encoder.encode_segments(texts, spans)
        for analysis, text, sentences, rows in zip(analyses, texts, spans, vectors, strict=True):
            where = [(0, len(text)), *sentences]
            whole = np.zeros(len(where), dtype=int)  # row 0 is the whole text
            scores = self.heads.scores(rows, [text[s:e] for s, e in where], whole)
            for j, label in enumerate(self.heads.labels):
                best = int(np.argmax(scores[:, j]))  # the first of equals: the whole text
                start, end = where[best]
                why = f"classifier: reads as `{label}` ({CATEGORY_CLAUSES[label]})"
                analysis.hits.append(
                    analysis.hit("classifier", label, start, end, float(scores[best, j]), why)
                )
