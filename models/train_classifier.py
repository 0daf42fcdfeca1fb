"""Train the classifier's heads on the drafts corpus and calibrate their thresholds.

One command, CPU only (a few minutes on 2 cores):

    .venv/bin/pip install scikit-learn==1.9.1   # training only
    .venv/bin/python models/train_classifier.py [--data ../shared/eval/dev]

Fine-tuned encoder layers (`models/finetune_classifier.py --export FILE.onnx`) are read
with `--top-layers FILE.onnx`; the heads are then trained on that encoder's vectors, and
writing to the package ships the layers beside the heads (`encoder-top.onnx`, its int8
matrices stored as deltas from the base model's in `encoder-top-deltas.npz`, the rebuilt
model pinned in src/postcheck/encoder.py). `--base` trains on the int8 model's own six
layers instead.

1. reads `models/data/drafts/train/` (never `test/`), split into train and validation by
   a hash of the text (`drafts.is_validation`), plus the rules' own examples as training
   rows (fail examples as their rule's category, pass examples as ok);
2. encodes every text with the shipped sentence encoder (normalised as the engine
   normalises), cached under `models/.cache/`;
3. trains the heads (`--head mlp`: 384 -> HIDDEN ReLU -> one sigmoid per category, or
   `linear`: one logistic regression per category) on the train split;
   The calibration half of the benign university posts (`sources.calibration_half`) is
   split again by account: one part is trained on as ok posts, the other sets thresholds;
4. scores the validation split, the separately written dev2 set (`drafts.dev2`, never
   trained on) and that part of the benign university posts exactly as the detector does
   (whole post, and each sentence of a long post), and picks per category a `doubt`
   threshold (best F1 on validation + dev2, then raised where it costs least until all
   categories together flag at most OK_BUDGET of those ok drafts and UNI_BUDGET of those
   university posts) and a `breach` threshold (precision >= BREACH_PRECISION there);
5. writes `heads.npz`, `thresholds.yml`, `HEADS_SHA256` in
   src/postcheck/detectors/classifier.py, and `models/classifier_metrics.json`.

`--compare` trains both head kinds and prints their validation figures without writing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import drafts  # noqa: E402
from pins import pin  # noqa: E402

from postcheck.detectors.classifier import (  # noqa: E402
    CATEGORY_CLAUSES,
    CLASSIFIER_LABELS,
    HEADS_FORMAT,
    Heads,
)
from postcheck.encoder import (  # noqa: E402
    base_model_bytes,
    deltas_file,
    split_top_layers,
    top_layers_bytes,
)

OUT = ROOT / "src" / "postcheck" / "data" / "classifier"
DETECTOR_PY = ROOT / "src" / "postcheck" / "detectors" / "classifier.py"
ENCODER_PY = ROOT / "src" / "postcheck" / "encoder.py"
TOP_FILE = OUT / "encoder-top.onnx"
TOP_REFERENCE = ROOT / "tests" / "data" / "encoder_top_reference.json"
CACHE = HERE / ".cache"
HIDDEN = 256
#: The MLP's L2 penalty (chosen with --compare on the validation split).
ALPHA = 1e-3
#: The categories' `doubt` thresholds together flag at most this share of the validation
#: ok drafts ...
OK_BUDGET = 0.04
#: ... and of the university posts set aside for calibration.
UNI_BUDGET = 0.015
BREACH_PRECISION = 0.9
#: The rules' examples are few (about 500 among 20,000 rows) but hand-picked edge cases,
#: near-misses above all; each counts this many times in training.
RULE_EXAMPLE_WEIGHT = 5.0
#: n-gram weights smaller than this are stored as 0, so that heads.npz stays under 2 MB
#: (with the concern head's column, 1e-3 left it at 2.1 MB).
LEXICAL_FLOOR = 4e-3
#: The share of the calibration ok drafts that reach a category's `lean` score (0.5 under
#: the heads before the concern head let 3.25% of them through for `confidential`).
LEAN_OK_SHARE = 0.03
#: The concern head lifts a category only within this many ok-draft spreads of the
#: category the text is nearest to (chosen on validation and dev2: more categories cited
#: per flagged draft caught a few more clauses at a much lower precision).
NEAR_TOP = 1.0
#: The highest threshold (the heads' scores reach 0.999 on some harmless posts).
CAP = 0.999
FLOOR = 0.2
#: Rules whose examples are about the category they train (the others are personal data,
#: numbers or photo metadata, which the classifier does not read).
RULE_CATEGORY = {
    "lewd_sexual": "lewd",
    "threats": "threat",
    "offensive_language": "offensive",
    "profanity": "offensive",
    "illegal_goods": "unlawful",
}
SKIP_RULES = {"financial_and_id_numbers", "pupil_contact_details", "photo_location"}


def rule_rows() -> list[tuple[str, tuple[str, ...]]]:
    """(text, categories) from the rules' own examples: fail -> the rule's category."""
    from postcheck.rules import load_rules

    by_clause = {}
    for category, clause in CATEGORY_CLAUSES.items():
        by_clause.setdefault(clause, []).append(category)
    fails: dict[str, set[str]] = {}
    passes: set[str] = set()
    for rule in load_rules():
        if rule.id in SKIP_RULES:
            continue
        cats = by_clause[rule.clause]
        category = RULE_CATEGORY.get(rule.id) or (cats[0] if len(cats) == 1 else None)
        for ex in rule.examples:
            if ex.media:
                continue
            if ex.expect == "fail" and category:
                fails.setdefault(ex.text, set()).add(category)
            elif ex.expect == "pass":
                passes.add(ex.text)
    rows = [(t, tuple(sorted(c))) for t, c in fails.items()]
    rows += [(t, ()) for t in sorted(passes - set(fails))]
    return rows


def normalised(texts: list[str]) -> list[str]:
    from postcheck.normalise import normalise

    return [normalise(t).text for t in texts]


def encode_cached(texts: list[str], encoder) -> np.ndarray:
    """Encoder vectors of the normalised texts, cached by encoder and text."""
    from postcheck.encoder import BASE_NAME

    CACHE.mkdir(exist_ok=True)
    name = encoder.name
    path = CACHE / ("vectors.npz" if name == BASE_NAME else f"vectors-{name}.npz")
    known: dict[str, np.ndarray] = {}
    if path.is_file():
        with np.load(path, allow_pickle=False) as npz:
            known = dict(zip(npz["keys"].tolist(), npz["vectors"], strict=True))
    keys = [hashlib.sha1(t.encode()).hexdigest() for t in texts]
    todo = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in known}.items())
    if todo:
        vectors = encoder.encode([t for _, t in todo])
        known.update({k: v for (k, _), v in zip(todo, vectors, strict=True)})
        np.savez(path, keys=np.array(list(known)), vectors=np.stack(list(known.values())))
    return np.stack([known[k] for k in keys]) if keys else np.zeros((0, 384), np.float32)


def targets(rows: list[tuple[str, ...]]) -> np.ndarray:
    y = np.zeros((len(rows), len(CLASSIFIER_LABELS)), dtype=np.float32)
    for i, cats in enumerate(rows):
        for c in cats:
            y[i, CLASSIFIER_LABELS.index(c)] = 1.0
    return y


#: The head kinds `--compare` trains: "hybrid-C" (the shipped kind: the sentence vector and
#: hashed word n-grams), "lexical-C" (the n-grams alone, no encoder), "mlp-ALPHA" and
#: "linear-C" (the sentence vector alone).
VARIANTS = ["hybrid-4", "lexical-4", "mlp-0.01", "linear-1"]


def lexical_matrix(texts: list[str]):
    """A scipy CSR matrix of the texts' hashed word n-grams (as the detector computes them)."""
    from scipy.sparse import csr_matrix

    from postcheck.detectors.classifier import HASH_BUCKETS, lexical_features

    rows, cols, vals = [], [], []
    for i, text in enumerate(texts):
        buckets, values = lexical_features(text)
        rows += [i] * len(buckets)
        cols += buckets.tolist()
        vals += values.tolist()
    return csr_matrix((vals, (rows, cols)), shape=(len(texts), HASH_BUCKETS), dtype=np.float32)


