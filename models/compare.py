"""Compare candidate architectures on the abusive-vs-not task, each dev source held out in turn.

    .venv-train/bin/python models/compare.py --data ../shared/eval/dev

Prints, per architecture: the AUC on each held-out source, the share of identity-neutral
template sentences flagged and the share of threats caught at the threshold that flags 2%
of the benign university posts. Used to choose the architecture in MODEL_CARD.md.
Training only (needs scikit-learn and the MiniLM token table made by distil.py).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

import distil  # noqa: E402
import sources  # noqa: E402

from postcheck.toxicity_backends.embedded import WordPiece, hashed_ngrams, words  # noqa: E402

BUCKETS = 2**18


def featurise(texts, wp, table, weights):
    toks = [words(t) for t in texts]
    ids = [wp.encode(t) for t in toks]
    dense = np.zeros((len(texts), table.shape[1]), np.float32)
    for i, row in enumerate(ids):
        if row:
            w = weights[row]
            dense[i] = (w[:, None] * table[row]).sum(0) / max(w.sum(), 1e-6)
    rows, cols = [], []
    for i, t in enumerate(toks):
        b = hashed_ngrams(t, BUCKETS)
        rows.extend([i] * len(b))
        cols.extend(b)
    hashed = sparse.csr_matrix(
        (np.ones(len(rows), np.float32), (rows, cols)), shape=(len(texts), BUCKETS)
    )
    # l2-normalise hashed rows
    norms = np.sqrt(np.asarray(hashed.sum(1)).ravel()) + 1e-6
    hashed = sparse.diags(1 / norms) @ hashed
    return dense, hashed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(HERE.parent.parent / "shared/eval/dev"))
    ap.add_argument("--own", action="store_true", help="add models/data/*.jsonl to training")
    args = ap.parse_args()
    data = sources.load_all(Path(args.data))
    vocab, table = distil.token_table()
    wp = WordPiece(vocab)
    weights = distil.token_weights(vocab)
    rng = np.random.default_rng(0)
    tmpl = data["templates"]
    tmpl = [tmpl[i] for i in rng.choice(len(tmpl), 8000, replace=False)]
    tmpl_neutral = [e for e in tmpl if e.labels["toxicity"] == 0]
    feats = {}
    t0 = time.time()
    for name in [*sources.ABUSE_SOURCES, "university", "own"]:
        feats[name] = featurise([e.text for e in data[name]], wp, table, weights)
    feats["tmpl"] = featurise([e.text for e in tmpl_neutral], wp, table, weights)
    print(f"featurised in {time.time() - t0:.1f}s", flush=True)
    threats = [i for i, e in enumerate(data["ethos"]) if e.labels.get("threat") == 1.0]

    def stack(kind, parts):
        if kind == "static":
            return np.vstack([p[0] for p in parts])
        if kind == "hashed":
            return sparse.vstack([p[1] for p in parts]).tocsr()
        return sparse.hstack(
            [
                sparse.vstack([p[1] for p in parts]),
                sparse.csr_matrix(np.vstack([p[0] for p in parts])),
            ]
        ).tocsr()

    for kind in ("hashed", "static", "both"):
        print(f"== {kind}")
        for held in sources.ABUSE_SOURCES:
            train = [s for s in sources.ABUSE_SOURCES if s != held]
            if args.own:
                train.append("own")
            ys = []
            for s in train:
                ys.extend(1 if (e.labels.get("toxicity", 0) >= 0.5) else 0 for e in data[s])
            X = stack(kind, [feats[s] for s in train])
            # benign university posts are never training data here
            clf = LogisticRegression(
                C=1.0 if kind != "static" else 10.0, max_iter=2000, class_weight="balanced"
            )
            clf.fit(X, np.array(ys))
            y_held = [e.abusive for e in data[held]]
            p_held = clf.decision_function(stack(kind, [feats[held]]))
            auc = roc_auc_score(y_held, p_held)
            p_uni = clf.decision_function(stack(kind, [feats["university"]]))
            thr = np.quantile(p_uni, 0.98)
            p_tmpl = clf.decision_function(stack(kind, [feats["tmpl"]]))
            line = (
                f"  held-out {held:10s} AUC {auc:.3f}  tmpl-FPR@uni2% {np.mean(p_tmpl > thr):.3f}"
            )
            if held == "ethos":
                line += f"  threat-recall {np.mean(p_held[threats] > thr):.3f}"
            print(line, flush=True)


if __name__ == "__main__":
    main()
