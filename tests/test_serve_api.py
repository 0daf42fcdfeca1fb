"""`postcheck serve`'s API and pages through the ASGI test client (the browser tests are in
test_serve_browser.py)."""

from __future__ import annotations

import json
import warnings

import pytest

from postcheck.output.json_format import verdict_dict
from postcheck.schema import SCHEMA_VERSION, json_schema

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from postcheck.serve import CSP, create_app  # noqa: E402

BREACH = "Honestly Mr Green you are such an idiot"  # the keyword double scores "idiot"
BASE = "http://127.0.0.1:8765"


@pytest.fixture(scope="module")
def app(checker):
    return create_app(checker=checker)


@pytest.fixture
def client(app):
    return TestClient(app, base_url=BASE)


def test_check_returns_the_cli_verdict_json(client, checker):
    response = client.post("/api/check", json={"text": BREACH})
    assert response.status_code == 200
    data = response.json()
    assert data == verdict_dict(checker.check(BREACH))
    assert data["schema_version"] == SCHEMA_VERSION and data["verdict"] == "breach"
    finding = data["findings"][0]
    assert BREACH[finding["start"] : finding["end"]] == finding["text"]
    assert "explanation" not in data


def test_check_explain_adds_the_plain_words_with_evidence(client):
    data = client.post("/api/check", json={"text": BREACH, "explain": True}).json()
    assert data["explanation"].startswith("BREACH:") and "Rule:" in data["explanation"]


def test_cli_json_and_api_agree(client, run_cli):
    code, out = run_cli("check", BREACH, "-f", "json")
    assert code == 1
    assert json.loads(out) == client.post("/api/check", json={"text": BREACH}).json()


@pytest.fixture
def run_cli(double_config, capsys):
    from postcheck.cli import main

    def run(*argv):
        code = main([argv[0], "--config", str(double_config), *argv[1:]])
        return code, capsys.readouterr().out

    return run


@pytest.mark.parametrize(
    ("body", "status", "what", "where"),
    [
        ({"text": "   "}, 422, "the draft is empty", "request body: text"),
        ({"text": "x" * 100_001}, 413, "characters long; the limit is", "request body: text"),
        ({}, 422, "`text` is missing", "request body: text"),
        ({"text": "hi", "colour": 1}, 422, "unknown field `colour`", "request body: colour"),
        ({"text": 5}, 422, "string", "request body: text"),
    ],
)
def test_bad_input_gets_what_where_fix(client, body, status, what, where):
    response = client.post("/api/check", json=body)
    assert response.status_code == status
    error = response.json()["error"]
    assert what in error["what"] and error["where"] == where and error["fix"]
    assert response.json()["message"].startswith(where)


def test_invalid_json_is_a_4xx_not_a_traceback(client):
    response = client.post(
        "/api/check", content=b'{"text": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["what"] == "the request body is not valid JSON"


def test_rules_health_schema_and_openapi(client, checker):
    rules = client.get("/api/rules").json()
    assert {r["id"] for r in rules} == {r.id for r in checker.rules}
    assert all(r["clause"].startswith("§") for r in rules)
    health = client.get("/api/health").json()
    assert health["status"] == "ok" and health["schema_version"] == SCHEMA_VERSION
    assert health["rules"] == len(checker.rules) and health["review"] is False
    assert client.get("/api/schema").json() == json_schema()
    spec = client.get("/api/openapi.json").json()
    assert {"/api/check", "/api/rules", "/api/health", "/api/schema"} <= set(spec["paths"])
    assert client.get("/docs").status_code == 404  # Swagger UI would load from a CDN


def test_staff_page_is_local_only_and_strict(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == CSP
    assert "default-src 'none'" in CSP and "script-src 'self'" in CSP
    page = response.text
    assert '<label for="draft">' in page and '<textarea id="draft"' in page
    assert "http://" not in page and "https://" not in page  # nothing from the network
    for asset in ("/static/app.js", "/static/style.css"):
        assert asset in page
        assert client.get(asset).status_code == 200
    script = client.get("/static/app.js").text
    assert "innerHTML" not in script  # text goes into the page as text nodes only


def test_foreign_host_and_cross_site_posts_are_refused(client):
    response = client.get("/", headers={"host": "attacker.example"})
    assert response.status_code == 403 and response.json()["error"]["where"] == "Host header"
    response = client.post(
        "/api/check", json={"text": "hi"}, headers={"origin": "https://attacker.example"}
    )
    assert response.status_code == 403 and response.json()["error"]["where"] == "Origin header"
    ok = client.post("/api/check", json={"text": "hi"}, headers={"origin": BASE})
    assert ok.status_code == 200


def test_token_is_required_on_another_host(checker):
    app = create_app(checker=checker, token="s3cret-token", host="0.0.0.0")
    client = TestClient(app, base_url="http://192.0.2.10:8765")
    assert client.get("/api/health").status_code == 200  # public: no data
    denied = client.post("/api/check", json={"text": "hi"})
    assert denied.status_code == 401 and "token" in denied.json()["error"]["what"]
    page = client.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    form = client.get("/login")
    assert 'type="password"' in form.text and '<label for="token">' in form.text
    wrong = client.post("/login", data={"token": "nope", "next": "/"}, follow_redirects=False)
    assert "failed=1" in wrong.headers["location"]
    right = client.post(
        "/login", data={"token": "s3cret-token", "next": "//evil.example/"},
        follow_redirects=False,
    )  # fmt: skip
    assert right.headers["location"] == "/"  # never sent on to another site
    cookie = right.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert client.post("/api/check", json={"text": "hi"}).status_code == 200  # the cookie
    bearer = TestClient(app, base_url="http://192.0.2.10:8765")
    headers = {"authorization": "Bearer s3cret-token"}
    assert bearer.post("/api/check", json={"text": "hi"}, headers=headers).status_code == 200


def test_serve_refuses_another_host_without_a_token(capsys, monkeypatch):
    from postcheck.cli import main

    monkeypatch.delenv("POSTCHECK_TOKEN", raising=False)
    assert main(["serve", "--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err
    assert "--host" in err and "needs a token" in err and "How to fix: add --token" in err


def test_review_without_a_scan_says_how(client):
    response = client.get("/review")
    assert response.status_code == 404 and "postcheck serve --scan" in response.text
    response = client.post(
        "/api/decisions", json={"id": "1", "rule": "x", "decision": "confirmed", "by": "me"}
    )
    assert response.status_code == 422 and "--scan" in response.json()["error"]["fix"]
