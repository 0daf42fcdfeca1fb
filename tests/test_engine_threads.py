"""The classifier's encoder starts on a second thread beside spaCy and the other detectors
and shares its work with the caller's thread: the verdicts are exactly those of running
everything on one thread, and its errors surface on the caller's thread."""

from __future__ import annotations

import threading

import pytest
from doubles import fail_on_marker

from postcheck import engine
from postcheck.engine import Checker, EncodedAhead

REAL_SPARE_CORE = engine.spare_core  # before the autouse fixture stands in for it

LONG_POST = (
    "What a week it has been at Hillside. Year 5 visited the Science Museum on Monday and "
    "loved the space gallery. On Wednesday the choir sang at the care home, and the "
    "residents joined in with every song. Honestly Mr Green you are pathetic at your job. "
    "Thank you to all the parents who helped with the cake sale!"
)
TEXTS = [
    "Well done to Oliver Bennett in 4C who finally passed his reading test",
    LONG_POST,
    "Text me on 07700 900123 if your child is off tomorrow",
    LONG_POST,  # the same text twice in one batch
    "Lovely sunny sports day. " * 260,  # over 5,000 characters: analysed in two pieces
    "Year 3 are at Bushy Park until 3pm today, come and find us",
]


@pytest.fixture(autouse=True)
def a_spare_core(monkeypatch):
    """The helper thread is used only with a core to spare; these tests need it always."""
    monkeypatch.setattr(engine, "spare_core", lambda: True)


def classifier_of(checker: Checker):
    return next(d for d in checker.detectors if d.name == "classifier")


@pytest.fixture(scope="module")
def one_thread(checker):
    """The same Checker, but with the classifier's plain encoder: everything on one thread."""
    plain = Checker(checker.config, toxicity_backend=checker.detectors[2].backend,
                    rules=checker.rules)  # fmt: skip
    detector = classifier_of(plain)
    detector.encoder = detector.encoder.inner
    return plain


def test_the_second_thread_gives_the_same_verdicts(checker, one_thread):
    assert isinstance(classifier_of(checker).encoder, EncodedAhead)
    helpers = []
    for batch_size in (1, 4, 64, 1):
        got = [v.model_dump_json() for v in checker.check_many(TEXTS, batch_size=batch_size)]
        want = [v.model_dump_json() for v in one_thread.check_many(TEXTS, batch_size=batch_size)]
        assert got == want
        helpers.append([t for t in threading.enumerate() if t.name == "postcheck-encoder"])
    assert all(h == helpers[0] for h in helpers)  # one helper thread, kept: none per batch


def test_long_posts_are_read_sentence_by_sentence_on_the_second_thread(checker):
    hits = [h for h in checker.hits(LONG_POST) if h.detector == "classifier"]
    assert len(hits) == len(classifier_of(checker).labels())
    assert any(h.text != LONG_POST for h in hits)  # a sentence scored highest somewhere


def test_a_classifier_error_surfaces_and_only_loses_its_post(checker, monkeypatch):
    fail_on_marker(classifier_of(checker), monkeypatch, "classifier bug")
    got = []
    with pytest.raises(RuntimeError, match="classifier bug"):
        for verdict in checker.check_many(["one", "two", "BOOM", "four"]):
            got.append(verdict.post.text)
    assert got == ["one", "two"]


def test_an_encoder_error_surfaces_on_the_callers_thread(checker, one_thread, monkeypatch):
    encoder = classifier_of(checker).encoder.inner

    def broken(texts, spans):
        raise RuntimeError("encoder broke")

    monkeypatch.setattr(encoder, "encode_segments", broken)
    with pytest.raises(RuntimeError, match="encoder broke"):
        checker.check(LONG_POST)
    monkeypatch.undo()
    again = checker.check(LONG_POST)  # nothing left stuck
    assert again.model_dump_json() == one_thread.check(LONG_POST).model_dump_json()


def test_without_a_spare_core_everything_runs_on_the_callers_thread(checker, monkeypatch):
    monkeypatch.setattr(engine, "spare_core", lambda: False)
    classifier = classifier_of(checker)
    assert checker._helper.start(checker.detectors, ["a post"]) == (None, None)
    alone = checker.check(LONG_POST).model_dump_json()
    monkeypatch.setattr(engine, "spare_core", lambda: True)
    assert checker.check(LONG_POST).model_dump_json() == alone
    assert isinstance(classifier.encoder, EncodedAhead)


