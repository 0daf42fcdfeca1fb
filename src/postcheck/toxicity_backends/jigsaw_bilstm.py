"""The embedded model's second part: a BiLSTM trained on the Jigsaw Toxic Comment data.

tox-block 0.1.2's model (MIT; trained on about 160,000 Wikipedia comments that people
labelled toxic, severe_toxic, obscene, threat, insult and identity_hate; CC0 data),
converted to plain arrays by models/convert_jigsaw_bilstm.py and run here in numpy
exactly as Keras ran it: lower case, punctuation to spaces, split on spaces, the last 100
known words (zeros before them), a 50-dimensional word vector each, one 50-unit LSTM each
way (hard-sigmoid gates), the highest value of each unit over the 100 steps, a 50-unit
ReLU layer and six sigmoids.

It knows a different corpus from the project's own model (embedded.py) and the two
disagree on different posts, so `EmbeddedModel` combines their scores (see there).
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from postcheck.errors import ModelError

FILE = "jigsaw-bilstm.npz"
FORMAT_VERSION = 1
_ARRAYS = ("meta", "vocab", "emb_q", "emb_scale", "fk", "fr", "fb", "bk", "br", "bb")
_HEAD = ("d1k", "d1b", "d2k", "d2b")
FIX = (
    "reinstall postcheck (`pip install --force-reinstall postcheck`), or rebuild the file "
    "with `python models/convert_jigsaw_bilstm.py` (see models/MODEL_CARD.md)"
)


class JigsawBiLSTM:
    """Scores texts on six labels: toxicity, severe_toxicity, obscene, threat, insult,
    identity_attack."""

    def __init__(self, path: Path, sha256: str | None = None):
        self.path = Path(path)
        self.sha256 = _verify(self.path, sha256)
        try:
            with np.load(self.path, allow_pickle=False) as npz:
                a = {k: npz[k] for k in _ARRAYS + _HEAD}
            meta = json.loads(a["meta"].tobytes().decode("utf-8"))
            vocab = a["vocab"].tobytes().decode("utf-8").split("\n")
        except (OSError, ValueError, KeyError, UnicodeDecodeError, zipfile.BadZipFile) as exc:
            raise ModelError(
                f"cannot read the Jigsaw BiLSTM's weights: {exc}", where=str(self.path), fix=FIX
            ) from exc
        if meta.get("format") != FORMAT_VERSION:
            raise ModelError(
                f"weights are format {meta.get('format')}, this postcheck reads {FORMAT_VERSION}",
                where=str(self.path),
                fix=FIX,
            )
        self.labels: tuple[str, ...] = tuple(meta["labels"])
        self.max_length = int(meta["max_length"])
        self._split = str.maketrans({c: " " for c in meta["filters"]})
        self.index = {w: i for i, w in enumerate(vocab) if i}
        self.emb = a["emb_q"].astype(np.float32) * a["emb_scale"][:, None]
        u = a["fr"].shape[0]
        self.units = u

        # Both directions run in one loop: the state is [forward, backward] (2u) and the
        # gate columns are regrouped as [i_fwd, i_bwd, f_fwd, f_bwd, c..., o...], so one
        # matrix product and one set of gate operations serve both directions.
        def gates(m: np.ndarray) -> list[np.ndarray]:
            return [m[..., g * u : (g + 1) * u] for g in range(4)]

        self._kernel_f, self._kernel_b = a["fk"], a["bk"]
        self._bias_f, self._bias_b = a["fb"], a["bb"]
        rec = np.zeros((2 * u, 8 * u), np.float32)
        for g, (rf, rb) in enumerate(zip(gates(a["fr"]), gates(a["br"]), strict=True)):
            rec[:u, 2 * g * u : (2 * g + 1) * u] = rf
            rec[u:, (2 * g + 1) * u : (2 * g + 2) * u] = rb
        self._recurrent = rec
        self._gates = gates
        self.d1k, self.d1b, self.d2k, self.d2b = a["d1k"], a["d1b"], a["d2k"], a["d2b"]

    def ids(self, text: str) -> list[int]:
        """Keras's texts_to_sequences: known words only, the last `max_length` of them."""
        found = (self.index.get(w) for w in text.lower().translate(self._split).split(" "))
        return [i for i in found if i is not None][-self.max_length :]

    def score_matrix(self, texts: Sequence[str]) -> np.ndarray:
        """[len(texts), 6] probabilities, columns in `self.labels` order."""
        n, t_max, u = len(texts), self.max_length, self.units
        if n == 0:
            return np.zeros((0, len(self.labels)), np.float32)
        ids = np.zeros((n, t_max), np.int64)
        for row, text in enumerate(texts):
            found = self.ids(text)
            if found:
                ids[row, t_max - len(found) :] = found  # zeros before the words, as Keras
        x = self.emb[ids]  # [n, T, 50]
        fwd = self._gates(x @ self._kernel_f + self._bias_f)
        bwd = self._gates((x @ self._kernel_b + self._bias_b)[:, ::-1])  # backward in time
        steps = np.concatenate(
            [part for pair in zip(fwd, bwd, strict=True) for part in pair], axis=2
        )  # [n, T, 8u]: step t holds the forward input at t and the backward one at T-1-t
        h = np.zeros((n, 2 * u), np.float32)
        c = np.zeros((n, 2 * u), np.float32)
        pooled = np.full((n, 2 * u), -np.inf, np.float32)
        for t in range(t_max):
            z = steps[:, t] + h @ self._recurrent
            gate = np.clip(0.2 * z + 0.5, 0.0, 1.0)  # hard sigmoid (used for i, f, o)
            c = gate[:, 2 * u : 4 * u] * c + gate[:, : 2 * u] * np.tanh(z[:, 4 * u : 6 * u])
            h = gate[:, 6 * u :] * np.tanh(c)
            np.maximum(pooled, h, out=pooled)
        hidden = np.maximum(pooled @ self.d1k + self.d1b, 0.0)
        return 1.0 / (1.0 + np.exp(-(hidden @ self.d2k + self.d2b)))

    def describe(self) -> dict[str, str]:
        return {
            "weights": str(self.path),
            "sha256": self.sha256,
            "architecture": (
                "BiLSTM (2 x 50 units) over GloVe-initialised word vectors, trained on the "
                "Jigsaw Toxic Comment data; tox-block 0.1.2 (MIT), converted to numpy"
            ),
        }


def _verify(path: Path, expected: str | None) -> str:
    if not path.is_file():
        raise ModelError("the Jigsaw BiLSTM's weights file is missing", where=str(path), fix=FIX)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if expected is not None and digest != expected.lower():
        raise ModelError(
            f"the Jigsaw BiLSTM's weights have sha256 {digest}, expected {expected} "
            "(corrupt or replaced file)",
            where=str(path),
            fix=FIX,
        )
    return digest
