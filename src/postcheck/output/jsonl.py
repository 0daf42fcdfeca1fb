"""JSONL for tools: one line per input post, in input order.

A checked post is the same object as `check -f json` (verdict, findings, scores) plus
`id`, `url`, `date`, `source` and `fingerprint` (a hash of the normalised text, which
decisions files match on) of the post; a post that could not be read or checked
is `{"verdict": "error", "error": "...", "position": ..., "id", "url", "date", "source"}`.
The post's text is left out (it is personal data) unless `include_text=True`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TextIO

from postcheck.output.json_format import verdict_dict

EXTENSIONS = (".jsonl", ".ndjson")
NEWLINE = None

if TYPE_CHECKING:
    from postcheck.readers import ReadError
    from postcheck.schema import Verdict


def verdict_record(verdict: Verdict, *, include_text: bool = False) -> dict[str, Any]:
    """The JSON object for one checked post."""
    data = verdict_dict(verdict)
    post = verdict.post
    data["id"] = post.id if post else None
    data["url"] = post.url if post else None
    data["date"] = post.created_at.isoformat() if post and post.created_at else None
    data["source"] = post.source if post else None
    if post is not None:
        from postcheck.decisions import post_fingerprint

        data["fingerprint"] = post_fingerprint(post)
    if include_text:
        data["text"] = post.text if post else None
    return data


def error_record(error: ReadError) -> dict[str, Any]:
    """The JSON object for one post that could not be read or checked."""
    return {
        "verdict": "error",
        "error": error.message,
        "position": error.position,
        "id": error.id,
        "url": error.url,
        "date": error.created_at.isoformat() if error.created_at else None,
        "source": error.source,
    }


class JsonlWriter:
    """Streams one JSON line per post to `stream`; nothing is kept in memory."""

    def __init__(
        self, stream: TextIO, *, include_text: bool = False, redact: bool = False, **_options: Any
    ):
        self.stream = stream
        self.include_text = include_text
        self.redact = redact

    def write(self, verdict: Verdict) -> None:
        if self.redact:
            from postcheck.decisions import post_fingerprint
            from postcheck.redact import redact_verdict

            # the fingerprint stays that of the real text, so that decisions still match
            real = post_fingerprint(verdict.post) if verdict.post is not None else None
            record = verdict_record(redact_verdict(verdict), include_text=self.include_text)
            if real:
                record["fingerprint"] = real
        else:
            record = verdict_record(verdict, include_text=self.include_text)
        self.stream.write(json.dumps(record, ensure_ascii=False) + "\n")

    def write_error(self, error: ReadError) -> None:
        self.stream.write(json.dumps(error_record(error), ensure_ascii=False) + "\n")

    def close(self, summary: Any = None) -> None:
        self.stream.flush()


def writer(stream: TextIO, **options: Any) -> JsonlWriter:
    options.pop("colour", None)
    options.pop("single", None)
    return JsonlWriter(stream, **options)
