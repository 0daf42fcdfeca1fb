"""Reviewers' decisions on findings, carried into the next scan (like bandit's baseline).

A decisions file is JSONL, one decision a line, appended to (the last line for a finding
wins):

    {"id": "1234", "fingerprint": "sha256:…", "rule": "threats", "decision": "false_alarm",
     "reason": "a quote from a book", "by": "J. Hughes", "at": "2026-11-30T10:12:00+00:00"}

A decision applies to a post's finding of `rule` when the post's id is `id`, or when the
post's text has `fingerprint` (a hash of its normalised text), so cross-posts and
re-exports keep their decisions. A `false_alarm` no longer counts towards the post's
verdict; the finding is still listed, as cleared, with its reason. `confirmed` and
`removed` are recorded on the finding and change nothing else.
"""

from __future__ import annotations

import hashlib
import json
import os
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

from postcheck.errors import InputError
from postcheck.schema import Decision, DecisionLabel, Post, Verdict, verdict_label

if TYPE_CHECKING:
    from postcheck.readers import ReadError

DECISIONS: tuple[str, ...] = get_args(DecisionLabel)
DECISION_LABELS = {
    "false_alarm": "False alarm",
    "confirmed": "Confirmed",
    "removed": "Post removed",
}


def fingerprint(text: str) -> str:
    """A hash of the normalised text: NFKC, case-folded, whitespace collapsed."""
    norm = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    return "sha256:" + hashlib.sha256(norm.encode("utf-8", "surrogatepass")).hexdigest()


def post_fingerprint(post: Post) -> str:
    """`fingerprint(post.text)`, or the real text's when the post was redacted in a journal."""
    return post._fingerprint or fingerprint(post.text)


def decisions_path_for(scan_output: str | os.PathLike[str]) -> Path:
    """The decisions file kept next to a scan's JSONL: verdicts.jsonl -> verdicts.decisions.jsonl"""
    path = Path(scan_output)
    return path.with_name(path.stem + ".decisions.jsonl")


@dataclass
class Decisions:
    """The decisions of one file, looked up by (post id, rule) or (fingerprint, rule)."""

    by_id: dict[tuple[str, str], Decision] = field(default_factory=dict)
    by_fingerprint: dict[tuple[str, str], Decision] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)

    def add(self, record: dict[str, Any]) -> None:
        decision = Decision(
            decision=record["decision"],
            reason=record.get("reason") or "",
            by=record.get("by") or "",
            at=record.get("at") or "",
        )
        rule = record["rule"]
        if record.get("id") not in (None, ""):
            self.by_id[(str(record["id"]), rule)] = decision
        if record.get("fingerprint"):
            self.by_fingerprint[(record["fingerprint"], rule)] = decision
        self.records.append(record)

    def lookup(self, post_id: str | None, print_: str | None, rule: str) -> Decision | None:
        if post_id is not None and (post_id, rule) in self.by_id:
            return self.by_id[(post_id, rule)]
        if print_ is not None:
            return self.by_fingerprint.get((print_, rule))
        return None

    def __len__(self) -> int:
        return len(self.records)

    def apply(self, verdict: Verdict, print_: str | None = None) -> Verdict:
        """`verdict` with each finding's decision attached and cleared findings not counted."""
        if not self.records or not verdict.findings:
            return verdict
        post = verdict.post
        post_id = post.id if post else None
        if print_ is None and post is not None:
            print_ = post_fingerprint(post)
        findings = []
        changed = False
        for f in verdict.findings:
            decision = self.lookup(post_id, print_, f.rule)
            if decision is not None:
                f = f.model_copy(update={"decision": decision})
                changed = True
            findings.append(f)
        if not changed:
            return verdict
        return verdict.model_copy(update={"findings": findings, "verdict": verdict_label(findings)})


