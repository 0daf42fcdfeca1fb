"""The embedded model's second part: a BiLSTM trained on the Jigsaw Toxic Comment data.

tox-block 0.1.2's model (MIT; trained on about 160,000 Wikipedia comments that people
labelled toxic, severe_toxic, obscene, threat, insult and identity_hate; CC0 data),
converted to plain arrays by models/convert_jigsaw_bilstm.py and run here in numpy as
Keras ran it: lower case, punctuation to spaces, split on spaces, the last 100 known words
(padding before them), a 50-dimensional word vector each, one 50-unit LSTM each way
(hard-sigmoid gates), the highest value of each unit over the 100 steps, a 50-unit ReLU
layer and six sigmoids.

Two shortcuts keep a post at about 0.25 ms: the forward direction's state over the padding
is the same for every text and is computed once, exactly; the backward direction, which
reads the padding last, is drawn by it to a fixed state, so after BACKWARD_PADDING_STEPS
of it that state stands in for the rest (scores change by at most 0.01, measured below).

It knows a different corpus from the project's own model (embedded.py) and the two
disagree on different posts, so `EmbeddedModel` combines their scores (see there).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from postcheck.toxicity_backends.weights_file import WeightsFile

FILE = "jigsaw-bilstm.npz"
FORMAT_VERSION = 1
_ARRAYS = ("meta", "vocab", "emb_q", "emb_scale", "fk", "fr", "fb", "bk", "br", "bb")
_HEAD = ("d1k", "d1b", "d2k", "d2b")
#: Padding steps the backward direction reads after the words before its fixed state under
#: padding stands in for the rest (Keras read all of them, up to 100 positions in all).
#: Measured on 7,223 dev and project posts scored one by one against all 100 steps: largest
#: change of any score 0.0097 (99.9th percentile 0.0001, mean 0.000002); simply stopping
#: after 10 steps, without the fixed state, changed scores by up to 0.13. Each step costs
#: about 5 microseconds.
BACKWARD_PADDING_STEPS = 10
FIX = (
    "reinstall postcheck (`pip install --force-reinstall postcheck`), or rebuild the file "
    "with `python models/convert_jigsaw_bilstm.py` (see models/MODEL_CARD.md)"
)


class JigsawBiLSTM:
    """Scores texts on six labels: toxicity, severe_toxicity, obscene, threat, insult,
    identity_attack."""

    def __init__(self, path: Path, sha256: str | None = None):
        self.path = Path(path)
        weights = WeightsFile(self.path, "the Jigsaw BiLSTM's weights", FIX)
        self.sha256 = weights.verify(sha256)
        a = weights.arrays(_ARRAYS + _HEAD)
        meta = weights.meta(a["meta"], FORMAT_VERSION)
        vocab = weights.text(a["vocab"]).split("\n")
        self.labels: tuple[str, ...] = tuple(meta["labels"])
        self.max_length = int(meta["max_length"])
        self._split = str.maketrans({c: " " for c in meta["filters"]})
        self.index = {w: i for i, w in enumerate(vocab) if i}
        self.emb = a["emb_q"].astype(np.float32) * a["emb_scale"][:, None]
        self.units = u = a["fr"].shape[0]
        self.d1k, self.d1b, self.d2k, self.d2b = a["d1k"], a["d1b"], a["d2k"], a["d2b"]

        # Keras's gate columns are [i, f, c, o]. Reorder them to [i, f, o, c] and fold the
        # hard sigmoid's 0.2 x + 0.5 into the i, f, o columns, so that a step is a clip and
        # a tanh over contiguous columns.
        def prepare(kernel, recurrent, bias):
            i, f, c, o = (slice(g * u, (g + 1) * u) for g in range(4))
            cols = lambda m: np.concatenate([m[..., i], m[..., f], m[..., o], m[..., c]], -1)  # noqa: E731
            scale = np.r_[np.full(3 * u, 0.2, np.float32), np.ones(u, np.float32)]
            shift = np.r_[np.full(3 * u, 0.5, np.float32), np.zeros(u, np.float32)]
            return cols(kernel) * scale, cols(recurrent) * scale, cols(bias) * scale + shift

        self._fwd = prepare(a["fk"], a["fr"], a["fb"])
        self._bwd = prepare(a["bk"], a["br"], a["bb"])
        # Keras put zeros (padding) before the words, up to max_length. The forward
        # direction reads those first, from a zero state, so its state after k of them is
        # the same for every text: computed once here, exactly.
        self._pad_table = self._forward_over_padding()
        self._pad_input_bwd = self.emb[0] @ self._bwd[0] + self._bwd[2]
        self._bwd_fixed = self._backward_fixed_point()

    def _forward_over_padding(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(h, c, running max of h) of the forward LSTM after k padding steps, k = 0..T."""
        u = self.units
        kernel, recurrent, bias = self._fwd
        x = self.emb[0] @ kernel + bias
        h, c = np.zeros(u, np.float32), np.zeros(u, np.float32)
        pooled = np.full(u, -np.inf, np.float32)
        table = [(h, c, pooled)]
        for _ in range(self.max_length):
            h, c = _step(x + h @ recurrent, c, u)
            pooled = np.maximum(pooled, h)
            table.append((h, c, pooled))
        return table

    def _backward_fixed_point(self) -> np.ndarray | None:
        """h where the backward LSTM settles when it reads only padding, or None if it
        does not settle (other weights): then every padding step is computed."""
        u = self.units
        h, c = np.zeros(u, np.float32), np.zeros(u, np.float32)
        still = 0  # steps in a row in which h has not moved (c may creep where tanh saturates)
        for _ in range(2000):
            h_next, c = _step(self._pad_input_bwd + h @ self._bwd[1], c, u)
            still = still + 1 if np.abs(h_next - h).max() < 1e-7 else 0
            h = h_next
            if still == 100:
                return h
        return None

    def ids(self, text: str) -> list[int]:
        """Keras's texts_to_sequences: known words only, the last `max_length` of them."""
        found = (self.index.get(w) for w in text.lower().translate(self._split).split(" "))
        return [i for i in found if i is not None][-self.max_length :]

    def score_matrix(self, texts: Sequence[str]) -> np.ndarray:
        """[len(texts), 6] probabilities, columns in `self.labels` order."""
        n, u = len(texts), self.units
        if n == 0:
            return np.zeros((0, len(self.labels)), np.float32)
        rows = [self.ids(t) for t in texts]
        words = np.array([len(r) for r in rows])
        longest = max(1, int(words.max()))
        ids = np.zeros((n, longest), np.int64)
        for r, found in enumerate(rows):
            if found:
                ids[r, longest - len(found) :] = found  # padding before the words, as Keras
        x = self.emb[ids]  # [n, L, 50]: the last L positions of Keras's 100
        # Both directions run in one loop over these L positions, the state [n, 2 (forward,
        # backward), u], so that one set of gate operations serves both. The positions
        # before them are padding for every text: the forward state there comes from the
        # table; the backward direction reads them last, below.
        steps = np.empty((n, longest, 2, 4 * u), np.float32)
        steps[:, :, 0] = x @ self._fwd[0] + self._fwd[2]
        steps[:, :, 1] = (x @ self._bwd[0] + self._bwd[2])[:, ::-1]  # read right to left
        h = np.zeros((n, 2, u), np.float32)
        c = np.zeros((n, 2, u), np.float32)
        pooled = np.full((n, 2, u), -np.inf, np.float32)
        h[:, 0], c[:, 0], pooled[:, 0] = self._pad_table[self.max_length - longest]
        # The backward direction reaches a text's padding after its words, and padding
        # draws it to a fixed state: after `budget` steps of padding, that state stands in
        # for the rest. Each text gets the same budget whatever else is in the batch (a
        # shorter text reads some of its padding inside the first loop), so a text scores
        # the same alone or in a batch.
        padding = self.max_length - words  # per text
        budget = self.max_length if self._bwd_fixed is None else BACKWARD_PADDING_STEPS
        z = np.empty((n, 2, 4 * u), np.float32)
        recurrent_f, recurrent_b = self._fwd[1], self._bwd[1]
        for t in range(longest):
            np.matmul(h[:, 0], recurrent_f, out=z[:, 0])
            np.matmul(h[:, 1], recurrent_b, out=z[:, 1])
            z += steps[:, t]
            h, c = _step(z, c, u)
            counted = t - words < budget  # padding steps read so far (t - words + 1) <= budget
            if counted.all():
                np.maximum(pooled, h, out=pooled)
            else:
                np.maximum(pooled[:, 0], h[:, 0], out=pooled[:, 0])
                np.maximum(pooled[:, 1], _only(counted, h[:, 1]), out=pooled[:, 1])
        h_b, c_b, pooled_b = h[:, 1], c[:, 1], pooled[:, 1]
        read = longest - words  # padding steps each text has read so far
        for k in range(int(min(budget - read.min(), self.max_length - longest))):
            h_b, c_b = _step(self._pad_input_bwd + h_b @ recurrent_b, c_b, u)
            counted = read + k < budget
            np.maximum(pooled_b, h_b if counted.all() else _only(counted, h_b), out=pooled_b)
        cut = padding > budget  # texts whose remaining padding the fixed state stands for
        if cut.any():
            pooled_b[cut] = np.maximum(pooled_b[cut], self._bwd_fixed)
        pooled = pooled.reshape(n, 2 * u)  # [forward units, backward units], as Keras
        hidden = np.maximum(pooled @ self.d1k + self.d1b, 0.0)
        return 1.0 / (1.0 + np.exp(-(hidden @ self.d2k + self.d2b)))


def _step(z: np.ndarray, c: np.ndarray, u: int) -> tuple[np.ndarray, np.ndarray]:
    """One LSTM step of u units: z's last axis is [i, f, o, c] with the hard sigmoid's
    scale already folded into i, f, o (see JigsawBiLSTM.__init__). Returns (h, c)."""
    gates = np.minimum(np.maximum(z[..., : 3 * u], 0.0), 1.0)
    c = gates[..., u : 2 * u] * c + gates[..., :u] * np.tanh(z[..., 3 * u :])
    return gates[..., 2 * u : 3 * u] * np.tanh(c), c


def _only(rows: np.ndarray, h: np.ndarray) -> np.ndarray:
    """h where `rows` is true, -inf elsewhere (so a running max ignores the other rows)."""
    return np.where(rows[:, None], h, -np.inf)
