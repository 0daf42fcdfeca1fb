"""What a cascade would keep of a larger encoder's gain: an estimate on dev2.

    .venv-train/bin/python models/cascade_estimate.py [--larger compare-mpnet]

Trains the shipped head kind (`hybrid-4`) on the shipped encoder's vectors and on a larger
encoder's (from `compare_encoders.py`'s cache, `models/.cache/vectors-NAME.npz`: run that
first), on the same rows, and scores dev2 with every post read whole. The cascade: a post
whose best margin under the shipped heads is below a cut stays ok; a post above it is
judged by the larger encoder's heads alone. The cut is the q-quantile of dev2's ok
drafts' margins, so 1 - q is about the share of everyday posts that would pay for the
larger encoder. For each cut, one threshold for all categories is moved until 5% of the
ok drafts are flagged, as in `compare_encoders.py`. dev2 chooses the thresholds and is
scored: this compares designs; it is not a held-out measurement. Needs scikit-learn.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import drafts  # noqa: E402
import train_classifier as tc  # noqa: E402
from compare_classifiers import logit  # noqa: E402
from compare_encoders import scores as head_scores  # noqa: E402
from compare_encoders import training_rows  # noqa: E402

from postcheck.encoder import load_encoder  # noqa: E402

CUTS = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95)


class Cached:
    """An encoder known only by the name of its vectors' cache."""

    def __init__(self, name: str):
        self.name = name

    def encode(self, texts: list[str]) -> np.ndarray:
        sys.exit(f"cascade_estimate: {len(texts)} texts are not in the cache of {self.name}; "
                 "run models/compare_encoders.py for that encoder first")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--larger", default="compare-mpnet", help="the larger encoder's cache")
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "eval" / "dev")
    args = parser.parse_args()

    rows, weights, _ = training_rows(args.data)
    texts = tc.normalised([t for t, _ in rows])
    y = tc.targets([c for _, c in rows])
    dev2 = drafts.dev2()
    dev2_texts = tc.normalised([d.text for d in dev2])
    dev2_y = tc.targets([d.categories for d in dev2])

    margins = {}
    for name, encoder in (("shipped", load_encoder()), ("larger", Cached(args.larger))):
        x = tc.encode_cached(texts, encoder)
        layers, lexical = tc.train_heads("hybrid-4", x, y, texts, weights=weights)
        vectors = tc.encode_cached(dev2_texts, encoder)
        margins[name] = logit(head_scores(layers, lexical, vectors, dev2_texts))
        print(f"{name} ({encoder.name}): heads trained on {len(rows)} rows", flush=True)

    ok = dev2_y.sum(axis=1) == 0
    first = margins["shipped"].max(axis=1)
    choices = [(f"larger encoder above q{q:.2f} of ok margins", q) for q in CUTS]
    for label, q in [*choices, ("shipped alone", None)]:
        if q is None:
            up = np.zeros(len(first), dtype=bool)
            m = margins["shipped"]
        else:
            up = first >= np.quantile(first[ok], q)
            m = np.where(up[:, None], margins["larger"], -1e9)  # the rest stay ok
        best = m.max(axis=1)
        flagged = m > np.quantile(best[ok], 0.95)
        caught = flagged[~ok].any(axis=1).mean()
        right = (flagged & (dev2_y == 1))[~ok].any(axis=1).mean()
        print(f"{label:42s} re-read: {up[ok].mean():4.0%} of ok drafts, "
              f"{up[~ok].mean():4.0%} of flag drafts | at 5% ok flagged: caught {caught:.1%}, "
              f"right clause {right:.1%}")  # fmt: skip


if __name__ == "__main__":
    main()
