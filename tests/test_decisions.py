"""Decisions: the file format, matching by id or fingerprint, cleared false alarms, the
review page that writes them, and `postcheck scan --decisions` that reads them."""

from __future__ import annotations

import csv
import io
import json
import warnings
from pathlib import Path

import pytest

from postcheck.cli import main
from postcheck.decisions import (
    DecisionsWriter,
    decisions_path_for,
    fingerprint,
    load_decisions,
)
from postcheck.errors import InputError
from postcheck.schema import Finding, Post, Verdict

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from postcheck.serve import create_app  # noqa: E402

INSULT = "Honestly Mr Green you are such an idiot"  # the keyword double: insult
THREAT = "I will kill the ref if we lose again, the idiot"
POSTS = [
    {"id": "p1", "text": INSULT, "created_at": "2024-03-01T09:00:00+00:00",
     "url": "https://example.org/p/1"},
    {"id": "p2", "text": "Sports day is on Friday, bring a hat", "created_at": "2024-03-02T09:00:00+00:00"},
    {"id": "p3", "text": "Honestly  Mr Green\nyou are such an idiot", "created_at": "2024-05-04T09:00:00+00:00"},
    {"id": "p4", "text": THREAT, "created_at": "2024-06-01T09:00:00+00:00"},
]  # fmt: skip


def finding(rule: str, severity: str = "breach") -> Finding:
    return Finding(
        rule=rule, clause="§5.2(b)", quote="amounts to bullying", severity=severity,
        message="m", suggestion="s", start=0, end=8, text="Honestly",
    )  # fmt: skip


def verdict(post_id: str, text: str, *rules: str) -> Verdict:
    return Verdict(
        verdict="breach", findings=[finding(r) for r in rules], post=Post(id=post_id, text=text)
    )


def write_lines(path: Path, *records) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_fingerprint_ignores_case_spacing_and_compatibility_forms():
    assert fingerprint("Well done  Year 6\n!") == fingerprint("well done year 6 !")
    assert fingerprint("Ｗｅｌｌ done") == fingerprint("Well done")
    assert fingerprint("Well done") != fingerprint("Well dome")
    assert fingerprint("x").startswith("sha256:")


def test_false_alarm_clears_the_finding_and_the_verdict(tmp_path):
    path = write_lines(
        tmp_path / "d.jsonl",
        {"id": "p1", "rule": "bullying_insult", "decision": "false_alarm",
         "reason": "a line from the school play", "by": "J. Hughes", "at": "2026-11-30T10:00Z"},
    )  # fmt: skip
    decisions = load_decisions(path)
    after = decisions.apply(verdict("p1", INSULT, "bullying_insult"))
    assert after.verdict == "ok"
    (f,) = after.findings  # still listed, as cleared, with its reason
    assert f.cleared and f.decision.reason == "a line from the school play"
    assert f.decision.by == "J. Hughes"
    other_rule = decisions.apply(verdict("p1", INSULT, "bullying_insult", "threats"))
    assert other_rule.verdict == "breach"  # the other finding still counts
    assert [x.cleared for x in other_rule.findings] == [True, False]
    untouched = verdict("p9", "another text", "bullying_insult")
    assert decisions.apply(untouched) is untouched


def test_fingerprint_carries_a_decision_to_a_cross_post(tmp_path):
    path = write_lines(
        tmp_path / "d.jsonl",
        {"fingerprint": fingerprint(INSULT), "rule": "r", "decision": "false_alarm",
         "reason": "quoting a pupil's story"},
    )  # fmt: skip
    reposted = verdict("facebook-77", "honestly mr green   you are such an idiot", "r")
    assert load_decisions(path).apply(reposted).verdict == "ok"


def test_confirmed_and_removed_are_recorded_but_still_count(tmp_path):
    path = write_lines(
        tmp_path / "d.jsonl",
        {"id": "p1", "rule": "a", "decision": "confirmed", "by": "JH"},
        {"id": "p1", "rule": "b", "decision": "removed", "by": "JH"},
    )
    after = load_decisions(path).apply(verdict("p1", INSULT, "a", "b"))
    assert after.verdict == "breach"
    assert [f.decision.decision for f in after.findings] == ["confirmed", "removed"]


def test_the_last_decision_for_a_finding_wins(tmp_path):
    path = write_lines(
        tmp_path / "d.jsonl",
        {"id": "p1", "rule": "a", "decision": "false_alarm", "reason": "first look"},
        {"id": "p1", "rule": "a", "decision": "confirmed", "reason": "on second thoughts"},
    )
    assert load_decisions(path).apply(verdict("p1", INSULT, "a")).verdict == "breach"


