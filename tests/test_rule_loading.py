"""Rule files are validated strictly: every problem names the file, the line and the fix."""

from __future__ import annotations

import textwrap

import pytest

from postcheck.errors import RuleError
from postcheck.rules import load_rule, load_rules

GOOD = """\
clause: "§5.2(b)"
quote: "amounts to bullying"
severity: breach
detect:
  - patterns: {lemmas: [["you", "be", "pathetic"]]}
message: "This reads as an insult aimed at a person."
suggestion: "Remove the personal remark."
examples:
  fail: ["Honestly Mr Green you are pathetic"]
  pass: ["Our choir was brilliant"]
"""


def write(tmp_path, body: str, name: str = "my_rule.yml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def test_a_good_rule_loads(tmp_path):
    rule = load_rule(write(tmp_path, GOOD))
    assert rule.id == "my_rule"
    assert rule.clause == "§5.2(b)"
    assert [e.expect for e in rule.examples] == ["fail", "pass"]
    assert rule.pattern_leaves()[0].pattern_id == "my_rule#1"


@pytest.mark.parametrize(
    ("change", "message", "line", "fix"),
    [
        (
            ("severity: breach", "severity: high"),
            "unknown severity 'high'",
            3,
            "breach, doubt, advice",
        ),
        (
            ("severity: breach", "severity: breach\ncolour: red"),
            "unknown key `colour`",
            4,
            "allowed keys",
        ),
        (("- patterns:", "- sentiment:"), "unknown detector `sentiment`", 5, "pii, toxicity"),
        (
            ('- patterns: {lemmas: [["you", "be", "pathetic"]]}', "- toxicity: {labels: [rude]}"),
            "unknown label 'rude'",
            5,
            "insult",
        ),
        (
            (
                '- patterns: {lemmas: [["you", "be", "pathetic"]]}',
                "- patterns: {regex: ['(?<=a)b']}",
            ),
            "bad regular expression",
            5,
            "RE2",
        ),
        (("§5.2(b)", "§9.9(z)"), "unknown clause '§9.9(z)'", 1, "§5.2"),
        (
            ("amounts to bullying", "is rude"),
            "the quote is not the words of §5.2(b)",
            2,
            "amounts to bullying",
        ),
        (('  pass: ["Our choir was brilliant"]\n', ""), "missing `pass` examples", 8, "near-miss"),
        (
            ('message: "This reads as an insult aimed at a person."\n', ""),
            "missing key `message`",
            1,
            "message",
        ),
        (
            (
                '- patterns: {lemmas: [["you", "be", "pathetic"]]}',
                "- toxicity: {labels: [insult], min_score: 2}",
            ),
            "`min_score` must be a number from 0 to 1",
            5,
            "0.8",
        ),
        (
            (
                '- patterns: {lemmas: [["you", "be", "pathetic"]]}',
                "- toxicity: {labels: [insult], min_score: high}",
            ),
            "or `lean`/`doubt`/`breach` (the model's calibrated thresholds), not 'high'",
            5,
            "leave it out",
        ),
        (
            ("detect:", "detect:\n  - patterns: {wordz: [x]}\n  - pii: {labels: [PERSON]}"),
            "unknown key `wordz`",
            5,
            "words, phrases, near, lemmas, regex",
        ),
    ],
)
def test_bad_rules_say_what_where_and_how_to_fix(tmp_path, change, message, line, fix):
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(RuleError) as info:
        load_rule(path)
    err = info.value
    assert message in err.what
    assert err.where == f"{path}:{line}" or (line == 1 and err.where.startswith(str(path)))
    assert fix in err.fix


def test_defamation_and_copyright_rules_cannot_breach(tmp_path):
    body = GOOD.replace("§5.2(b)", "§5.2(g)").replace("amounts to bullying", "is defamatory")
    with pytest.raises(RuleError, match="cannot give `breach`"):
        load_rule(write(tmp_path, body))


def test_invalid_yaml_names_the_line(tmp_path):
    path = write(
        tmp_path, GOOD.replace('quote: "amounts to bullying"', 'quote: "amounts to bullying')
    )
    with pytest.raises(RuleError) as info:
        load_rule(path)
    assert "not valid YAML" in info.value.what
    assert info.value.where.startswith(f"{path}:")


def test_bad_file_name(tmp_path):
    with pytest.raises(RuleError, match="bad rule file name"):
        load_rule(write(tmp_path, GOOD, name="My Rule.yml"))


def test_catastrophic_regex_is_linear_time(tmp_path, checker):
    """RE2 refuses back-references and runs nested quantifiers in linear time."""
    import time

    from postcheck.engine import Checker

    body = GOOD.replace(
        '- patterns: {lemmas: [["you", "be", "pathetic"]]}', "- patterns: {regex: ['(a+)+$']}"
    )
    rule = load_rule(write(tmp_path, body))
    engine = Checker(checker.config, toxicity_backend=checker.detectors[2].backend, rules=[rule])
    started = time.perf_counter()
    engine.check("a" * 5000 + "!")  # exponential for a backtracking engine
    assert time.perf_counter() - started < 30  # generous: backtracking would never finish


def test_every_shipped_rule_loads_and_has_three_examples_each_way():
    rules = load_rules()
    assert len(rules) >= 15
    for rule in rules:
        fails = [e for e in rule.examples if e.expect == "fail"]
        passes = [e for e in rule.examples if e.expect == "pass"]
        assert len(fails) >= 3 and len(passes) >= 3, rule.id


def test_shipped_rules_cover_the_clauses_the_issue_lists():
    clauses = {r.clause for r in load_rules()}
    wanted = {f"§5.2({c})" for c in "abcdefghi"} | {"§5.3", "§5.4", "§6.1(b)", "§6.1(d)", "§6.2(a)"}
    assert wanted <= clauses, wanted - clauses


def test_a_doubled_backslash_in_a_regex_is_refused(tmp_path):
    body = GOOD.replace(
        '- patterns: {lemmas: [["you", "be", "pathetic"]]}',
        "- patterns: {regex: ['\\\\bidiot\\\\b']}",
    )
    with pytest.raises(RuleError, match="doubled backslash") as info:
        load_rule(write(tmp_path, body))
    assert "single quotes" in info.value.fix


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("{labels: [insult]}", "doubt"),
        ("{labels: [insult], min_score: breach}", "breach"),
        ("{labels: [insult], min_score: lean}", "lean"),
        ("{labels: [insult], min_score: 0.75}", 0.75),
    ],
)
def test_model_thresholds_default_to_the_calibrated_doubt(tmp_path, condition, expected):
    body = GOOD.replace(
        '- patterns: {lemmas: [["you", "be", "pathetic"]]}', f"- toxicity: {condition}"
    )
    leaf = load_rule(write(tmp_path, body)).detect.leaves()[0]
    assert leaf.min_score == expected
    calibrated = {"insult": {"doubt": 0.4, "breach": 0.7, "lean": 0.2}}
    want = {"doubt": 0.4, "breach": 0.7, "lean": 0.2}.get(expected, expected)
    assert leaf.threshold("insult", calibrated) == want
    assert leaf.threshold("insult", {}) == (0.5 if isinstance(expected, str) else expected)


