"""The JSON API: POST /api/check, GET /api/rules, /api/health, /api/schema."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from postcheck import __version__
from postcheck.schema import SCHEMA_VERSION, shipped_schema


class CheckRequest(BaseModel):
    """A draft to check."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="the draft post")
    explain: bool = Field(
        False, description="also return `explanation`: the plain-words answer with the evidence"
    )


class RuleInfo(BaseModel):
    id: str
    clause: str
    quote: str
    severity: str
    title: str
    message: str
    suggestion: str


class Health(BaseModel):
    status: str
    version: str
    schema_version: str
    rules: int
    toxicity_backend: str
    review: bool


def make_api_router() -> APIRouter:
    router = APIRouter(prefix="/api", tags=["api"])

    @router.post(
        "/check",
        summary="Check one draft",
        description="The same Verdict JSON as `postcheck check -f json` (see /api/schema). "
        "Errors are 4xx with `error: {what, where, fix}`.",
        responses={200: {"description": "a Verdict (see /api/schema)",
                         "content": {"application/json": {"schema": {"type": "object"}}}},
                   413: {"description": "the draft is over the size limit"},
                   422: {"description": "the request or the draft cannot be used"}},
    )  # fmt: skip
    async def check(body: CheckRequest, request: Request) -> Response:
        # async, run on the event loop: a check takes milliseconds, and skipping the
        # thread pool's hand-over is measurably faster (benchmarks/serve_bench.py).
        from postcheck.textinput import check_draft

        state = request.app.state
        text = check_draft(body.text, "request body: text", state.checker.config.max_chars)
        with state.lock:
            verdict = state.checker.check(text)
        if body.explain:
            from postcheck.output.json_format import verdict_dict
            from postcheck.output.text import render

            data = verdict_dict(verdict)
            data["explanation"] = render(verdict, text, explain=True)
            return Response(json.dumps(data, ensure_ascii=False), media_type="application/json")
        # the same JSON as `check -f json` (verdict_dict), serialised by pydantic-core
        return Response(verdict.model_dump_json(exclude={"post"}), media_type="application/json")

    @router.get("/rules", summary="The rules in use", response_model=list[RuleInfo])
    def rules(request: Request) -> list[dict[str, Any]]:
        from postcheck.cli import _clause_key, _rule_summary

        checker = request.app.state.checker
        out = [_rule_summary(r) for r in checker.rules]
        consent = getattr(checker, "consent", None)
        if consent is not None:  # the roster's media-consent list (not a rule file)
            from postcheck import consent as c

            out.append({"id": c.RULE_ID, "clause": c.CLAUSE, "quote": consent.quote,
                        "severity": "breach", "title": c.TITLE, "message": c.MESSAGE,
                        "suggestion": c.SUGGESTION})  # fmt: skip
        return sorted(out, key=lambda r: (_clause_key(r["clause"]), r["id"]))

    @router.get("/health", summary="Is the server up, and what does it run", response_model=Health)
    def health(request: Request) -> dict[str, Any]:
        checker = request.app.state.checker
        return {
            "status": "ok",
            "version": __version__,
            "schema_version": SCHEMA_VERSION,
            "rules": len(checker.rules),
            "toxicity_backend": str(checker.config.toxicity.get("backend", "embedded")),
            "review": request.app.state.review is not None,
        }

    @router.get("/schema", summary="The JSON Schema of a Verdict (versioned)")
    def schema() -> dict[str, Any]:
        return shipped_schema()

    return router
