"""`scan`: reconciliation, de-duplication, dates, workers, errors, and resume after SIGKILL.

Most tests use FakeChecker (fast, predictable, counts what it analyses); one runs the
real Checker. The SIGKILL test runs a scan in a subprocess, kills it mid-run, resumes.
"""

from __future__ import annotations

import functools
import io
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from postcheck.errors import InputError
from postcheck.output.jsonl import JsonlWriter
from postcheck.readers import ReadError
from postcheck.scan import (
    Progress,
    Summary,
    _verdict_for,
    default_checkpoint_path,
    open_output,
    scan,
)
from postcheck.schema import Finding, Hit, Post, Verdict

TESTS = Path(__file__).parent
EXPORTS = TESTS / "fixtures" / "exports"


class FakeChecker:
    """Breach for 'pathetic', doubt for 'maybe', ok otherwise; rejects empty posts."""

    analysed: list[str] = []  # texts checked, across instances in this process

    def __init__(self, delay: float = 0.0):
        self.delay = delay

    def validate(self, post: Post) -> None:
        if not post.text.strip() and not post.media:
            raise InputError("the post is empty", fix="give the text")

    def check_many(self, posts, batch_size: int = 64):
        for post in posts:
            if self.delay:
                time.sleep(self.delay)
            if "explode" in post.text:
                raise RuntimeError("boom")
            FakeChecker.analysed.append(post.text)
            yield _fake_verdict(post)

    def check(self, post):
        return next(self.check_many([post]))


def _fake_verdict(post: Post) -> Verdict:
    findings = []
    for word, severity in (("pathetic", "breach"), ("maybe", "doubt")):
        at = post.text.find(word)
        if at >= 0:
            hit = Hit(detector="patterns", label=word, start=at, end=at + len(word), score=1.0,
                      text=word)  # fmt: skip
            findings.append(
                Finding(rule=word, clause="§5.2(b)", quote="q", severity=severity, message="m",
                        suggestion="s", start=at, end=at + len(word), text=word, evidence=[hit])
            )  # fmt: skip
    verdict = "breach" if any(f.severity == "breach" for f in findings) else (
        "doubt" if findings else "ok"
    )  # fmt: skip
    return Verdict(verdict=verdict, findings=findings, scores={"fake.x": 0.5}, post=post)


def fake_factory() -> FakeChecker:
    return FakeChecker()


def slow_factory() -> FakeChecker:
    return FakeChecker(delay=0.002)


class ListWriter:
    def __init__(self):
        self.records: list[Verdict | ReadError] = []
        self.summary: Summary | None = None

    def write(self, verdict):
        self.records.append(verdict)

    def write_error(self, error):
        self.records.append(error)

    def close(self, summary):
        self.summary = summary


