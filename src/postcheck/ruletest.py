"""Run the rules' own examples: `fail` examples must trigger their rule, `pass` ones must not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from postcheck.schema import Verdict

if TYPE_CHECKING:
    from postcheck.engine import Checker
    from postcheck.rules import Example, Rule


@dataclass
class ExampleResult:
    rule: Rule
    example: Example
    fired: bool
    verdict: Verdict

    @property
    def passed(self) -> bool:
        return self.fired == (self.example.expect == "fail")

    def describe(self) -> str:
        want = "should trigger" if self.example.expect == "fail" else "should NOT trigger"
        got = "it did" if self.fired else "it did not"
        return f"{self.rule.id}: {want} on {self.example.text!r}, but {got}"


def run_examples(checker: Checker, rule_ids: list[str] | None = None) -> list[ExampleResult]:
    """Check every example of the chosen rules (all by default) with `checker`. A rule
    fires when its `detect:` matches, even where the verdict shows the clause through
    another rule's finding instead (a classifier-only echo is not repeated)."""
    rules = [r for r in checker.rules if not rule_ids or r.id in rule_ids]
    cases = [(rule, ex) for rule in rules for ex in rule.examples]
    posts = [ex.post() for _, ex in cases]
    out = []
    for start in range(0, len(cases), 64):
        batch = posts[start : start + 64]
        for (rule, ex), post, hits in zip(
            cases[start : start + 64], batch, checker._hits(batch), strict=True
        ):
            fired = rule.detect.evidence(hits, checker.calibrated) is not None
            out.append(ExampleResult(rule, ex, fired, checker._verdict(post, hits)))
    return out
