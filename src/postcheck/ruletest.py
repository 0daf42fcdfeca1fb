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
    """Check every example of the chosen rules (all by default) with `checker`."""
    rules = [r for r in checker.rules if not rule_ids or r.id in rule_ids]
    cases = [(rule, ex) for rule in rules for ex in rule.examples]
    verdicts = checker.check_many([ex.post() for _, ex in cases])
    return [
        ExampleResult(rule, ex, any(f.rule == rule.id for f in verdict.findings), verdict)
        for (rule, ex), verdict in zip(cases, verdicts, strict=True)
    ]
