"""Outputs and patterns at the edges (issue 15): dates at the ends of the calendar in the
HTML report, spreadsheet formulas hidden behind blank space or full-width signs, and
thousands of rule regexes."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
from test_outputs import SUMMARY, bully_verdict, read_csv

from postcheck.output.csv_format import CsvWriter, safe_cell
from postcheck.output.html import HtmlWriter


@pytest.mark.parametrize(
    "when",
    [
        datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=5))),
        datetime(9999, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-5))),
        datetime(1, 1, 1),
        datetime(9999, 12, 31, 23, 59, 59, 999999),
    ],
)
def test_html_report_takes_dates_at_the_edges_of_the_calendar(when):
    out = io.StringIO()
    writer = HtmlWriter(out)
    first = bully_verdict()
    edge = bully_verdict()
    edge.post = edge.post.model_copy(update={"created_at": when, "id": "edge"})
    writer.write(first)
    writer.write(edge)
    writer.close(SUMMARY)
    page = out.getvalue()
    assert f"{when.year:04d}-{when.month:02d}-{when.day:02d}" in page
    newest_first = page.index("2024-03-01") < page.index(f"{when.year:04d}-")
    assert newest_first == (when.year == 1)


@pytest.mark.parametrize(
    "value",
    [" =1+2", "\uff1d1+2", "\n=1+2", "\r\n=HYPERLINK(\"x\")", "\t=1", "  +44", "\uff0b1",
     "\uff20SUM(A1)", "\u3000=1+2", "\ncleaning day"],
)  # fmt: skip
def test_csv_guard_catches_formulas_behind_blank_space_and_full_width_signs(value):
    assert safe_cell(value) == "'" + value
    out = io.StringIO(newline="")
    writer = CsvWriter(out)
    verdict = bully_verdict()
    verdict.post = verdict.post.model_copy(update={"text": value})
    writer.write(verdict)
    writer.close(SUMMARY)
    assert read_csv(out.getvalue())[0]["text"] == "'" + value


@pytest.mark.parametrize("value", ["Sports day", "Year 6 = brilliant", "email a@b.com", ""])
def test_csv_guard_leaves_ordinary_text(value):
    assert safe_cell(value) == value


def test_thousands_of_rule_regexes_are_matched_not_a_traceback():
    import re2

    from postcheck.detectors.patterns import _compile_sets

    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    patterns = [rf"\bword{i}x[a-z]{{2,5}}(?:foo|bar)\b" for i in range(8_600)]
    sets = _compile_sets(re2, options, patterns)
    assert sorted(i for _, group in sets for i in group) == list(range(8_600))

    def match(text: str) -> list[int]:
        return sorted(group[j] for s, group in sets for j in s.Match(text) or ())

    assert match("and WORD8599xabfoo, word12xabcbar") == [12, 8599]
    assert match("nothing here") == []