def train_heads(
    kind: str,
    x: np.ndarray,
    y: np.ndarray,
    texts: list[str],
    seed: int = 13,
    weights: np.ndarray | None = None,
) -> tuple[list[np.ndarray], np.ndarray | None]:
    """(layers, lexical weights or None) for a head `kind`: mlp[-ALPHA], linear[-C] or
    hybrid[-C] (one logistic regression per category over the sentence vector and the
    hashed word n-grams together)."""
    kind, _, value = kind.partition("-")
    if kind in ("hybrid", "lexical"):
        from scipy.sparse import csr_matrix, hstack
        from sklearn.linear_model import LogisticRegression

        if kind == "lexical":  # no sentence encoder: what the encoder adds, measured
            x = np.zeros((x.shape[0], 0), dtype=np.float32)
        features = hstack([csr_matrix(x), lexical_matrix(texts)]).tocsr()
        ws, whs, bs = [], [], []
        for j in range(y.shape[1]):
            model = LogisticRegression(
                C=float(value or 4.0), class_weight="balanced", max_iter=3000, solver="liblinear"
            )
            model.fit(features, y[:, j], sample_weight=weights)
            ws.append(model.coef_[0][: x.shape[1]] if x.shape[1] else np.zeros(384))
            whs.append(model.coef_[0][x.shape[1] :])
            bs.append(model.intercept_[0])
        return [np.stack(ws, axis=1), np.array(bs)], np.stack(whs, axis=1)
    if kind == "linear":
        from sklearn.linear_model import LogisticRegression

        ws, bs = [], []
        for j in range(y.shape[1]):
            model = LogisticRegression(
                C=float(value or 4.0), class_weight="balanced", max_iter=2000
            )
            model.fit(x, y[:, j], sample_weight=weights)
            ws.append(model.coef_[0])
            bs.append(model.intercept_[0])
        return [np.stack(ws, axis=1), np.array(bs)], None
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(
        hidden_layer_sizes=(HIDDEN,),
        alpha=float(value or ALPHA),
        batch_size=64,
        learning_rate_init=1e-3,
        max_iter=80,
        early_stopping=False,
        random_state=seed,
    )
    model.fit(x, y.astype(int))
    return [model.coefs_[0], model.intercepts_[0], model.coefs_[1], model.intercepts_[1]], None