@pytest.mark.parametrize(
    ("line", "what"),
    [
        ("{not json", "not valid JSON"),
        ('{"rule": "a", "decision": "confirmed"}', "neither `id` nor `fingerprint`"),
        ('{"id": "1", "decision": "confirmed"}', "no `rule`"),
        ('{"id": "1", "rule": "a", "decision": "maybe"}', "unknown decision 'maybe'"),
        ('{"id": "1", "rule": "a", "decision": "false_alarm"}', "a false alarm needs a reason"),
        ('{"id": "1", "rule": "a", "decision": "false_alarm", "reason": "  "}', "needs a reason"),
        ("[1, 2]", "must be a JSON object"),
    ],
)
def test_a_bad_decision_line_names_file_line_and_fix(tmp_path, line, what):
    path = tmp_path / "d.jsonl"
    path.write_text('{"id": "1", "rule": "a", "decision": "confirmed"}\n' + line + "\n")
    with pytest.raises(InputError) as err:
        load_decisions(path)
    assert what in err.value.what and err.value.where == f"{path}:2" and err.value.fix


def test_missing_decisions_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read the decisions file"):
        load_decisions(tmp_path / "nope.jsonl")
    assert len(load_decisions(tmp_path / "nope.jsonl", missing_ok=True)) == 0


def test_decisions_writer_corrects_the_summary(tmp_path):
    from postcheck.output.jsonl import JsonlWriter
    from postcheck.scan import Summary

    path = write_lines(
        tmp_path / "d.jsonl",
        {"id": "p1", "rule": "a", "decision": "false_alarm", "reason": "fine"},
    )
    out = io.StringIO()
    writer = DecisionsWriter(JsonlWriter(out), load_decisions(path))
    writer.write(verdict("p1", INSULT, "a"))
    writer.write(verdict("p2", INSULT + "!", "a"))
    summary = Summary(read=2, breach=2)
    writer.close(summary)
    assert (summary.ok, summary.breach, summary.reconciles) == (1, 1, True)
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["verdict"] == "ok" and first["findings"][0]["decision"]["reason"] == "fine"
    assert second["verdict"] == "breach" and second["findings"][0]["decision"] is None


# --------------------------------------------------------------------------- end to end


@pytest.fixture
def scanned(tmp_path, double_config, capsys):
    """A scan (JSONL, with the texts) of four posts, two of them the same insult."""
    export = write_lines(tmp_path / "posts.jsonl", *POSTS)
    out = tmp_path / "verdicts.jsonl"
    argv = ["scan", str(export), "--config", str(double_config), "-o", str(out), "--with-text"]
    assert main(argv) == 1
    capsys.readouterr()
    return export, out, argv


def records_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_review_page_groups_identical_texts_and_filters(scanned, checker):
    _, out, _ = scanned
    client = TestClient(create_app(checker=checker, scan=out), base_url="http://127.0.0.1:8765")
    page = client.get("/review").text
    assert "posted 2 times" in page  # p1 and p3: the same text after normalising
    assert page.count('<li class="group ') == 2
    assert "<mark>" in page and "idiot" in page
    assert "Sports day" not in page  # ok posts are not listed
    assert "verdicts.decisions.jsonl" in page
    rules = {f["rule"] for r in records_of(out) for f in r["findings"]}
    for rule in rules:
        assert f'<option value="{rule}"' in page
    only_may = client.get("/review", params={"since": "2024-05-01", "until": "2024-05-31"}).text
    assert only_may.count('<li class="group ') == 1 and "posted 2 times" not in only_may
    assert client.get("/review", params={"q": "THE REF"}).text.count('<li class="group ') == 1
    none = client.get("/review", params={"q": "no such words"}).text
    assert 'id="no-results"' in none
    some_rule = sorted(rules)[0]
    by_rule = client.get("/review", params={"rule": some_rule}).text
    assert by_rule.count('<li class="group ') >= 1
    assert client.get("/review", params={"verdict": "doubt", "rule": "nope"}).status_code == 200


