"""Read the labelled dev sets (and the project's own examples) into one shape.

Each loader returns a list of ``Example(text, labels, source)`` where ``labels`` maps a
toxicity label to a target in [0, 1]; a label that the source says nothing about is
absent (masked out of the loss), not 0.

The data is read from ``../shared/eval/dev`` (or the path given on the command line) at
train/eval time and is never copied into the repository.
"""

from __future__ import annotations

import csv
import hashlib
import html
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

csv.field_size_limit(sys.maxsize)

HERE = Path(__file__).resolve().parent
OWN_DATA = HERE / "data"

#: The sources with an abusive-vs-not label, used for the cross-source table.
ABUSE_SOURCES = ("davidson", "wang", "ethos", "formspring")


@dataclass
class Example:
    text: str
    labels: dict[str, float]
    source: str
    meta: dict = field(default_factory=dict)

    @property
    def abusive(self) -> int | None:
        t = self.labels.get("toxicity")
        return None if t is None else int(t >= 0.5)


_ALL_ZERO = ("toxicity", "severe_toxicity", "identity_attack", "threat", "insult", "obscene")


def _clean(text: str) -> str:
    text = html.unescape(html.unescape(text))
    text = text.replace("<br>", " ").replace("<br/>", " ")
    return re.sub(r"\s+", " ", text).strip()


def davidson(root: Path) -> list[Example]:
    out = []
    with open(root / "davidson-hate-offensive" / "labeled_data.csv", newline="") as f:
        for row in csv.DictReader(f):
            n = int(row["count"])
            hate = int(row["hate_speech"]) / n
            off = int(row["offensive_language"]) / n
            cls = int(row["class"])
            tox = 1.0 if cls in (0, 1) else 0.0
            labels = {"toxicity": tox, "identity_attack": 1.0 if cls == 0 else round(hate, 2)}
            if cls == 2:
                labels.update({k: 0.0 for k in _ALL_ZERO})
                labels["identity_attack"] = 0.0
            else:
                # offensive tweets in this set are mostly slurs and sexual slang
                labels["obscene"] = round(off, 2)
            out.append(Example(_clean(row["tweet"]), labels, "davidson", {"class": cls}))
    return out


def wang(root: Path) -> list[Example]:
    out = []
    with open(root / "cyberbullying-tweets-wang2020" / "cyberbullying_tweets.csv", newline="") as f:
        for row in csv.DictReader(f):
            kind = row["cyberbullying_type"]
            if kind == "not_cyberbullying":
                # this class contains profanity, so say nothing about 'obscene'
                labels = {"toxicity": 0.0, "identity_attack": 0.0, "threat": 0.0, "insult": 0.0}
            else:
                labels = {"toxicity": 1.0, "identity_attack": 1.0}
            out.append(Example(_clean(row["tweet_text"]), labels, "wang", {"kind": kind}))
    return out


def ethos(root: Path) -> list[Example]:
    d = root / "ethos"
    multi = {}
    with open(d / "Ethos_Dataset_Multi_Label.csv", newline="") as f:
        for row in csv.DictReader(f, delimiter=";"):
            multi[row["comment"].strip()] = row
    out = []
    with open(d / "Ethos_Dataset_Binary.csv", newline="") as f:
        for row in csv.DictReader(f, delimiter=";"):
            text = row["comment"].strip()
            hate = float(row["isHate"])
            labels = {"toxicity": 1.0 if hate >= 0.5 else 0.0}
            if hate < 0.5:
                labels.update({k: 0.0 for k in _ALL_ZERO})
            m = multi.get(text)
            if m is not None and hate >= 0.5:
                labels["threat"] = 1.0 if float(m["violence"]) >= 0.5 else 0.0
                cats = [
                    "gender",
                    "race",
                    "national_origin",
                    "disability",
                    "religion",
                    "sexual_orientation",
                ]
                labels["identity_attack"] = 1.0 if any(float(m[c]) >= 0.5 for c in cats) else 0.0
                if float(m["directed_vs_generalized"]) >= 0.5:
                    labels["insult"] = 1.0
            out.append(Example(_clean(text), labels, "ethos", {"isHate": hate}))
    return out


