"""JSON output of one verdict: the same schema a tool gets from `check()`."""

from __future__ import annotations

import json

from postcheck.schema import Verdict


def verdict_dict(verdict: Verdict, *, include_post: bool = False) -> dict:
    """The verdict as plain JSON types; the post's text is left out unless asked for."""
    data = verdict.model_dump(mode="json", exclude={"post"})
    if include_post and verdict.post is not None:
        data["post"] = verdict.post.model_dump(mode="json", exclude_none=True)
    return data


def render(verdict: Verdict) -> str:
    return json.dumps(verdict_dict(verdict), ensure_ascii=False, indent=2)
