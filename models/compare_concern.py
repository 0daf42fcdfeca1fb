"""How to read the concern head with the categories' heads: the designs compared on dev2.

    .venv/bin/python models/compare_concern.py

Trains, on the rows `train_classifier.py` trains on and the shipped encoder's vectors, one
head per category, a concern head (any category against ok) and a head for each of four
groups of categories, all of the shipped kind (`hybrid-4`), and scores the validation
split and dev2 with one threshold for all categories, moved until 4% and 5% of the ok
drafts are flagged (so the figures compare designs, not threshold searches; dev2 is also
what sets the shipped thresholds, so this is not a held-out measurement):

- whole posts: the categories' heads alone (raw log-odds), the concern head alone, their
  standardised mean (each head's log-odds less its mean on the ok drafts, over its spread:
  the shipped design), the group heads in place of the concern head, and both;
- long posts read by sentence too (as the detector does): a sentence's concern its own,
  its post's, or the mean of both (shipped).

A draft's clause is right when a category over the threshold is one of its clauses.
Needs scikit-learn (about 4 minutes on 2 cores).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import drafts  # noqa: E402
import train_classifier as tc  # noqa: E402
from compare_encoders import training_rows  # noqa: E402

from postcheck.detectors.classifier import CATEGORY_CLAUSES, CLASSIFIER_LABELS, Heads  # noqa: E402
from postcheck.encoder import load_encoder  # noqa: E402

GROUPS = {
    "conduct": ["bullying", "undermining", "disrepute", "defamation"],
    "content": ["discrimination", "lewd", "threat", "offensive"],
    "business": ["confidential", "copyright", "unlawful", "work_time", "parent_channel"],
    "safeguarding": ["pupil_contact", "grooming", "self_harm_risk", "locating_child",
                     "photo_policy"],
}  # fmt: skip
RATES = (0.04, 0.05)
CLAUSES = [CATEGORY_CLAUSES[c] for c in CLASSIFIER_LABELS]


def line(scores: np.ndarray, drafts_: list) -> str:
    """Caught and right clause at each of RATES of the ok drafts flagged."""
    ok = np.array([d.ok for d in drafts_])
    best = scores.max(axis=1)
    out = []
    for rate in RATES:
        cut = np.quantile(best[ok], 1 - rate)
        flagged = best > cut
        right = [
            flagged[i]
            and bool({CLAUSES[j] for j in np.flatnonzero(scores[i] > cut)} & set(d.labels))
            for i, d in enumerate(drafts_)
            if not d.ok
        ]
        out.append(f"{rate:.0%} ok: caught {flagged[~ok].mean():.1%} clause {np.mean(right):.1%}")
    return " | ".join(out)


def main() -> None:
    rows, weights, val = training_rows(HERE.parent.parent / "shared" / "eval" / "dev")
    texts = tc.normalised([t for t, _ in rows])
    y = tc.targets([c for _, c in rows])
    groups = np.stack(
        [y[:, [CLASSIFIER_LABELS.index(c) for c in cs]].max(axis=1) for cs in GROUPS.values()], 1
    )
    encoder = load_encoder()
    x = tc.encode_cached(texts, encoder)
    n = len(CLASSIFIER_LABELS)
    layers, lexical = tc.train_heads(
        "hybrid-4", x, np.hstack([y, y.max(axis=1, keepdims=True), groups]), texts, weights=weights
    )
    heads = Heads.from_arrays(list(CLASSIFIER_LABELS), layers, lexical)
    group_of = np.array(
        [n + 1 + [c in cs for cs in GROUPS.values()].index(True) for c in CLASSIFIER_LABELS]
    )
    sets = {"validation": val, "dev2": drafts.dev2()}
    whole = {}
    for name, ds in sets.items():
        t = tc.normalised([d.text for d in ds])
        whole[name] = heads.logits(tc.encode_cached(t, encoder), t)
    ok_logits = np.vstack([whole[k][[d.ok for d in ds]] for k, ds in sets.items()])
    mean, spread = ok_logits.mean(axis=0), ok_logits.std(axis=0)

    for name, ds in sets.items():
        z = (whole[name] - mean) / spread
        own, concern, group = z[:, :n], z[:, n : n + 1], z[:, group_of]
        top = own == own.max(axis=1, keepdims=True)
        print(f"\n== {name} ({len(ds)} drafts), whole posts")
        for label, s in (
            ("categories' heads alone", whole[name][:, :n]),
            ("concern head alone (under the top category)", np.where(top, concern, -99)),
            ("standardised mean (shipped)", (own + concern) / 2),
            ("group heads in place of the concern head", (own + group) / 2),
            ("concern and group heads", (own + (concern + group) / 2) / 2),
        ):  # fmt: skip
            print(f"  {label:46s} {line(s, ds)}", flush=True)
        segments = tc.Segments([d.text for d in ds], encoder)
        z = (heads.logits(segments.vectors, segments.pieces) - mean) / spread
        own, concern = z[:, :n], z[:, n]
        owners = segments.owners
        first = segments.first[owners]
        print(f"== {name}, long posts read by sentence too")
        for label, c in (
            ("a sentence's own concern", concern),
            ("its post's concern", concern[first]),
            ("the mean of both (shipped)", (concern + concern[first]) / 2),
        ):
            s = np.full((segments.n, n), -99.0)
            np.maximum.at(s, owners, (own + c[:, None]) / 2)
            print(f"  {label:46s} {line(s, ds)}", flush=True)


if __name__ == "__main__":
    main()