class Segments:
    """The vectors the detector reads for each post (the post, and in a long post each
    sentence, pooled from the same encoder pass: `Encoder.encode_segments`), computed once,
    so that many heads can be scored as the engine scores them."""

    def __init__(self, texts: list[str], encoder):
        from postcheck.detectors.classifier import text_segments
        from postcheck.normalise import normalise

        norms = [normalise(t).text for t in texts]
        owners, pieces, rows = [], [], []
        spans = [text_segments(n)[1:] for n in norms]
        vectors = encoder.encode_segments(norms, spans) if norms else []
        for i, (n, sentences, matrix) in enumerate(zip(norms, spans, vectors, strict=True)):
            for start, end in [(0, len(n)), *sentences]:
                owners.append(i)
                pieces.append(n[start:end])
            rows.append(matrix)
        self.n = len(texts)
        self.owners = np.array(owners, dtype=int)
        #: each post's whole-text row (its first segment)
        self.first = (
            np.flatnonzero(np.r_[True, self.owners[1:] != self.owners[:-1]])
            if len(self.owners)
            else np.zeros(0, dtype=int)
        )
        self.pieces = pieces
        self.vectors = np.vstack(rows) if rows else np.zeros((0, 384), np.float32)

    def whole(self) -> tuple[np.ndarray, list[str]]:
        """The vectors and texts of the whole posts (each post's first segment)."""
        return self.vectors[self.first], [self.pieces[i] for i in self.first]

    def scores(self, heads: Heads) -> np.ndarray:
        """(posts, categories): each category's highest score over a post's segments."""
        out = np.zeros((self.n, len(heads.labels)), dtype=np.float32)
        if len(self.owners):
            whole = self.first[self.owners]  # each row's post's whole text, as the detector
            np.maximum.at(out, self.owners, heads.scores(self.vectors, self.pieces, whole))
        return out


