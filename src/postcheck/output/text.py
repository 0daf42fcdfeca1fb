"""Plain-words output for the member of staff about to post: verdict first, then each finding."""

from __future__ import annotations

import re
import textwrap

from postcheck.schema import Finding, Verdict

HEADLINES = {
    "ok": "OK: nothing in this post goes against the policy.",
    "doubt": "DOUBT: please think again before posting. If in doubt, don't post it!",
    "breach": "BREACH: please don't post this. It goes against the school's policy.",
}
_COLOURS = {"ok": "32", "doubt": "33", "breach": "31", "advice": "36"}
_CONTEXT = 40


def render(verdict: Verdict, text: str, *, colour: bool = False, explain: bool = False) -> str:
    """The verdict in plain words; `text` is the original post (for highlighting)."""
    paint = _painter(colour)
    lines = [paint(HEADLINES[verdict.verdict], _COLOURS[verdict.verdict], bold=True)]
    if not verdict.findings:
        return "\n".join(lines)
    count = len(verdict.findings)
    lines.append(f"{count} thing{'s' if count > 1 else ''} to look at:")
    for number, finding in enumerate(verdict.findings, start=1):
        lines.append("")
        lines.extend(_finding(number, finding, text, paint, explain))
    return "\n".join(lines)


def _finding(number: int, f: Finding, text: str, paint, explain: bool) -> list[str]:
    label = "advice only" if f.severity == "advice" else f.severity
    head = f"{number}. {f.clause} {f.quote}  [{label}]"
    out = [paint(head, _COLOURS[f.severity], bold=True)]
    out.append(f"   Words: {_snippet(text, f.start, f.end, paint)}")
    out.extend(_wrapped("Why", f.message))
    out.extend(_wrapped("Try", f.suggestion))
    if explain:
        out.append(f"   Rule: {f.rule}")
        for hit in f.evidence:
            words = f" {hit.text!r}" if hit.text and hit.detector != "toxicity" else ""
            why = f" ({hit.why})" if hit.why else ""
            out.append(f"   - {hit.detector} {hit.label} {hit.score:.2f}{words}{why}")
    return out


def _wrapped(label: str, text: str) -> list[str]:
    return textwrap.wrap(
        text, width=88, initial_indent=f"   {label}: ", subsequent_indent=" " * (len(label) + 5)
    )


def _snippet(text: str, start: int, end: int, paint) -> str:
    """The triggering words with a little context, highlighted."""
    before = text[max(0, start - _CONTEXT) : start]
    after = text[end : end + _CONTEXT]
    lead = "..." if start > _CONTEXT else ""
    tail = "..." if end + _CONTEXT < len(text) else ""
    return f"{lead}{_flat(before)}{paint(_flat(text[start:end]), 'mark')}{_flat(after)}{tail}"


def _flat(s: str) -> str:
    """One line: runs of spaces and line breaks become one space."""
    return re.sub(r"\s+", " ", s)


def _painter(colour: bool):
    def paint(s: str, code: str, bold: bool = False) -> str:
        if code == "mark":
            return f"\033[1;4m{s}\033[0m" if colour else f"[{s}]"
        if not colour:
            return s
        return f"\033[{'1;' if bold else ''}{code}m{s}\033[0m"

    return paint
