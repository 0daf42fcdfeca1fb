"""The embedded toxicity model: small, offline, numpy only.

`toxicity: {backend: embedded}` (the default). Options in postcheck.yml:

- `weights: DIR`   a folder with other weights in the same format (e.g. from
                   models/train.py); their sha256 is then not pinned unless `sha256:` is given;
- `sha256: {FILE: HEX, ...}`  the digests to require of the files in `weights`.

How it works (see models/MODEL_CARD.md for the data and the measurements):

1. the text is normalised: lower case, accents stripped, HTML entities decoded, URLs and
   @mentions replaced by placeholders, obfuscated words folded ("k1ll y0urself",
   "f.u.c.k", "stuuupid");
2. it is split into WordPiece tokens with all-MiniLM-L6-v2's vocabulary (pruned to the
   tokens seen in training);
3. features: the weighted mean of static token vectors (distilled from all-MiniLM-L6-v2
   at training time, then trained further), plus hashed word uni/bigrams;
4. a small two-layer network gives one logit per label; sigmoid gives the score;
5. a second part, a BiLSTM trained on the Jigsaw Toxic Comment data (jigsaw_bilstm.py),
   scores the same normalised text on six of the labels, and `combine` joins the two.

No torch, no transformers: loading is `numpy.load(allow_pickle=False)` of files whose
sha256 is pinned below, and scoring a post costs under a millisecond.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from postcheck.errors import ModelError
from postcheck.toxicity_backends import TOXICITY_LABELS, register_backend
from postcheck.toxicity_backends.jigsaw_bilstm import FILE as JIGSAW_FILE
from postcheck.toxicity_backends.jigsaw_bilstm import JigsawBiLSTM
from postcheck.toxicity_backends.weights_file import WeightsFile

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
THRESHOLDS_FILE = WEIGHTS_DIR / "thresholds.yml"
#: The shipped weights (four files, each under 2 MB) and their sha256, checked on load.
#: models/train.py prints the new values after training.
WEIGHTS_SHA256: dict[str, str] = {
    "embedded-v2-tokens.npz": "fdedafddedc18c02e2c985e4f29869512a3df11ab2d3e64352dc29efb7c519ff",
    "embedded-v2-members.npz": "3187a6d07fb1fc8a38bf57c0abee1929cbb5ec5bb22fb87cb852f6fc385ba180",
    "embedded-v2-head.npz": "80d97d4a2343430651cbbc98186a603097b0044e5b2faf9b52c872a0fb59402c",
    # models/convert_jigsaw_bilstm.py prints this one
    JIGSAW_FILE: "a327f15d4f0f7f7537cc9887006c2e5e387f8ae6844d2f238f68e3e1161bc141",
}

WHAT = "the embedded toxicity model's weights"
RETRAIN = (
    "reinstall postcheck (`pip install --force-reinstall postcheck`), or retrain with "
    "`python models/train.py --data ../shared/eval/dev --out "
    "src/postcheck/toxicity_backends/weights` and update WEIGHTS_SHA256"
)

# ----------------------------------------------------------------------------- text


_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"@\w+")
_ENTITY = re.compile(r"&(?:amp|lt|gt|quot|#0?39|#\d+);")
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
)
# a word with letters and look-alike digits/symbols inside it: "k1ll", "y0urself", "b!tch":
# a run of these characters (_LEET_RUN) with a letter, look-alikes and a letter inside it
# (_LEET_INSIDE). One pattern for both ("[a-z0-9@$!]*[a-z][0-9@$!]+[a-z][a-z0-9@$!]*")
# matched the same runs but backtracked through a long run from every position in it:
# quadratic, 6 s for one 99,000-letter word.
_LEET_RUN = re.compile(r"[a-z0-9@$!]+")
_LEET_INSIDE = re.compile(r"[a-z][0-9@$!]+[a-z]")
# letters separated by dots, dashes, stars or spaces: "f.u.c.k", "k-i-l-l", "s h i t"
_SPACED = re.compile(r"\b(?:[a-z][.\-*_ ]){2,}[a-z]\b")
_MASKED = re.compile(r"\b([a-z]{1,2})\*+([a-z]*)")  # "f**k", "sh*t"
_REPEAT = re.compile(r"([a-z])\1{2,}")
_WORD = re.compile(r"[a-z0-9]+|[^\sa-z0-9]")
_MASK_FILL = (
    "fucking",
    "fucker",
    "fucked",
    "shitty",
    "fuck",
    "shit",
    "cunt",
    "bitch",
    "whore",
    "nigger",
    "slut",
    "dick",
    "cock",
    "twat",
)


def normalise(text: str) -> str:
    """Lower-cased, de-obfuscated text; the same function is used at training time."""
    text = _ENTITY.sub(" ", text.replace("&amp;", "&").replace("&#039;", "'"))
    text = _URL.sub(" link ", text)
    text = _MENTION.sub(" user ", text)
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = _SPACED.sub(lambda m: re.sub(r"[.\-*_ ]", "", m.group()), text)
    text = _MASKED.sub(_unmask, text)
    text = _LEET_RUN.sub(_unleet, text)
    return _REPEAT.sub(r"\1\1", text)


def _unleet(m: re.Match[str]) -> str:
    run = m.group()
    return run.translate(_LEET) if _LEET_INSIDE.search(run) else run


def _unmask(m: re.Match[str]) -> str:
    head, tail = m.group(1), m.group(2)
    for guess in _MASK_FILL:
        if guess.startswith(head) and guess.endswith(tail) and len(m.group(0)) == len(guess):
            return guess
    return head + tail


def words(text: str) -> list[str]:
    """Normalised text split into words and punctuation marks (BERT's basic tokenizer)."""
    return _WORD.findall(normalise(text))


class WordPiece:
    """Greedy longest-match-first WordPiece, as BERT's tokenizer does it."""

    def __init__(self, vocab: Sequence[str]):
        self.index = {tok: i for i, tok in enumerate(vocab)}
        self.unk = self.index.get("[UNK]", 0)
        self._cache: dict[str, tuple[int, ...]] = {}

    def word(self, word: str) -> tuple[int, ...]:
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        ids: list[int] = []
        start, n = 0, len(word)
        while start < n:
            if n > 40:  # BERT treats very long words as unknown
                ids = [self.unk]
                break
            end = n
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                found = self.index.get(piece)
                if found is not None:
                    break
                end -= 1
            if found is None:
                ids = [self.unk]  # BERT marks the whole word unknown
                break
            ids.append(found)
            start = end
        out = tuple(ids)
        if len(self._cache) < 200_000:
            self._cache[word] = out
        return out

    def encode(self, tokens: Sequence[str]) -> list[int]:
        out: list[int] = []
        for w in tokens:
            out.extend(self.word(w))
        return out

    def encode_with_share(self, tokens: Sequence[str]) -> tuple[list[int], list[float]]:
        """Token ids, and each token's share of its word (1 / pieces): a word counts once
        in the mean however many pieces it splits into (rare names split into many)."""
        ids: list[int] = []
        share: list[float] = []
        for w in tokens:
            pieces = self.word(w)
            ids.extend(pieces)
            share.extend([1.0 / len(pieces)] * len(pieces))
        return ids, share


def hashed_ngrams(tokens: Sequence[str], buckets: int) -> list[int]:
    """Bucket ids of word unigrams and bigrams (crc32, stable across runs and platforms)."""
    grams = [t for t in tokens if t.isalnum()]
    feats = [f"u:{t}" for t in grams] + [
        f"b:{a}_{b}" for a, b in zip(grams, grams[1:], strict=False)
    ]
    return sorted({zlib.crc32(f.encode()) % buckets for f in feats})


# ----------------------------------------------------------------------------- model

FORMAT_VERSION = 2
_ARRAYS = {
    "embedded-v2-tokens.npz": ("vocab", "emb_q", "token_weight"),
    "embedded-v2-members.npz": ("emb_q_delta", "emb_scale"),
    "embedded-v2-head.npz": ("meta", "hashed", "conv_w", "conv_b", "w1", "b1", "w2", "b2"),
}
CONV_WIDTH = 3  # the convolution reads three neighbouring tokens at a time


class EmbeddedModel:
    """The numpy inference side of models/train.py's network."""

    name = "embedded"

    def __init__(self, path: Path = WEIGHTS_DIR, sha256: dict[str, str] | None = WEIGHTS_SHA256):
        self.path = Path(path)
        self.sha256: dict[str, str] = {}
        arrays: dict[str, np.ndarray] = {}
        for file, names in _ARRAYS.items():
            weights = WeightsFile(self.path / file, WHAT, RETRAIN)
            self.sha256[file] = weights.verify(None if sha256 is None else sha256.get(file, ""))
            arrays.update(weights.arrays(names))
        folder = WeightsFile(self.path, WHAT, RETRAIN)
        meta = folder.meta(arrays["meta"], FORMAT_VERSION)
        vocab = folder.text(arrays["vocab"]).split("\n")
        self.labels: tuple[str, ...] = tuple(meta["labels"])
        self.meta = meta
        self.buckets = int(meta["buckets"])
        self.max_tokens = int(meta["max_tokens"])
        self.wordpiece = WordPiece(vocab)
        self.pad = self.wordpiece.index.get("[PAD]", 0)
        # every array but vocab and token_weight has a leading axis: one slice per member
        # of the ensemble (the same network trained with different seeds; scores averaged)
        # (the int8 token vectors of members after the first are stored as differences)
        first = arrays["emb_q"].astype(np.float32)
        emb_q = np.concatenate([first[None], first + arrays["emb_q_delta"]])
        self.emb = emb_q * arrays["emb_scale"][:, :, None]
        self.members = self.emb.shape[0]
        self.token_weight = arrays["token_weight"].astype(np.float32)
        self.hashed = arrays["hashed"].astype(np.float32)
        self.conv_w, self.conv_b = arrays["conv_w"], arrays["conv_b"]
        #: {label: {"doubt": x, "breach": y}}: the rules' default thresholds (models/train.py
        #: writes thresholds.yml next to the weights); empty when the folder has none
        self.thresholds = (
            load_thresholds(self.path / "thresholds.yml")
            if (self.path / "thresholds.yml").is_file()
            else {}
        )
        self.w1, self.b1 = arrays["w1"], arrays["b1"]
        self.w2, self.b2 = arrays["w2"], arrays["b2"]
        #: the second part (jigsaw_bilstm.py), when the folder has its file (the shipped
        #: folder must): its scores are combined with this model's, label by label
        self.jigsaw: JigsawBiLSTM | None = None
        if (self.path / JIGSAW_FILE).is_file() or (sha256 is not None and JIGSAW_FILE in sha256):
            self.jigsaw = JigsawBiLSTM(
                self.path / JIGSAW_FILE, None if sha256 is None else sha256.get(JIGSAW_FILE, "")
            )
            self.sha256[JIGSAW_FILE] = self.jigsaw.sha256

    def _encode(self, normalised: str) -> tuple[list[int], np.ndarray, list[int]]:
        tokens = _WORD.findall(normalised)  # words(), on text already normalised
        ids, share = self.wordpiece.encode_with_share(tokens)
        ids, share = ids[: self.max_tokens] or [self.pad], share[: self.max_tokens] or [1.0]
        return ids, np.asarray(share, np.float32), hashed_ngrams(tokens, self.buckets) or [0]

    def score_matrix(self, texts: Sequence[str]) -> np.ndarray:
        """[len(texts), len(labels)] probabilities: this model's (the mean of its members'),
        combined with the Jigsaw BiLSTM's on the six labels both score (`combine`)."""
        # both parts read the normalised text: de-obfuscated ("st00pid b1tch" -> "stoopid
        # bitch"), links and @mentions as placeholder words
        normalised = [normalise(t) for t in texts]
        own = self._own_scores(normalised)
        if self.jigsaw is None or not normalised:
            return own
        other = self.jigsaw.score_matrix(normalised)
        return combine(own, self.labels, other, self.jigsaw.labels)

    def own_score_matrix(self, texts: Sequence[str]) -> np.ndarray:
        """This model's probabilities alone: the mean of its members'."""
        return self._own_scores([normalise(t) for t in texts])

    def jigsaw_score_matrix(self, texts: Sequence[str]) -> np.ndarray:
        """The Jigsaw part's probabilities alone, columns in `self.jigsaw.labels` order."""
        if self.jigsaw is None:
            raise ValueError("this model folder has no Jigsaw part (jigsaw-bilstm.npz)")
        return self.jigsaw.score_matrix([normalise(t) for t in texts])

    def _own_scores(self, normalised: Sequence[str]) -> np.ndarray:
        if not normalised:
            return np.zeros((0, len(self.labels)), np.float32)
        # the whole batch and every member at once: every text's tokens in one flat array,
        # each text's rows reduced with reduceat; arrays are [members, rows, ...]. Features:
        # the weighted mean of the token vectors, a width-3 convolution over them (max over
        # positions: "not vermin", "should be shot"), and hashed word n-grams -> linear
        encoded = [self._encode(t) for t in normalised]
        n = len(encoded)
        lengths = np.array([len(ids) for ids, _, _ in encoded])
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        ids = np.concatenate([np.asarray(ids, np.int64) for ids, _, _ in encoded])
        weights = self.token_weight[ids] * np.concatenate([share for _, share, _ in encoded])
        weight_sums = np.maximum(np.add.reduceat(weights, starts), 1e-6)[:, None]
        counts = np.array([len(b) for _, _, b in encoded])
        bucket_starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        buckets = np.concatenate([np.asarray(b, np.int64) for _, _, b in encoded])
        vectors = self.emb[:, ids]
        mean = np.add.reduceat(weights[:, None] * vectors, starts, axis=1) / weight_sums
        # width-3 convolution: a token's row in a padded copy where each text has a zero row
        # before and after it
        centre = np.arange(ids.size) + 2 * np.repeat(np.arange(n), lengths) + 1
        padded = np.zeros((self.members, ids.size + 2 * n, vectors.shape[2]), np.float32)
        padded[:, centre] = vectors
        windows = np.concatenate([padded[:, centre - 1], vectors, padded[:, centre + 1]], axis=2)
        conv = np.maximum(windows @ self.conv_w + self.conv_b[:, None], 0.0)
        conv = np.maximum.reduceat(conv, starts, axis=1)
        lin = np.add.reduceat(self.hashed[:, buckets], bucket_starts, axis=1)
        lin /= np.sqrt(counts)[:, None]
        pooled = np.concatenate([mean, conv], axis=2)
        hidden = np.maximum(pooled @ self.w1 + self.b1[:, None], 0.0)
        logits = hidden @ self.w2 + self.b2[:, None] + lin
        return (1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))).mean(0)

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        m = self.score_matrix(list(texts))
        return [{lab: float(row[j]) for j, lab in enumerate(self.labels)} for row in m]

    def screen(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Cheap scores, never above `score`'s, for the labels where that holds: the
        project's part alone (about a quarter of the cost) on `threat` (the joined score is
        the higher of the two parts) and on the labels only it scores. The toxicity
        detector screens sentences with it before scoring them in full."""
        m = self.own_score_matrix(texts)
        joined = set(self.jigsaw.labels) - EITHER_LABELS if self.jigsaw else set()
        keep = [(j, lab) for j, lab in enumerate(self.labels) if lab not in joined]
        return [{lab: float(row[j]) for j, lab in keep} for row in m]

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "weights": str(self.path),
            "sha256": self.sha256,
            "labels": list(self.labels),
            "thresholds": self.thresholds or "none (thresholds.yml missing: rules use 0.5)",
            "architecture": (
                f"ensemble of {self.members}: MiniLM-distilled static token vectors "
                "(mean + width-3 convolution) + hashed n-grams -> MLP (numpy)"
                + (
                    "; combined with a Jigsaw-trained BiLSTM (jigsaw-bilstm.npz)"
                    if self.jigsaw
                    else ""
                )
            ),
        }


#: Labels where either model's score stands on its own: each model knows different threats
#: (the project's own examples vs Wikipedia comments), a threat is rare and costly to miss,
#: and taking the higher score flagged no more benign posts (measured: models/MODEL_CARD.md).
EITHER_LABELS = frozenset({"threat"})


def logit(p: np.ndarray) -> np.ndarray:
    """Log-odds of probabilities, clipped to [1e-4, 1 - 1e-4] (as `combine` joins them)."""
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def combine(
    own: np.ndarray, labels: Sequence[str], other: np.ndarray, other_labels: Sequence[str]
) -> np.ndarray:
    """The two models' scores joined label by label: the sigmoid of the mean of their
    logits (a product of experts: where one model is sure and the other is unsure, the sure
    one counts for more than in a plain mean of probabilities); for `threat`, the higher
    of the two (EITHER_LABELS). Labels only `own` scores (sexual_explicit, self_harm) keep
    its score."""
    out = own.copy()
    shared = [(labels.index(label), j) for j, label in enumerate(other_labels) if label in labels]
    mean = [(i, j) for i, j in shared if labels[i] not in EITHER_LABELS]
    either = [(i, j) for i, j in shared if labels[i] in EITHER_LABELS]
    if mean:
        i, j = (list(k) for k in zip(*mean, strict=True))
        out[:, i] = 1.0 / (1.0 + np.exp(-(logit(own[:, i]) + logit(other[:, j])) / 2))
    if either:
        i, j = (list(k) for k in zip(*either, strict=True))
        out[:, i] = np.maximum(own[:, i], other[:, j])
    return out


@lru_cache(maxsize=4)
def load_thresholds(path: Path = THRESHOLDS_FILE) -> dict[str, dict[str, float]]:
    """{label: {doubt: x, breach: y}} from a thresholds.yml (default: the shipped one)."""
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        return {
            str(k): {"doubt": float(v["doubt"]), "breach": float(v["breach"])}
            for k, v in data.items()
        }
    except (OSError, yaml.YAMLError, AttributeError, KeyError, TypeError, ValueError) as exc:
        raise ModelError(
            f"cannot read the embedded model's thresholds: {exc}",
            where=str(path),
            fix="each line must read `LABEL: {doubt: 0.x, breach: 0.y}`; " + RETRAIN,
        ) from exc


@register_backend("embedded")
def _factory(options: dict[str, Any]) -> EmbeddedModel:
    path = options.get("weights")
    if path is None:
        return _shipped()
    return EmbeddedModel(Path(path).expanduser(), sha256=options.get("sha256"))


@lru_cache(maxsize=1)
def _shipped() -> EmbeddedModel:
    return EmbeddedModel(WEIGHTS_DIR, WEIGHTS_SHA256)


__all__ = ["EmbeddedModel", "TOXICITY_LABELS", "load_thresholds", "normalise", "words"]
