"""The review page (GET /review) for a scan's JSONL, and its decisions API.

The scan file is read once (and again when it changes); only flagged posts (and posts
with cleared findings) are kept. Identical texts, by the records' `fingerprint`, are one
group with a count. Decisions are appended to the decisions file next to the scan (the
same file `postcheck scan --decisions` reads) and exported as CSV.
"""

from __future__ import annotations

import csv
import io
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from postcheck.decisions import (
    DECISION_LABELS,
    Decisions,
    append_decision,
    csv_rows,
    decisions_path_for,
    load_decisions,
)
from postcheck.errors import InputError

PAGE_SIZE = 100
VERDICT_RANK = {"breach": 0, "doubt": 1, "ok": 2}


@dataclass
class Group:
    """Posts with the same text (same fingerprint): reviewed once."""

    key: str
    fingerprint: str | None
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def first(self) -> dict[str, Any]:
        return self.records[0]

    @property
    def dates(self) -> list[str]:
        return sorted(r["date"] for r in self.records if r.get("date"))


class ReviewState:
    """The scan being reviewed and its decisions file."""

    def __init__(self, scan: str | Path, decisions: str | Path | None = None):
        self.scan = Path(scan)
        self.decisions_path = Path(decisions) if decisions else decisions_path_for(self.scan)
        self.lock = threading.Lock()
        self._scan_stamp: tuple[int, int] | None = None
        self._decisions_stamp: tuple[int, int] | None = None
        self.groups: list[Group] = []
        self.counts: dict[str, int] = {}
        self.by_key: dict[str, Group] = {}
        self._decisions = Decisions()
        self.load()

    @staticmethod
    def _stamp(path: Path) -> tuple[int, int] | None:
        try:
            st = path.stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    def load(self) -> None:
        """(Re)read the scan if it changed since the last time."""
        stamp = self._stamp(self.scan)
        if stamp is not None and stamp == self._scan_stamp:
            return
        groups: dict[str, Group] = {}
        counts = {"read": 0, "ok": 0, "doubt": 0, "breach": 0, "error": 0}
        try:
            stream = self.scan.open(encoding="utf-8-sig")
        except OSError as exc:
            raise InputError(
                f"cannot read the scan: {exc.strerror}",
                where=str(self.scan),
                fix="give the JSONL written by `postcheck scan ... -o verdicts.jsonl`",
            ) from None
        with stream:
            for lineno, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except ValueError:
                    raise InputError(
                        "the line is not valid JSON",
                        where=f"{self.scan}:{lineno}",
                        fix="give the JSONL written by `postcheck scan ... -f jsonl`",
                    ) from None
                if not isinstance(record, dict) or "verdict" not in record:
                    raise InputError(
                        "the line is not a postcheck verdict record",
                        where=f"{self.scan}:{lineno}",
                        fix="give the JSONL written by `postcheck scan ... -f jsonl`",
                    )
                counts["read"] += 1
                verdict = record.get("verdict")
                counts[verdict] = counts.get(verdict, 0) + 1
                if verdict == "error" or not record.get("findings"):
                    continue
                record["_line"] = lineno
                fp = record.get("fingerprint")
                key = fp or f"line:{lineno}"
                group = groups.get(key)
                if group is None:
                    group = groups[key] = Group(key=key, fingerprint=fp)
                group.records.append(record)
        self.groups = list(groups.values())
        self.by_key = groups
        self.counts = counts
        self._scan_stamp = stamp

    def decisions(self) -> Decisions:
        stamp = self._stamp(self.decisions_path)
        if stamp != self._decisions_stamp:
            self._decisions = load_decisions(self.decisions_path, missing_ok=True)
            self._decisions_stamp = stamp
        return self._decisions

    def decision_for(self, group: Group, rule: str) -> Any:
        decisions = self.decisions()
        for record in group.records:
            found = decisions.lookup(record.get("id"), group.fingerprint, rule)
            if found is not None:
                return found
        return None


