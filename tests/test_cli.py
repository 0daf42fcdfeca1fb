"""The `postcheck` command: every exit code, every way of giving input, plain output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from postcheck.cli import main

BENIGN = "Well done to everyone in Year 6 for a brilliant sports day!"
BREACH = "Honestly Mr Green you are such an idiot"  # the keyword double scores "idiot" as insult


@pytest.fixture
def run(double_config, capsys, monkeypatch):
    def run(*argv: str, stdin: bytes | None = None):
        if stdin is not None:
            import io

            fake = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
            monkeypatch.setattr(sys, "stdin", fake)
        if argv[:1] == ("check",):
            argv = ("check", "--config", str(double_config), *argv[1:])
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_ok_exits_0_and_says_so_plainly(run):
    code, out, err = run("check", BENIGN)
    assert code == 0
    assert out.startswith("OK:")
    assert "\033[" not in out  # no colour when not a terminal


def test_findings_exit_1_with_clause_words_and_suggestion(run):
    code, out, _ = run("check", BREACH)
    assert code == 1
    assert out.startswith("BREACH:")
    assert "§5.2(b)" in out
    assert "[idiot]" in out or "idiot" in out
    assert "Try:" in out and "Why:" in out


def test_fail_on_breach_lets_doubt_through(run, double_config):
    # Any doubt-only post must exit 0 with --fail-on breach; a breach still exits 1.
    code, _, _ = run("check", BREACH, "--fail-on", "breach")
    assert code == 1
    code, out, _ = run("check", BENIGN, "--fail-on", "breach")
    assert code == 0


def test_json_output_is_the_verdict_schema(run):
    code, out, _ = run("check", BREACH, "-f", "json")
    data = json.loads(out)
    assert code == 1
    assert data["verdict"] == "breach"
    finding = data["findings"][0]
    for key in ("rule", "clause", "quote", "severity", "message", "suggestion", "start", "end",
                "text", "evidence"):  # fmt: skip
        assert key in finding
    assert BREACH[finding["start"] : finding["end"]] == finding["text"]
    assert "toxicity.insult" in data["scores"]


def test_explain_adds_evidence(run):
    _, out, _ = run("check", BREACH, "--explain")
    assert "Rule:" in out and "toxicity insult" in out


def test_file_and_stdin(run, tmp_path):
    draft = tmp_path / "draft.txt"
    draft.write_text(BREACH, encoding="utf-8")
    assert run("check", "--file", str(draft))[0] == 1
    assert run("check", stdin=BENIGN.encode())[0] == 0
    assert run("check", "--file", "-", stdin=BREACH.encode())[0] == 1
    # '-' as the text means standard input (as in cat -), not a post made of one dash
    assert run("check", "-", stdin=BREACH.encode())[0] == 1
    assert run("check", "-", stdin=b"")[0] == 2


@pytest.mark.parametrize(
    ("argv", "data", "message"),
    [
        (["check", ""], None, "the draft is empty"),
        (["check", "   \n\t"], None, "the draft is empty"),
        (["check", "--file", "FILE"], b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary file"),
        (["check", "--file", "FILE"], b"caf\xe9 au lait", "not valid UTF-8"),
        (["check", "--file", "FILE"], b"", "the draft is empty"),
        (["check", "--file", "FILE"], "x" * 100_001, "the limit is 100,000"),
        (["check", "--file", "FILE"], ("é" * 100_001).encode(), "the limit is 100,000"),
        (["check", "--file", "missing.txt"], None, "cannot read the file"),
        (["check", "text", "--file", "FILE"], b"x", "not both"),
        (["check", "--format", "pdf", "x"], None, ""),
        (["check", "--fail-on", "never", "x"], None, ""),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(run, tmp_path, argv, data, message):
    path = tmp_path / "input.txt"
    if data is not None:
        path.write_bytes(data.encode() if isinstance(data, str) else data)
    argv = [
        str(path) if a == "FILE" else str(tmp_path / a) if a == "missing.txt" else a for a in argv
    ]
    code, out, err = run(*argv)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_bad_config_exits_2_and_names_the_line(tmp_path, capsys):
    bad = tmp_path / "postcheck.yml"
    bad.write_text("school:\n  name: Hillside\n  colour: blue\n", encoding="utf-8")
    assert main(["check", "--config", str(bad), "hello"]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:3" in err and "unknown setting `school.colour`" in err and "aliases" in err


def test_missing_config_file_exits_2(tmp_path, capsys):
    assert main(["check", "--config", str(tmp_path / "nope.yml"), "hello"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_rules_list_explain_and_test(capsys, double_config):
    assert main(["rules", "list"]) == 0
    listing = capsys.readouterr().out
    assert "§5.2(b)" in listing
    rule_id = listing.split()[0]
    assert main(["rules", "explain", rule_id]) == 0
    explained = capsys.readouterr().out
    assert "Clause:" in explained and "Flagged, for example:" in explained
    assert main(["rules", "explain", "no-such-rule"]) == 2
    assert "no rule called" in capsys.readouterr().err
    assert main(["rules", "list", "-f", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["clause"]


def test_rules_test_runs_the_examples(capsys):
    code = main(["rules", "test"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert " passed, 0 failed" in out


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "check" in capsys.readouterr().err


def test_help_exits_0(capsys):
    assert main(["check", "--help"]) == 0
    assert "--fail-on" in capsys.readouterr().out


def test_console_script_end_to_end(tmp_path):
    """The installed `postcheck` command, as a teacher runs it, with the default models."""
    exe = Path(sys.executable).with_name("postcheck")
    env = {**os.environ, "NO_COLOR": "1"}
    ok = subprocess.run(
        [str(exe), "check", BENIGN], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("OK:")
    bad = subprocess.run(
        [str(exe), "check", "Amara in 4C is at Bushy Park until 3pm today, come and say hi"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "§6.2(a)" in bad.stdout


FIXTURES = Path(__file__).parent / "fixtures" / "exports"


def test_scan_writes_one_record_per_post_and_reconciles(tmp_path, double_config, capsys):
    out = tmp_path / "verdicts.jsonl"
    code = main(
        [
            "scan",
            str(FIXTURES / "linkedin" / "Shares.csv"),
            "--config",
            str(double_config),
            "-o",
            str(out),
        ]
    )
    err = capsys.readouterr().err
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert code in (0, 1)
    assert len(records) == 3
    assert "3 posts read" in err and f"Written to {out}" in err
    assert all("verdict" in r for r in records)


def test_scan_html_report_from_a_twitter_archive(tmp_path, double_config, capsys):
    out = tmp_path / "report.html"
    code = main(["scan", str(FIXTURES / "twitter"), "--config", str(double_config), "-o", str(out)])
    assert code == 3  # done, but the archive's tweet without text could not be checked
    html = out.read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html")
    assert "could not be checked" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["scan", "nowhere.zip"], "the export does not exist"),
        (["scan", "FIXTURE", "--resume"], "--resume needs the -o file"),
        (["scan", "FIXTURE", "--workers", "0"], "--workers must be at least 1"),
        (["scan", "FIXTURE", "--text-column", "nope"], "there is no column 'nope'"),
    ],
)
def test_scan_usage_errors_exit_2(argv, message, double_config, capsys):
    fixture = str(FIXTURES / "generic" / "posts.csv")
    argv = [fixture if a == "FIXTURE" else a for a in argv]
    assert main([*argv, "--config", str(double_config)]) == 2
    assert message in capsys.readouterr().err


def test_scan_bad_date_is_a_usage_error(capsys):
    assert main(["scan", "x.csv", "--since", "last tuesday"]) == 2
    assert "is not a date like 2024-09-01" in capsys.readouterr().err