def jsonl_file(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def many_posts(n: int, distinct: int = 97) -> list[dict]:
    words = ["lovely", "pathetic", "maybe", "trip", "choir", "reading"]
    return [
        {"id": f"p{i}", "text": f"Post {i % distinct} is {words[i % len(words)]} today",
         "created_at": f"2024-01-{1 + i % 28:02d}T10:00:00Z"}
        for i in range(n)
    ]  # fmt: skip


@pytest.fixture(autouse=True)
def _reset_fake():
    FakeChecker.analysed = []


def run(paths, writer=None, **kwargs) -> tuple[Summary, ListWriter]:
    writer = writer or ListWriter()
    kwargs.setdefault("checker_factory", fake_factory)
    summary = scan([str(p) for p in paths], output_writer=writer, **kwargs)
    return summary, writer


# --------------------------------------------------------------------------- basics


def test_every_post_once_and_summary_reconciles():
    summary, out = run([EXPORTS / "generic/posts.jsonl", EXPORTS / "twitter"])
    assert len(out.records) == summary.read == 10  # 5 JSONL lines + 5 tweets
    assert summary.reconciles
    assert summary.error == 4  # 3 unreadable JSONL lines + 1 tweet without text
    assert summary.ok + summary.doubt + summary.breach == 6
    assert out.summary is summary
    assert [i["read"] for i in summary.inputs] == [5, 5]
    sources = [r.post.source if isinstance(r, Verdict) else r.source for r in out.records]
    assert sources[0].startswith("jsonl:") and sources[-1].startswith("twitter:")


def test_verdicts_carry_their_post(tmp_path):
    path = jsonl_file(tmp_path / "a.jsonl", [{"id": "1", "text": "you are pathetic"}])
    summary, out = run([path])
    (verdict,) = out.records
    assert verdict.verdict == "breach" and verdict.post.id == "1"
    assert summary.worst == "breach"


def test_checker_rejections_become_error_records(tmp_path):
    rows = [{"id": "1", "text": "fine"}, {"id": "2", "text": "   "}, {"id": "3", "text": "explode"},
            {"id": "4", "text": "also fine"}]  # fmt: skip
    summary, out = run([jsonl_file(tmp_path / "a.jsonl", rows)])
    kinds = [r.verdict if isinstance(r, Verdict) else "error" for r in out.records]
    assert kinds == ["ok", "error", "error", "ok"]
    assert "empty" in out.records[1].message and out.records[1].id == "2"
    assert "boom" in out.records[2].message
    assert summary.error == 2 and summary.reconciles


def test_dedupe_checks_each_text_once_and_maps_offsets(tmp_path):
    rows = [
        {"id": "1", "text": "you are pathetic"},
        {"id": "2", "text": "you  are\npathetic"},  # same words, other whitespace
        {"id": "3", "text": "you are pathetic"},
        {"id": "4", "text": "something else"},
    ]
    summary, out = run([jsonl_file(tmp_path / "a.jsonl", rows)], batch_size=2)
    assert FakeChecker.analysed == ["you are pathetic", "something else"]
    assert summary.duplicates == 2
    assert [r.post.id for r in out.records] == ["1", "2", "3", "4"]
    copy = out.records[1]
    assert copy.verdict == "breach"
    finding = copy.findings[0]
    assert copy.post.text[finding.start : finding.end] == "pathetic" == finding.text
    assert finding.evidence[0].text == "pathetic"


def test_dedupe_keeps_posts_with_different_media_apart():
    from postcheck.schema import Media

    a = Post(text="trip", media=[Media(kind="place", latitude=1.0, longitude=2.0)])
    b = Post(text="trip")
    from postcheck.scan import _dedupe_key

    assert _dedupe_key(a) != _dedupe_key(b)
    assert _dedupe_key(Post(text="a  b")) == _dedupe_key(Post(text="a b"))


def test_verdict_remap_clamps_and_keeps_media_hits():
    v = _fake_verdict(Post(text="so pathetic"))
    media_hit = Hit(detector="media", label="GPS", start=0, end=0, score=1.0)
    v.findings[0].evidence.append(media_hit)
    moved = _verdict_for(v, "so pathetic", Post(text="  so\t\tpathetic  "))
    assert moved.findings[0].text == "pathetic"
    assert (moved.findings[0].evidence[1].start, moved.findings[0].evidence[1].end) == (0, 0)


def test_since_until_are_counted_not_dropped(tmp_path):
    rows = [
        {"id": "old", "text": "a", "created_at": "2023-12-31T23:59:59Z"},
        {"id": "first", "text": "b", "created_at": "2024-01-01T00:00:00Z"},
        {"id": "last", "text": "c", "created_at": "2024-01-31T23:00:00Z"},
        {"id": "new", "text": "d", "created_at": "2024-02-01T00:00:00Z"},
        {"id": "undated", "text": "e"},
    ]
    summary, out = run(
        [jsonl_file(tmp_path / "a.jsonl", rows)], since=date(2024, 1, 1), until=date(2024, 1, 31)
    )
    assert [r.post.id for r in out.records] == ["first", "last", "undated"]
    assert summary.skipped_by_date == 2 and summary.read == 5 and summary.reconciles


def test_since_after_until_is_an_error(tmp_path):
    path = jsonl_file(tmp_path / "a.jsonl", [{"text": "a"}])
    with pytest.raises(InputError):
        run([path], since=datetime(2024, 2, 1, tzinfo=UTC), until=date(2024, 1, 1))


def test_progress_callback_has_total_and_rate(tmp_path):
    path = jsonl_file(tmp_path / "a.jsonl", many_posts(300))
    seen: list[Progress] = []
    run([path], progress=seen.append)
    assert seen and seen[-1].done == 300 and seen[-1].total == 300
    assert seen[-1].posts_per_s > 0


def test_queue_stays_bounded_with_many_duplicates(tmp_path):
    rows = [{"id": str(i), "text": "same text"} for i in range(5000)]
    summary, out = run([jsonl_file(tmp_path / "a.jsonl", rows)], batch_size=8)
    assert len(out.records) == 5000 and summary.duplicates == 4999
    assert FakeChecker.analysed == ["same text"]


def test_workers_2_equals_workers_1(tmp_path):
    path = jsonl_file(tmp_path / "a.jsonl", many_posts(400) + [{"id": "e", "text": " "}])
    s1, one = run([path], batch_size=16)
    s2, two = run([path], batch_size=16, workers=2)

    def flat(records):
        return [r.model_dump(mode="json") if isinstance(r, Verdict) else r for r in records]

    assert flat(one.records) == flat(two.records)
    counts = ("read", "ok", "doubt", "breach", "error", "duplicates")
    assert [getattr(s1, k) for k in counts] == [getattr(s2, k) for k in counts]


# --------------------------------------------------------------------------- outputs


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "html", "text"])
def test_open_output_writes_atomically(tmp_path, fmt):
    out = tmp_path / f"report.{fmt}"
    writer = open_output(fmt, out)
    summary, _ = run([EXPORTS / "linkedin"], writer=writer)
    assert out.exists() and not list(tmp_path.glob(".report*"))
    text = out.read_text(encoding="utf-8-sig")
    if fmt == "jsonl":
        assert len(text.splitlines()) == summary.read == 3
    else:
        assert text


