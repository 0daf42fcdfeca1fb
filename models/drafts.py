"""The drafts corpus: school-staff drafts written for postcheck, labelled by clause.

`models/data/drafts/train/<writer>/*.jsonl` is for training and calibration (split here
into train and validation by a hash of the text); `models/data/drafts/dev2/*.jsonl` was
written separately, by a writer who saw only the policy and the category names, and is
never trained on: it calibrates thresholds beside the validation split and chooses
between models, so that both are set on drafts in a voice the heads did not learn;
`models/data/drafts/test/*.jsonl` was written separately again, by a third writer, and
is read only by `benchmarks/policy_quality.py`. Each line:
{"text", "labels": [clause refs, empty for ok], "category", "notes"}.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent / "data" / "drafts"
TRAIN_DIR = ROOT / "train"
TEST_DIR = ROOT / "test"
DEV2_DIR = ROOT / "dev2"
#: Share of the training corpus held back for validation (thresholds, model choice).
VALIDATION_SHARE = 0.15


@dataclass(frozen=True)
class Draft:
    text: str
    labels: tuple[str, ...]  # clause refs, () for ok
    categories: tuple[str, ...]  # classifier categories, () for ok
    kind: str  # "flag", "near_miss" or "everyday"
    topic: str
    source: str  # file it came from, relative to ROOT

    @property
    def ok(self) -> bool:
        return not self.labels


class CorpusError(ValueError):
    pass


def read(
    folder: Path, clauses: dict[str, str] | None = None, skip: tuple[str, ...] = ()
) -> list[Draft]:
    """Every draft in `folder` (recursively), validated; a bad line raises CorpusError
    naming the file and line."""
    from postcheck.detectors.classifier import CATEGORY_CLAUSES

    out: list[Draft] = []
    for path in sorted(folder.rglob("*.jsonl")):
        rel = str(path.relative_to(ROOT))
        if rel.startswith(skip):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{rel}:{n}"
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise CorpusError(f"{where}: not JSON ({exc})") from None
            text, labels, category = row.get("text"), row.get("labels"), row.get("category", "")
            if not isinstance(text, str) or not text.strip():
                raise CorpusError(f"{where}: no text")
            if not isinstance(labels, list) or not isinstance(category, str):
                raise CorpusError(f"{where}: labels must be a list, category a string")
            if labels:
                cats = tuple(c.strip() for c in category.split("+"))
                bad = [c for c in cats if c not in CATEGORY_CLAUSES]
                if bad:
                    raise CorpusError(f"{where}: unknown category {bad[0]!r}")
                if sorted({CATEGORY_CLAUSES[c] for c in cats}) != sorted(set(labels)):
                    raise CorpusError(f"{where}: labels {labels} do not match {category!r}")
                out.append(Draft(text, tuple(labels), cats, "flag", cats[0], rel))
            else:
                kind, _, topic = category.partition("/")
                if kind not in ("near_miss", "everyday"):
                    raise CorpusError(f"{where}: an ok draft's category is near_miss/... or "
                                      f"everyday/..., not {category!r}")  # fmt: skip
                out.append(Draft(text, (), (), kind, topic, rel))
    return out


def is_validation(draft: Draft) -> bool:
    digest = hashlib.sha256(" ".join(draft.text.lower().split()).encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < VALIDATION_SHARE


def training(skip: tuple[str, ...] = ()) -> tuple[list[Draft], list[Draft]]:
    """(train, validation) from the training corpus; duplicates of a test or dev2 draft
    dropped;
    files whose path (relative to the drafts folder) starts with one of `skip` left out."""
    held = [read(d) for d in (TEST_DIR, DEV2_DIR) if d.is_dir()]
    test_texts = {_key(d.text) for rows in held for d in rows}
    seen: set[str] = set()
    train, val = [], []
    for draft in read(TRAIN_DIR, skip=skip):
        key = _key(draft.text)
        if key in seen or key in test_texts:
            continue
        seen.add(key)
        (val if is_validation(draft) else train).append(draft)
    return train, val


def dev2() -> list[Draft]:
    """The separately written calibration set (never trained on); drafts that repeat a
    test draft are dropped."""
    if not DEV2_DIR.is_dir():
        return []
    test_texts = {_key(d.text) for d in read(TEST_DIR)} if TEST_DIR.is_dir() else set()
    return [d for d in read(DEV2_DIR) if _key(d.text) not in test_texts]


def test() -> list[Draft]:
    """The held-out test split: for measuring only."""
    return read(TEST_DIR)


def _key(text: str) -> str:
    return " ".join(text.lower().split())
