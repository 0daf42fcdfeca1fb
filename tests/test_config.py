"""postcheck.yml: found in the working directory or given; every mistake named precisely."""

from __future__ import annotations

import pytest

from postcheck.config import Config, load_config, read_roster
from postcheck.errors import ConfigError


def write(tmp_path, text: str, name: str = "postcheck.yml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config()
    assert config == Config()
    assert config.toxicity["backend"] == "embedded"


def test_found_in_the_working_directory_with_relative_paths(tmp_path, monkeypatch):
    write(tmp_path, "name,role\nAmara Okafor,pupil\nJane Hughes,staff\n", "roster.csv")
    write(
        tmp_path,
        "school: {name: Hillside Primary, aliases: [Hillside]}\n"
        "roster: roster.csv\n"
        "allow: {names: [Jane Hughes]}\n"
        "rules: {severity: {}}\n",
    )
    monkeypatch.chdir(tmp_path)
    config = load_config()
    assert config.school.all() == ["Hillside Primary", "Hillside"]
    assert config.roster == tmp_path / "roster.csv"
    assert config.roster_names() == {"PUPIL": ["Amara Okafor"], "STAFF": ["Jane Hughes"]}


@pytest.mark.parametrize(
    ("text", "what", "line", "fix"),
    [
        ("schol: {name: x}\n", "unknown setting `schol`", 1, "school"),
        ("school:\n  name: x\n  motto: y\n", "unknown setting `school.motto`", 3, "aliases"),
        ("thresholds:\n  pii: 7\n", "bad value for `thresholds.pii`", 2, "correct the value"),
        (
            "rules:\n  severity: {bullying: fatal}\n",
            "bad value for `rules.severity.bullying`",
            2,
            "",
        ),
        ("roster: nowhere.csv\n", "does not exist", 1, "relative to postcheck.yml"),
        ("school: [unclosed\n", "not valid YAML", 2, "indentation"),
        ("- just\n- a list\n", "must be a mapping", 1, "school"),
    ],
)
def test_config_errors_name_file_line_and_fix(tmp_path, text, what, line, fix):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert what in info.value.what
    assert info.value.where == f"{path}:{line}"
    assert fix in (info.value.fix or "")


def test_roster_errors(tmp_path):
    with pytest.raises(ConfigError, match="no `name` column"):
        read_roster(write(tmp_path, "pupil,class\nA,4C\n", "r.csv"))
    with pytest.raises(ConfigError, match="unknown role 'parent'") as info:
        read_roster(write(tmp_path, "name,role\nA B,pupil\nC D,parent\n", "r.csv"))
    assert info.value.where.endswith("r.csv:3")


def test_model_paths_are_relative_to_the_config_file(tmp_path):
    path = write(
        tmp_path, "toxicity: {backend: detoxify, checkpoint: m/x.ckpt, hf_dir: /abs/bert}\n"
    )
    config = load_config(path)
    assert config.toxicity["checkpoint"] == str(tmp_path / "m" / "x.ckpt")
    assert config.toxicity["hf_dir"] == "/abs/bert"