def formspring(root: Path) -> list[Example]:
    out = []
    path = root / "formspring-cyberbullying" / "formspring_data.csv"
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        idx = {h: i for i, h in enumerate(header)}
        for row in reader:
            if len(row) != len(header):
                continue  # malformed (shifted columns)
            answers = [row[idx[f"ans{i}"]] for i in (1, 2, 3)]
            if any(a not in ("Yes", "No") for a in answers):
                continue
            yes = sum(a == "Yes" for a in answers)
            if yes == 1:
                continue  # one rater of three: too uncertain either way
            try:
                sev = [float(row[idx[f"severity{i}"]]) for i in (1, 2, 3)]
            except ValueError:
                sev = [0.0]
            text = _clean(row[idx["post"]].replace("Q:", " ").replace("A:", " "))
            if yes >= 2:
                labels = {"toxicity": 1.0, "insult": 1.0}
                if sum(sev) / len(sev) >= 7:
                    labels["severe_toxicity"] = 1.0
            else:
                labels = {"toxicity": 0.0, "insult": 0.0, "threat": 0.0, "severe_toxicity": 0.0}
            out.append(Example(text, labels, "formspring", {"yes": yes}))
    return out


def templates(root: Path, limit_per_term: int | None = None) -> list[Example]:
    """jigsaw en_sentence_templates: identity-term bias evaluation (not used for training)."""
    out = []
    with open(root / "jigsaw-sentence-templates" / "en_sentence_templates.csv", newline="") as f:
        for row in csv.DictReader(f):
            tox = 1.0 if row["toxicity"] == "toxic" else 0.0
            out.append(
                Example(
                    row["phrase"], {"toxicity": tox}, "templates", {"template": row["template"]}
                )
            )
    return out


def university(root: Path) -> list[Example]:
    """aus-university-tweets: benign institution posts (false-positive rate)."""
    out = []
    with open(root / "aus-university-tweets" / "raw-data.csv", newline="") as f:
        for row in csv.DictReader(f):
            out.append(
                Example(
                    _clean(row["text"]),
                    {k: 0.0 for k in _ALL_ZERO + ("sexual_explicit", "self_harm")},
                    "university",
                    {"account": row["screen_name"]},
                )
            )
    return out


def calibration_half(example: Example) -> bool:
    """Whether a university post is in the half used to choose thresholds (by account, so
    the other half's accounts are never seen in calibration)."""
    account = example.meta.get("account", "")
    return hashlib.sha256(account.encode()).digest()[0] % 2 == 0


def own(path: Path = OWN_DATA) -> list[Example]:
    """The project's own example posts (models/data/*.jsonl): {"text", "labels", ...}."""
    out = []
    for file in sorted(path.glob("*.jsonl")):
        for line in file.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            out.append(Example(row["text"], dict(row["labels"]), "own:" + file.stem))
    return out


LOADERS = {
    "davidson": davidson,
    "wang": wang,
    "ethos": ethos,
    "formspring": formspring,
}


def load_all(root: Path) -> dict[str, list[Example]]:
    data = {name: fn(root) for name, fn in LOADERS.items()}
    data["templates"] = templates(root)
    data["university"] = university(root)
    data["own"] = own()
    return data


def norm_key(text: str) -> str:
    """Key for de-duplicating across sources (Wang re-used Davidson tweets)."""
    text = re.sub(r"(@\w+|https?://\S+|\bRT\b)", " ", text.lower())
    return re.sub(r"[^a-z0-9]+", "", text)


def in_test_split(text: str) -> bool:
    """The fixed fifth of every source that `train.py --in-domain-split` leaves out (by the
    hash of its de-duplication key, so the same text is always on the same side)."""
    return hashlib.sha256(norm_key(text).encode()).digest()[0] % 5 == 0


if __name__ == "__main__":
    root = Path(sys.argv[1] if len(sys.argv) > 1 else HERE.parent.parent / "shared/eval/dev")
    for name, rows in load_all(root).items():
        pos = sum(1 for r in rows if r.abusive)
        print(f"{name:12s} {len(rows):6d} rows, {pos} abusive")