class DecisionRequest(BaseModel):
    """A reviewer's decision on one finding of the scan."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(None, description="the post id in the scan's JSONL")
    fingerprint: str | None = Field(None, description="the post's fingerprint in the JSONL")
    rule: str
    decision: str = Field(description="false_alarm, confirmed or removed")
    reason: str = ""
    by: str = Field(description="the reviewer's name")


def _segments(text: str, findings: list[dict[str, Any]]) -> list[tuple[str, bool]]:
    """The text in pieces, each marked or not (findings' words)."""
    spans = [(f["start"], f["end"]) for f in findings if f.get("end", 0) > f.get("start", 0)]
    cuts = sorted({0, len(text), *(p for s in spans for p in s if 0 <= p <= len(text))})
    out: list[tuple[str, bool]] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        marked = any(s <= a and b <= e for s, e in spans)
        if out and out[-1][1] == marked:
            out[-1] = (out[-1][0] + text[a:b], marked)
        elif b > a:
            out.append((text[a:b], marked))
    return out


def make_review_router() -> APIRouter:
    router = APIRouter()

    def state_of(request: Request) -> ReviewState:
        review = request.app.state.review
        if review is None:
            raise InputError(
                "no scan to review: the server was started without --scan",
                where="postcheck serve",
                fix="start it with `postcheck serve --scan verdicts.jsonl`",
            )
        return review

    @router.get("/review", response_class=HTMLResponse, include_in_schema=False)
    def review_page(
        request: Request,
        verdict: str = "",
        clause: str = "",
        rule: str = "",
        since: str = "",
        until: str = "",
        q: str = "",
        status: str = "",
        page: int = Query(1, ge=1),
    ):
        render = request.app.state.page
        review = request.app.state.review
        if review is None:
            return render("no_scan.html", status=404)
        with review.lock:
            review.load()
            groups, clauses, rules = _filtered(review, verdict, clause, rule, since, until, q,
                                               status)  # fmt: skip
            pages = max(1, (len(groups) + PAGE_SIZE - 1) // PAGE_SIZE)
            page = min(page, pages)
            shown = groups[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
            items = [_view(review, g) for g in shown]
            counts = dict(review.counts)
        filters = {"verdict": verdict, "clause": clause, "rule": rule, "since": since,
                   "until": until, "q": q, "status": status}  # fmt: skip
        query = urlencode({k: v for k, v in filters.items() if v})
        return render(
            "review.html",
            scan=review.scan.name,
            decisions_file=review.decisions_path.name,
            counts=counts,
            items=items,
            total_groups=len(groups),
            total_posts=sum(len(g.records) for g in groups),
            clauses=clauses,
            rules=rules,
            filters=filters,
            page=page,
            pages=pages,
            query=query,
            labels=DECISION_LABELS,
        )

    @router.post("/api/decisions", summary="Record a reviewer's decision on a finding",
                 tags=["review"])  # fmt: skip
    def decide(body: DecisionRequest, request: Request) -> dict[str, Any]:
        review = state_of(request)
        if not body.by.strip():
            raise InputError(
                "the reviewer's name is missing",
                where="request body: by",
                fix="type your name in 'Your name' at the top of the review page",
            )
        with review.lock:
            review.load()
            group = _find_group(review, body.id, body.fingerprint)
            if body.rule not in {f["rule"] for r in group.records for f in r["findings"]}:
                raise InputError(
                    f"the post has no finding of rule {body.rule!r}",
                    where="request body: rule",
                    fix="give the `rule` of one of the post's findings",
                )
            record = {
                "id": body.id or group.first.get("id"),
                "fingerprint": body.fingerprint or group.fingerprint,
                "rule": body.rule,
                "decision": body.decision,
                "reason": body.reason.strip(),
                "by": body.by.strip(),
            }
            return append_decision(review.decisions_path, record)

    @router.get("/api/decisions", summary="All decisions recorded so far", tags=["review"])
    def all_decisions(request: Request) -> list[dict[str, Any]]:
        review = state_of(request)
        with review.lock:
            return list(review.decisions().records)

    @router.get("/review/decisions.csv", summary="The decisions as CSV", tags=["review"])
    def decisions_csv(request: Request) -> Response:
        review = state_of(request)
        with review.lock:
            records = list(review.decisions().records)
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.writer(out, lineterminator="\r\n")
        for row in csv_rows(records):
            writer.writerow(row)
        name = review.decisions_path.stem + ".csv"
        return Response(
            out.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{name}"'},
        )

    return router


def _find_group(review: ReviewState, post_id: str | None, fp: str | None) -> Group:
    if fp and fp in review.by_key:
        return review.by_key[fp]
    if post_id:
        for group in review.groups:
            if any(r.get("id") == post_id for r in group.records):
                return group
    raise InputError(
        "no flagged post in the scan has this id or fingerprint",
        where="request body: id/fingerprint",
        fix="give the `id` or `fingerprint` of a flagged post from the scan's JSONL",
    )


def _filtered(review: ReviewState, verdict, clause, rule, since, until, q, status):
    """Groups matching the filters (newest first), and the clause and rule choices."""
    clauses: set[str] = set()
    rules: set[str] = set()
    needle = q.casefold().strip()
    decisions = review.decisions()
    out: list[tuple[str, Group]] = []  # (newest date, the group's posts that match)
    for group in review.groups:
        first = group.first
        findings = first["findings"]
        clauses.update(f["clause"] for f in findings)
        rules.update(f["rule"] for f in findings)
        if verdict and first["verdict"] != verdict:
            continue
        if clause and not any(f["clause"] == clause for f in findings):
            continue
        if rule and not any(f["rule"] == rule for f in findings):
            continue
        records = group.records
        if since or until:
            records = [
                r for r in records
                if r.get("date") and (not since or r["date"][:10] >= since)
                and (not until or r["date"][:10] <= until)
            ]  # fmt: skip
            if not records:
                continue
        if needle:
            hay = " ".join(
                [first.get("text") or ""]
                + [f"{f['text']} {f['message']} {f['quote']} {f['rule']}" for f in findings]
            ).casefold()
            if needle not in hay:
                continue
        if status:
            decided = [
                any(decisions.lookup(r.get("id"), group.fingerprint, f["rule"]) for r in records)
                for f in findings
            ]
            if status == "open" and all(decided):
                continue
            if status == "decided" and not all(decided):
                continue
        newest = max((r.get("date") or "" for r in records), default="")
        out.append((newest, Group(group.key, group.fingerprint, records)))
    out.sort(key=lambda item: item[0], reverse=True)  # newest first...
    out.sort(key=lambda item: VERDICT_RANK.get(item[1].first["verdict"], 3))  # breaches first
    return [g for _, g in out], sorted(clauses), sorted(rules)


def _view(review: ReviewState, group: Group) -> dict[str, Any]:
    first = group.first
    findings = []
    cleared = 0
    for f in first["findings"]:
        decision = review.decision_for(group, f["rule"])
        if decision is not None and decision.decision == "false_alarm":
            cleared += 1
        findings.append({**f, "current": decision})
    severities = {
        f["severity"]
        for f in findings
        if not (f["current"] and f["current"].decision == "false_alarm")
    }
    now = "breach" if "breach" in severities else "doubt" if "doubt" in severities else "ok"
    text = first.get("text")
    dates = group.dates
    return {
        "key": group.key,
        "id": first.get("id"),
        "fingerprint": group.fingerprint,
        "verdict": first["verdict"],
        "now": now,
        "count": len(group.records),
        "first_date": dates[0][:10] if dates else "",
        "last_date": dates[-1][:10] if dates else "",
        "url": next((r["url"] for r in group.records if _safe_url(r.get("url"))), None),
        "source": first.get("source") or "",
        "segments": _segments(text, first["findings"]) if text else None,
        "findings": findings,
        "cleared": cleared,
    }


def _safe_url(url: str | None) -> bool:
    return bool(url) and str(url).lower().startswith(("https://", "http://"))