class FakeMachine:
    """/proc/stat and this process's CPU time, as the core meter reads them."""

    def __init__(self, tmp_path, monkeypatch):
        self.stat = tmp_path / "stat"
        self.now, self.busy, self.idle, self.own = 100.0, 0, 0, 0.0
        monkeypatch.setattr(engine.time, "monotonic", lambda: self.now)
        monkeypatch.setattr(engine.os, "times", lambda: engine.os.times_result(
            (self.own, 0.0, 0.0, 0.0, 0.0)))  # fmt: skip
        monkeypatch.setattr(engine.os, "sysconf", lambda name: 100)
        monkeypatch.setattr(engine.os, "cpu_count", lambda: 2)
        self.meter = engine._CoreMeter()
        self.meter.STAT = self.stat
        self.meter.LOADAVG = tmp_path / "loadavg"
        self.runnable = 1  # threads runnable at this instant, the one asking included
        self.write()

    def write(self):
        self.stat.write_text(f"cpu  {self.busy} 0 0 {self.idle} 0 0 0 0 0 0\ncpu0 1 2 3 4\n")
        if self.runnable is None:  # no /proc/loadavg
            self.meter.LOADAVG.unlink(missing_ok=True)
        else:
            self.meter.LOADAVG.write_text(f"0.50 0.40 0.30 {self.runnable}/123 4567\n")

    def run(self, seconds, own_cores, other_cores):
        """`seconds` pass with this process on `own_cores` and others on `other_cores`."""
        self.now += seconds
        self.own += seconds * own_cores
        self.busy += round(100 * seconds * (own_cores + other_cores))
        self.idle += round(100 * seconds * (2 - own_cores - other_cores))
        self.write()


def test_the_core_meter_does_not_count_this_process_own_threads(tmp_path, monkeypatch):
    machine = FakeMachine(tmp_path, monkeypatch)
    assert machine.meter.others() == 0.0  # no interval yet: what runs at this instant
    machine.run(0.9, own_cores=1.9, other_cores=0.0)  # this process busy on both cores
    assert machine.meter.others() == pytest.approx(0.0)
    machine.run(0.9, own_cores=1.0, other_cores=1.0)  # another program on the other core
    assert machine.meter.others() == pytest.approx(1.0)
    machine.run(0.1, own_cores=1.0, other_cores=0.0)  # too soon to read again: as before
    assert machine.meter.others() == pytest.approx(1.0)
    machine.runnable = 3  # a minute idle, then two other threads running at this instant
    machine.run(60.0, own_cores=0.0, other_cores=0.0)
    assert machine.meter.others() == 2.0  # the last interval is stale: the instant says
    machine.runnable = None
    machine.run(60.0, own_cores=0.0, other_cores=0.0)
    assert machine.meter.others() is None  # nothing to go on (spare_core: the load average)


def test_a_spare_core_is_one_that_other_work_leaves_free(tmp_path, monkeypatch):
    machine = FakeMachine(tmp_path, monkeypatch)
    monkeypatch.setattr(engine.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(engine, "_meter", machine.meter)
    assert REAL_SPARE_CORE()  # first reading: only this thread runs at this instant
    machine.run(0.9, own_cores=2.0, other_cores=0.0)
    assert REAL_SPARE_CORE()  # this process's own two threads do not count
    machine.run(0.9, own_cores=1.0, other_cores=1.0)
    assert not REAL_SPARE_CORE()
    machine.runnable = None  # no /proc
    machine.run(5.0, own_cores=1.0, other_cores=0.0)
    machine.meter.STAT = tmp_path / "missing"
    monkeypatch.setattr(engine.os, "getloadavg", lambda: (0.2, 0.2, 0.2))
    assert REAL_SPARE_CORE()  # the load average says
    monkeypatch.setattr(engine.os, "getloadavg", lambda: (1.7, 1.2, 1.0))
    assert not REAL_SPARE_CORE()
    monkeypatch.setattr(engine.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert not REAL_SPARE_CORE()  # one core: nothing to spare
