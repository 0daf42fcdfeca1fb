"""The sentence encoder's onnxruntime options, measured side by side (for choosing them).

    python benchmarks/encoder_options.py                 # 9 rounds
    python benchmarks/encoder_options.py --quantized minilm_dyn_int8.onnx

The shipped model (int8 weights, dequantised to float32 when the session is built: its
MatMuls run in float32) under: graph optimisation basic (shipped), extended and all; two
intra-op threads; and, with `--quantized`, a dynamically quantised copy (MatMulInteger,
int8 arithmetic), made from the float32 graph with onnxruntime.quantization:

    python -c "import onnxruntime as ort; o = ort.SessionOptions(); \\
      o.optimized_model_filepath = 'fp32.onnx'; ort.InferenceSession(MODEL, o)"
    python -c "from onnxruntime.quantization import quantize_dynamic, QuantType; \\
      quantize_dynamic('fp32.onnx', 'minilm_dyn_int8.onnx', weight_type=QuantType.QInt8)"

(needs the `onnx` package, which postcheck does not install). Workloads: a 200-character
draft alone; the draft with its three sentences (what the classifier encodes for it) in
one call, and one call each; 40 short posts one at a time. Variants run alternately in
random order; CPU time (all threads) is robust to other load on a shared machine, wall
time is what a user waits. With `--quantized`, also how far its vectors and the heads'
scores move (it would need the heads retrained and recalibrated). No assertions.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

DRAFT = (
    "Well done to everyone in Year 5 for a brilliant trip to the Science Museum today. "
    "Special thanks to Mrs Patel and the parent helpers. Photos will be on the school "
    "website on Friday, see you there!"
)
SEGMENTS = [
    DRAFT,
    "Well done to everyone in Year 5 for a brilliant trip to the Science Museum today.",
    "Special thanks to Mrs Patel and the parent helpers.",
    "Photos will be on the school website on Friday, see you there!",
]


def session(encoder, path: Path, threads: int, level: str):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    options.graph_optimization_level = {
        "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
        "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
    }[level]
    t = time.perf_counter()
    encoder.session = ort.InferenceSession(
        str(path), sess_options=options, providers=["CPUExecutionProvider"]
    )
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--quantized", type=Path, help="a dynamically quantised copy (see above)")
    args = parser.parse_args()
    from sample_posts import sample_posts

    from postcheck.encoder import Encoder

    plans = [("shipped, basic (as shipped)", None, 1, "basic"),
             ("shipped, extended", None, 1, "extended"),
             ("shipped, all", None, 1, "all"),
             ("shipped, basic, 2 threads", None, 2, "basic")]  # fmt: skip
    if args.quantized:
        plans += [("dynamic int8, basic", args.quantized, 1, "basic"),
                  ("dynamic int8, all", args.quantized, 1, "all")]  # fmt: skip
    variants = {}
    print(f"machine: {os.cpu_count()} cores\nsession build:")
    for name, path, threads, level in plans:
        encoder = Encoder(threads=threads)
        built = session(encoder, path or encoder.path, threads, level)
        variants[name] = encoder
        print(f"  {name:30s} {built * 1000:6.0f} ms")
    posts = sample_posts(40)
    work = {
        "draft alone": lambda e: e.encode([DRAFT]),
        "draft + 3 sentences, one call": lambda e: e.encode(SEGMENTS),
        "draft + 3 sentences, a call each": lambda e: [e.encode([s]) for s in SEGMENTS],
        "40 short posts, one at a time": lambda e: [e.encode([p]) for p in posts],
    }
    cpu = {(w, v): [] for w in work for v in variants}
    wall = {(w, v): [] for w in work for v in variants}
    rng = random.Random(3)
    for name in variants:
        work["draft alone"](variants[name])  # warm up
    for _ in range(args.rounds):
        for w, run in work.items():
            for v in rng.sample(list(variants), len(variants)):
                c, t = time.process_time(), time.perf_counter()
                run(variants[v])
                cpu[(w, v)].append((time.process_time() - c) * 1000)
                wall[(w, v)].append((time.perf_counter() - t) * 1000)
    print(f"\nmedian of {args.rounds} rounds, ms: CPU time (all threads) / wall time")
    for w in work:
        print(f"{w}:")
        for v in variants:
            print(f"  {v:30s} {statistics.median(cpu[(w, v)]):8.1f} / "
                  f"{statistics.median(wall[(w, v)]):8.1f}")  # fmt: skip
    if args.quantized:
        compare(variants["shipped, basic (as shipped)"], variants["dynamic int8, basic"])


def compare(shipped, quantized) -> None:
    """How far the quantised copy moves the vectors and the heads' scores, on drafts."""
    import numpy as np

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from models import drafts
    from postcheck.detectors.classifier import load_heads, read_thresholds

    texts = [d.text for d in random.Random(0).sample(drafts.read(drafts.TRAIN_DIR), 400)]
    a, b = shipped.encode(texts), quantized.encode(texts)
    cosine = (a * b).sum(axis=1)
    heads, thresholds = load_heads(), read_thresholds()
    sa, sb = heads.scores(a, texts), heads.scores(b, texts)
    moved = sum(
        int(((sa[:, j] >= t[level]) != (sb[:, j] >= t[level])).sum())
        for j, t in enumerate(thresholds[label] for label in heads.labels)
        for level in ("doubt", "breach")
    )
    sides = len(texts) * len(heads.labels) * 2
    print(f"\ndynamic int8 vs shipped, 400 training drafts: cosine min {cosine.min():.3f}, "
          f"mean {cosine.mean():.3f}; heads' scores move by up to {np.abs(sa - sb).max():.2f} "
          f"(median {np.median(np.abs(sa - sb)):.4f}); {moved} of {sides} "
          "(draft, label, threshold) sides change")  # fmt: skip


if __name__ == "__main__":
    main()