def test_jsonl_to_a_stream_without_checkpoint():
    stream = io.StringIO()
    summary, _ = run([EXPORTS / "linkedin"], writer=JsonlWriter(stream))
    assert len(stream.getvalue().splitlines()) == 3


def test_checkpointed_scan_cleans_up_and_matches_direct(tmp_path):
    path = jsonl_file(tmp_path / "a.jsonl", many_posts(200))
    out = tmp_path / "out.jsonl"
    checkpoint = default_checkpoint_path(out)
    run([path], writer=open_output("jsonl", out), checkpoint_path=checkpoint)
    assert not checkpoint.exists() and not Path(str(checkpoint) + ".jsonl").exists()
    direct = io.StringIO()
    run([path], writer=JsonlWriter(direct))
    assert out.read_text(encoding="utf-8") == direct.getvalue()


def test_resume_refuses_a_different_scan(tmp_path):
    a = jsonl_file(tmp_path / "a.jsonl", many_posts(5))
    b = jsonl_file(tmp_path / "b.jsonl", many_posts(6))
    checkpoint = tmp_path / "cp"
    from postcheck.scan import _fingerprint, _Journal

    journal = _Journal(checkpoint, _fingerprint([(a, "jsonl")], {}, None, None))
    journal.start(resume=False, n_inputs=1)
    journal.checkpoint([2], Summary(read=2, ok=2))
    with pytest.raises(InputError) as err:
        run([b], checkpoint_path=checkpoint, resume=True)
    assert "different scan" in err.value.message and "--resume" in err.value.message


