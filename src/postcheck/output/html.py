"""HTML report for the safeguarding lead: one self-contained file, no network at all.

A summary by verdict and by clause with an inline SVG bar chart, then a table of the
flagged posts (doubt and breach), newest first, with the triggering words highlighted
(`<mark>`), the clause quoted, the suggestion and a link to the original post, then
the posts that could not be read or checked. Everything from a post is HTML-escaped;
a Content-Security-Policy forbids loading anything. With `redact=True` personal data
found by the `pii` detector is masked in the report itself.

Streaming: `write()` renders a flagged post's row at once and keeps only that row
(ok posts are counted, not kept), so memory grows with flagged posts only.
"""

from __future__ import annotations

import html
from collections import Counter
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from postcheck.readers import ReadError
    from postcheck.schema import Verdict

from postcheck.redact import MASK

EXTENSIONS = (".html", ".htm")
NEWLINE = None
VERDICT_ORDER = ("breach", "doubt", "ok", "error")
VERDICT_LABELS = {
    "breach": "Breach",
    "doubt": "Doubt",
    "ok": "OK",
    "error": "Could not be checked",
}
_COLOURS = {"breach": "#b3261e", "doubt": "#a05a00", "ok": "#2e7d32", "error": "#5f6368"}
_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _sort_key(when: datetime | None) -> float:
    """Seconds since 1970 for ordering, for any date on the calendar (astimezone(UTC)
    overflows for 0001-01-01 00:30+05:00 and 9999-12-31 23:30-05:00; subtraction cannot)."""
    if when is None:
        return float("-inf")
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - _UNIX_EPOCH).total_seconds()


def highlighted(text: str, verdict: Verdict) -> str:
    """The post's text as HTML: findings' words in <mark>; in a redacted verdict, the masks
    of personal data in <span class=redacted>."""
    marks = [(f.start, f.end) for f in verdict.findings if f.end > f.start and not f.cleared]
    masks = (
        [(s.start, s.end) for s in verdict.personal_data if s.end > s.start]
        if verdict.redacted
        else []
    )
    cuts = sorted({0, len(text), *(p for span in marks + masks for p in span)})
    out: list[str] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        if a >= b or a < 0 or b > len(text):
            continue
        piece = html.escape(text[a:b])
        if any(s <= a and b <= e for s, e in masks):
            piece = f'<span class="redacted">{piece}</span>'
        out.append(f"<mark>{piece}</mark>" if any(s <= a and b <= e for s, e in marks) else piece)
    return "".join(out)


def _safe_href(url: str | None) -> str | None:
    if url and url.lower().startswith(("https://", "http://")):
        return html.escape(url, quote=True)
    return None


