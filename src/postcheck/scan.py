"""`postcheck scan`: check every post of one or more exports, streaming, resumable, nothing lost.

    summary = scan(["twitter.zip"], checker_factory=Checker, output_writer=writer)

How it works, top to bottom:

1. Readers stream items (Posts, and ReadErrors for records they cannot read) from each
   input, in a fixed order. Posts outside --since/--until are counted as
   `skipped_by_date` (and get no output record).
2. Identical texts (after collapsing whitespace, with the same attachments) are checked
   once: the verdict is reused for every copy, its offsets mapped onto the copy's own
   text. The memory of texts seen is bounded (an LRU of `dedupe_cache` entries).
3. Posts go to `Checker.check_many` in batches of `batch_size`. With `workers` > 1,
   batches go to worker processes (each builds its own Checker once, from the picklable
   `checker_factory`); at most 2 batches per worker are in flight, and results are
   reassembled in input order. A post the checker rejects (empty, too long) or that
   makes it fail becomes an error record; the scan goes on.
4. Every item that was read becomes exactly one output record (verdict or error) in
   input order, except date-skipped ones, so `read = ok + doubt + breach + error +
   skipped_by_date` (`Summary.reconciles`).

Resume (`checkpoint_path`): records go first to a journal, `<checkpoint>.jsonl`,
append-only; before each checkpoint the journal is flushed and fsynced, then the
checkpoint (JSON: items finished per input, the journal's byte length, the counts, a
fingerprint of the inputs and options) is written to a temporary file, fsynced and
moved into place with os.replace. After SIGKILL at any point, `resume=True` truncates
the journal to the checkpointed length and skips the finished items of each input, so
nothing is lost or written twice. When all inputs are done, the journal is replayed
into `output_writer` (any format: JSONL, CSV, HTML, text) and closed; `open_output`
writes the final file to a temporary name and renames it, so the output appears
whole or not at all. Then the journal and checkpoint are removed. Without a
checkpoint (e.g. output to a pipe) records stream straight to `output_writer`.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import sys
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any, Protocol

from postcheck.errors import InputError, PostcheckError
from postcheck.output import OUTPUT_FORMATS, open_output  # noqa: F401 - shared registry
from postcheck.readers import ReadError, detect_format, read_posts
from postcheck.schema import Post, Verdict

CHECKPOINT_VERSION = 1
#: How often (at most) the checkpoint is written while scanning.
CHECKPOINT_EVERY_S = 1.0
_PROGRESS_EVERY_S = 0.5
_COUNTS = ("read", "ok", "doubt", "breach", "error", "skipped_by_date", "duplicates")


# --------------------------------------------------------------------------- public types


class Writer(Protocol):
    """What `scan` writes to: one call per input post, then close with the summary."""

    def write(self, verdict: Verdict) -> None: ...

    def write_error(self, error: ReadError) -> None: ...

    def close(self, summary: Summary) -> None: ...


@dataclass
class Progress:
    """Sent to the `progress` callback about twice a second, and once at the end."""

    done: int
    total: int | None
    posts_per_s: float
    eta_s: float | None
    elapsed_s: float


@dataclass
class Summary:
    """Counts that reconcile: read = ok + doubt + breach + error + skipped_by_date."""

    read: int = 0
    ok: int = 0
    doubt: int = 0
    breach: int = 0
    error: int = 0
    skipped_by_date: int = 0
    duplicates: int = 0
    resumed: int = 0
    elapsed_s: float = 0.0
    inputs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def reconciles(self) -> bool:
        return self.read == self.ok + self.doubt + self.breach + self.error + self.skipped_by_date

    @property
    def worst(self) -> str:
        """The most serious verdict: breach, doubt or ok (for exit codes)."""
        return "breach" if self.breach else "doubt" if self.doubt else "ok"

    @property
    def posts_per_s(self) -> float:
        checked = self.read - self.resumed
        return checked / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["reconciles"] = self.reconciles
        return data

    def line(self) -> str:
        """One line for people: `1,234 read: 1,100 ok, 90 doubt, 40 breach, 4 errors`."""
        parts = [f"{self.ok:,} ok", f"{self.doubt:,} doubt", f"{self.breach:,} breach",
                 f"{self.error:,} could not be checked"]  # fmt: skip
        if self.skipped_by_date:
            parts.append(f"{self.skipped_by_date:,} outside the dates")
        return f"{self.read:,} posts read: " + ", ".join(parts)


# --------------------------------------------------------------------------- scan


def scan(
    paths: Iterable[str | os.PathLike[str]],
    *,
    checker_factory: Callable[[], Any],
    output_writer: Writer,
    format: str | None = None,
    reader_options: dict[str, Any] | None = None,
    workers: int = 1,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
    checkpoint_path: str | os.PathLike[str] | None = None,
    resume: bool = False,
    progress: Callable[[Progress], None] | None = None,
    batch_size: int = 64,
    dedupe_cache: int = 4_096,
) -> Summary:
    """Check every post in `paths`, write one record per post to `output_writer`, close it.

    `checker_factory()` builds the Checker (called once per process; with workers > 1
    it must be picklable: a module-level function, a class, or functools.partial).
    `since`/`until` are inclusive (a date means the whole day, UTC). Raises ExportError
    for an input that cannot be read at all, InputError for a checkpoint that belongs
    to another scan.
    """
    started = time.monotonic()
    options = {k: v for k, v in (reader_options or {}).items() if v is not None}
    inputs = [(Path(p), format or detect_format(p)) for p in paths]
    if workers < 1:
        raise InputError("--workers must be 1 or more", where="--workers", fix="e.g. --workers 2")
    low, high = _bounds(since, until)
    summary = Summary(
        inputs=[{"path": str(p), "format": f, "read": 0} for p, f in inputs],
    )
    fingerprint = _fingerprint(inputs, options, low, high)
    done = [0] * len(inputs)

    journal: _Journal | None = None
    if checkpoint_path is not None:
        journal = _Journal(Path(checkpoint_path), fingerprint)
        restored = journal.start(resume, len(inputs))
        if restored is not None:
            done = restored["done"]
            for key, value in restored["counts"].items():
                setattr(summary, key, value)
            for entry, n in zip(summary.inputs, done, strict=True):
                entry["read"] = n
            summary.resumed = summary.read
        sink: Any = journal
    else:
        sink = _DirectSink(output_writer)

    total = None
    if progress is not None:
        total = sum(1 for _ in _items(inputs, options, list(done)))
    runner = _Runner(
        checker_factory, workers, batch_size, dedupe_cache, summary, done, sink,
        journal, progress, total, started,
    )  # fmt: skip
    try:
        runner.run(_items(inputs, options, list(done)), low, high)
    finally:
        runner.shutdown()
        summary.elapsed_s = time.monotonic() - started
        if journal is not None:
            journal.checkpoint(done, summary)
    if journal is not None:
        journal.replay(output_writer)
    summary.elapsed_s = time.monotonic() - started
    output_writer.close(summary)
    if journal is not None:
        journal.remove()
    if progress is not None:
        progress(runner.progress_now(final=True))
    return summary


def _items(
    inputs: list[tuple[Path, str]], options: dict[str, Any], skip: list[int]
) -> Iterator[tuple[int, Post | ReadError]]:
    """(input index, item) for every item not yet finished, in a fixed order."""
    for index, (path, fmt) in enumerate(inputs):
        for position, item in enumerate(read_posts(path, fmt, **options)):
            if position >= skip[index]:
                yield index, item


def _bounds(
    since: date | datetime | None, until: date | datetime | None
) -> tuple[datetime | None, datetime | None]:
    """[low, high) as aware datetimes; a date for `until` includes that whole day."""

    def aware(value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    low = high = None
    if since is not None:
        low = aware(since) if isinstance(since, datetime) else datetime(
            since.year, since.month, since.day, tzinfo=UTC
        )  # fmt: skip
    if until is not None:
        if isinstance(until, datetime):
            high = aware(until) + timedelta(microseconds=1)
        else:
            high = datetime(until.year, until.month, until.day, tzinfo=UTC) + timedelta(days=1)
    if low and high and low >= high:
        raise InputError(
            "--since is after --until", where="--since/--until", fix="swap the two dates"
        )
    return low, high


def _fingerprint(inputs, options, low, high) -> str:
    parts: list[Any] = []
    for path, fmt in inputs:
        stat = path.stat()
        size = stat.st_size if path.is_file() else None
        mtime = stat.st_mtime_ns if path.is_file() else None
        parts.append([str(path.resolve()), fmt, size, mtime])
    parts.append(sorted(options.items()))
    parts.append([low.isoformat() if low else None, high.isoformat() if high else None])
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


# --------------------------------------------------------------------------- the pipeline


class _Slot:
    """One input item on its way to the output, in input order."""

    __slots__ = ("input", "post", "result", "skipped", "resolved", "duplicate")

    def __init__(self, input_index: int):
        self.input = input_index
        self.post: Post | None = None
        self.result: Verdict | ReadError | None = None
        self.skipped = False
        self.resolved = False
        self.duplicate = False


class _Runner:
    def __init__(self, factory, workers, batch_size, cache_size, summary, done, sink,
                 journal, progress, total, started):  # fmt: skip
        self.batch_size = max(1, batch_size)
        self.summary = summary
        self.done = done
        self.sink = sink
        self.journal = journal
        self.progress = progress
        self.total = total
        self.started = started
        self.cache: OrderedDict[str, tuple[Verdict | str, str]] = OrderedDict()
        self.cache_size = cache_size
        self.pending: dict[str, list[_Slot]] = {}
        self.queue: deque[_Slot] = deque()
        self.tasks: deque[tuple[Future, list[tuple[str, str]]]] = deque()
        self.building: list[tuple[str, Post]] = []
        self.emitted_this_run = 0
        self.last_checkpoint = time.monotonic()
        self.last_progress = 0.0
        if workers == 1:
            self.executor: Any = _InlineExecutor(factory)
            self.max_in_flight = 1
        else:
            import multiprocessing

            # One BLAS thread per worker: the workers already use every core, and numpy's
            # default thread pool in each of them made a 2-worker scan 20% slower here.
            for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
                os.environ.setdefault(var, "1")  # inherited by the spawned workers
            self.executor = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_worker_init,
                initargs=(factory,),
            )
            self.max_in_flight = 2 * workers
        self.queue_limit = 4 * self.batch_size * (self.max_in_flight + 1)

    # -- main loop

    def run(self, items: Iterator[tuple[int, Post | ReadError]], low, high) -> None:
        for input_index, item in items:
            slot = _Slot(input_index)
            self.queue.append(slot)
            if isinstance(item, ReadError):
                slot.result, slot.resolved = item, True
            elif _outside(item.created_at, low, high):
                slot.skipped = slot.resolved = True
            else:
                self._route(slot, item)
            if len(self.building) >= self.batch_size:
                self._submit()
            while len(self.tasks) >= self.max_in_flight:
                self._collect()
            while len(self.queue) > self.queue_limit and (self.tasks or self.building):
                if self.tasks:
                    self._collect()
                else:
                    self._submit()
            self._emit()
        self._submit()
        while self.tasks:
            self._collect()
        self._emit()
        if self.queue:  # cannot happen: every slot is resolved by its batch
            raise RuntimeError(f"{len(self.queue)} posts were not resolved")

    def _route(self, slot: _Slot, post: Post) -> None:
        slot.post = post
        key = _dedupe_key(post)
        cached = self.cache.get(key)
        if cached is not None:
            self.cache.move_to_end(key)
            slot.duplicate = True
            self._resolve(slot, *cached)
        elif key in self.pending:
            slot.duplicate = True
            self.pending[key].append(slot)
        else:
            self.pending[key] = [slot]
            self.building.append((key, post))

    def _submit(self) -> None:
        if not self.building:
            return
        batch, self.building = self.building, []
        future = self.executor.submit(_check_posts, [post for _, post in batch])
        self.tasks.append((future, [(key, post.text) for key, post in batch]))

    def _collect(self) -> None:
        future, keys = self.tasks.popleft()
        results = future.result()
        for (key, text), result in zip(keys, results, strict=True):
            self.cache[key] = (result, text)
            if len(self.cache) > self.cache_size:
                self.cache.popitem(last=False)
            for slot in self.pending.pop(key):
                self._resolve(slot, result, text)

    def _resolve(self, slot: _Slot, result: Verdict | str, text: str) -> None:
        post = slot.post
        assert post is not None
        if isinstance(result, str):
            slot.result = ReadError(
                source=post.source or "",
                position="whole post",
                message=result,
                id=post.id,
                url=post.url,
                created_at=post.created_at,
            )
        else:
            slot.result = _verdict_for(result, text, post)
        slot.resolved = True

    def _emit(self) -> None:
        summary = self.summary
        while self.queue and self.queue[0].resolved:
            slot = self.queue.popleft()
            summary.read += 1
            summary.inputs[slot.input]["read"] += 1
            summary.duplicates += slot.duplicate
            if slot.skipped:
                summary.skipped_by_date += 1
            elif isinstance(slot.result, ReadError):
                summary.error += 1
                self.sink.write_error(slot.result)
            else:
                assert slot.result is not None
                setattr(summary, slot.result.verdict, getattr(summary, slot.result.verdict) + 1)
                self.sink.write(slot.result)
            self.done[slot.input] += 1
            self.emitted_this_run += 1
        now = time.monotonic()
        if self.journal is not None and now - self.last_checkpoint >= CHECKPOINT_EVERY_S:
            self.summary.elapsed_s = now - self.started
            self.journal.checkpoint(self.done, summary)
            self.last_checkpoint = now
        if self.progress is not None and now - self.last_progress >= _PROGRESS_EVERY_S:
            self.last_progress = now
            self.progress(self.progress_now())

    def progress_now(self, final: bool = False) -> Progress:
        elapsed = time.monotonic() - self.started
        rate = self.emitted_this_run / elapsed if elapsed > 0 else 0.0
        done = self.summary.read - self.summary.resumed
        remaining = None if self.total is None else max(0, self.total - done)
        eta = remaining / rate if remaining is not None and rate > 0 else None
        return Progress(done=done, total=self.total, posts_per_s=rate, eta_s=eta,
                        elapsed_s=elapsed)  # fmt: skip

    def shutdown(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


def _outside(when: datetime | None, low: datetime | None, high: datetime | None) -> bool:
    if when is None:
        return False  # an undated post is checked: it cannot be shown to be outside
    return (low is not None and when < low) or (high is not None and when >= high)


def _dedupe_key(post: Post) -> str:
    media = [(m.kind, m.uri, m.latitude, m.longitude) for m in post.media]
    text = " ".join(post.text.split())
    return hashlib.sha256(
        (text + "\x00" + json.dumps(media, default=str)).encode("utf-8", "surrogatepass")
    ).hexdigest()


def _verdict_for(verdict: Verdict, text: str, post: Post) -> Verdict:
    """`verdict` (found for `text`) for `post`, whose text may differ only in whitespace."""
    if post.text == text:
        return verdict.model_copy(update={"post": post})
    src = [i for i, ch in enumerate(text) if not ch.isspace()]
    dst = [i for i, ch in enumerate(post.text) if not ch.isspace()]

    def span(start: int, end: int) -> tuple[int, int]:
        if end <= start:
            k = bisect.bisect_left(src, start)
            at = 0 if start == 0 else (dst[k] if k < len(dst) else len(post.text))
            return at, at
        k1 = bisect.bisect_left(src, start)
        k2 = bisect.bisect_left(src, end)
        new_start = dst[k1] if k1 < len(dst) else len(post.text)
        new_end = dst[k2 - 1] + 1 if k2 > 0 else 0
        return new_start, max(new_start, new_end)

    findings = []
    for f in verdict.findings:
        start, end = span(f.start, f.end)
        evidence = []
        for h in f.evidence:
            hs, he = span(h.start, h.end)
            hit_text = post.text[hs:he] if h.text else ""
            evidence.append(h.model_copy(update={"start": hs, "end": he, "text": hit_text}))
        findings.append(
            f.model_copy(
                update={
                    "start": start,
                    "end": end,
                    "text": post.text[start:end],
                    "evidence": evidence,
                }
            )
        )
    personal = [
        sp.model_copy(update=dict(zip(("start", "end"), span(sp.start, sp.end), strict=True)))
        for sp in verdict.personal_data
    ]
    return verdict.model_copy(
        update={"findings": findings, "personal_data": personal, "post": post}
    )


# --------------------------------------------------------------------------- checking


_worker_checker: Any = None


def _worker_init(factory: Callable[[], Any]) -> None:
    global _worker_checker
    _worker_checker = factory()


def _check_posts(posts: list[Post]) -> list[Verdict | str]:
    """In a worker: a Verdict (without its post, to keep pickling light) or an error message."""
    results = check_posts(_worker_checker, posts)
    for result in results:
        if isinstance(result, Verdict):
            result.post = None
    return results


def check_posts(checker: Any, posts: list[Post]) -> list[Verdict | str]:
    """Check a batch; a post the checker rejects or fails on gets a message instead."""
    results: list[Verdict | str | None] = [None] * len(posts)
    valid: list[int] = []
    validate = getattr(checker, "validate", None)
    for i, post in enumerate(posts):
        if validate is not None:
            try:
                validate(post)
            except PostcheckError as exc:
                results[i] = _message(exc)
                continue
        valid.append(i)
    try:
        verdicts = list(checker.check_many([posts[i] for i in valid]))
        for i, verdict in zip(valid, verdicts, strict=True):
            results[i] = verdict
    except Exception:  # one post broke the batch: check one by one to find it
        for i in valid:
            try:
                results[i] = checker.check(posts[i])
            except PostcheckError as exc:
                results[i] = _message(exc)
            except Exception as exc:  # noqa: BLE001 - reported in the output, scan goes on
                results[i] = f"the checker failed on this post ({type(exc).__name__}: {exc})"
    return results  # type: ignore[return-value]


def _message(exc: PostcheckError) -> str:
    return f"{exc.what} ({exc.fix})" if exc.fix else exc.what


class _InlineExecutor:
    """workers=1: the same interface as the process pool, run in this process."""

    def __init__(self, factory: Callable[[], Any]):
        self.factory = factory
        self.checker: Any = None

    def submit(self, fn, posts: list[Post]) -> Future:
        if self.checker is None:
            self.checker = self.factory()
        future: Future = Future()
        future.set_result(check_posts(self.checker, posts))
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        return None


# --------------------------------------------------------------------------- sinks


class _DirectSink:
    def __init__(self, writer: Writer):
        self.writer = writer

    def write(self, verdict: Verdict) -> None:
        self.writer.write(verdict)

    def write_error(self, error: ReadError) -> None:
        self.writer.write_error(error)


class _Journal:
    """The append-only record journal and its checkpoint (see the module docstring)."""

    def __init__(self, checkpoint: Path, fingerprint: str):
        self.checkpoint_path = checkpoint
        self.path = checkpoint.with_name(checkpoint.name + ".jsonl")
        self.fingerprint = fingerprint
        self.stream: IO[bytes] | None = None

    def start(self, resume: bool, n_inputs: int) -> dict | None:
        restored = None
        if resume and self.checkpoint_path.exists():
            restored = self._load()
            offset = restored["journal_bytes"]
            if not self.path.exists() or self.path.stat().st_size < offset:
                raise InputError(
                    "the scan's journal is missing or shorter than its checkpoint says",
                    where=str(self.path),
                    fix="run the scan again without --resume to start over",
                )
            os.truncate(self.path, offset)
        else:
            self.path.unlink(missing_ok=True)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.stream = open(self.path, "ab")  # noqa: SIM115 - closed in checkpoint/replay
        if restored is None:
            self.checkpoint([0] * n_inputs, Summary())
        elif len(restored["done"]) != n_inputs:
            raise InputError(
                "the checkpoint lists a different number of inputs",
                where=str(self.checkpoint_path),
                fix="repeat the interrupted command exactly, or leave out --resume",
            )
        return restored

    def _load(self) -> dict:
        try:
            data = json.loads(self.checkpoint_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(
                f"the checkpoint cannot be read ({exc})",
                where=str(self.checkpoint_path),
                fix="run the scan again without --resume to start over",
            ) from exc
        if data.get("version") != CHECKPOINT_VERSION or data.get("fingerprint") != self.fingerprint:
            raise InputError(
                "the checkpoint is from a different scan (other files, options or dates), "
                "or the export files have changed since",
                where=str(self.checkpoint_path),
                fix="repeat the interrupted command exactly, with --resume; or leave out "
                "--resume to start over",
            )
        return data

    def write(self, verdict: Verdict) -> None:
        self._line({"v": verdict.model_dump(mode="json")})

    def write_error(self, error: ReadError) -> None:
        data = asdict(error)
        data["created_at"] = error.created_at.isoformat() if error.created_at else None
        self._line({"e": data})

    def _line(self, record: dict) -> None:
        assert self.stream is not None
        self.stream.write(json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n")

    def checkpoint(self, done: list[int], summary: Summary) -> None:
        """Make the journal durable, then record how far it goes (atomically)."""
        if self.stream is None:
            return
        self.stream.flush()
        os.fsync(self.stream.fileno())
        counts = {k: getattr(summary, k) for k in _COUNTS}
        state = {
            "version": CHECKPOINT_VERSION,
            "fingerprint": self.fingerprint,
            "done": list(done),
            "journal_bytes": self.stream.tell(),
            "counts": counts,
        }
        atomic_write_text(self.checkpoint_path, json.dumps(state))

    def replay(self, writer: Writer) -> None:
        """Feed every journalled record, in order, to the output writer."""
        assert self.stream is not None
        self.stream.close()
        with open(self.path, "rb") as stream:
            for line in stream:
                record = json.loads(line)
                if "v" in record:
                    writer.write(Verdict.model_validate(record["v"]))
                else:
                    data = record["e"]
                    if data.get("created_at"):
                        data["created_at"] = datetime.fromisoformat(data["created_at"])
                    writer.write_error(ReadError(**data))

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
        self.checkpoint_path.unlink(missing_ok=True)


def atomic_write_text(path: Path, text: str) -> None:
    """Write `text` to `path` so that a crash leaves either the old file or the new one."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as stream:
        stream.write(text)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- outputs


def default_checkpoint_path(output: str | os.PathLike[str]) -> Path:
    """Where `scan -o FILE` keeps its checkpoint (and journal, + `.jsonl`)."""
    output = Path(output)
    return output.with_name(output.name + ".postcheck-checkpoint")


def tty_progress(stream: IO[str] | None = None) -> Callable[[Progress], None] | None:
    """A progress callback that redraws one line on a terminal; None when not a terminal."""
    stream = stream or sys.stderr
    if not (hasattr(stream, "isatty") and stream.isatty()):
        return None

    def show(p: Progress) -> None:
        total = f"/{p.total:,}" if p.total is not None else ""
        eta = f"  ETA {_duration(p.eta_s)}" if p.eta_s is not None and p.done else ""
        stream.write(f"\r\033[K{p.done:,}{total} posts  {p.posts_per_s:,.1f} posts/s{eta}")
        if p.total is not None and p.done >= p.total:
            stream.write("\n")
        stream.flush()

    return show


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    return f"{seconds}s"