def test_review_decision_then_rescan_clears_the_false_alarm(scanned, checker, capsys):
    export, out, argv = scanned
    records = records_of(out)
    insult = next(r for r in records if r["id"] == "p1")
    rule = insult["findings"][0]["rule"]
    client = TestClient(create_app(checker=checker, scan=out), base_url="http://127.0.0.1:8765")

    missing_reason = {"id": "p1", "fingerprint": insult["fingerprint"], "rule": rule,
                      "decision": "false_alarm", "reason": "", "by": "J. Hughes"}  # fmt: skip
    refused = client.post("/api/decisions", json=missing_reason)
    assert refused.status_code == 422 and "needs a reason" in refused.json()["error"]["what"]
    no_name = client.post("/api/decisions", json={**missing_reason, "reason": "x", "by": " "})
    assert no_name.status_code == 422 and no_name.json()["error"]["where"] == "request body: by"
    wrong_rule = client.post("/api/decisions", json={**missing_reason, "reason": "x", "rule": "zz"})
    assert wrong_rule.status_code == 422

    saved = client.post(
        "/api/decisions", json={**missing_reason, "reason": "a line from the school play"}
    )
    assert saved.status_code == 200 and saved.json()["at"]
    decisions_file = decisions_path_for(out)
    assert decisions_file == out.with_name("verdicts.decisions.jsonl")
    (stored,) = records_of(decisions_file)
    assert stored["id"] == "p1" and stored["decision"] == "false_alarm"
    assert stored["by"] == "J. Hughes" and stored["fingerprint"] == insult["fingerprint"]
    for other in insult["findings"][1:]:  # the insult's other findings: also false alarms
        body = {**missing_reason, "rule": other["rule"], "reason": "a line from the school play"}
        assert client.post("/api/decisions", json=body).status_code == 200

    page = client.get("/review").text
    assert "False alarm: a line from the school play" in page
    assert client.get("/review", params={"status": "open"}).text.count('<li class="group ') == 1
    exported = client.get("/review/decisions.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert rows[0]["reason"] == "a line from the school play" and rows[0]["rule"] == rule
    assert client.get("/api/decisions").json()[0] == stored

    again = out.with_name("again.jsonl")
    new_argv = [*argv[:-3], "-o", str(again), "--decisions", str(decisions_file)]
    code = main(new_argv)
    err = capsys.readouterr().err
    after = {r["id"]: r for r in records_of(again)}
    # p1 by its id, p3 (the same text, another id) by its fingerprint
    for post_id in ("p1", "p3"):
        for cleared in after[post_id]["findings"]:
            assert cleared["decision"]["decision"] == "false_alarm"
            assert cleared["decision"]["reason"] == "a line from the school play"
        assert after[post_id]["verdict"] == "ok"
    assert after["p4"]["verdict"] != "ok"  # not decided: still counts
    assert code == 1 and "4 posts read" in err
    counts = {v: sum(r["verdict"] == v for r in after.values()) for v in ("ok", "doubt", "breach")}
    assert f"{counts['ok']:,} ok" in err and f"{counts['breach']:,} breach" in err


def test_scan_text_output_lists_cleared_findings(scanned, double_config, capsys, tmp_path):
    export, out, _ = scanned
    rule = records_of(out)[0]["findings"][0]["rule"]
    decisions = write_lines(
        tmp_path / "d.jsonl",
        {"fingerprint": fingerprint(INSULT), "rule": rule, "decision": "false_alarm",
         "reason": "quoting the class book", "by": "JH"},
    )  # fmt: skip
    main(["scan", str(export), "--config", str(double_config), "--decisions", str(decisions)])
    text = capsys.readouterr().out
    assert "cleared: false alarm" in text and "quoting the class book" in text


def test_scan_with_a_bad_decisions_file_stops_before_scanning(tmp_path, double_config, capsys):
    export = write_lines(tmp_path / "posts.jsonl", *POSTS)
    bad = tmp_path / "d.jsonl"
    bad.write_text('{"id": "p1", "rule": "a", "decision": "false_alarm"}\n')
    out = tmp_path / "v.jsonl"
    code = main(["scan", str(export), "--config", str(double_config), "-o", str(out),
                 "--decisions", str(bad)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and f"{bad}:1" in err and "needs a reason" in err and "Traceback" not in err
    assert not out.exists()


def test_a_bad_scan_file_is_refused_with_its_line(tmp_path, checker, capsys):
    scan = tmp_path / "verdicts.jsonl"
    scan.write_text('{"verdict": "ok", "findings": []}\n{"verdict": "doubt", \n')
    with pytest.raises(InputError) as err:
        create_app(checker=checker, scan=scan)
    assert err.value.where == f"{scan}:2" and "not valid JSON" in err.value.what
    assert main(["serve", "--scan", str(tmp_path / "missing.jsonl")]) == 2
    assert "the scan file does not exist" in capsys.readouterr().err