class HtmlWriter:
    """Writes the report to `stream` on close(); keeps only the flagged posts' rows."""

    def __init__(
        self, stream: TextIO, *, redact: bool = False, title: str | None = None, **_options: Any
    ):
        self.stream = stream
        self.redact = redact
        self.title = title or "postcheck report"
        self.counts: Counter[str] = Counter()
        self.clauses: Counter[str] = Counter()
        self.quotes: dict[str, str] = {}
        self.rows: list[tuple[float, int, str]] = []
        self.errors: list[str] = []

    def write(self, verdict: Verdict) -> None:
        if self.redact:
            from postcheck.redact import redact_verdict

            verdict = redact_verdict(verdict)
        self.counts[verdict.verdict] += 1
        counted = [f for f in verdict.findings if f.severity != "advice" and not f.cleared]
        for clause in sorted({f.clause for f in counted}):
            self.clauses[clause] += 1
        for f in verdict.findings:
            self.quotes.setdefault(f.clause, f.quote)
        if verdict.verdict == "ok" and not any(f.cleared for f in verdict.findings):
            return  # ok posts are counted, not listed (unless a finding was cleared)
        post = verdict.post
        when = post.created_at if post and post.created_at else None
        self.rows.append((_sort_key(when), len(self.rows), self._row(verdict)))

    def write_error(self, error: ReadError) -> None:
        self.counts["error"] += 1
        self.errors.append(
            f"<tr><td>{html.escape(error.source)}</td><td>{html.escape(error.position)}</td><td>{html.escape(error.message)}</td></tr>"
        )

    def _row(self, verdict: Verdict) -> str:
        post = verdict.post
        text = post.text if post else ""
        when = _shown(post.created_at) if post and post.created_at else ""
        findings = []
        for f in verdict.findings:
            words = f.text
            words_html = (
                f"<p class=words>Words: <mark>{html.escape(words)}</mark></p>" if words else ""
            )
            sev, clause = html.escape(f.severity), html.escape(f.clause)
            label = "cleared: false alarm" if f.cleared else sev
            decision = ""
            if f.decision is not None:
                d = f.decision
                decision = (
                    f'<p class="decision">Decision: {html.escape(d.decision.replace("_", " "))}'
                    f"{': ' + html.escape(d.reason) if d.reason else ''}"
                    f" <small>{html.escape(' '.join(x for x in (d.by, d.at) if x))}</small></p>"
                )
            findings.append(
                f'<div class="finding {sev}"><p><strong>{clause}</strong> '
                f'<span class="sev">{html.escape(label)}</span></p>{decision}'
                f"<blockquote>{html.escape(f.quote)}</blockquote>{words_html}"
                f"<p>{html.escape(f.message)}</p><p class=suggestion><strong>Try:</strong> "
                f"{html.escape(f.suggestion)}</p></div>"
            )
        href = _safe_href(post.url if post else None)
        link = (
            f'<a href="{href}" rel="noopener noreferrer" target="_blank">open post</a>'
            if href
            else ""
        )
        ident = html.escape(post.id or "") if post else ""
        return (
            f'<tr class="post {verdict.verdict}" data-id="{ident}">'
            f"<td class=date>{html.escape(when)}</td>"
            f'<td><span class="badge {verdict.verdict}">{VERDICT_LABELS[verdict.verdict]}'
            f"</span></td>"
            f'<td class="text">{highlighted(text, verdict)}</td>'
            f"<td>{''.join(findings)}</td>"
            f"<td>{link}<br><small>{html.escape(post.source or '') if post else ''}</small></td>"
            "</tr>"
        )

    def close(self, summary: Any = None) -> None:
        w = self.stream.write
        w(_HEAD.format(title=html.escape(self.title)))
        w(f"<h1>{html.escape(self.title)}</h1>\n")
        w(self._notice())
        w(self._summary(summary))
        w(self._chart())
        w("<h2>Flagged posts, newest first</h2>\n")
        if self.rows:
            w(
                '<table id="flagged"><thead><tr><th>Date</th><th>Verdict</th><th>Post</th>'
                "<th>Policy</th><th>Link</th></tr></thead><tbody>\n"
            )
            for _, _, row in sorted(self.rows, key=lambda r: (r[0], -r[1]), reverse=True):
                w(row + "\n")
            w("</tbody></table>\n")
        else:
            w('<p id="flagged-none">No post was flagged.</p>\n')
        if self.errors:
            w(
                "<h2>Posts that could not be read or checked</h2>\n"
                '<table id="errors"><thead><tr><th>Source</th><th>Where</th><th>Why</th></tr>'
                "</thead><tbody>\n"
            )
            for row in self.errors:
                w(row + "\n")
            w("</tbody></table>\n")
        generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        w(f"<footer>Made by postcheck on {generated}, offline.</footer>\n</body></html>\n")
        self.stream.flush()

    def _notice(self) -> str:
        if self.redact:
            extra = (
                " Personal data the checker found is masked as "
                f"<span class=redacted>{MASK}</span>, but it can miss some: treat the whole "
                "report as personal data."
            )
        else:
            extra = " Use <code>--redact</code> to mask the personal data the checker finds."
        return (
            '<p class="notice" role="note"><strong>This report contains personal data.</strong> '
            "The posts it quotes may name or show pupils, staff and families. Keep it secure, "
            "share it only with people who need it, and delete it when the review is done."
            f"{extra}</p>\n"
        )

    def _summary(self, summary: Any) -> str:
        total = sum(self.counts.values())
        rows = "".join(
            f'<tr><td><span class="badge {v}">{VERDICT_LABELS[v]}</span></td>'
            f'<td class=num id="count-{v}">{self.counts.get(v, 0)}</td></tr>'
            for v in VERDICT_ORDER
        )
        skipped = getattr(summary, "skipped_by_date", 0) or 0
        read = getattr(summary, "read", None)
        notes = []
        if read is not None:
            notes.append(f"{read} posts read")
        if skipped:
            notes.append(f"{skipped} outside the --since/--until dates (not checked)")
        dupes = getattr(summary, "duplicates", 0) or 0
        if dupes:
            notes.append(f"{dupes} repeated posts (checked once, reported each time)")
        note = f"<p>{html.escape('; '.join(notes))}.</p>" if notes else ""
        clause_rows = "".join(
            f"<tr><td>{html.escape(c)}</td><td>{html.escape(self.quotes.get(c, ''))}</td>"
            f"<td class=num>{n}</td></tr>"
            for c, n in self.clauses.most_common()
        )
        by_clause = (
            '<table id="by-clause"><thead><tr><th>Clause</th><th>Policy words</th>'
            f"<th>Posts</th></tr></thead><tbody>{clause_rows}</tbody></table>"
            if clause_rows
            else ""
        )
        return (
            f"<h2>Summary</h2>\n<p>{total} posts in this report.</p>{note}\n"
            f'<table id="by-verdict"><tbody>{rows}</tbody></table>\n{by_clause}\n'
        )

    def _chart(self) -> str:
        bars = [(VERDICT_LABELS[v], self.counts.get(v, 0), _COLOURS[v]) for v in VERDICT_ORDER]
        bars += [(c, n, "#3f51b5") for c, n in self.clauses.most_common()]
        top = max([n for _, n, _ in bars] + [1])
        bar_h, gap, label_w, width = 22, 6, 190, 620
        height = len(bars) * (bar_h + gap) + gap
        parts = [
            f'<svg id="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
            'aria-label="Posts by verdict and by clause">'
        ]
        for i, (label, n, colour) in enumerate(bars):
            y = gap + i * (bar_h + gap)
            w = 0 if n == 0 else max(2, int((width - label_w - 60) * n / top))
            parts.append(
                f'<text x="{label_w - 8}" y="{y + bar_h * 0.7:.0f}" text-anchor="end">'
                f"{html.escape(label)}</text>"
                f'<rect class="bar" x="{label_w}" y="{y}" width="{w}" height="{bar_h}" '
                f'fill="{colour}"><title>{html.escape(label)}: {n}</title></rect>'
                f'<text x="{label_w + w + 6}" y="{y + bar_h * 0.7:.0f}">{n}</text>'
            )
        parts.append("</svg>")
        return "<h2>Chart</h2>\n<figure>" + "".join(parts) + "</figure>\n"


