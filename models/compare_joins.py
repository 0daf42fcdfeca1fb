"""Compare ways of joining the embedded model's two parts, each dev source held out in turn.

    .venv-train/bin/python models/compare_joins.py --data ../shared/eval/dev \
        --workdir /tmp/postcheck-xsource

Needs the held-out models that `benchmarks/quality.py --cross-source` trains into
--workdir (one folder per held-out source). For each held-out source it prints the AUC
(abusive vs not) of the `toxicity` score joined four ways:
- shipped: the project's part's logit + the Jigsaw part's `toxic` logit (as embedded.combine
  joins them, same logit);
- jig3: the project's logit + the mean of the Jigsaw part's toxic, insult and
  identity_hate logits (no fitting);
- lr6 x k: the project's logit + k times a logistic regression over the Jigsaw part's six
  logits, fitted on the other three sources (the Jigsaw part never saw any of them);
- lr14: a logistic regression over both parts' logits (8 + 6), fitted on the other three
  sources (where the project's part was trained: its scores there are in-sample).
Used for the model card's "Known weaknesses" (learned joining). Training venv only
(scikit-learn).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

import sources  # noqa: E402

from postcheck.toxicity_backends.embedded import EmbeddedModel, logit  # noqa: E402

JIG_TOXIC, JIG_INSULT, JIG_IDENTITY = 0, 4, 5  # columns of JigsawBiLSTM.labels


def fit(xs: list[np.ndarray], ys: list[np.ndarray]) -> tuple[StandardScaler, LogisticRegression]:
    """Logistic regression with each source weighted equally, classes balanced within it."""
    x, y = np.vstack(xs), np.concatenate(ys)
    w = np.concatenate([np.where(t, 0.5 / t.mean(), 0.5 / (1 - t.mean())) / len(t) for t in ys])
    scale = StandardScaler().fit(x)
    lr = LogisticRegression(C=0.1, max_iter=3000).fit(
        scale.transform(x), y, sample_weight=w * len(w)
    )
    return scale, lr


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", default=str(HERE.parent.parent / "shared/eval/dev"))
    ap.add_argument("--workdir", default="/tmp/postcheck-xsource")
    args = ap.parse_args()
    data = sources.load_all(Path(args.data))
    held_outs = sources.ABUSE_SOURCES
    y = {s: np.array([e.abusive for e in data[s]], bool) for s in held_outs}
    jig, own = {}, {}
    for held in held_outs:
        model = EmbeddedModel(Path(args.workdir) / held, sha256=None)
        for s in held_outs:
            texts = [e.text for e in data[s]]
            own[held, s] = logit(model.own_score_matrix(texts))
            if s not in jig:
                jig[s] = logit(model.jigsaw_score_matrix(texts))
        print(f"scored with the model trained without {held}", file=sys.stderr)

    rows = {}
    for held in held_outs:
        others = [s for s in held_outs if s != held]
        base = own[held, held][:, 0]
        r = {
            "shipped": base + jig[held][:, JIG_TOXIC],
            "jig3": base + jig[held][:, [JIG_TOXIC, JIG_INSULT, JIG_IDENTITY]].mean(1),
        }
        scale, lr = fit([jig[s] for s in others], [y[s] for s in others])
        learned = lr.decision_function(scale.transform(jig[held]))
        for k in (1, 2):
            r[f"lr6 x {k}"] = base + k * learned
        both = [np.hstack([own[held, s], jig[s]]) for s in others]
        scale, lr = fit(both, [y[s] for s in others])
        r["lr14"] = lr.decision_function(scale.transform(np.hstack([own[held, held], jig[held]])))
        rows[held] = {name: roc_auc_score(y[held], v) for name, v in r.items()}

    names = list(next(iter(rows.values())))
    print("| join | " + " | ".join(held_outs) + " |")
    print("|---|" + "---|" * len(held_outs))
    for name in names:
        print(f"| {name} | " + " | ".join(f"{rows[h][name]:.3f}" for h in held_outs) + " |")


if __name__ == "__main__":
    main()
