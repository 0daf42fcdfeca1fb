"""Rules: one YAML file per policy clause check, validated strictly on load.

A rule selects detector Hits with a small condition tree and, when it matches,
produces a Finding that cites its clause. See README.md for the file format.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from postcheck.errors import RuleError
from postcheck.policy import load_clauses
from postcheck.schema import SEVERITIES, Hit, Post
from postcheck.yamlfile import YamlDoc, load_yaml

RULE_KEYS = ("clause", "quote", "severity", "title", "detect", "message", "suggestion", "examples")
REQUIRED_KEYS = ("clause", "quote", "severity", "detect", "message", "suggestion", "examples")
COMBINATORS = ("any", "all", "not")
PATTERN_KEYS = ("words", "phrases", "near", "lemmas", "regex")
#: `near:` steps may be at most this many words apart.
MAX_GAP = 12
#: Where a rule's `words:` lists live, beside the rule files: `words/NAME.txt`.
WORDS_DIR = "words"
_WORDS_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
#: Clauses where signals alone can only raise doubt, never a breach.
DOUBT_ONLY_CLAUSES = ("§5.2(g)", "§5.2(h)")
_EXAMPLE_HELP = {
    "fail": "a post the rule must flag",
    "pass": "a near-miss it must not flag",
}
_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
#: `min_score` words for model labels: the model's own calibrated thresholds (`lean`: a
#: score few ok drafts reach, for a rule that pairs the model with a specific signal).
CALIBRATED = ("lean", "doubt", "breach")
#: Used for a model label the active backend has no calibrated threshold for.
UNCALIBRATED_THRESHOLD = 0.5


def calibrated_threshold(
    calibrated: Mapping[str, Mapping[str, float]] | None,
    label: str,
    level: str,
    default: float = UNCALIBRATED_THRESHOLD,
) -> float:
    """The active model's calibrated `level` ("lean", "doubt" or "breach") threshold for `label`
    (`default` where it has none)."""
    return float((calibrated or {}).get(label, {}).get(level, default))


def detector_labels() -> dict[str, set[str] | None]:
    """The labels each detector can emit (None: labels come from the rule itself)."""
    from postcheck.detectors.classifier import CLASSIFIER_LABELS
    from postcheck.detectors.media import MEDIA_LABELS
    from postcheck.detectors.pii import PII_LABELS
    from postcheck.toxicity_backends import TOXICITY_LABELS

    return {
        "pii": set(PII_LABELS),
        "toxicity": set(TOXICITY_LABELS),
        "classifier": set(CLASSIFIER_LABELS),
        "media": set(MEDIA_LABELS),
        "patterns": None,
    }


@dataclass(frozen=True)
class Near:
    """Words in order within one sentence: each step is a list of words or phrases, and
    `gaps[k]` is how many words may come between step k and step k + 1."""

    steps: tuple[tuple[str, ...], ...]
    gaps: tuple[int, ...]


@dataclass
class Condition:
    """A node of a rule's `detect:` tree."""

    kind: str  # any | all | not | pii | toxicity | classifier | media | patterns
    children: list[Condition] = field(default_factory=list)
    labels: frozenset[str] = frozenset()
    #: a number, or "lean"/"doubt"/"breach": the active model's calibrated threshold per label
    min_score: float | str = 0.0
    pattern_id: str = ""
    phrases: list[str] = field(default_factory=list)
    lemmas: list[list[str]] = field(default_factory=list)
    regex: list[str] = field(default_factory=list)
    #: `near:` sequences: each step's words or phrases, and the words allowed between steps
    near: list[Near] = field(default_factory=list)

    def evidence(
        self, hits: list[Hit], calibrated: Mapping[str, Mapping[str, float]] | None = None
    ) -> list[Hit] | None:
        """The hits that satisfy this condition, or None when it is not satisfied.
        `calibrated`: {detector: {label: {"doubt": x, "breach": y}}} of the models."""
        if self.kind == "any":
            found = [e for c in self.children if (e := c.evidence(hits, calibrated)) is not None]
            return [h for e in found for h in e] if found else None
        if self.kind == "all":
            out: list[Hit] = []
            for c in self.children:
                e = c.evidence(hits, calibrated)
                if e is None:
                    return None
                out.extend(e)
            return out
        if self.kind == "not":
            return [] if self.children[0].evidence(hits, calibrated) is None else None
        label = self.pattern_id if self.kind == "patterns" else None
        own = (calibrated or {}).get(self.kind)
        chosen = [
            h
            for h in hits
            if h.detector == self.kind
            and (h.label == label if label else h.label in self.labels)
            and h.score >= self.threshold(h.label, own)
        ]
        return chosen or None

    def threshold(self, label: str, calibrated: Mapping[str, Mapping[str, float]] | None) -> float:
        """The score a hit with `label` needs to count as evidence (`calibrated`: this
        detector's {label: {"doubt": x, "breach": y}})."""
        if isinstance(self.min_score, str):
            return calibrated_threshold(calibrated, label, self.min_score)
        return self.min_score

    def leaves(self) -> list[Condition]:
        if self.kind in COMBINATORS:
            return [leaf for c in self.children for leaf in c.leaves()]
        return [self]


