"""Find the regular expressions the rules no longer need, now the classifier reads meaning.

    .venv/bin/python models/prune_rules.py [--write] [--rules rules]

Every rule's `detect:` is tried without each of its regular expressions (an item of a
`regex:` list, or a whole top-level branch whose only signals are regexes), one at a
time, longest first. A removal is kept when, with everything already removed:
1. every one of the rule's own examples still gives its expected result (fail examples
   trigger the rule, pass examples do not), and
2. on the validation split of the training corpus (which the classifier's heads were not
   trained on; never the test split) the clause-level result does not get worse: the
   drafts of the rule's clause that no rule would then catch, plus the drafts without
   that clause it would newly flag, are no more than the drafts without that clause that
   would no longer be flagged for it.
The detectors run once; removals are simulated by dropping the matching hits and
re-evaluating the rule's condition tree. `--write` deletes the kept removals from the rule
files (comments above a removed branch go with it) and prints the regex share before and
after (benchmarks/rules_report.py).
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import drafts  # noqa: E402

from postcheck.config import Config  # noqa: E402
from postcheck.engine import Checker  # noqa: E402
from postcheck.rules import Condition, Rule  # noqa: E402
from postcheck.schema import Hit, Post  # noqa: E402


def regex_leaves(cond: Condition) -> list[Condition]:
    return [leaf for leaf in cond.leaves() if leaf.kind == "patterns" and leaf.regex]


def only_regex(cond: Condition) -> bool:
    """A branch whose every positive signal is a regex (its `not:` parts aside)."""
    if cond.kind == "not":
        return True
    if cond.kind in ("any", "all"):
        return all(only_regex(c) for c in cond.children) and any(
            c.kind != "not" for c in cond.children
        )
    return cond.kind == "patterns" and bool(cond.regex) and not cond.phrases and not cond.lemmas


def units(rule: Rule) -> list[tuple]:
    """("item", pattern_id, regex) and ("branch", index) candidates, longest first."""
    top = rule.detect.children if rule.detect.kind == "any" else [rule.detect]
    out = []
    for i, branch in enumerate(top):
        if rule.detect.kind == "any" and len(top) > 1 and only_regex(branch):
            size = sum(len(r) for leaf in regex_leaves(branch) for r in leaf.regex)
            out.append((size, ("branch", i)))
        for leaf in regex_leaves(branch):
            if len(leaf.regex) > 1:
                out += [(len(r), ("item", leaf.pattern_id, r)) for r in leaf.regex]
    return [u for _, u in sorted(out, key=lambda x: -x[0])]


def without(rule: Rule, removed: set[tuple]) -> tuple[Condition, set[tuple[str, str]]]:
    """The rule's condition with removed branches dropped, and the (pattern id, regex) hits
    to ignore."""
    dropped = {u[1] for u in removed if u[0] == "branch"}
    detect = rule.detect
    if dropped and detect.kind == "any":
        detect = copy.copy(detect)
        detect.children = [c for i, c in enumerate(rule.detect.children) if i not in dropped]
    ignored = {(u[1], u[2]) for u in removed if u[0] == "item"}
    return detect, ignored


def fires(detect: Condition, ignored: set, hits: list[Hit], calibrated) -> bool:
    if ignored:
        hits = [h for h in hits if not (h.detector == "patterns" and h.why.startswith("regex")
                and (h.label, h.why[len("regex matched: "):]) in ignored)]  # fmt: skip
    return detect.evidence(hits, calibrated) is not None


def prune(checker: Checker, corpus: list[drafts.Draft]) -> dict[str, set[tuple]]:
    rules = checker.rules
    example_posts = [(r, ex) for r in rules for ex in r.examples]
    all_posts = [ex.post() for _, ex in example_posts] + [Post(text=d.text) for d in corpus]
    print(f"running the detectors on {len(all_posts)} texts ...", flush=True)
    hits: list[list[Hit]] = []
    for start in range(0, len(all_posts), 64):
        hits += checker._hits(all_posts[start : start + 64])
    ex_hits, corpus_hits = hits[: len(example_posts)], hits[len(example_posts) :]
    cal = checker.calibrated
    firing = {r.id: [fires(r.detect, set(), h, cal) for h in corpus_hits] for r in rules}
    kept: dict[str, set[tuple]] = {}
    for rule in rules:
        own = [(ex, h) for (r, ex), h in zip(example_posts, ex_hits, strict=True) if r is rule]
        others = [r for r in rules if r.id != rule.id and r.clause == rule.clause]
        covered = [any(firing[o.id][k] for o in others) for k in range(len(corpus))]
        labelled = [rule.clause in d.labels for d in corpus]
        now = firing[rule.id]
        removed: set[tuple] = set()
        sizes = {leaf.pattern_id: len(leaf.regex) for leaf in regex_leaves(rule.detect)}
        for unit in units(rule):
            if (
                unit[0] == "item"
                and sum(1 for u in removed if u[0] == "item" and u[1] == unit[1]) + 1
                >= sizes[unit[1]]
            ):
                continue  # a list keeps at least one expression (a whole branch can go)
            trial = removed | {unit}
            detect, ignored = without(rule, trial)
            if any(fires(detect, ignored, h, cal) != (ex.expect == "fail") for ex, h in own):
                continue
            after = [fires(detect, ignored, h, cal) for h in corpus_hits]
            lost = sum(1 for k in range(len(corpus)) if now[k] and not after[k]
                       and labelled[k] and not covered[k])  # fmt: skip
            cleared = sum(1 for k in range(len(corpus)) if now[k] and not after[k]
                          and not labelled[k] and not covered[k])  # fmt: skip
            gained = sum(1 for k in range(len(corpus)) if after[k] and not now[k]
                         and not labelled[k] and not covered[k])  # fmt: skip
            if lost + gained <= cleared:
                removed, now = trial, after
        firing[rule.id] = now
        kept[rule.id] = removed
        print(f"{rule.id:32s} {len(units(rule)):4d} candidates, {len(removed):4d} removable")
    return kept


def write(rule: Rule, removed: set[tuple]) -> None:
    """Delete the removed regex items and branches from the rule's file."""
    text = rule.path.read_text(encoding="utf-8")
    lines = text.splitlines()
    root = yaml.compose(text)
    detect = next(v for k, v in root.value if k.value == "detect")
    drop: set[int] = set()
    if isinstance(detect, yaml.SequenceNode):
        branches = detect.value
        for u in removed:
            if u[0] == "branch":
                node = branches[u[1]]
                first = node.start_mark.line
                while first > 0 and lines[first - 1].strip().startswith("#"):
                    first -= 1
                end = (branches[u[1] + 1].start_mark.line if u[1] + 1 < len(branches)
                       else _block_end(lines, node.start_mark.line))  # fmt: skip
                while end > first and lines[end - 1].strip().startswith("#"):
                    end -= 1  # comments above the next branch stay with it
                drop.update(range(first, end))
    items = {(u[1], u[2]) for u in removed if u[0] == "item"}
    for node in _regex_items(detect):
        if any(node.value == r for _, r in items) and node.start_mark.line == node.end_mark.line:
            line = lines[node.start_mark.line]
            if line.strip().startswith("- "):
                drop.add(node.start_mark.line)
                continue
        if any(node.value == r for _, r in items):
            print(f"  {rule.id}: left {node.value[:40]!r}... (not one item a line)")
    kept = [line for i, line in enumerate(lines) if i not in drop]
    rule.path.write_text("\n".join(kept) + "\n", encoding="utf-8")


def _block_end(lines: list[str], start: int) -> int:
    for i in range(start + 1, len(lines)):
        if lines[i] and not lines[i][0].isspace() and not lines[i].startswith("#"):
            return i
    return len(lines)


def _regex_items(node) -> list:
    out = []
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if k.value == "regex" and isinstance(v, yaml.SequenceNode):
                out += v.value
            else:
                out += _regex_items(v)
    elif isinstance(node, yaml.SequenceNode):
        for v in node.value:
            out += _regex_items(v)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="edit the rule files")
    args = parser.parse_args()
    _, val = drafts.training()
    checker = Checker(Config())
    kept = prune(checker, val)
    total = sum(len(v) for v in kept.values())
    print(f"\n{total} removals kept")
    if args.write:
        for rule in checker.rules:
            if kept.get(rule.id):
                write(rule, kept[rule.id])
        print("rule files edited; check them with: postcheck rules test")


if __name__ == "__main__":
    main()
