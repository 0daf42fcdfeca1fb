"""Compare the shipped classifier with an earlier commit's on dev2, threshold-free.

    .venv/bin/python models/compare_classifiers.py --before a18169a

Reads the earlier commit's fine-tuned top layers, heads and thresholds from git (no
checkout), and scores dev2 (940 drafts by a writer no head was trained on) with both, each
read two ways: each sentence of a long post pooled from the whole post's encoder pass (as
the detector reads it now), and each sentence encoded on its own (as before). Prints, per
model and way: the flag-vs-ok AUC of the post's best category margin, the macro average
precision over categories, and the drafts caught and with the right clause when all of a
model's thresholds move together (one shift of their log-odds) until 3%, 5% and 8% of
dev2's ok drafts are flagged. dev2 sets thresholds too, so this compares models; it is not
a held-out measurement (that is `benchmarks/policy_quality.py`). Needs scikit-learn.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import drafts  # noqa: E402
from train_classifier import Segments, targets  # noqa: E402

from postcheck.detectors.classifier import (  # noqa: E402
    CLASSIFIER_LABELS,
    Heads,
    read_thresholds,
    text_segments,
)
from postcheck.encoder import Encoder, TopLayers  # noqa: E402
from postcheck.normalise import normalise  # noqa: E402

DATA = "src/postcheck/data/classifier"
OK_RATES = (0.03, 0.05, 0.08)


def scores(texts: list[str], encoder: Encoder, heads: Heads, in_context: bool) -> np.ndarray:
    """(posts, categories): each category's best score over a post's segments, read as the
    detector reads them (`Segments`), or with each sentence encoded on its own."""
    if in_context:
        return Segments(texts, encoder).scores(heads)
    norms = [normalise(t).text for t in texts]
    out = np.zeros((len(texts), len(CLASSIFIER_LABELS)), np.float32)
    for i, n in enumerate(norms):
        pieces = [n] + [n[s:e] for s, e in text_segments(n)[1:]]
        whole = np.zeros(len(pieces), dtype=int)  # each row's post: its first row
        out[i] = heads.scores(encoder.encode(pieces), pieces, whole).max(axis=0)
    return out


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def report(name: str, s: np.ndarray, y: np.ndarray, thresholds: dict) -> str:
    doubt = np.array([thresholds[c]["doubt"] for c in CLASSIFIER_LABELS])
    margin = logit(s) - logit(doubt)
    ok = y.sum(axis=1) == 0
    best = margin.max(axis=1)
    ap = np.mean([average_precision_score(y[:, j], s[:, j]) for j in range(y.shape[1])
                  if y[:, j].any()])  # fmt: skip
    line = f"{name:44s} AUC {roc_auc_score(~ok, best):.3f}  macro AP {ap:.3f}"
    for rate in OK_RATES:
        cut = np.quantile(best[ok], 1 - rate)
        flagged = margin > cut
        caught = flagged[~ok].any(axis=1).mean()
        right = (flagged & (y == 1))[~ok].any(axis=1).mean()
        line += f" | {rate:.0%} ok: caught {caught:.1%} clause {right:.1%}"
    return line


def files_at(rev: str, folder: Path) -> Path:
    optional = ("encoder-top-deltas.npz", "encoder-base.onnx")  # 2026-12-01 afternoon on
    for name in ("encoder-top.onnx", *optional, "heads.npz", "thresholds.yml"):
        shown = subprocess.run(["git", "show", f"{rev}:{DATA}/{name}"], cwd=ROOT,
                               capture_output=True)  # fmt: skip
        if shown.returncode == 0:
            (folder / name).write_bytes(shown.stdout)
        elif name not in optional:
            sys.exit(f"compare_classifiers: {rev} has no {DATA}/{name}")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default="a18169a", help="git ref of the earlier classifier")
    args = parser.parse_args()
    dev2 = drafts.dev2()
    texts, y = [d.text for d in dev2], targets([d.categories for d in dev2])
    print(f"dev2: {len(dev2)} drafts, {int((y.sum(axis=1) > 0).sum())} flag drafts")
    with tempfile.TemporaryDirectory() as tmp:
        before = files_at(args.before, Path(tmp))
        models = [
            (f"before ({args.before})",
             Encoder(top_layers=TopLayers(before / "encoder-top.onnx", sha256=None),
                     rewritten=(before / "encoder-base.onnx").is_file()),
             Heads(before / "heads.npz", sha256=None),
             read_thresholds(before / "thresholds.yml")),
            ("shipped", Encoder(), Heads(), read_thresholds()),
        ]  # fmt: skip
        for name, encoder, heads, thresholds in models:
            for in_context, way in ((True, "pooled in context"), (False, "sentences alone")):
                s = scores(texts, encoder, heads, in_context)
                print(report(f"{name}, {way}", s, y, thresholds), flush=True)


if __name__ == "__main__":
    main()