@dataclass
class Example:
    text: str
    expect: str  # "fail" (must trigger) or "pass" (must not)
    media: list[dict] = field(default_factory=list)  # attachments, e.g. a photo with GPS

    def post(self) -> Post:
        return Post(text=self.text, media=self.media)


@dataclass
class Rule:
    id: str
    clause: str
    quote: str
    severity: str
    title: str
    detect: Condition
    message: str
    suggestion: str
    examples: list[Example]
    path: Path

    def pattern_leaves(self) -> list[Condition]:
        return [leaf for leaf in self.detect.leaves() if leaf.kind == "patterns"]


def default_rules_dir() -> Path:
    """The built-in rules: the top-level `rules/` folder, installed as postcheck.builtin_rules."""
    return Path(str(resources.files("postcheck.builtin_rules")))


def load_rules(dirs: list[Path] | None = None, clauses_path: Path | None = None) -> list[Rule]:
    """Load every `*.yml` in the built-in rules folder plus `dirs`; later ids override."""
    clauses = load_clauses(clauses_path)
    labels = detector_labels()
    by_id: dict[str, Rule] = {}
    for folder in [default_rules_dir(), *(dirs or [])]:
        if not folder.is_dir():
            raise RuleError(
                "the rules folder does not exist",
                where=str(folder),
                fix="correct `rules.paths` in postcheck.yml",
            )
        for path in sorted(folder.glob("*.yml")):
            rule = load_rule(path, clauses, labels)
            by_id[rule.id] = rule
    return list(by_id.values())


def load_rule(
    path: Path,
    clauses: dict[str, str] | None = None,
    labels: dict[str, set[str] | None] | None = None,
) -> Rule:
    """Load and validate one rule file; every problem names the file, line and fix."""
    clauses = clauses if clauses is not None else load_clauses()
    labels = labels if labels is not None else detector_labels()
    rule_id = path.stem
    if not _RULE_ID.match(rule_id):
        raise RuleError(
            f"bad rule file name {path.name!r}",
            where=str(path),
            fix="name rule files in lower case letters, digits, '-' and '_', ending .yml",
        )
    doc = load_yaml(path, RuleError, "the rule")
    data = doc.data
    if not isinstance(data, dict):
        raise RuleError(
            "a rule must be a mapping of keys",
            where=doc.where(),
            fix=f"use the keys: {', '.join(RULE_KEYS)}",
        )
    for key in data:
        if key not in RULE_KEYS:
            raise RuleError(
                f"unknown key `{key}`",
                where=doc.where(key),
                fix=f"allowed keys: {', '.join(RULE_KEYS)}",
            )
    for key in REQUIRED_KEYS:
        if key not in data or data[key] in (None, "", [], {}):
            raise RuleError(
                f"missing key `{key}`",
                where=doc.where(),
                fix=f"add `{key}:`; every rule needs {', '.join(REQUIRED_KEYS)}",
            )
    for key in ("clause", "quote", "severity", "message", "suggestion", "title"):
        if key in data and not isinstance(data[key], str):
            raise RuleError(
                f"`{key}` must be text", where=doc.where(key), fix=f'write `{key}: "..."`'
            )
    clause = data["clause"].strip()
    if clause not in clauses:
        raise RuleError(
            f"unknown clause {clause!r}",
            where=doc.where("clause"),
            fix=f"use a reference from the clause index, e.g. {', '.join(list(clauses)[13:17])}",
        )
    quote = " ".join(data["quote"].split())
    if _squash(quote) not in _squash(clauses[clause]):
        raise RuleError(
            f"the quote is not the words of {clause}",
            where=doc.where("quote"),
            fix=f"quote the clause's own words: {clauses[clause]!r}",
        )
    severity = data["severity"]
    check_severity(severity, clause, doc.where("severity"))
    detect = _condition(data["detect"], doc, ("detect",), rule_id, labels, [0])
    examples = _examples(data["examples"], doc)
    return Rule(
        id=rule_id,
        clause=clause,
        quote=quote,
        severity=severity,
        title=data.get("title") or rule_id.replace("_", " ").replace("-", " "),
        detect=detect,
        message=data["message"].strip(),
        suggestion=data["suggestion"].strip(),
        examples=examples,
        path=path,
    )