def concern_stats(raw: Heads, segment_sets: list[Segments], calib_y: np.ndarray) -> dict:
    """How the concern head and each category's head score ok drafts (their whole posts'
    log-odds on the calibration sets: mean and spread), for `Heads.scores` to put them on
    one scale and average them."""
    pieces = [s.whole() for s in segment_sets]
    logits = raw.logits(np.vstack([v for v, _ in pieces]), [t for _, ts in pieces for t in ts])
    ok = logits[calib_y.sum(axis=1) == 0]
    mean, spread = ok.mean(axis=0), ok.std(axis=0)
    return {
        "mean": [round(float(v), 5) for v in mean[:-1]],
        "spread": [round(float(v), 5) for v in spread[:-1]],
        "any_mean": round(float(mean[-1]), 5),
        "any_spread": round(float(spread[-1]), 5),
        "near_top": NEAR_TOP,
    }


def add_leans(thresholds: dict, scores: np.ndarray, y: np.ndarray) -> None:
    """Each category's `lean`: the score LEAN_OK_SHARE of the calibration ok drafts reach
    (never above its `doubt`), for rules that pair the classifier with a specific signal
    (`min_score: lean`)."""
    ok = scores[y.sum(axis=1) == 0]
    for j, label in enumerate(CLASSIFIER_LABELS):
        lean = float(np.quantile(ok[:, j], 1 - LEAN_OK_SHARE))
        thresholds[label]["lean"] = round(min(lean, thresholds[label]["doubt"]), 3)


def choose_thresholds(
    val_scores, val_y, uni_scores, must_flag=None, shared: bool = False, sets=None
) -> dict[str, dict[str, float]]:
    """With `shared` (heads read with a concern head: every category's score is on one
    scale), start every category at the lowest single threshold under both budgets.
    `sets`: the rows of each calibration set (validation, dev2), each held to OK_BUDGET
    on its own as well as together (a writer the heads never saw must not pay for the
    training writers' slack).
    Otherwise, per category: start at the best-F1 `doubt` threshold on validation, then, while the
    categories together flag more than OK_BUDGET of the validation ok drafts or UNI_BUDGET
    of the university posts, raise (by 0.01) the threshold whose raise clears the most
    such false alarms per caught draft lost. `must_flag` (scores, targets) are the rules'
    fail examples: no raise lifts a category above one of its examples' scores, and a
    category is lowered to flag its examples where the budgets allow (they are the rules'
    tests). `breach`: the lowest threshold at or above `doubt` where
    validation precision reaches BREACH_PRECISION. Then slack left under the budgets is
    spent (`_spend_slack`)."""
    ok_rows = val_y.sum(axis=1) == 0
    lowest = _lowest_examples(must_flag)

    def rates(t: np.ndarray) -> tuple[float, float]:
        ok_rate = float((val_scores[ok_rows] >= t).any(axis=1).mean()) if ok_rows.any() else 0.0
        for rows in sets or []:
            mine = rows & ok_rows
            if mine.any():
                ok_rate = max(ok_rate, float((val_scores[mine] >= t).any(axis=1).mean()))
        uni_rate = float((uni_scores >= t).any(axis=1).mean()) if len(uni_scores) else 0.0
        return ok_rate, uni_rate

    if shared:
        # the rules' fail examples are their tests: no category starts above its lowest
        # example's score, and the one threshold of the rest is raised to pay for them
        cap = np.maximum(FLOOR, lowest)
        for t in np.round(np.arange(FLOOR, CAP + 1e-9, 0.001), 3):
            ok_rate, uni_rate = rates(np.minimum(t, cap))
            if ok_rate <= OK_BUDGET and uni_rate <= UNI_BUDGET:
                break
        doubt = np.minimum(t, cap)
    else:
        grid = np.round(np.arange(FLOOR, 0.991, 0.01), 2)
        doubt = np.zeros(len(CLASSIFIER_LABELS))
        for j in range(len(CLASSIFIER_LABELS)):
            s, pos = val_scores[:, j], val_y[:, j] == 1
            f1s = [2 * (s[pos] >= t).sum() / max((s >= t).sum() + pos.sum(), 1) for t in grid]
            doubt[j] = grid[int(np.argmax(f1s))]

    def caught(t: np.ndarray) -> int:
        return int(((val_scores >= t) & (val_y == 1)).any(axis=1).sum())

    negatives = (
        np.vstack([val_scores[ok_rows], uni_scores]) if len(uni_scores) else (val_scores[ok_rows])
    )
    # The rules' fail examples are their tests: no raise may lift a category above the
    # score of one of its examples (a raise of another category clears the alarm instead).
    ceiling = np.maximum(doubt, lowest)
    while True:
        ok_rate, uni_rate = rates(doubt)
        if ok_rate <= OK_BUDGET and uni_rate <= UNI_BUDGET:
            break
        best, best_value, best_t = None, -1.0, 0.0
        flagged_now = (negatives >= doubt).any(axis=1)
        for j in range(len(CLASSIFIER_LABELS)):
            # the smallest raise that clears at least one false alarm of this category
            above = negatives[flagged_now & (negatives[:, j] >= doubt[j]), j]
            if not len(above):
                continue
            t = min(CAP, np.ceil((above.min() + 1e-6) * 1000) / 1000, ceiling[j])
            if t <= doubt[j]:
                continue
            trial = doubt.copy()
            trial[j] = t
            # false alarms of this category cleared (a post flagged by two categories
            # needs both raised, so count category by category)
            cleared = int(((negatives[:, j] >= doubt[j]) & (negatives[:, j] < t)).sum())
            lost = caught(doubt) - caught(trial)
            value = cleared / (lost + 0.5)
            if cleared > 0 and value > best_value:
                best, best_value, best_t = j, value, t
        if best is None:
            break
        doubt[best] = best_t
    if must_flag is not None:
        doubt = _honour_examples(doubt, *must_flag, rates)
    doubt = _spend_slack(doubt, val_scores, val_y, negatives, rates, caught)
    out = {}
    for j, label in enumerate(CLASSIFIER_LABELS):
        s, pos = val_scores[:, j], val_y[:, j] == 1
        breach = None
        # a fine grid: scores read with the concern head crowd just under 1
        for t in np.round(np.arange(doubt[j], CAP + 1e-9, 0.001), 3):
            flagged = s >= t
            if flagged.sum() >= 5 and pos[flagged].mean() >= BREACH_PRECISION:
                breach = float(t)
                break
        breach = breach if breach is not None else min(CAP, max(doubt[j] + 0.15, 0.9))
        out[label] = {"doubt": round(float(doubt[j]), 3), "breach": round(max(breach, doubt[j]), 3)}
    return out