_HEAD = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  margin: 2em; color: #1f1f1f; line-height: 1.4; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
th, td {{ border: 1px solid #ccc; padding: .4em .6em; vertical-align: top; text-align: left; }}
td.num {{ text-align: right; }}
td.text {{ white-space: pre-wrap; max-width: 40em; }}
mark {{ background: #ffe082; }}
.redacted {{ background: #1f1f1f; color: #fff; padding: 0 .2em; }}
.badge {{ color: #fff; padding: .1em .5em; border-radius: .3em; white-space: nowrap; }}
.badge.breach {{ background: #b3261e; }} .badge.doubt {{ background: #a05a00; }}
.badge.ok {{ background: #2e7d32; }} .badge.error {{ background: #5f6368; }}
.notice {{ border-left: .4em solid #b3261e; background: #fdecea; padding: .6em 1em; }}
blockquote {{ margin: .3em 0 .3em 1em; font-style: italic; color: #444; }}
.finding + .finding {{ border-top: 1px dashed #ccc; margin-top: .5em; }}
svg text {{ font-size: 13px; fill: #1f1f1f; }}
footer {{ margin-top: 2em; color: #666; font-size: small; }}
</style></head><body>
"""


def _shown(when: datetime) -> str:
    """The date as written in the report (the year always in four digits)."""
    return f"{when.year:04d}-{when.month:02d}-{when.day:02d} {when.hour:02d}:{when.minute:02d}"


def writer(stream: TextIO, **options: Any) -> HtmlWriter:
    options.pop("colour", None)
    options.pop("single", None)
    return HtmlWriter(stream, **options)
