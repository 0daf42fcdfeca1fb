"""`postcheck serve`: the staff page, the JSON API and the review page, on this computer.

    app = create_app(config)          # an ASGI app (FastAPI); the models load here, once
    run_server(config, port=8765)     # uvicorn on 127.0.0.1

Nothing is fetched from the network: the pages use only this package's own CSS and
JavaScript, and a strict Content-Security-Policy says so to the browser. Listening on
another address than this computer's needs a token, which the page asks for once (then
kept in an HttpOnly, SameSite=Strict cookie); tools send `Authorization: Bearer TOKEN`.
Requests whose Host is not this server's (DNS rebinding) or whose Origin is another
site's are refused.
"""

from __future__ import annotations

import hmac
import threading
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape

from postcheck import __version__
from postcheck.config import Config
from postcheck.errors import InputError, PostcheckError

HERE = Path(__file__).parent
COOKIE = "postcheck_token"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def error_body(what: str, where: str | None = None, fix: str | None = None) -> dict[str, Any]:
    """The API's error shape: the CLI's what / where / how-to-fix, and the CLI's message."""
    message = PostcheckError(what, where=where, fix=fix).message
    return {"error": {"what": what, "where": where, "fix": fix}, "message": message}


def create_app(
    config: Config | None = None,
    *,
    checker: Any = None,
    token: str | None = None,
    scan: str | Path | None = None,
    decisions: str | Path | None = None,
    host: str = "127.0.0.1",
) -> Any:
    """The ASGI app. `checker` (a postcheck Checker) is built from `config` when not given."""
    from postcheck.serve.api import make_api_router
    from postcheck.serve.review import ReviewState, make_review_router

    if checker is None:
        from postcheck.engine import Checker

        checker = Checker(config)
    config = checker.config
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["version"] = __version__
    review = ReviewState(scan, decisions) if scan is not None else None

    app = FastAPI(
        title="postcheck",
        version=__version__,
        description="Check draft social-media posts by school staff against the school's "
        "acceptable-use policy, offline.",
        openapi_url="/api/openapi.json",
        docs_url=None,  # Swagger UI and ReDoc load from a CDN: not here
        redoc_url=None,
    )
    app.state.checker = checker
    app.state.lock = threading.Lock()
    app.state.env = env
    app.state.review = review
    app.state.token = token

    def page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = env.get_template(name).render(**context)
        return HTMLResponse(html, status_code=status)

    app.state.page = page

    @app.exception_handler(PostcheckError)
    async def postcheck_error(request: Request, exc: PostcheckError):
        status = 413 if isinstance(exc, InputError) and "limit" in exc.what else 422
        if not isinstance(exc, InputError):
            status = 400
        return JSONResponse(error_body(exc.what, exc.where, exc.fix), status_code=status)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        err = exc.errors()[0] if exc.errors() else {"msg": "bad request", "loc": ()}
        loc = [str(p) for p in err.get("loc", ())]
        field = ".".join(loc[1:])
        where = f"request body: {field}" if field else "request body"
        what = err.get("msg", "bad request")
        kind = err.get("type")
        if kind == "json_invalid":
            what = "the request body is not valid JSON"
            where = f"request body, at character {field}" if field else "request body"
        elif kind == "missing":
            what = f"`{field}` is missing"
        elif kind == "extra_forbidden":
            what = f"unknown field `{field}`"
        fix = 'send JSON such as {"text": "Well done Year 6!"} with Content-Type: application/json'
        if request.url.path == "/api/decisions":
            fix = (
                'send JSON such as {"id": "123", "fingerprint": "sha256:...", "rule": "threats", '
                '"decision": "false_alarm", "reason": "why", "by": "your name"}'
            )
        return JSONResponse(error_body(what, where, fix), status_code=422)

    @app.get("/login", include_in_schema=False)
    def login_form(next: str = "/", failed: int = 0):
        return page("login.html", status=401 if failed else 200, next=_safe_next(next),
                    failed=bool(failed))  # fmt: skip

    @app.post("/login", include_in_schema=False)
    async def login(request: Request):
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        given = (form.get("token") or [""])[0]
        target = _safe_next((form.get("next") or ["/"])[0])
        if not token or not hmac.compare_digest(given.encode(), token.encode()):
            return RedirectResponse(f"/login?failed=1&next={quote(target)}", status_code=303)
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/")
        return response

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def staff_page():
        return page("index.html", review=review is not None,
                    max_chars=config.max_chars)  # fmt: skip

    app.add_middleware(Guard, token=token, host=host)
    app.include_router(make_api_router())
    app.include_router(make_review_router())
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    return app


class Guard:
    """Pure ASGI middleware (cheaper than BaseHTTPMiddleware on every check): refuses a
    foreign Host or a cross-site Origin, asks for the token, adds the security headers."""

    def __init__(self, app: Any, *, token: str | None, host: str):
        self.app = app
        self.token = token
        self.host = host

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        response: Response | None = None
        refusal = _refuse(request, self.host)
        if refusal is not None:
            response = JSONResponse(error_body(*refusal), status_code=403)
        elif self.token and not _public(request.url.path) and not _authorised(request, self.token):
            response = _ask_for_token(request)
        headers = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in headers if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        if response is not None:
            await response(scope, receive, send_with_headers)
        else:
            await self.app(scope, receive, send_with_headers)


def _ask_for_token(request: Request) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse(
            error_body(
                "this server needs its token",
                where="Authorization header",
                fix="send `Authorization: Bearer TOKEN` (the token given to "
                "`postcheck serve --token`), or open the page and type it",
            ),
            status_code=401,
        )
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)


def _public(path: str) -> bool:
    return path in ("/login", "/api/health") or path.startswith("/static/")


def _authorised(request: Any, token: str) -> bool:
    given = request.cookies.get(COOKIE, "")
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        given = auth[7:].strip()
    return bool(given) and hmac.compare_digest(given.encode(), token.encode())


def _refuse(request: Any, bound: str) -> tuple[str, str, str] | None:
    """A reason to refuse the request (wrong Host, cross-site Origin), or None."""
    host_header = request.headers.get("host", "")
    name = urlsplit(f"//{host_header}").hostname or ""
    if bound in LOOPBACK and name not in LOOPBACK:
        return (
            f"this server answers only for this computer, not for {host_header!r}",
            "Host header",
            "open http://127.0.0.1:PORT/ in the browser on this computer",
        )
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        origin = request.headers.get("origin")
        if origin and urlsplit(origin).netloc != host_header:
            return (
                "requests from another web site are refused",
                "Origin header",
                "use the postcheck page itself, or a tool that sends no Origin header",
            )
    return None


def _safe_next(target: str) -> str:
    """Only a path on this server (never another site) to go back to after the token."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


def run_server(
    config: Config | None = None, *, host: str = "127.0.0.1", port: int = 8765,
    token: str | None = None, scan: str | Path | None = None,
    decisions: str | Path | None = None,
) -> None:  # fmt: skip
    """Load the models, then serve until interrupted (Ctrl-C)."""
    import sys

    import uvicorn

    print("postcheck: loading the models...", file=sys.stderr, flush=True)
    app = create_app(config, token=token, scan=scan, decisions=decisions, host=host)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    print(f"postcheck: the staff page is on http://{shown}:{port}/", file=sys.stderr)
    if scan is not None:
        print(f"postcheck: the review page is on http://{shown}:{port}/review", file=sys.stderr)
    if token:
        print("postcheck: the page asks for the token you gave (--token)", file=sys.stderr)
    print("postcheck: press Ctrl-C to stop", file=sys.stderr, flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
