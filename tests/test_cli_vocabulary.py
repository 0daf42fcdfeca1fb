"""One vocabulary for options: -f/--format is the output format everywhere, --input-format
the export's; -o's extension picks the format or is refused; UTF-16 drafts; colours by rich
(NO_COLOR, FORCE_COLOR); `check` asks for the draft on a terminal; the versioned schema."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import pytest

from postcheck.cli import main
from postcheck.output import FORMATS, extensions, format_for_path
from postcheck.schema import SCHEMA_VERSION, Verdict, json_schema, shipped_schema

BREACH = "Honestly Mr Green you are such an idiot"
FIXTURES = Path(__file__).parent / "fixtures" / "exports"


@pytest.fixture
def run(double_config, capsys):
    def run(*argv: str):
        code = main([argv[0], "--config", str(double_config), *argv[1:]])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_check_and_scan_share_every_output_format(run, tmp_path, fmt):
    code, out, err = run("check", BREACH, "-f", fmt)
    assert code == 1 and out.strip(), err
    export = str(FIXTURES / "generic" / "posts.csv")
    code, out, err = run("scan", export, "-f", fmt, "--input-format", "csv")
    assert code in (0, 1) and out.strip() and "posts read" in err


@pytest.mark.parametrize(("name", "fmt"), [("r.html", "html"), ("r.HTM", "html"),
                         ("r.csv", "csv"), ("r.jsonl", "jsonl"), ("r.json", "json"),
                         ("r.txt", "text"), ("-", "text")])  # fmt: skip
def test_the_output_file_name_picks_the_format(name, fmt):
    assert format_for_path(name) == fmt


@pytest.mark.parametrize("name", ["report.pdf", "report", "report.docx"])
def test_an_unknown_output_extension_is_refused(run, tmp_path, name):
    out = tmp_path / name
    code, _, err = run("check", BREACH, "-o", str(out))
    assert code == 2 and "cannot tell the output format" in err and ".html" in err
    assert not out.exists()
    code, _, err = run("scan", str(FIXTURES / "generic" / "posts.csv"), "-o", str(out))
    assert code == 2 and str(out) in err and not out.exists()
    code, _, _ = run("check", BREACH, "-o", str(out), "-f", "json")  # -f says it: fine
    assert code == 1 and json.loads(out.read_text())["verdict"] == "breach"


def test_scan_input_format_has_its_own_name(run, tmp_path):
    code, _, err = run("scan", str(FIXTURES / "generic" / "posts.jsonl"), "--input-format", "nope")
    assert code == 2 and "--input-format" in err
    out = tmp_path / "v.json"
    code, _, _ = run("scan", str(FIXTURES / "generic" / "posts.jsonl"), "-o", str(out))
    records = json.loads(out.read_text())  # .json: a JSON array of the JSONL records
    assert isinstance(records, list) and all("verdict" in r for r in records)
    assert {".txt", ".json", ".jsonl", ".csv", ".html"} <= set(extensions())


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_text_files_are_read(run, tmp_path, encoding):
    draft = tmp_path / "draft.txt"
    draft.write_bytes(("Café trip! " + BREACH).encode(encoding))
    code, out, err = run("check", "--file", str(draft), "-f", "json")
    assert code == 1, err
    data = json.loads(out)
    assert data["verdict"] == "breach" and "idiot" in data["findings"][0]["text"]


def test_colour_follows_no_color_and_force_color(run, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in run("check", BREACH)[1]  # forced, although not a terminal
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in run("check", BREACH)[1]
    monkeypatch.delenv("NO_COLOR")
    assert "\x1b[" not in run("check", BREACH, "--no-color")[1]
    monkeypatch.delenv("FORCE_COLOR")
    assert "\x1b[" not in run("check", BREACH)[1]  # a pipe: no colour


def test_check_asks_for_the_draft_on_a_terminal(tmp_path):
    config = tmp_path / "postcheck.yml"  # the defaults (a new process has no test double)
    config.write_text("max_chars: 5000\n")
    master, slave = pty.openpty()
    env = {**os.environ, "NO_COLOR": "1", "HOME": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "postcheck.cli", "check", "--config", str(config)],
        stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    os.close(slave)
    try:
        os.write(master, (BREACH + "\n").encode())
        time.sleep(0.2)
        os.write(master, b"\x04")  # Ctrl-D on a new line: end of the draft
        out, err = process.communicate(timeout=120)
    finally:
        os.close(master)
    assert process.returncode == 1, err.decode()
    assert b"Type or paste the draft post" in err
    assert out.decode().startswith(("BREACH:", "DOUBT:")) and "idiot" in out.decode()


def test_the_json_schema_is_versioned_shipped_and_current(run):
    assert shipped_schema() == json_schema(), "regenerate data/verdict.schema.json"
    schema = shipped_schema()
    assert schema["properties"]["schema_version"]["const"] == SCHEMA_VERSION
    assert SCHEMA_VERSION in schema["$id"]
    _, out, _ = run("check", BREACH, "-f", "json")
    data = json.loads(out)
    assert data["schema_version"] == SCHEMA_VERSION
    assert set(data) <= set(schema["properties"])
    assert set(schema["required"]) <= set(data)
    Verdict.model_validate(data)


def test_the_package_is_typed():
    import postcheck

    assert (Path(postcheck.__file__).parent / "py.typed").is_file()