def check_severity(severity: str, clause: str, where: str) -> None:
    if severity not in SEVERITIES:
        raise RuleError(
            f"unknown severity {severity!r}",
            where=where,
            fix=f"use one of: {', '.join(SEVERITIES)}",
        )
    if severity == "breach" and clause in DOUBT_ONLY_CLAUSES:
        raise RuleError(
            f"a rule for {clause} cannot give `breach` on signals alone",
            where=where,
            fix="use `severity: doubt`: defamation and copyright need a person's judgement",
        )


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _condition(
    node: Any,
    doc: YamlDoc,
    loc: tuple,
    rule_id: str,
    labels: dict[str, set[str] | None],
    counter: list[int],
) -> Condition:
    allowed = [*COMBINATORS, *labels]
    if isinstance(node, list):  # a plain list means `any:`
        if not node:
            raise RuleError(
                "the list of conditions is empty",
                where=doc.where(*loc),
                fix="add at least one condition, e.g. `- pii: {labels: [PERSON]}`",
            )
        children = [
            _condition(c, doc, (*loc, i), rule_id, labels, counter) for i, c in enumerate(node)
        ]
        return Condition("any", children=children)
    if not isinstance(node, dict) or len(node) != 1:
        raise RuleError(
            "each condition must be exactly one key",
            where=doc.where(*loc),
            fix=f"write a list of conditions or one of: {', '.join(allowed)}",
        )
    ((kind, body),) = node.items()
    here = (*loc, kind)
    if kind in ("any", "all"):
        if not isinstance(body, list) or not body:
            raise RuleError(
                f"`{kind}` needs a non-empty list of conditions",
                where=doc.where(*here),
                fix=f"write `{kind}:` followed by `- detector: {{...}}` lines",
            )
        children = [
            _condition(c, doc, (*here, i), rule_id, labels, counter) for i, c in enumerate(body)
        ]
        return Condition(kind, children=children)
    if kind == "not":
        return Condition("not", children=[_condition(body, doc, here, rule_id, labels, counter)])
    if kind not in labels:
        raise RuleError(
            f"unknown detector `{kind}`",
            where=doc.where(*here),
            fix=f"use one of: {', '.join(allowed)}",
        )
    if not isinstance(body, dict):
        raise RuleError(
            f"`{kind}` needs a mapping of options",
            where=doc.where(*here),
            fix="e.g. `pii: {labels: [PERSON], min_score: 0.5}`",
        )
    if kind == "patterns":
        return _patterns(body, doc, here, rule_id, counter)
    allowed_keys = ("labels", "min_score")
    for key in body:
        if key not in allowed_keys:
            raise RuleError(
                f"unknown key `{key}` for detector `{kind}`",
                where=doc.where(*here, key),
                fix=f"allowed keys: {', '.join(allowed_keys)}",
            )
    wanted = body.get("labels")
    if not isinstance(wanted, list) or not wanted:
        raise RuleError(
            f"`{kind}` needs `labels:`, a list",
            where=doc.where(*here),
            fix=f"allowed labels: {', '.join(sorted(labels[kind] or []))}",
        )
    for label in wanted:
        if label not in (labels[kind] or set()):
            raise RuleError(
                f"unknown label {label!r} for detector `{kind}`",
                where=doc.where(*here, "labels"),
                fix=f"allowed labels: {', '.join(sorted(labels[kind] or []))}",
            )
    # a model's labels default to its calibrated `doubt` threshold (models/MODEL_CARD.md)
    model = kind in ("toxicity", "classifier")
    score = body.get("min_score", "doubt" if model else 0.0)
    if model and score in CALIBRATED:
        return Condition(kind, labels=frozenset(wanted), min_score=score)
    if not isinstance(score, int | float) or isinstance(score, bool) or not 0 <= score <= 1:
        words = " or `lean`/`doubt`/`breach` (the model's calibrated thresholds)"
        raise RuleError(
            f"`min_score` must be a number from 0 to 1{words if model else ''}, not {score!r}",
            where=doc.where(*here, "min_score"),
            fix="e.g. `min_score: 0.8`" + (", or leave it out" if model else ""),
        )
    return Condition(kind, labels=frozenset(wanted), min_score=float(score))