def _lowest_examples(must_flag) -> np.ndarray:
    """Per category, the score of its rules' lowest-scoring fail example, rounded down to
    0.001 (CAP where it has none)."""
    lowest = np.full(len(CLASSIFIER_LABELS), CAP)
    if must_flag is not None:
        for j in range(len(CLASSIFIER_LABELS)):
            mine = must_flag[0][must_flag[1][:, j] == 1, j]
            if len(mine):
                lowest[j] = np.floor(mine.min() * 1000) / 1000
    return lowest


def _honour_examples(doubt, scores, y, rates) -> np.ndarray:
    """Lower each category to just below its lowest-scoring rule fail example, where that
    keeps both budgets; say which categories moved and which examples stay missed."""
    doubt = doubt.copy()
    for j, label in enumerate(CLASSIFIER_LABELS):
        below = scores[(y[:, j] == 1) & (scores[:, j] < doubt[j]), j]
        if not len(below):
            continue
        t = max(FLOOR, np.floor(below.min() * 1000) / 1000)
        trial = doubt.copy()
        trial[j] = t
        ok_rate, uni_rate = rates(trial)
        if ok_rate <= OK_BUDGET and uni_rate <= UNI_BUDGET:
            print(f"  {label}: doubt {doubt[j]:.3f} -> {t:.3f} for {len(below)} rule example(s)")
            doubt = trial
        else:
            print(f"  {label}: {len(below)} rule example(s) under doubt {doubt[j]:.3f} "
                  f"(lowest {below.min():.3f}); lowering would break a budget")  # fmt: skip
    return doubt