def validate_record(data: Any, where: str) -> dict[str, Any]:
    """One decision as a dict, or an InputError saying what is wrong."""
    example = (
        '{"id": "1234", "rule": "threats", "decision": "false_alarm", "reason": "…", '
        '"by": "name", "at": "2026-01-31T10:00:00Z"}'
    )
    if not isinstance(data, dict):
        raise InputError("a decision must be a JSON object", where=where, fix=f"e.g. {example}")
    if data.get("id") in (None, "") and not data.get("fingerprint"):
        raise InputError(
            "the decision has neither `id` nor `fingerprint`",
            where=where,
            fix="give the post id from the scan's JSONL output (`id`), or its `fingerprint`",
        )
    if not isinstance(data.get("rule"), str) or not data["rule"]:
        raise InputError(
            "the decision has no `rule`",
            where=where,
            fix='give the rule id of the finding, e.g. "rule": "threats"',
        )
    if data.get("decision") not in DECISIONS:
        raise InputError(
            f"unknown decision {data.get('decision')!r}",
            where=where,
            fix=f"use one of: {', '.join(DECISIONS)}",
        )
    if data["decision"] == "false_alarm" and not str(data.get("reason") or "").strip():
        raise InputError(
            "a false alarm needs a reason",
            where=where,
            fix='say why it is not a problem, e.g. "reason": "a quote from the class book"',
        )
    for key in ("reason", "by", "at"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise InputError(f"`{key}` must be text", where=where, fix=f'e.g. "{key}": "…"')
    if data.get("id") is not None:
        data["id"] = str(data["id"])
    return data


def load_decisions(path: str | os.PathLike[str], *, missing_ok: bool = False) -> Decisions:
    """Read a decisions file; a bad line is an InputError naming the file and line."""
    path = Path(path)
    decisions = Decisions()
    if missing_ok and not path.exists():
        return decisions
    try:
        with path.open(encoding="utf-8-sig") as fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                where = f"{path}:{lineno}"
                try:
                    data = json.loads(line)
                except ValueError as exc:
                    raise InputError(
                        f"the line is not valid JSON ({exc})",
                        where=where,
                        fix="each line must be one JSON object; fix or delete this line",
                    ) from None
                decisions.add(validate_record(data, where))
    except OSError as exc:
        raise InputError(
            f"cannot read the decisions file: {exc.strerror}",
            where=str(path),
            fix="give the path of a decisions file (JSONL), e.g. verdicts.decisions.jsonl",
        ) from None
    except UnicodeDecodeError:
        raise InputError(
            "the decisions file is not UTF-8 text",
            where=str(path),
            fix="give the decisions file that postcheck serve wrote",
        ) from None
    return decisions


def append_decision(path: str | os.PathLike[str], record: dict[str, Any]) -> dict[str, Any]:
    """Validate `record`, stamp its time if missing, and append it durably to `path`."""
    record = validate_record(dict(record), str(path))
    record.setdefault("at", datetime.now(UTC).isoformat(timespec="seconds"))
    if not record.get("at"):
        record["at"] = datetime.now(UTC).isoformat(timespec="seconds")
    line = json.dumps(record, ensure_ascii=False) + "\n"
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())
    return record


class DecisionsWriter:
    """Wraps a scan's output writer: applies decisions to each verdict on its way out,
    and corrects the summary's counts for the verdicts that changed."""

    def __init__(self, inner: Any, decisions: Decisions):
        self.inner = inner
        self.decisions = decisions
        self.moved: list[tuple[str, str]] = []
        self.cleared = 0

    def write(self, verdict: Verdict) -> None:
        after = self.decisions.apply(verdict)
        self.cleared += sum(1 for f in after.findings if f.cleared)
        if after.verdict != verdict.verdict:
            self.moved.append((verdict.verdict, after.verdict))
        self.inner.write(after)

    def write_error(self, error: ReadError) -> None:
        self.inner.write_error(error)

    def close(self, summary: Any) -> None:
        if summary is not None:
            for before, after in self.moved:
                setattr(summary, before, getattr(summary, before) - 1)
                setattr(summary, after, getattr(summary, after) + 1)
        self.inner.close(summary)

    def abort(self) -> None:
        abort = getattr(self.inner, "abort", None)
        if abort:
            abort()


def csv_rows(records: Iterable[dict[str, Any]]) -> Iterable[list[str]]:
    """The decisions as CSV rows (header first), formula-safe for spreadsheets."""
    from postcheck.output.csv_format import safe_cell

    columns = ("id", "fingerprint", "rule", "decision", "reason", "by", "at")
    yield list(columns)
    for record in records:
        yield [safe_cell(record.get(c)) for c in columns]