def _patterns(body: dict, doc: YamlDoc, here: tuple, rule_id: str, counter: list[int]) -> Condition:
    import re2

    for key in body:
        if key not in PATTERN_KEYS:
            raise RuleError(
                f"unknown key `{key}` for detector `patterns`",
                where=doc.where(*here, key),
                fix=f"allowed keys: {', '.join(PATTERN_KEYS)}",
            )
    if not body:
        raise RuleError(
            "`patterns` is empty",
            where=doc.where(*here),
            fix=f"give at least one of: {', '.join(PATTERN_KEYS)}",
        )
    phrases = body.get("phrases", [])
    names = body.get("words", [])
    if not isinstance(names, list) or not all(
        isinstance(n, str) and _WORDS_NAME.match(n) for n in names
    ):
        raise RuleError(
            "`words` must be a list of word-list names",
            where=doc.where(*here, "words"),
            fix=f"e.g. `words: [swimwear]` for {WORDS_DIR}/swimwear.txt beside the rule files",
        )
    words = [w for i, n in enumerate(names) for w in _word_list(doc, (*here, "words", i), n)]
    sequences = body.get("near", [])
    if not isinstance(sequences, list):
        raise RuleError("`near` must be a list", where=doc.where(*here, "near"), fix=NEAR_EXAMPLE)
    near = [_near(seq, doc, (*here, "near", i)) for i, seq in enumerate(sequences)]
    lemmas = body.get("lemmas", [])
    regexes = body.get("regex", [])
    if not isinstance(phrases, list) or not all(isinstance(p, str) and p.strip() for p in phrases):
        raise RuleError(
            "`phrases` must be a list of non-empty texts",
            where=doc.where(*here, "phrases"),
            fix='e.g. `phrases: ["add me on snapchat", "my personal page"]`',
        )
    if not isinstance(lemmas, list) or not all(
        isinstance(seq, list) and seq and all(isinstance(t, str) and t for t in seq)
        for seq in lemmas
    ):
        raise RuleError(
            "`lemmas` must be a list of token lists",
            where=doc.where(*here, "lemmas"),
            fix='e.g. `lemmas: [["you", "be", "pathetic"]]` ("*" any one token, "..." up to 3)',
        )
    if not isinstance(regexes, list) or not all(isinstance(r, str) and r for r in regexes):
        raise RuleError(
            "`regex` must be a list of regular expressions",
            where=doc.where(*here, "regex"),
            fix="quote each expression, e.g. `regex: ['\\b0?7\\d{9}\\b']`",
        )
    options = re2.Options()
    options.log_errors = False
    for i, pattern in enumerate(regexes):
        doubled = re.search(r"\\\\[bBdDsSwW]", pattern)
        if doubled:
            raise RuleError(
                f"the regular expression {pattern!r} has a doubled backslash "
                f"({doubled.group()!r}), which matches a literal backslash",
                where=doc.where(*here, "regex", i),
                fix="in single quotes write one backslash ('\\b'); in double quotes write two",
            )
        try:
            re2.compile(pattern, options)
        except Exception as exc:  # re2 raises its own error type
            reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
            raise RuleError(
                f"bad regular expression {pattern!r}: {reason}",
                where=doc.where(*here, "regex", i),
                fix="use RE2 syntax (linear time): no look-arounds and no back-references",
            ) from None
    counter[0] += 1
    return Condition(
        "patterns",
        pattern_id=f"{rule_id}#{counter[0]}",
        phrases=[*phrases, *words],
        lemmas=[[t.lower() for t in seq] for seq in lemmas],
        regex=list(regexes),
        near=near,
    )


NEAR_EXAMPLE = (
    "e.g. `near: [[filmed, recorded], 4, fights]`: a word or phrase of the first list, up "
    "to 4 words, then one of words/fights.txt, in one sentence (a list is words or "
    "phrases, a name is a word list, a number is how many words may come between)"
)