def _spend_slack(doubt, val_scores, val_y, negatives, rates, caught) -> np.ndarray:
    """Lower thresholds while the budgets allow: each step lowers (to just below the
    next flag draft's score) the category that catches the most drafts per false alarm
    added, and stops before a step would break OK_BUDGET or UNI_BUDGET."""
    doubt = doubt.copy()
    while True:
        base_caught = caught(doubt)
        flagged_now = (negatives >= doubt).any(axis=1)
        best, best_value, best_t = None, 0.0, 0.0
        for j in range(len(CLASSIFIER_LABELS)):
            below = val_scores[(val_y[:, j] == 1) & (val_scores[:, j] < doubt[j]), j]
            below = below[below >= FLOOR]
            if not len(below):
                continue
            t = np.floor(below.max() * 1000) / 1000
            trial = doubt.copy()
            trial[j] = t
            ok_rate, uni_rate = rates(trial)
            if ok_rate > OK_BUDGET or uni_rate > UNI_BUDGET:
                continue
            gained = caught(trial) - base_caught
            added = int(((negatives >= trial).any(axis=1) & ~flagged_now).sum())
            value = gained / (added + 0.5)
            if gained > 0 and value > best_value:
                best, best_value, best_t = j, value, t
        if best is None:
            return doubt
        doubt[best] = best_t


def evaluate(scores, y, thresholds, level: str = "doubt") -> dict:
    t = np.array([thresholds[label][level] for label in CLASSIFIER_LABELS])
    pred = scores >= t
    ok_rows = y.sum(axis=1) == 0
    per = {}
    for j, label in enumerate(CLASSIFIER_LABELS):
        pos = y[:, j] == 1
        tp = int((pred[:, j] & pos).sum())
        per[label] = {
            "support": int(pos.sum()),
            "precision": round(tp / max(int(pred[:, j].sum()), 1), 3),
            "recall": round(tp / max(int(pos.sum()), 1), 3),
        }
    flagged = pred.any(axis=1)
    right_flag = np.array([(pred[i] & (y[i] == 1)).any() for i in range(len(y))])
    return {
        "ok_flagged": round(float(flagged[ok_rows].mean()), 4) if ok_rows.any() else None,
        "flags_caught": round(float(flagged[~ok_rows].mean()), 4),
        "flags_right_category": round(float(right_flag[~ok_rows].mean()), 4),
        "per_category": per,
    }


def stored(lexical: np.ndarray) -> np.ndarray:
    """The n-gram weights as heads.npz stores them: float16, those under LEXICAL_FLOOR as 0
    (they compress; the n-gram features have unit length, so a post's logit moves by about
    LEXICAL_FLOOR times the square root of its n-grams, 0.02 for 25). int8 with a scale per
    head (0.6 MB) cost 0.3-0.7 points of caught and right-clause drafts on validation and
    dev2: the largest weights are about 6, so a step was 0.05."""
    wh = np.asarray(lexical, dtype=np.float16)
    wh[np.abs(wh.astype(np.float32)) < LEXICAL_FLOOR] = 0
    return wh


