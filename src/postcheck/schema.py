"""The public data model: Post, Hit, Finding, Verdict (pydantic v2, JSON-serialisable)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

VerdictLabel = Literal["ok", "doubt", "breach"]
Severity = Literal["breach", "doubt", "advice"]
SEVERITIES: tuple[str, ...] = ("breach", "doubt", "advice")

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


class Verdict(BaseModel):
    """The answer for one post: ok, doubt or breach, with findings and scores."""

    verdict: VerdictLabel
    findings: list[Finding] = Field(default_factory=list)
    scores: dict[str, float] = Field(default_factory=dict)
    post: Post | None = None

    @property
    def ok(self) -> bool:
        return self.verdict == "ok"