def _near(seq: Any, doc: YamlDoc, at: tuple) -> Near:
    """One `near:` sequence: steps (a word list's name, or a list of words and phrases),
    with a number between two steps where words may come between them."""

    def refuse(problem: str) -> RuleError:
        return RuleError(f"the `near` sequence {problem}", where=doc.where(*at), fix=NEAR_EXAMPLE)

    if not isinstance(seq, list):
        raise refuse("is not a list")
    steps: list[tuple[str, ...]] = []
    gaps: list[int] = []
    for k, item in enumerate(seq):
        if isinstance(item, int) and not isinstance(item, bool):
            if not steps or len(gaps) == len(steps):
                raise refuse(f"has the number {item} where a step should be")
            if not 0 <= item <= MAX_GAP:
                raise refuse(f"allows {item} words between two steps (0 to {MAX_GAP})")
            gaps.append(item)
            continue
        if isinstance(item, str) and _WORDS_NAME.match(item):
            step = tuple(_word_list(doc, (*at, k), item))
        elif isinstance(item, list) and item and all(isinstance(w, str) and w for w in item):
            step = tuple(item)
        elif isinstance(item, list) and item:
            raise refuse(
                f"has {item!r}: quote each word that YAML reads as something else "
                "('off', 'no', 'yes', '10')"
            )
        else:
            raise refuse(f"has {item!r}, which is neither a word list's name nor a list of words")
        if len(gaps) < len(steps):
            gaps.append(0)  # two steps side by side
        steps.append(step)
    if len(steps) < 2 or len(gaps) >= len(steps):
        raise refuse("needs at least two steps, and must end with a step")
    return Near(tuple(steps), tuple(gaps))


def word_list_path(rules_dir: Path, name: str) -> Path:
    """`words/NAME.txt` beside the rules in `rules_dir`, else the built-in list."""
    own = rules_dir / WORDS_DIR / f"{name}.txt"
    return own if own.is_file() else default_rules_dir() / WORDS_DIR / f"{name}.txt"


def _word_list(doc: YamlDoc, at: tuple, name: str) -> list[str]:
    """The entries of a word list: one word or phrase a line; `#` starts a comment."""
    path = word_list_path(Path(doc.path).parent, name)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(
            f"cannot read the word list {name!r} ({exc.__class__.__name__})",
            where=doc.where(*at),
            fix=f"create {WORDS_DIR}/{name}.txt beside the rule file (UTF-8, one entry a line)",
        ) from None
    entries = [line.split("#")[0].strip() for line in lines]
    entries = [e for e in entries if e]
    if not entries:
        raise RuleError(
            f"the word list {name!r} is empty",
            where=str(path),
            fix="write one word or phrase a line",
        )
    return entries


def _examples(node: Any, doc: YamlDoc) -> list[Example]:
    if not isinstance(node, dict) or set(node) - {"fail", "pass"}:
        raise RuleError(
            "`examples` must have `fail:` and `pass:` lists",
            where=doc.where("examples"),
            fix="add `fail:` (posts the rule must flag) and `pass:` (near-misses it must not)",
        )
    out: list[Example] = []
    for expect in ("fail", "pass"):
        items = node.get(expect)
        if not isinstance(items, list) or not items:
            raise RuleError(
                f"missing `{expect}` examples",
                where=doc.where("examples", expect),
                fix=f"add at least one `{expect}:` example post ({_EXAMPLE_HELP[expect]}); "
                "examples are run as tests",
            )
        for i, item in enumerate(items):
            text = item.get("text") if isinstance(item, dict) else item
            if not isinstance(text, str) or not text.strip():
                raise RuleError(
                    f"example {i + 1} under `{expect}` has no text",
                    where=doc.where("examples", expect, i),
                    fix='write `- "the post text"` or `- text: "the post text"`',
                )
            media = item.get("media", []) if isinstance(item, dict) else []
            extra = set(item) - {"text", "media"} if isinstance(item, dict) else set()
            try:
                if extra:
                    raise ValueError(f"unknown key(s): {', '.join(sorted(extra))}")
                Post(text=text, media=media)
            except (ValueError, TypeError) as exc:
                raise RuleError(
                    f"example {i + 1} under `{expect}` is malformed: {exc}",
                    where=doc.where("examples", expect, i),
                    fix="an example has `text:` and optionally `media:` (a list of "
                    "{kind, uri, title, latitude, longitude})",
                ) from None
            out.append(Example(text=text, expect=expect, media=media))
    return out
