"""CSV for a spreadsheet: opens cleanly in Excel (UTF-8 with BOM, CRLF rows).

One row per finding, one row for each post with no findings, one row for each post that
could not be read or checked (verdict `error`). Cells that a spreadsheet would run as a
formula (starting with = + - @ or their full-width forms, even after blank space or a
line break, or with a tab or line break) get a leading apostrophe.
With `redact=True` personal data found by the `pii` detector is masked in the text.
"""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING, Any, TextIO

EXTENSIONS = (".csv",)
NEWLINE = ""

if TYPE_CHECKING:
    from postcheck.readers import ReadError
    from postcheck.schema import Finding, Verdict

COLUMNS = (
    "post_id",
    "date",
    "verdict",
    "severity",
    "clause",
    "quote",
    "rule",
    "words",
    "message",
    "suggestion",
    "decision",
    "url",
    "source",
    "text",
)
#: What a spreadsheet may read as the start of a formula, after any leading blank space:
#: = + - @ and their full-width forms (＝ ＋ － ＠, which Excel and LibreOffice also take).
_FORMULA_START = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value: Any) -> str:
    """The value as text, defused if a spreadsheet would read it as a formula: a cell whose
    first character that is not blank space (spaces, tabs, line breaks) could start one,
    or that starts with a tab or line break, gets a leading apostrophe."""
    text = "" if value is None else str(value)
    stripped = text.lstrip()
    if stripped.startswith(_FORMULA_START) or (text and text[0] in "\t\r\n"):
        return "'" + text
    return text


class CsvWriter:
    """Streams rows to `stream` (opened with newline=''); nothing is kept in memory."""

    def __init__(self, stream: TextIO, *, redact: bool = False, **_options: Any):
        self.stream = stream
        self.redact = redact
        stream.write("\ufeff")
        self.writer = csv.writer(stream, lineterminator="\r\n")
        self.writer.writerow(COLUMNS)

    def _row(self, **cells: Any) -> None:
        self.writer.writerow([safe_cell(cells.get(c)) for c in COLUMNS])

    def write(self, verdict: Verdict) -> None:
        if self.redact:
            from postcheck.redact import redact_verdict

            verdict = redact_verdict(verdict)
        post = verdict.post
        shown = post.text if post else ""
        common = {
            "post_id": post.id if post else None,
            "date": post.created_at.isoformat() if post and post.created_at else None,
            "verdict": verdict.verdict,
            "url": post.url if post else None,
            "source": post.source if post else None,
            "text": shown,
        }
        if not verdict.findings:
            self._row(**common)
            return
        for finding in verdict.findings:
            self._row(**common, **self._finding(finding))

    def _finding(self, f: Finding) -> dict[str, Any]:
        words = f.text
        decision = ""
        if f.decision is not None:
            d = f.decision
            decision = "; ".join(x for x in (d.decision, d.reason, d.by, d.at) if x)
        return {
            "decision": decision,
            "severity": f.severity,
            "clause": f.clause,
            "quote": f.quote,
            "rule": f.rule,
            "words": words,
            "message": f.message,
            "suggestion": f.suggestion,
        }

    def write_error(self, error: ReadError) -> None:
        self._row(
            post_id=error.id,
            date=error.created_at.isoformat() if error.created_at else None,
            verdict="error",
            message=f"{error.message} ({error.position})",
            url=error.url,
            source=error.source,
        )

    def close(self, summary: Any = None) -> None:
        self.stream.flush()


def writer(stream: TextIO, **options: Any) -> CsvWriter:
    options.pop("colour", None)
    options.pop("single", None)
    return CsvWriter(stream, **options)
