"""Quality of a toxicity backend on any labelled CSV/JSONL, and the model card's cross-source table.

Usage
-----
Any labelled file (the label mapping is given on the command line):

    .venv/bin/python benchmarks/quality.py FILE.csv --text-column tweet \
        --label-column class --positive 0,1 [--sep ';'] [--backend embedded|detoxify]

    # ETHOS: fraction of annotators >= 0.5 is hate
    .venv/bin/python benchmarks/quality.py ../shared/eval/dev/ethos/Ethos_Dataset_Binary.csv \
        --sep ';' --text-column comment --label-column isHate --positive-min 0.5

    # benign posts only (no positives): prints the share flagged
    .venv/bin/python benchmarks/quality.py ../shared/eval/dev/aus-university-tweets/raw-data.csv \
        --text-column text

It prints, per label, the ROC AUC of the label's score against the binary label and
precision / recall / F1 at the label's `doubt` and `breach` thresholds, then the same for
the verdict (doubt = any label >= its doubt threshold; breach = any label >= its breach
threshold). Thresholds: the embedded model's thresholds.yml, or `--thresholds FILE`.
`--backend detoxify` scores with `postcheck.toxicity_backends.load_backend` (needs torch
and detoxify's weights; `--option model=unbiased` etc. pass postcheck.yml options).

Cross-source (the table in models/MODEL_CARD.md; needs the training venv, see
models/requirements-train.txt):

    .venv/bin/python benchmarks/quality.py --cross-source --data ../shared/eval/dev \
        [--train-python .venv-train/bin/python] [--workdir /tmp/postcheck-xsource] [--skip-train]

For each dev source with an abusive-vs-not label (davidson, wang, ethos, formspring) it
trains the model WITHOUT that source (models/train.py --holdout), chooses that model's
thresholds on the calibration half of the university posts, and measures on the held-out
source: AUC, recall and precision of the verdict. For every model it also reports the
share of identity-neutral template sentences flagged (jigsaw-sentence-templates, never
trained on), the share of the OTHER half of the university posts flagged (never trained
or calibrated on), and threat recall on ETHOS comments whose annotators marked violence.
Finally the same numbers for the shipped model (where ETHOS threats are in its training
data, so that threat recall is in-sample and says so). `--floors 0.45,0.4,0.35,0.3` also
prints every model's numbers with each label's `doubt` at those values instead (the model
card's "Why the doubt floor stays at 0.5").

In-domain (how well the recipe learns each source's own labels, for comparison):

    .venv/bin/python benchmarks/quality.py --in-domain --data ../shared/eval/dev

trains one model on four fifths of every source (models/train.py --in-domain-split) and
prints the AUC on the fifth of each source it left out.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "models"))

csv.field_size_limit(sys.maxsize)


# ----------------------------------------------------------------------------- metrics


def auc(y: np.ndarray, s: np.ndarray) -> float:
    """ROC AUC by the rank-sum formula (ties get their average rank)."""
    y = np.asarray(y, bool)
    pos, neg = int(y.sum()), int((~y).sum())
    if pos == 0 or neg == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), float)
    sorted_s = np.asarray(s)[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[y].sum() - pos * (pos + 1) / 2) / (pos * neg))


def prf(y: np.ndarray, flagged: np.ndarray) -> tuple[float, float, float]:
    y = np.asarray(y, bool)
    tp = float((flagged & y).sum())
    p = tp / max(flagged.sum(), 1)
    r = tp / max(y.sum(), 1)
    f = 2 * p * r / max(p + r, 1e-12)
    return p, r, f


def verdicts(scores: np.ndarray, labels, thresholds) -> tuple[np.ndarray, np.ndarray]:
    """(flagged = doubt or breach, breach) per row."""
    doubt = np.array([thresholds[lab]["doubt"] for lab in labels])
    breach = np.array([thresholds[lab]["breach"] for lab in labels])
    return (scores >= doubt).any(1), (scores >= breach).any(1)


# ----------------------------------------------------------------------------- loading


def read_rows(path: Path, sep: str | None) -> list[dict]:
    if path.suffix in (".jsonl", ".ndjson"):
        return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        if sep is None:
            sep = "\t" if path.suffix == ".tsv" else ","
        return list(csv.DictReader(f, delimiter=sep))


def binary_labels(rows, column, positive, positive_min) -> np.ndarray | None:
    if column is None:
        return None
    out = []
    for row in rows:
        value = str(row[column]).strip()
        if positive_min is not None:
            out.append(float(value) >= positive_min)
        else:
            out.append(value in positive)
    return np.array(out, bool)


def make_backend(name: str, options: list[str]):
    from postcheck.toxicity_backends import load_backend

    opts: dict = {"backend": name}
    for item in options:
        key, _, value = item.partition("=")
        opts[key] = value
    return load_backend(opts)


def score(backend, texts) -> np.ndarray:
    """[texts, labels] scores as the engine takes them: the whole text's, and in a long text
    (for `threat`, in any text, where a sentence reaches the backend's `breach`) the
    highest of it and its sentences' (models/train.py: score_like_engine)."""
    from train import score_like_engine

    labels = backend.labels

    def matrix(pieces: list[str]) -> np.ndarray:
        out = np.zeros((len(pieces), len(labels)), np.float32)
        for start in range(0, len(pieces), 256):
            rows = backend.score(pieces[start : start + 256])
            for i, row in enumerate(rows):
                out[start + i] = [row[lab] for lab in labels]
        return out

    screen = getattr(backend, "screen", None)
    thresholds = getattr(backend, "thresholds", None)
    return score_like_engine(matrix, list(texts), labels, screen, thresholds)


def load_thresholds(path: str | None) -> dict:
    """{label: {doubt, breach}} from a thresholds.yml (default: the shipped model's)."""
    from postcheck.toxicity_backends.embedded import THRESHOLDS_FILE
    from postcheck.toxicity_backends.embedded import load_thresholds as from_file

    return from_file(Path(path) if path else THRESHOLDS_FILE)


def with_doubt(thresholds: dict, doubt: float) -> dict:
    """The same thresholds with every label's `doubt` at `doubt` (`--floors`)."""
    return {lab: {**t, "doubt": doubt} for lab, t in thresholds.items()}


def report(labels, scores, y, thresholds, out=print) -> None:
    flagged, breach = verdicts(scores, labels, thresholds)
    if y is None or y.all() or not y.any():
        kind = "positive" if (y is not None and y.all()) else "benign"
        out(f"{len(scores)} rows, all {kind}")
        out(
            f"  verdict flagged (doubt or breach): {flagged.mean():.3%}"
            f"   breach: {breach.mean():.3%}"
        )
        for j, lab in enumerate(labels):
            t = thresholds[lab]
            out(
                f"  {lab:16s} >= doubt {np.mean(scores[:, j] >= t['doubt']):7.3%}"
                f"   >= breach {np.mean(scores[:, j] >= t['breach']):7.3%}"
            )
        return
    out(f"{len(scores)} rows, {int(y.sum())} positive")
    out(f"  {'label':16s} {'AUC':>6s}   doubt P/R/F1 (thr)         breach P/R/F1 (thr)")
    for j, lab in enumerate(labels):
        t = thresholds[lab]
        cells = []
        for kind in ("doubt", "breach"):
            p, r, f = prf(y, scores[:, j] >= t[kind])
            cells.append(f"{p:.2f}/{r:.2f}/{f:.2f} ({t[kind]:.2f})")
        out(f"  {lab:16s} {auc(y, scores[:, j]):6.3f}   {cells[0]:26s} {cells[1]}")
    top = scores.max(1)
    for kind, flags in (("verdict>=doubt", flagged), ("verdict=breach", breach)):
        p, r, f = prf(y, flags)
        out(f"  {kind:16s} {auc(y, top):6.3f}   P {p:.3f} R {r:.3f} F1 {f:.3f}")


# ----------------------------------------------------------------------------- cross-source


def cross_source(args) -> None:
    import sources
    from sources import calibration_half

    from postcheck.toxicity_backends.embedded import WEIGHTS_DIR, EmbeddedModel

    data = sources.load_all(Path(args.data))
    work = Path(args.workdir)
    rng = np.random.default_rng(0)
    templates = [e for e in data["templates"] if e.labels["toxicity"] == 0]
    templates = [templates[i] for i in rng.choice(len(templates), args.templates, replace=False)]
    uni_eval = [e for e in data["university"] if not calibration_half(e)]
    violent = [e for e in data["ethos"] if e.labels.get("threat") == 1.0]
    own_threats = [e for e in data["own"] if e.labels.get("threat") == 1.0]

    def score_sets(model) -> dict[str, np.ndarray]:
        """Scores, as the engine takes them, of the sets every model is measured on."""
        return {
            "templates": score(model, [e.text for e in templates]),
            "university": score(model, [e.text for e in uni_eval]),
            "violent": score(model, [e.text for e in violent]),
        }

    def engine_recall(model) -> float:
        """Share of ETHOS's violent comments the whole engine (rules + this model) flags."""
        from postcheck.config import Config
        from postcheck.engine import Checker

        checker = Checker(Config(), toxicity_backend=model)
        return float(np.mean([checker.check(e.text).verdict != "ok" for e in violent]))

    def common(sets: dict[str, np.ndarray], labels, thresholds) -> dict:
        t_flag, _ = verdicts(sets["templates"], labels, thresholds)
        u_flag, _ = verdicts(sets["university"], labels, thresholds)
        v_flag, _ = verdicts(sets["violent"], labels, thresholds)
        tj = labels.index("threat")
        return {
            "templates_flagged": float(t_flag.mean()),
            "university_eval_flagged": float(u_flag.mean()),
            "ethos_threat_recall_verdict": float(v_flag.mean()),
            "ethos_threat_recall_threat_label": float(
                np.mean(sets["violent"][:, tj] >= thresholds["threat"]["doubt"])
            ),
        }

    table, floor_rows = [], []
    for held in args.only or sources.ABUSE_SOURCES:
        out = work / held
        if not args.skip_train:
            cmd = [
                args.train_python,
                str(ROOT / "models" / "train.py"),
                "--data",
                args.data,
                "--holdout",
                held,
                "--out",
                str(out),
                "--thresholds",
                str(out / "thresholds.yml"),
                *args.train_arg,
            ]
            t0 = time.time()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            print(f"trained without {held} in {time.time() - t0:.0f}s", file=sys.stderr)
        model = EmbeddedModel(out, sha256=None)
        thresholds = load_thresholds(str(out / "thresholds.yml"))
        rows = data[held]
        y = np.array([e.abusive for e in rows], bool)
        s = score(model, [e.text for e in rows])
        flagged, _ = verdicts(s, model.labels, thresholds)
        p, r, f = prf(y, flagged)
        ti = model.labels.index("toxicity")
        parts = {}  # each part alone, side by side with the two together
        if model.jigsaw is not None:
            texts = [e.text for e in rows]
            parts = {
                "auc_toxicity_own_part": auc(y, model.own_score_matrix(texts)[:, ti]),
                "auc_toxicity_jigsaw_part": auc(y, model.jigsaw_score_matrix(texts)[:, 0]),
            }
        row = {
            "held_out": held,
            **parts,
            "auc_toxicity": auc(y, s[:, ti]),
            "auc_max_label": auc(y, s.max(1)),
            "precision": p,
            "recall": r,
            **common(sets := score_sets(model), model.labels, thresholds),
            "ethos_threat_recall_engine": engine_recall(model),
        }
        table.append(row)
        for floor in args.floors:
            at = with_doubt(thresholds, floor)
            fp, fr, _ = prf(y, verdicts(s, model.labels, at)[0])
            floor_rows.append(
                {
                    "held_out": held,
                    "floor": floor,
                    "precision": fp,
                    "recall": fr,
                    **common(sets, model.labels, at),
                }
            )
    shipped = EmbeddedModel(WEIGHTS_DIR)
    shipped_sets = score_sets(shipped)
    final = {
        "held_out": "(shipped model, none held out)",
        **common(shipped_sets, shipped.labels, load_thresholds(None)),
        "ethos_threat_recall_engine": engine_recall(shipped),
    }
    for floor in args.floors:
        at = with_doubt(load_thresholds(None), floor)
        floor_rows.append(
            {"held_out": "shipped", "floor": floor, **common(shipped_sets, shipped.labels, at)}
        )
    own_flag, _ = verdicts(
        score(shipped, [e.text for e in own_threats]), shipped.labels, load_thresholds(None)
    )
    final["own_threats_recall_in_sample"] = float(own_flag.mean())

    print(
        "| held-out source | AUC (toxicity) | AUC (max label) | precision | recall | "
        "identity templates flagged | unseen university posts flagged | ETHOS threat recall "
        "(verdict / threat label / whole engine) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in table:
        print(
            f"| {r['held_out']} | {r['auc_toxicity']:.3f} | {r['auc_max_label']:.3f} | "
            f"{r['precision']:.3f} | {r['recall']:.3f} | {r['templates_flagged']:.1%} | "
            f"{r['university_eval_flagged']:.1%} | {r['ethos_threat_recall_verdict']:.2f} / "
            f"{r['ethos_threat_recall_threat_label']:.2f} / {r['ethos_threat_recall_engine']:.2f} |"
        )
    print(
        f"| shipped | - | - | - | - | {final['templates_flagged']:.1%} | "
        f"{final['university_eval_flagged']:.1%} | {final['ethos_threat_recall_verdict']:.2f} / "
        f"{final['ethos_threat_recall_threat_label']:.2f} / "
        f"{final['ethos_threat_recall_engine']:.2f} (in-sample) |"
    )
    print(
        "shipped model, project-written threats flagged (in-sample): "
        f"{final['own_threats_recall_in_sample']:.2f}"
    )
    if any("auc_toxicity_own_part" in r for r in table):
        print("\nEach part alone (AUC, toxicity), the same held-out source:")
        print("| held-out source | project's part | Jigsaw BiLSTM | together |")
        print("|---|---|---|---|")
        for r in table:
            print(
                f"| {r['held_out']} | {r.get('auc_toxicity_own_part', float('nan')):.3f} | "
                f"{r.get('auc_toxicity_jigsaw_part', float('nan')):.3f} | "
                f"{r['auc_toxicity']:.3f} |"
            )
    if floor_rows:
        print("\nEvery label's `doubt` at one lower value instead (breach unchanged):")
        print(
            "| held-out source | doubt at | precision | recall | identity templates flagged | "
            "unseen university posts flagged | ETHOS threat recall (verdict / threat label) |"
        )
        print("|---|---|---|---|---|---|---|")
        for r in floor_rows:
            pr = f"{r['precision']:.3f} | {r['recall']:.3f}" if "recall" in r else "- | -"
            print(
                f"| {r['held_out']} | {r['floor']:.2f} | {pr} | {r['templates_flagged']:.1%} | "
                f"{r['university_eval_flagged']:.2%} | {r['ethos_threat_recall_verdict']:.2f} / "
                f"{r['ethos_threat_recall_threat_label']:.2f} |"
            )
    if args.json:
        Path(args.json).write_text(
            json.dumps({"cross_source": table, "shipped": final, "floors": floor_rows}, indent=2)
        )


def in_domain(args) -> None:
    """AUC on a fixed fifth of each source, for one model trained on the other four fifths
    of every source: how well the recipe learns each source's own labels (the cross-source
    table shows how well it carries them to a source it never saw)."""
    import sources

    from postcheck.toxicity_backends.embedded import EmbeddedModel

    data = sources.load_all(Path(args.data))
    out = Path(args.workdir) / "in-domain"
    if not args.skip_train:
        cmd = [
            args.train_python, str(ROOT / "models" / "train.py"), "--data", args.data,
            "--in-domain-split", "--out", str(out), *args.train_arg,
        ]  # fmt: skip
        t0 = time.time()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        print(f"trained on four fifths of every source in {time.time() - t0:.0f}s", file=sys.stderr)
    model = EmbeddedModel(out, sha256=None)
    print("| source | rows in the left-out fifth | AUC (toxicity) | AUC (max label) |")
    print("|---|---|---|---|")
    for name in sources.ABUSE_SOURCES:
        rows = [e for e in data[name] if sources.in_test_split(e.text)]
        y = np.array([e.abusive for e in rows], bool)
        s = score(model, [e.text for e in rows])
        j = model.labels.index("toxicity")
        print(f"| {name} | {len(rows)} | {auc(y, s[:, j]):.3f} | {auc(y, s.max(1)):.3f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("file", nargs="?", help="labelled CSV/TSV/JSONL")
    ap.add_argument("--text-column", default="text")
    ap.add_argument("--label-column", default=None, help="omit for benign-only files")
    ap.add_argument(
        "--positive", default="1", help="comma-separated label values that mean abusive"
    )
    ap.add_argument(
        "--positive-min", type=float, default=None, help="numeric label >= this is abusive"
    )
    ap.add_argument("--sep", default=None, help="CSV delimiter (default ',' or tab for .tsv)")
    ap.add_argument("--limit", type=int, default=None, help="score only the first N rows")
    ap.add_argument("--backend", default="embedded")
    ap.add_argument("--option", action="append", default=[], help="backend option KEY=VALUE")
    ap.add_argument("--thresholds", default=None, help="thresholds YAML (default: shipped)")
    ap.add_argument("--cross-source", action="store_true")
    ap.add_argument(
        "--in-domain",
        action="store_true",
        help="train on four fifths of every source, measure AUC on the fifth left out",
    )
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "eval" / "dev"))
    ap.add_argument("--train-python", default=str(ROOT / ".venv-train" / "bin" / "python"))
    ap.add_argument("--workdir", default="/tmp/postcheck-xsource")
    ap.add_argument("--skip-train", action="store_true", help="reuse models in --workdir")
    ap.add_argument(
        "--only", action="append", default=[], help="hold out only this source (repeatable)"
    )
    ap.add_argument(
        "--train-arg", action="append", default=[], help="extra models/train.py argument"
    )
    ap.add_argument("--templates", type=int, default=6000, help="identity templates sampled")
    ap.add_argument(
        "--floors",
        type=lambda v: [float(x) for x in v.split(",")],
        default=[],
        help="cross-source: also measure with every label's doubt at each of these "
        "(comma-separated, e.g. 0.45,0.4,0.35,0.3)",
    )
    ap.add_argument("--json", default=None, help="also write the numbers here")
    args = ap.parse_args()
    if args.cross_source:
        cross_source(args)
        return
    if args.in_domain:
        in_domain(args)
        return
    if not args.file:
        ap.error("give a FILE or --cross-source")
    rows = read_rows(Path(args.file), args.sep)[: args.limit]
    texts = [str(r[args.text_column]) for r in rows]
    y = binary_labels(rows, args.label_column, set(args.positive.split(",")), args.positive_min)
    backend = make_backend(args.backend, args.option)
    t0 = time.perf_counter()
    scores = score(backend, texts)
    ms = (time.perf_counter() - t0) / max(len(texts), 1) * 1000
    print(f"backend {backend.name}: {ms:.3f} ms per text")
    report(backend.labels, scores, y, load_thresholds(args.thresholds))


if __name__ == "__main__":
    main()
