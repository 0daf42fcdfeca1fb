"""The public data model: Post, Hit, Finding, Verdict (pydantic v2, JSON-serialisable)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

VerdictLabel = Literal["ok", "doubt", "breach"]
Severity = Literal["breach", "doubt", "advice"]
SEVERITIES: tuple[str, ...] = ("breach", "doubt", "advice")
DecisionLabel = Literal["false_alarm", "confirmed", "removed"]
#: The version of the Verdict's JSON shape (data/verdict.schema.json). Bump the major
#: number when a field is removed or changes meaning, the minor one when a field is added.
SCHEMA_VERSION = "1.0"

_SURROGATE = re.compile("[\ud800-\udfff]")


def valid_unicode(text: str) -> str:
    """`text` with every lone surrogate (text that is not valid Unicode, e.g. from a bad
    `\\ud800` escape or undecodable bytes) replaced by U+FFFD; same length, so every
    offset into the text stays right."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text


def _valid(value: object) -> object:
    return valid_unicode(value) if isinstance(value, str) else value


class Media(BaseModel):
    """Something attached to a post: a photo, a video, a link or a place."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["photo", "video", "link", "place", "other"] = "other"
    uri: str | None = None
    title: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    taken_at: datetime | None = None

    _unicode = field_validator("uri", "title", mode="before")(_valid)


class Post(BaseModel):
    """One draft or published post. Only `text` is required."""

    model_config = ConfigDict(extra="forbid")
    #: the fingerprint of the real text, kept when the text itself was redacted (a scan's
    #: journal under --redact); not part of the schema
    _fingerprint: str | None = PrivateAttr(default=None)

    text: str
    id: str | None = None
    created_at: datetime | None = None
    url: str | None = None
    account: str | None = None
    media: list[Media] = Field(default_factory=list)
    source: str | None = None

    # Text is made valid Unicode here, at the boundary, so nothing downstream (spaCy,
    # the models, the reports) ever meets a lone surrogate.
    _unicode = field_validator("text", "url", "account", "source", mode="before")(_valid)

    @field_validator("id", mode="before")
    @classmethod
    def _valid_id(cls, value: object) -> object:
        if isinstance(value, str) and valid_unicode(value) != value:
            raise ValueError("the id is not valid Unicode (it holds a lone surrogate)")
        return value


class Hit(BaseModel):
    """One piece of evidence from one detector; offsets are in the ORIGINAL text."""

    model_config = ConfigDict(frozen=True)

    detector: str
    label: str
    start: int
    end: int
    score: float
    why: str = ""
    text: str = ""


class Span(BaseModel):
    """Where a piece of personal data is in the ORIGINAL text (no text: it is personal)."""

    model_config = ConfigDict(frozen=True)

    start: int
    end: int
    label: str


class Decision(BaseModel):
    """A reviewer's decision on one finding (from a decisions file)."""

    decision: DecisionLabel
    reason: str = ""
    by: str = ""
    at: str = ""


class Finding(BaseModel):
    """A rule that fired, citing its policy clause."""

    rule: str
    clause: str
    quote: str
    severity: Severity
    message: str
    suggestion: str
    start: int
    end: int
    text: str
    evidence: list[Hit] = Field(default_factory=list)
    #: a reviewer's decision; a `false_alarm` is cleared: it no longer counts
    decision: Decision | None = None

    @property
    def cleared(self) -> bool:
        return self.decision is not None and self.decision.decision == "false_alarm"


class Verdict(BaseModel):
    """The answer for one post: ok, doubt or breach, with findings and scores."""

    schema_version: str = SCHEMA_VERSION
    verdict: VerdictLabel
    findings: list[Finding] = Field(default_factory=list)
    scores: dict[str, float] = Field(default_factory=dict)
    #: every piece of personal data the pii detector found, used by a rule or not
    personal_data: list[Span] = Field(default_factory=list)
    #: True when personal data in the texts has been masked (`--redact`)
    redacted: bool = False
    post: Post | None = None

    @property
    def ok(self) -> bool:
        return self.verdict == "ok"


def verdict_label(findings: list[Finding]) -> VerdictLabel:
    """breach, doubt or ok from the findings that count (advice and cleared ones do not)."""
    severities = {f.severity for f in findings if not f.cleared}
    return "breach" if "breach" in severities else "doubt" if "doubt" in severities else "ok"


def json_schema() -> dict:
    """The JSON Schema of a Verdict as `check -f json` writes it (shipped as
    data/verdict.schema.json and served at /api/schema)."""
    schema = Verdict.model_json_schema(mode="serialization")
    schema["properties"].pop("post", None)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://postcheck.invalid/schema/verdict-{SCHEMA_VERSION}.json"
    schema["title"] = "postcheck Verdict"
    schema["properties"]["schema_version"]["const"] = SCHEMA_VERSION
    return schema


def shipped_schema() -> dict:
    """The JSON Schema file shipped in the package (data/verdict.schema.json)."""
    import json
    from importlib import resources

    return json.loads((resources.files("postcheck") / "data" / "verdict.schema.json").read_text())


def move_findings(
    findings: list[Finding], text: str, span: Callable[[int, int], tuple[int, int]]
) -> list[Finding]:
    """The findings with every offset moved by `span` onto `text` (a masked or re-spaced copy
    of the post's text), and their words taken from it."""
    moved = []
    for f in findings:
        start, end = span(f.start, f.end)
        evidence = []
        for h in f.evidence:
            hs, he = span(h.start, h.end)
            words = text[hs:he] if h.text else ""
            evidence.append(h.model_copy(update={"start": hs, "end": he, "text": words}))
        update = {"start": start, "end": end, "text": text[start:end], "evidence": evidence}
        moved.append(f.model_copy(update=update))
    return moved
