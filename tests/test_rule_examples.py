"""One generic runner over every rule's own examples, with the default models.

A `fail` example must trigger its rule; a `pass` example (a near-miss) must not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from postcheck.rules import load_rules
from postcheck.ruletest import run_examples

CASES = [(rule.id, i, ex) for rule in load_rules() for i, ex in enumerate(rule.examples)]
BENIGN = Path(__file__).parent / "data" / "benign_school_posts.txt"


@pytest.fixture(scope="module")
def results(real_checker):
    return {(r.rule.id, r.example.text, r.example.expect): r for r in run_examples(real_checker)}


@pytest.mark.parametrize(
    ("rule_id", "index", "example"),
    CASES,
    ids=[f"{rule_id}-{ex.expect}-{i}" for rule_id, i, ex in CASES],
)
def test_rule_example(results, rule_id, index, example):
    result = results[(rule_id, example.text, example.expect)]
    found = [(f.rule, f.text) for f in result.verdict.findings]
    assert result.passed, f"{result.describe()}; findings: {found}"


def test_benign_school_posts_are_ok(real_checker):
    """Ordinary, kind school posts (written for this project) must not be flagged at all."""
    posts = [p for p in BENIGN.read_text(encoding="utf-8").splitlines() if p.strip()]
    assert len(posts) >= 30
    flagged = [
        (post, [f.rule for f in v.findings])
        for post, v in zip(posts, real_checker.check_many(posts), strict=True)
        if v.verdict != "ok"
    ]
    assert flagged == []