def test_a_word_list_is_read_from_the_rules_own_words_folder(tmp_path):
    (tmp_path / "words").mkdir()
    (tmp_path / "words" / "pathetic.txt").write_text(
        "# put-downs\npathetic\n\nuseless at  # a comment after an entry\n", encoding="utf-8"
    )
    rule = load_rule(write(tmp_path, GOOD.replace(
        '  - patterns: {lemmas: [["you", "be", "pathetic"]]}', "  - patterns: {words: [pathetic]}"
    )))  # fmt: skip
    assert rule.pattern_leaves()[0].phrases == ["pathetic", "useless at"]


def test_a_missing_word_list_names_the_file_line_and_fix(tmp_path):
    path = write(tmp_path, GOOD.replace(
        '  - patterns: {lemmas: [["you", "be", "pathetic"]]}', "  - patterns: {words: [nope]}"
    ))  # fmt: skip
    with pytest.raises(RuleError) as info:
        load_rule(path)
    assert info.value.where == f"{path}:5"
    assert "word list 'nope'" in info.value.what
    assert "words/nope.txt" in info.value.fix


def test_near_steps_are_word_lists_or_inline_lists_with_gaps_between(tmp_path):
    (tmp_path / "words").mkdir()
    (tmp_path / "words" / "fights.txt").write_text("fight\npunch-up\n", encoding="utf-8")
    rule = load_rule(write(tmp_path, GOOD.replace(
        '  - patterns: {lemmas: [["you", "be", "pathetic"]]}',
        "  - patterns: {near: [[[filmed, video of], 4, fights, [today]]]}",
    )))  # fmt: skip
    (near,) = rule.pattern_leaves()[0].near
    assert near.steps == (("filmed", "video of"), ("fight", "punch-up"), ("today",))
    assert near.gaps == (4, 0)


def test_a_near_step_naming_a_missing_word_list_names_the_line_and_the_file_to_create(tmp_path):
    path = write(tmp_path, GOOD.replace(
        '  - patterns: {lemmas: [["you", "be", "pathetic"]]}',
        "  - patterns:\n      near:\n        - [[filmed], 4, fightz]",
    ))  # fmt: skip
    with pytest.raises(RuleError) as info:
        load_rule(path)
    assert "word list 'fightz'" in info.value.what
    assert info.value.where == f"{path}:7"
    assert "words/fightz.txt" in info.value.fix


@pytest.mark.parametrize(
    ("near", "problem"),
    [
        ("[[[filmed]]]", "needs at least two steps"),
        ("[[[filmed], 3]]", "must end with a step"),
        ("[[3, [filmed], [fight]]]", "the number 3 where a step should be"),
        ("[[[filmed], 3, 4, [fight]]]", "the number 4 where a step should be"),
        ("[[[filmed], 40, [fight]]]", "allows 40 words between two steps (0 to 12)"),
        ("[[[filmed], 'Not A Name', [fight]]]", "neither a word list's name nor a list of words"),
        ("[[[filmed], [], [fight]]]", "neither a word list's name nor a list of words"),
        ("[filmed]", "is not a list"),
        ("[[[knock], [it, off], [marking]]]", "['it', False]: quote each word that YAML reads"),
    ],
)
def test_a_bad_near_sequence_names_its_line_and_shows_the_form(tmp_path, near, problem):
    path = write(tmp_path, GOOD.replace(
        '  - patterns: {lemmas: [["you", "be", "pathetic"]]}', f"  - patterns: {{near: {near}}}"
    ))  # fmt: skip
    with pytest.raises(RuleError) as info:
        load_rule(path)
    assert problem in info.value.what
    assert info.value.where == f"{path}:5"
    assert "near: [[filmed, recorded], 4, fights]" in info.value.fix


def test_the_built_in_word_lists_are_used_when_a_school_folder_has_none(tmp_path):
    rule = load_rule(write(tmp_path, GOOD.replace(
        '  - patterns: {lemmas: [["you", "be", "pathetic"]]}', "  - patterns: {words: [swimwear]}"
    )))  # fmt: skip
    assert "swimming costume" in rule.pattern_leaves()[0].phrases
