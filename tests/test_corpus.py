"""The drafts corpus (models/data/drafts): every line valid, the held-out sets kept apart."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

MODELS = Path(__file__).resolve().parent.parent / "models"
sys.path.insert(0, str(MODELS))

import drafts  # noqa: E402

from postcheck.detectors.classifier import CATEGORY_CLAUSES  # noqa: E402


@pytest.fixture(scope="module")
def split():
    return drafts.training()


def test_every_file_reads_and_every_clause_has_200_training_drafts(split):
    train, val = split
    per_clause: dict[str, int] = {}
    for d in train + val:
        for clause in set(d.labels):
            per_clause[clause] = per_clause.get(clause, 0) + 1
    for clause in set(CATEGORY_CLAUSES.values()):
        assert per_clause.get(clause, 0) >= 200, clause
    assert sum(d.ok for d in train + val) >= 3000


def test_no_test_or_dev2_draft_is_trained_on(split):
    train, val = split
    held = {drafts._key(d.text) for d in drafts.test() + drafts.dev2()}
    assert held, "the test split and dev2 are there"
    assert not held & {drafts._key(d.text) for d in train + val}


def test_dev2_drops_drafts_that_repeat_a_test_draft(tmp_path, monkeypatch):
    (tmp_path / "test").mkdir()
    (tmp_path / "dev2").mkdir()
    row = {"text": "Meet me after school, just us two", "labels": ["§6.1(b)"],
           "category": "grooming", "notes": "x"}  # fmt: skip
    other = {"text": "Lovely sports day!", "labels": [], "category": "everyday/sport",
             "notes": "x"}  # fmt: skip
    (tmp_path / "test" / "a.jsonl").write_text(json.dumps(row) + "\n")
    (tmp_path / "dev2" / "a.jsonl").write_text(json.dumps(row) + "\n" + json.dumps(other) + "\n")
    monkeypatch.setattr(drafts, "ROOT", tmp_path)
    monkeypatch.setattr(drafts, "TEST_DIR", tmp_path / "test")
    monkeypatch.setattr(drafts, "DEV2_DIR", tmp_path / "dev2")
    assert [d.text for d in drafts.dev2()] == ["Lovely sports day!"]


def test_a_bad_line_names_its_file_and_line(tmp_path, monkeypatch):
    folder = tmp_path / "train" / "w"
    folder.mkdir(parents=True)
    good = {"text": "ok", "labels": [], "category": "everyday/x", "notes": ""}
    bad = {"text": "x", "labels": ["§6.3"], "category": "self_harm_risk", "notes": ""}
    (folder / "f.jsonl").write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    monkeypatch.setattr(drafts, "ROOT", tmp_path)
    with pytest.raises(drafts.CorpusError, match=r"train/w/f.jsonl:2: labels"):
        drafts.read(tmp_path / "train")
    assert drafts.read(tmp_path / "train", skip=("train/w",)) == []