def write(
    layers, lexical, kind: str, thresholds: dict, metrics: dict, out: Path, encoder, concern=None
) -> str:
    out.mkdir(parents=True, exist_ok=True)
    meta = {
        "format": HEADS_FORMAT,
        "labels": list(CLASSIFIER_LABELS),
        "encoder": encoder.name,
        "hidden": HIDDEN if kind.startswith("mlp") else 0,
        "lexical": lexical is not None,
    }
    if concern is not None:
        meta["concern"] = concern
    names = ["w1", "b1", "w2", "b2"] if kind.startswith("mlp") else ["w", "b"]
    arrays = {n: np.asarray(a, dtype=np.float16 if n.startswith("w") else np.float32)
              for n, a in zip(names, layers, strict=True)}  # fmt: skip
    if lexical is not None:
        arrays["wh"] = stored(lexical)
    meta_bytes = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez_compressed(out / "heads.npz", meta=meta_bytes, **arrays)
    lines = [
        "# Per-category thresholds of the classifier, chosen by models/train_classifier.py on",
        "# the validation split of the drafts corpus, the separately written dev2 set and the",
        "# calibration half of the benign university posts (never the test split).",
        "# See models/CLASSIFIER_CARD.md.",
    ]
    lines += [
        f"{k}: {{doubt: {v['doubt']}, breach: {v['breach']}"
        + (f", lean: {v['lean']}}}" if "lean" in v else "}")
        for k, v in thresholds.items()
    ]
    (out / "thresholds.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    digest = hashlib.sha256((out / "heads.npz").read_bytes()).hexdigest()
    if out.resolve() != OUT.resolve():
        return digest  # a trial elsewhere: the package keeps its heads and pinned digest
    pin(DETECTOR_PY, "HEADS_SHA256", digest)
    (HERE / "classifier_metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    if encoder.top is not None and Path(encoder.top.path).resolve() != TOP_FILE.resolve():
        # The heads need these layers: ship both, the int8 matrices as deltas from the base
        # model's (a quarter of the size; rebuilt byte for byte, as the pinned sha256 checks).
        graph, arrays = split_top_layers(top_layers_bytes(encoder.top.path), base_model_bytes())
        TOP_FILE.write_bytes(graph)
        np.savez_compressed(deltas_file(TOP_FILE), **arrays)
        reference = Path(encoder.top.path).with_suffix(".reference.json")
        if reference.is_file():  # the export's own vectors, for tests/test_encoder_top.py
            shutil.copyfile(reference, TOP_REFERENCE)
    pin(ENCODER_PY, "TOP_LAYERS_SHA256", encoder.top.sha256 if encoder.top is not None else None)
    if encoder.top is None:
        TOP_FILE.unlink(missing_ok=True)
        deltas_file(TOP_FILE).unlink(missing_ok=True)
    return digest


def _account_bit(account: str) -> bool:
    return hashlib.sha256(("train:" + account).encode()).digest()[0] % 2 == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "eval" / "dev",
                        help="the dev sets (for the benign university posts)")  # fmt: skip
    parser.add_argument(
        "--head", default="hybrid-4", help="hybrid-C (shipped), mlp-ALPHA or linear-C"
    )
    parser.add_argument("--compare", action="store_true", help="train both kinds; write nothing")
    parser.add_argument("--no-rule-examples", action="store_true")
    parser.add_argument("--no-concern", action="store_true",
                        help="no concern head: a category's score is its own head's")  # fmt: skip
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--top-layers",
        type=Path,
        help="fine-tuned top layers (finetune_classifier.py --export) to train the heads on; "
        "with the default --out they are shipped beside the heads (default: the shipped ones)",
    )
    parser.add_argument(
        "--base", action="store_true", help="the int8 encoder's own layers, no fine-tuned ones"
    )
    args = parser.parse_args()

    from postcheck.encoder import Encoder, TopLayers, load_encoder

    started = time.time()
    train, val = drafts.training()
    rows = [(d.text, d.categories) for d in train]
    if not args.no_rule_examples:
        val_texts = {" ".join(d.text.lower().split()) for d in val}
        rows += [r for r in rule_rows() if " ".join(r[0].lower().split()) not in val_texts]
    rule_rows_end = len(rows)
    print(f"train rows {len(rows)} (drafts {len(train)}), validation drafts {len(val)}")
    uni, uni_train = [], []
    if (args.data / "aus-university-tweets").is_dir():
        import sources
        from sources import calibration_half

        half = [e for e in sources.university(args.data) if calibration_half(e)]
        # half of the calibration half's accounts train (as ok posts), the other half set
        # the thresholds; the other half of all accounts is for measuring only
        uni_train = [e.text for e in half if _account_bit(e.meta.get("account", ""))]
        uni = [e.text for e in half if not _account_bit(e.meta.get("account", ""))]
        rows += [(t, ()) for t in uni_train]
    weights = np.ones(len(rows))
    weights[len(train) : rule_rows_end] = RULE_EXAMPLE_WEIGHT
    if args.top_layers:
        encoder = Encoder(top_layers=TopLayers(args.top_layers, sha256=None))
    else:
        encoder = Encoder(top_layers=None) if args.base else load_encoder()
    print(f"encoder {encoder.name}")
    texts = normalised([t for t, _ in rows])
    x = encode_cached(texts, encoder)
    y = targets([c for _, c in rows])
    val_y = targets([d.categories for d in val])
    print(f"encoded in {time.time() - started:.0f} s; university posts: {len(uni_train)} "
          f"trained on as ok, {len(uni)} for thresholds")  # fmt: skip

    results = {}
    dev2 = drafts.dev2()
    dev2_y = targets([d.categories for d in dev2])
    calib_y = np.vstack([val_y, dev2_y])
    val_segments = Segments([d.text for d in val], encoder)
    dev2_segments = Segments([d.text for d in dev2], encoder)
    uni_segments = Segments(uni, encoder)
    print(f"dev2 (separately written, thresholds only) {len(dev2)} drafts")
    rule_fails = [(t, c) for t, c in rule_rows() if c] if not args.no_rule_examples else []
    rule_segments = Segments([t for t, _ in rule_fails], encoder)
    rule_y = targets([c for _, c in rule_fails])
    for kind in VARIANTS if args.compare else [args.head]:
        with_concern = not args.no_concern and not kind.startswith("mlp")
        y_heads = np.hstack([y, y.max(axis=1, keepdims=True)]) if with_concern else y
        layers, lexical = train_heads(kind, x, y_heads, texts, weights=weights)
        if lexical is not None:  # scored as shipped
            lexical = stored(lexical).astype(np.float32)
        concern = None
        if with_concern:
            raw = Heads.from_arrays(list(CLASSIFIER_LABELS), layers, lexical, encoder.name)
            concern = concern_stats(raw, [val_segments, dev2_segments], calib_y)
        heads = Heads.from_arrays(list(CLASSIFIER_LABELS), layers, lexical, encoder.name,
                                  concern)  # fmt: skip
        val_scores = val_segments.scores(heads)
        dev2_scores = dev2_segments.scores(heads)
        uni_scores = uni_segments.scores(heads)
        must_flag = (rule_segments.scores(heads), rule_y) if rule_fails else None
        thresholds = choose_thresholds(
            np.vstack([val_scores, dev2_scores]), calib_y, uni_scores, must_flag,
            shared=concern is not None,
            sets=[np.arange(len(calib_y)) < len(val_y), np.arange(len(calib_y)) >= len(val_y)],
        )  # fmt: skip
        add_leans(thresholds, np.vstack([val_scores, dev2_scores]), calib_y)
        doubt = evaluate(val_scores, val_y, thresholds, "doubt")
        on_dev2 = evaluate(dev2_scores, dev2_y, thresholds, "doubt") if len(dev2) else None
        uni_doubt = float(
            (uni_scores >= np.array([thresholds[c]["doubt"] for c in CLASSIFIER_LABELS]))
            .any(axis=1).mean()
        ) if len(uni_scores) else None  # fmt: skip
        results[kind] = {"validation": doubt, "dev2": on_dev2,
                         "university_calibration_flagged": uni_doubt,
                         "thresholds": thresholds, "train_rows": len(rows),
                         "validation_drafts": len(val), "dev2_drafts": len(dev2)}  # fmt: skip
        print(f"\n== {kind}: university calibration part flagged {uni_doubt}")
        for name, m in (("validation", doubt), ("dev2", on_dev2)):
            if m:
                print(f"  {name}: ok drafts flagged {m['ok_flagged']}, flags caught "
                      f"{m['flags_caught']}, right clause {m['flags_right_category']}")  # fmt: skip
        for label, m in doubt["per_category"].items():
            t = thresholds[label]
            d2 = on_dev2["per_category"][label] if on_dev2 else {"precision": 0, "recall": 0}
            print(f"  {label:15s} n={m['support']:4d} P={m['precision']:.2f} R={m['recall']:.2f}"
                  f"  dev2 P={d2['precision']:.2f} R={d2['recall']:.2f}"
                  f"  doubt {t['doubt']:.2f} breach {t['breach']:.2f}")  # fmt: skip
        if not args.compare:
            digest = write(layers, lexical, kind, thresholds, results[kind], args.out, encoder,
                           concern)  # fmt: skip
            print(f"\nwrote {args.out}/heads.npz (sha256 {digest}) and thresholds.yml")
    print(f"done in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
