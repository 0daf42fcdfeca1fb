"""How big and how varied the drafts corpus is.

    .venv/bin/python models/corpus_report.py [--json FILE]

Prints, for the training corpus and the test split apart:
- drafts per clause (a multi-label draft counts for each), per category, ok drafts by kind
  (near-miss / everyday), multi-label drafts, length in words;
- near-duplicates: the share of drafts whose nearest other draft in the same split has
  encoder cosine >= 0.95 (the shipped sentence encoder, all-MiniLM-L6-v2);
- template shapes: the share of drafts that share their "shape" with another draft (the
  text with every capitalised word, number and name-like token replaced by a placeholder
  and the rest kept), which catches a frame with only names or numbers swapped;
- leakage: test drafts whose nearest training draft has cosine >= 0.95.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import drafts  # noqa: E402

NEAR = 0.95


def shape(text: str) -> str:
    text = re.sub(r"\b[A-Z][\w'’-]*", "X", text)
    text = re.sub(r"\d+", "0", text)
    return " ".join(text.lower().split())


def nearest(a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """For each row of a, the highest cosine to another row of a (or to any row of b)."""
    out = np.zeros(len(a), dtype=np.float32)
    other = a if b is None else b
    for start in range(0, len(a), 512):
        sims = a[start : start + 512] @ other.T
        if b is None:
            idx = np.arange(start, min(start + 512, len(a)))
            sims[idx - start, idx] = -1
        out[start : start + 512] = sims.max(axis=1)
    return out


def describe(name: str, rows: list[drafts.Draft], vectors: np.ndarray) -> dict:
    clauses = Counter(c for d in rows for c in d.labels)
    categories = Counter(c for d in rows for c in d.categories)
    kinds = Counter(d.kind for d in rows)
    shapes = Counter(shape(d.text) for d in rows)
    near = nearest(vectors) if len(rows) > 1 else np.zeros(len(rows))
    words = [len(d.text.split()) for d in rows]
    out = {
        "drafts": len(rows),
        "flag": kinds["flag"],
        "ok_near_miss": kinds["near_miss"],
        "ok_everyday": kinds["everyday"],
        "multi_label": sum(len(set(d.labels)) > 1 for d in rows),
        "words_median": int(np.median(words)) if words else 0,
        "over_80_words": sum(w > 80 for w in words),
        "near_duplicates": round(float((near >= NEAR).mean()), 4) if len(rows) else 0,
        "shared_shape": round(sum(n for n in shapes.values() if n > 1) / max(len(rows), 1), 4),
        "per_clause": dict(sorted(clauses.items())),
        "per_category": dict(sorted(categories.items())),
        "writers": dict(
            Counter(d.source.split("/")[d.source.startswith("train/")] for d in rows)
        ),  # fmt: skip
    }
    print(f"\n== {name}: {len(rows)} drafts: {out['flag']} flag, {out['ok_near_miss']} ok "
          f"near-miss, {out['ok_everyday']} ok everyday; {out['multi_label']} multi-label; "
          f"median {out['words_median']} words, {out['over_80_words']} over 80")  # fmt: skip
    print(f"near-duplicates (cosine >= {NEAR}): {out['near_duplicates']:.1%}; drafts sharing a "
          f"shape with another: {out['shared_shape']:.1%}")  # fmt: skip
    print("per clause: " + ", ".join(f"{c} {n}" for c, n in out["per_clause"].items()))
    print("per category: " + ", ".join(f"{c} {n}" for c, n in out["per_category"].items()))
    print("by writer: " + ", ".join(f"{w} {n}" for w, n in out["writers"].items()))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    from train_classifier import encode_cached, normalised

    from postcheck.encoder import load_encoder

    encoder = load_encoder()
    train_rows = drafts.read(drafts.TRAIN_DIR)
    test_rows = drafts.read(drafts.TEST_DIR)
    dev2_rows = drafts.read(drafts.DEV2_DIR) if drafts.DEV2_DIR.is_dir() else []
    train_v = encode_cached(normalised([d.text for d in train_rows]), encoder)
    test_v = encode_cached(normalised([d.text for d in test_rows]), encoder)
    dev2_v = encode_cached(normalised([d.text for d in dev2_rows]), encoder)
    report = {"train": describe("training corpus", train_rows, train_v),
              "dev2": describe("dev2 (calibration only)", dev2_rows, dev2_v),
              "test": describe("test split", test_rows, test_v)}  # fmt: skip
    if len(dev2_rows) and len(train_rows):
        leak = nearest(dev2_v, train_v)
        report["dev2_near_a_training_draft"] = round(float((leak >= NEAR).mean()), 4)
        print(f"\ndev2 drafts with a training draft at cosine >= {NEAR}: "
              f"{report['dev2_near_a_training_draft']:.1%} (max {leak.max():.3f})")  # fmt: skip
    if len(test_rows) and len(train_rows):
        leak = nearest(test_v, train_v)
        report["test_near_a_training_draft"] = round(float((leak >= NEAR).mean()), 4)
        print(f"\ntest drafts with a training draft at cosine >= {NEAR}: "
              f"{report['test_near_a_training_draft']:.1%} (max {leak.max():.3f})")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
