"""postcheck.yml and rule files under attack or typed carelessly (issue 15): YAML alias
bombs, duplicate keys, values taken too loosely, trust from a file, and errors without a line."""

from __future__ import annotations

import textwrap

import pytest

from postcheck.cli import main
from postcheck.config import TRUST_ENV, load_config, read_roster
from postcheck.engine import Checker, select_rules
from postcheck.errors import ConfigError, RuleError
from postcheck.rules import load_rule

BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['lol'] * 9)}]\n"
    for prev, name in zip([None, *"abcdefgh"], "abcdefghi", strict=True)
)


def write(tmp_path, text: str, name: str = "postcheck.yml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_yaml_alias_bomb_in_postcheck_yml_is_refused_at_once(tmp_path):
    path = write(tmp_path, BOMB + "allow:\n  terms: *i\n")
    with pytest.raises(ConfigError) as err:  # before, it expanded to 17.8 GB
        load_config(path)
    assert "YAML alias" in err.value.what and err.value.where.startswith(f"{path}:")
    assert "anchors or aliases" in err.value.fix


def test_a_yaml_alias_in_a_rule_file_is_refused(tmp_path):
    path = write(tmp_path, "clause: &c '§5.2(a)'\nquote: *c\n", "my_rule.yml")
    with pytest.raises(RuleError) as err:
        load_rule(path)
    assert "YAML alias" in err.value.what and err.value.where == f"{path}:2"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("school: {name: A}\nmax_chars: 5\nschool: {name: B}\n", 3, "`school` appears twice"),
        ("allow:\n  names: [A]\n  names: [B]\n", 3, "`names` appears twice"),
        ("rules: " + "[" * 100 + "]" * 100 + "\n", 1, "nested more than 64 levels"),
        ("max_chars: " + "9" * 5000 + "\n", None, "YAML cannot read"),
    ],
)
def test_yaml_that_would_be_read_wrongly_is_refused_with_its_line(tmp_path, text, line, words):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert words in err.value.what
    assert err.value.where == (f"{path}:{line}" if line else str(path))


def test_duplicate_keys_in_a_rule_file_name_the_line(tmp_path):
    path = write(tmp_path, "clause: '§5.2(a)'\nseverity: doubt\nseverity: breach\n", "r.yml")
    with pytest.raises(RuleError, match="`severity` appears twice") as err:
        load_rule(path)
    assert err.value.where == f"{path}:3"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("max_chars: true\n", 1, "max_chars"),
        ("max_chars: '500'\n", 1, "max_chars"),
        ("thresholds:\n  pii: true\n", 2, "thresholds.pii"),
        ("toxicity:\n  backend: embedded\n  modle: x\n", 3, "toxicity.modle"),
        ("toxicity:\n  backend: detoxify\n  modle: original\n", 3, "toxicity.modle"),
        ("toxicity:\n  backend: embeded\n", 2, "unknown toxicity backend 'embeded'"),
        ("toxicity:\n  backend: detoxify\n  model: huge\n", 3, "unknown Detoxify model"),
        ("toxicity:\n  backend: detoxify\n  batch_size: true\n", 3, "batch_size"),
        ("toxicity:\n  backend: detoxify\n  offline: 'yes'\n", 3, "offline"),
        ("toxicity:\n  backend: detoxify\n  device: 3\n", 3, "device"),
        ("toxicity: embedded\n", 1, "`toxicity` must be a mapping"),
        ("rules:\n  paths:\n    - here\n    - nowhere\n", 4, "folder that does not exist"),
    ],
)
def test_settings_taken_too_loosely_are_refused_with_file_and_line(tmp_path, text, line, words):
    (tmp_path / "here").mkdir()
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert words in err.value.message
    assert err.value.where == f"{path}:{line}"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("rules:\n  select: [profanity, nosuchrule]\n", 2, "rules.select"),
        ("rules:\n  ignore:\n    - profanity\n    - nosuchrule\n", 4, "rules.ignore"),
        ("rules:\n  severity:\n    nosuchrule: doubt\n", 3, "rules.severity"),
        ("rules:\n  severity:\n    defamation_signals: breach\n", 3, "cannot give `breach`"),
    ],
)
def test_rule_choices_in_postcheck_yml_name_their_line(tmp_path, text, line, words):
    path = write(tmp_path, text)
    with pytest.raises((ConfigError, RuleError)) as err:
        select_rules(load_config(path))
    assert words in err.value.message
    assert err.value.where == f"{path}:{line}"


def test_a_backend_error_found_when_loading_names_the_line(tmp_path):
    path = write(tmp_path, "school: {name: A}\ntoxicity:\n  backend: embedded\n  weights: nope\n")
    with pytest.raises(Exception) as err:  # noqa: PT011 - the message is what matters
        Checker(load_config(path))
    assert "Traceback" not in str(err.value)


# --------------------------------------------------------------------------- trust (item 4)


def test_trust_checkpoint_in_postcheck_yml_is_refused(tmp_path, monkeypatch):
    path = write(
        tmp_path,
        "toxicity:\n  backend: detoxify\n  checkpoint: evil.ckpt\n  trust_checkpoint: true\n",
    )
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as err:
        load_config()
    assert err.value.where == f"{path}:4"
    assert "--trust-checkpoint" in err.value.fix and TRUST_ENV in err.value.fix
    assert main(["models"]) == 2  # the CLI refuses it too, before anything is loaded


def test_trust_comes_from_the_flag_or_the_environment_only(tmp_path, monkeypatch):
    write(tmp_path, "toxicity:\n  backend: detoxify\n  checkpoint: mine.ckpt\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(TRUST_ENV, raising=False)
    assert "trust_checkpoint" not in load_config().toxicity
    monkeypatch.setenv(TRUST_ENV, "1")
    assert load_config().toxicity["trust_checkpoint"] is True
    monkeypatch.setenv(TRUST_ENV, "0")
    assert "trust_checkpoint" not in load_config().toxicity

    from postcheck.cli import _config, build_parser

    args = build_parser().parse_args(["check", "x", "--trust-checkpoint"])
    assert _config(args).toxicity["trust_checkpoint"] is True


# --------------------------------------------------------------------------- roster


def test_a_roster_cell_over_128_kb_is_a_clear_error(tmp_path):
    path = write(tmp_path, "name,role\nAmara Okafor,pupil\n" + "x" * 140_000 + ",pupil\n", "r.csv")
    with pytest.raises(ConfigError) as err:
        read_roster(path)
    assert err.value.where == f"{path}:3" and "not a name" in err.value.what


def test_a_roster_that_is_not_csv_is_a_clear_error(tmp_path):
    path = write(tmp_path, 'name,role\n"Amara Okafor,pupil\n' + "y" * (17 << 20) + "\n", "r.csv")
    with pytest.raises(ConfigError, match="not a CSV file postcheck can read"):
        read_roster(path)
