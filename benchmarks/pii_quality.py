"""Personal-data detection quality, postcheck's pii detector beside presidio's defaults.

    python benchmarks/pii_quality.py                       # both dev sets, from ../shared/eval/dev
    python benchmarks/pii_quality.py --data PATH --limit 500

Data sets (read where they are, never copied):
- presidio-synth-pii/synth_dataset_v2.json: synthetic sentences with character spans;
- twitter-ner-finin/finin.test: real tweets, BIO tags (cp1252); only B-PER/I-PER are used.

A gold span counts as found when a prediction with the same label overlaps it
(recall); a prediction counts as right when it overlaps a gold span of its label
(precision). Prints a table per label for both systems. Measurements, not tests.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Their label -> ours. Labels with no counterpart are left out of the scores.
SYNTH_LABELS = {
    "PERSON": "PERSON",
    "EMAIL_ADDRESS": "EMAIL_ADDRESS",
    "PHONE_NUMBER": "PHONE_NUMBER",
    "CREDIT_CARD": "CREDIT_CARD",
    "IBAN_CODE": "IBAN_CODE",
    "GPE": "LOCATION",
    "STREET_ADDRESS": "LOCATION",
    "DATE_TIME": "DATE_TIME",
    "NRP": "NRP",
}


def load_synth(path: Path, limit: int) -> list[tuple[str, list[tuple[str, int, int]]]]:
    rows = json.loads(path.read_text(encoding="utf-8"))[:limit]
    out = []
    for row in rows:
        spans = [
            (SYNTH_LABELS[s["entity_type"]], s["start_position"], s["end_position"])
            for s in row["spans"]
            if s["entity_type"] in SYNTH_LABELS
        ]
        out.append((row["full_text"], spans))
    return out


def load_finin(path: Path, limit: int) -> list[tuple[str, list[tuple[str, int, int]]]]:
    posts, tokens = [], []
    for line in path.read_text(encoding="cp1252").splitlines() + [""]:
        if not line.strip():
            if tokens:
                posts.append(tokens)
                tokens = []
            continue
        word, _, tag = line.rpartition("\t")
        tokens.append((word, tag.strip()))
    out = []
    for tokens in posts[:limit]:
        text, spans, pos, current = "", [], 0, None
        for word, tag in tokens:
            start = pos + (1 if text else 0)
            text += (" " if text else "") + word
            pos = len(text)
            if tag == "B-PER" or (tag == "I-PER" and current is None):
                current = [start, pos]
                spans.append(current)
            elif tag == "I-PER":
                current[1] = pos
            else:
                current = None
        out.append((text, [("PERSON", s, e) for s, e in spans]))
    return out


class ZeroToxicity:
    """This benchmark measures personal data only: the toxicity model is not run."""

    name = "none"
    labels = ("toxicity",)

    def score(self, texts):
        return [{"toxicity": 0.0} for _ in texts]

    def describe(self):
        return {}


def postcheck_predict():
    from postcheck.config import Config
    from postcheck.engine import Checker

    checker = Checker(Config(), toxicity_backend=ZeroToxicity(), rules=[])
    return lambda text: [
        (h.label, h.start, h.end) for h in checker.hits(text) if h.detector == "pii"
    ]


def presidio_predict():
    from peers import presidio_analyzer

    analyzer = presidio_analyzer()
    return lambda text: [
        (r.entity_type, r.start, r.end) for r in analyzer.analyze(text=text, language="en")
    ]


def score(data, predict, labels: set[str]) -> dict[str, tuple[int, int, int, int]]:
    """label -> (gold found, gold total, predictions right, predictions total)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for text, gold in data:
        predicted = [p for p in predict(text) if p[0] in labels]
        for label, s, e in gold:
            counts[label][1] += 1
            if any(p[0] == label and p[1] < e and s < p[2] for p in predicted):
                counts[label][0] += 1
        for label, s, e in predicted:
            counts[label][3] += 1
            if any(g[0] == label and g[1] < e and s < g[2] for g in gold):
                counts[label][2] += 1
    return {k: tuple(v) for k, v in counts.items()}


def report(name: str, data, systems: dict, labels: set[str]) -> None:
    print(f"\n{name}: {len(data)} texts")
    print(f"{'label':15}{'system':11}{'recall':>8}{'precision':>11}{'F1':>7}{'gold':>7}{'pred':>7}")
    results = {sys_name: score(data, predict, labels) for sys_name, predict in systems.items()}
    for label in sorted(labels):
        for sys_name, counts in results.items():
            found, gold, right, pred = counts.get(label, (0, 0, 0, 0))
            if not gold and not pred:
                continue
            r = found / gold if gold else float("nan")
            p = right / pred if pred else float("nan")
            f1 = 2 * p * r / (p + r) if p + r else 0.0
            print(f"{label:15}{sys_name:11}{r:8.3f}{p:11.3f}{f1:7.3f}{gold:7d}{pred:7d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "eval" / "dev")
    parser.add_argument("--limit", type=int, default=100_000, help="at most this many texts a set")
    args = parser.parse_args()
    systems = {"postcheck": postcheck_predict(), "presidio": presidio_predict()}
    synth = load_synth(args.data / "presidio-synth-pii" / "synth_dataset_v2.json", args.limit)
    report("presidio-synth-pii", synth, systems, set(SYNTH_LABELS.values()))
    finin = load_finin(args.data / "twitter-ner-finin" / "finin.test", args.limit)
    report("twitter-ner-finin (people's names)", finin, systems, {"PERSON"})


if __name__ == "__main__":
    main()
