"""Convert tox-block's Jigsaw-trained BiLSTM into the embedded model's second part.

tox-block 0.1.2 (MIT, Pascal Bliem, on PyPI) ships a bidirectional LSTM trained on the
Jigsaw Toxic Comment Classification data (about 160,000 Wikipedia comments labelled by
people; CC0) with GloVe-initialised word vectors. Its wheel holds a Keras HDF5 file and a
pickled Keras tokenizer, and it needs TensorFlow to run. This script reads both without
TensorFlow and without executing the pickle's code (a restricted unpickler that builds
plain objects for the two known classes and refuses anything else), checks the wheel's
sha256, and writes `jigsaw-bilstm.npz` (plain arrays: vocabulary, int8 word vectors with
one scale per word, LSTM and dense weights) for `postcheck.toxicity_backends.jigsaw_bilstm`.

    pip download tox-block==0.1.2 --no-deps -d /tmp/tox-block
    .venv-train/bin/python models/convert_jigsaw_bilstm.py \
        /tmp/tox-block/tox_block-0.1.2-py3-none-any.whl \
        --out src/postcheck/toxicity_backends/weights

Needs h5py (models/requirements-train.txt). Deterministic: the same wheel gives the same
file, byte for byte.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import io
import json
import pickle
import sys
import zipfile
from pathlib import Path

import numpy as np

WHEEL_SHA256 = "ed3a934f77d456f5324a6ae1b55bd9a3d404f6ebdb30aedad73dea5a2f01b7ed"
MODEL_MEMBER = "tox_block/trained_models/lstm_model_0.1.2.h5"
ENCODER_MEMBER = "tox_block/trained_models/encoder_0.1.2.pkl"
LICENSE_MEMBER = "tox_block-0.1.2.dist-info/LICENSE"
# tox-block's config: LIST_CLASSES, in the order of the model's outputs
SOURCE_LABELS = ("toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate")
LABELS = ("toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack")
WEIGHTS = {
    "fk": "bidirectional/bidirectional/forward_lstm/kernel:0",
    "fr": "bidirectional/bidirectional/forward_lstm/recurrent_kernel:0",
    "fb": "bidirectional/bidirectional/forward_lstm/bias:0",
    "bk": "bidirectional/bidirectional/backward_lstm/kernel:0",
    "br": "bidirectional/bidirectional/backward_lstm/recurrent_kernel:0",
    "bb": "bidirectional/bidirectional/backward_lstm/bias:0",
    "d1k": "dense/dense/kernel:0",
    "d1b": "dense/dense/bias:0",
    "d2k": "dense_1/dense_1/kernel:0",
    "d2b": "dense_1/dense_1/bias:0",
}


class _Plain:
    """Stands in for the pickled Keras classes: keeps their attributes, runs nothing."""

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        self.__dict__.update(state)


class _RestrictedUnpickler(pickle.Unpickler):
    _KNOWN = {
        ("collections", "OrderedDict"): collections.OrderedDict,
        ("collections", "defaultdict"): collections.defaultdict,
        ("builtins", "int"): int,
    }
    _PLAIN = {
        ("tox_block.data_processing.preprocessors", "TokenSequencer"),
        ("keras_preprocessing.text", "Tokenizer"),
    }

    def find_class(self, module, name):
        if (module, name) in self._KNOWN:
            return self._KNOWN[(module, name)]
        if (module, name) in self._PLAIN:
            return type(name, (_Plain,), {})
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from the tokenizer")


def convert(wheel: Path, out: Path) -> Path:
    import h5py

    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        sys.exit(f"{wheel}: sha256 {digest}, expected {WHEEL_SHA256} (not tox-block 0.1.2?)")
    with zipfile.ZipFile(wheel) as zf:
        encoder = _RestrictedUnpickler(io.BytesIO(zf.read(ENCODER_MEMBER))).load()
        h5_bytes = zf.read(MODEL_MEMBER)
        licence = zf.read(LICENSE_MEMBER).decode("utf-8")
    tok = encoder.tokenizer
    num_words = int(tok.num_words)
    with h5py.File(io.BytesIO(h5_bytes), "r") as f:
        config = json.loads(f.attrs["model_config"])
        lstm = config["config"]["layers"][2]["config"]["layer"]["config"]
        assert lstm["recurrent_activation"] == "hard_sigmoid" and lstm["activation"] == "tanh"
        weights = f["model_weights"]
        arrays = {k: np.asarray(weights[p], np.float32) for k, p in WEIGHTS.items()}
        emb = np.asarray(weights["embedding/embedding/embeddings:0"], np.float32)
    # index 0 is padding; the tokenizer keeps the words with index 1 .. num_words - 1
    vocab = [""] * num_words
    for word, i in tok.word_index.items():
        if i < num_words:
            vocab[i] = word
    assert all(vocab[1:]) and not any("\n" in w for w in vocab)
    scale = np.abs(emb).max(1) / 127.0
    scale[scale == 0] = 1.0
    meta = {
        "format": 1,
        "source": "tox-block 0.1.2 (PyPI), lstm_model_0.1.2.h5 + encoder_0.1.2.pkl",
        "source_sha256": digest,
        "source_labels": SOURCE_LABELS,
        "labels": LABELS,
        "max_length": 100,  # pad_sequences(maxlen=100), zeros before the words
        "filters": tok.filters,
        "lower": bool(tok.lower),
        "recurrent_activation": "hard_sigmoid",  # Keras 2.2.4: clip(0.2 x + 0.5, 0, 1)
        "licence": "MIT (tox-block); trained on Jigsaw Toxic Comment data (CC0)",
    }
    out.mkdir(parents=True, exist_ok=True)
    target = out / "jigsaw-bilstm.npz"
    np.savez_compressed(
        target,
        meta=np.frombuffer(json.dumps(meta, sort_keys=True).encode(), np.uint8),
        vocab=np.frombuffer("\n".join(vocab).encode("utf-8"), np.uint8),
        emb_q=np.round(emb / scale[:, None]).astype(np.int8),
        emb_scale=scale.astype(np.float32),
        **arrays,
    )
    (out / "jigsaw-bilstm.LICENSE.txt").write_text(
        "jigsaw-bilstm.npz is converted from tox-block 0.1.2's trained model.\n\n" + licence,
        encoding="utf-8",
    )
    return target


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("wheel", type=Path, help="tox_block-0.1.2-py3-none-any.whl")
    ap.add_argument("--out", type=Path, required=True, help="folder for jigsaw-bilstm.npz")
    args = ap.parse_args()
    target = convert(args.wheel, args.out)
    print(f'"{target.name}": "{hashlib.sha256(target.read_bytes()).hexdigest()}",')


if __name__ == "__main__":
    main()