def test_resume_skips_finished_posts(tmp_path):
    """A checkpoint saying 2 posts are done: only the rest are checked, none repeated."""
    path = jsonl_file(tmp_path / "a.jsonl", [{"id": str(i), "text": f"t{i}"} for i in range(5)])
    checkpoint = tmp_path / "cp"
    from postcheck.scan import _fingerprint, _Journal

    journal = _Journal(checkpoint, _fingerprint([(path, "jsonl")], {}, None, None))
    journal.start(resume=False, n_inputs=1)
    for i in range(2):
        journal.write(_fake_verdict(Post(id=str(i), text=f"t{i}")))
    journal.checkpoint([2], Summary(read=2, ok=2))
    journal.write(_fake_verdict(Post(id="2", text="t2")))  # written after the checkpoint: dropped
    journal.stream.flush()
    summary, out = run([path], checkpoint_path=checkpoint, resume=True)
    assert FakeChecker.analysed == ["t2", "t3", "t4"]
    assert [r.post.id for r in out.records] == ["0", "1", "2", "3", "4"]
    assert summary.read == 5 and summary.ok == 5 and summary.resumed == 2 and summary.reconciles


def test_real_checker(checker, tmp_path):
    from postcheck.schema import Media

    summary, out = run(
        [EXPORTS / "facebook", EXPORTS / "linkedin", EXPORTS / "generic/posts.jsonl"],
        checker_factory=lambda: checker,
    )
    assert summary.reconciles and len(out.records) == summary.read == 13
    place = next(r for r in out.records if isinstance(r, Verdict) and r.post.media
                 and r.post.media[0].kind == "place")  # fmt: skip
    assert place.scores["media.GPS"] == 1.0
    assert place.post.media[0] == Media(kind="place", uri=place.post.media[0].uri,
                                        title="Riverside Park", latitude=51.4613, longitude=-0.3037)  # fmt: skip


# --------------------------------------------------------------------------- SIGKILL


SCAN_SCRIPT = """
import sys
sys.path.insert(0, {tests!r})
from test_scan import slow_factory
from postcheck.scan import scan, open_output, default_checkpoint_path
out = {out!r}
summary = scan([{data!r}], checker_factory=slow_factory, output_writer=open_output("jsonl", out),
               checkpoint_path=default_checkpoint_path(out), resume={resume}, workers={workers},
               batch_size=16)
print("DONE", summary.read, summary.reconciles)
"""


def _start(tmp_path, data, out, resume: bool, workers: int = 1) -> subprocess.Popen:
    script = SCAN_SCRIPT.format(tests=str(TESTS), out=str(out), data=str(data), resume=resume,
                                workers=workers)  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the kill takes any workers too
    )


def _done_so_far(checkpoint: Path) -> int:
    try:
        return sum(json.loads(checkpoint.read_text())["done"])
    except (OSError, ValueError, KeyError):
        return 0


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_sigkill_then_resume_loses_nothing_and_duplicates_nothing(tmp_path, workers):
    n = 2500
    data = jsonl_file(tmp_path / "posts.jsonl", many_posts(n, distinct=n) + [{"id": "bad"}])
    out = tmp_path / "out.jsonl"
    checkpoint = default_checkpoint_path(out)
    for kills, threshold in enumerate((300, 1200)):  # kill in the first run and in a resumed one
        proc = _start(tmp_path, data, out, resume=kills > 0, workers=workers)
        deadline = time.monotonic() + 120
        while _done_so_far(checkpoint) < threshold and proc.poll() is None:
            assert time.monotonic() < deadline, "the scan made no progress"
            time.sleep(0.02)
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.13)  # somewhere between two checkpoints
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        assert not out.exists()  # the output only appears, whole, at the end
    proc = _start(tmp_path, data, out, resume=True, workers=workers)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert f"DONE {n + 1} True" in stdout
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    ids = [r["id"] for r in records]
    assert len(records) == n + 1
    assert ids[:n] == [f"p{i}" for i in range(n)]  # every post once, in order
    assert records[-1]["verdict"] == "error"
    assert not checkpoint.exists()


def test_partial_factory_is_picklable():
    import pickle

    from postcheck.config import Config
    from postcheck.engine import Checker

    factory = functools.partial(Checker, Config())
    assert pickle.loads(pickle.dumps(factory)).func is Checker
