"""Plain-words output for the member of staff about to post: verdict first, then each finding.

Colours (only when asked, e.g. on a terminal) are drawn by `rich`.
"""

from __future__ import annotations

import re
import textwrap
from typing import IO, Any

from postcheck.schema import Finding, Verdict

EXTENSIONS = (".txt", ".text")
NEWLINE = None

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
    if f.cleared:
        label = "cleared: false alarm"
    head = f"{number}. {f.clause} {f.quote}  [{label}]"
    out = [paint(head, "cleared" if f.cleared else _COLOURS[f.severity], bold=True)]
    if f.decision is not None:
        d = f.decision
        by = f" ({', '.join(x for x in (d.by, d.at) if x)})" if d.by or d.at else ""
        reason = f": {d.reason}" if d.reason else ""
        out.append(f"   Decision: {d.decision.replace('_', ' ')}{reason}{by}")
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


_STYLES = {"32": "green", "33": "yellow", "31": "red", "36": "cyan", "cleared": "dim"}


def _painter(colour: bool):
    from rich.style import Style

    def paint(s: str, code: str, bold: bool = False) -> str:
        if code == "mark":
            return Style(bold=True, underline=True).render(s) if colour else f"[{s}]"
        if not colour:
            return s
        return Style.parse(f"{'bold ' if bold else ''}{_STYLES[code]}").render(s)

    return paint


def use_colour(stream: Any, no_color: bool = False) -> bool:
    """Colour on a terminal, as rich decides it: NO_COLOR turns it off, FORCE_COLOR on
    (see no-color.org); --no-color always wins."""
    if no_color:
        return False
    from rich.console import Console

    console = Console(file=stream)
    return console.is_terminal and console.color_system is not None and not console.no_color


class TextWriter:
    """Plain words. For one draft (`single`): the verdict alone; for a scan: each flagged
    post with its date and link, then the summary line."""

    def __init__(self, stream: IO[str], *, colour: bool = False, single: bool = False,
                 explain: bool = False, redact: bool = False, **_: Any):  # fmt: skip
        self.stream = stream
        self.colour = colour
        self.single = single
        self.explain = explain
        self.redact = redact

    def write(self, verdict: Verdict) -> None:
        if self.redact:
            from postcheck.redact import redact_verdict

            verdict = redact_verdict(verdict)
        post = verdict.post
        text = post.text if post else ""
        if self.single:
            self.stream.write(render(verdict, text, colour=self.colour, explain=self.explain))
            self.stream.write("\n")
            return
        if verdict.verdict == "ok" and not any(f.cleared for f in verdict.findings):
            return
        head = " ".join(
            x
            for x in (
                post.created_at.isoformat() if post and post.created_at else None,
                post.url or post.source if post else None,
            )
            if x  # fmt: skip
        )
        self.stream.write(f"== {head}\n{render(verdict, text, colour=self.colour)}\n\n")

    def write_error(self, error: Any) -> None:
        self.stream.write(f"== {error.source} ({error.position})\nERROR: {error.message}\n\n")

    def close(self, summary: Any = None) -> None:
        if summary is not None:
            self.stream.write(summary.line() + "\n")
        self.stream.flush()


def writer(stream: IO[str], **options: Any) -> TextWriter:
    return TextWriter(stream, **options)
