"""JSON output of one verdict: the same schema a tool gets from `check()`
(data/verdict.schema.json). For a scan, a JSON array of the JSONL records."""

from __future__ import annotations

import json
from typing import IO, Any

from postcheck.schema import Verdict

EXTENSIONS = (".json",)
NEWLINE = None


def verdict_dict(verdict: Verdict, *, include_post: bool = False) -> dict:
    """The verdict as plain JSON types; the post's text is left out unless asked for."""
    data = verdict.model_dump(mode="json", exclude={"post"})
    if include_post and verdict.post is not None:
        data["post"] = verdict.post.model_dump(mode="json", exclude_none=True)
    return data


def render(verdict: Verdict) -> str:
    return json.dumps(verdict_dict(verdict), ensure_ascii=False, indent=2)


class JsonWriter:
    """One draft: the verdict object. A scan: an array of records (as in JSONL)."""

    def __init__(self, stream: IO[str], *, single: bool = False, redact: bool = False, **_: Any):
        self.stream = stream
        self.single = single
        self.redact = redact
        self.count = 0

    def _prepare(self, verdict: Verdict) -> Verdict:
        if self.redact:
            from postcheck.redact import redact_verdict

            return redact_verdict(verdict)
        return verdict

    def write(self, verdict: Verdict) -> None:
        verdict = self._prepare(verdict)
        if self.single:
            self.stream.write(render(verdict) + "\n")
            return
        from postcheck.output.jsonl import verdict_record

        self._item(verdict_record(verdict))

    def write_error(self, error: Any) -> None:
        from postcheck.output.jsonl import error_record

        self._item(error_record(error))

    def _item(self, record: dict) -> None:
        self.stream.write(
            ("[\n" if self.count == 0 else ",\n") + json.dumps(record, ensure_ascii=False)
        )
        self.count += 1

    def close(self, summary: Any = None) -> None:
        if not self.single:
            self.stream.write("\n]\n" if self.count else "[]\n")
        self.stream.flush()


def writer(stream: IO[str], **options: Any) -> JsonWriter:
    return JsonWriter(stream, **options)
