"""The scan pipeline: items in input order -> dedupe -> batches on an executor -> records.

1. Readers stream items (Posts, and ReadErrors for records they cannot read) from each
   input, in a fixed order. Posts outside --since/--until are counted as
   `skipped_by_date` (and get no output record).
2. Identical texts (after collapsing whitespace, with the same attachments) are checked
   once: the verdict is reused for every copy, its offsets mapped onto the copy's own
   text. The memory of texts seen is bounded (an LRU of `dedupe_cache` entries).
3. Posts go to the executor in batches of `batch_size`, at most `executor.max_in_flight`
   batches at a time; results are read back in submission order. A post the checker
   rejects (empty, too long) or that makes it fail becomes an error record.
4. Every item that was read becomes exactly one output record (verdict or error) in
   input order, except date-skipped ones, so `read = ok + doubt + breach + error +
   skipped_by_date` (`Summary.reconciles`).
"""

from __future__ import annotations

import bisect
import hashlib
import json
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from postcheck.errors import InputError
from postcheck.readers import ReadError, read_posts
from postcheck.scan.executors import BatchHandle, Executor
from postcheck.scan.records import Progress, Summary
from postcheck.schema import Post, Verdict, move_findings

#: How often (at most) the checkpoint is written while scanning.
CHECKPOINT_EVERY_S = 1.0
PROGRESS_EVERY_S = 0.5


def items(
    inputs: list[tuple[Path, str]], options: dict[str, Any], skip: list[int]
) -> Iterator[tuple[int, Post | ReadError]]:
    """(input index, item) for every item not yet finished, in a fixed order."""
    for index, (path, fmt) in enumerate(inputs):
        for position, item in enumerate(read_posts(path, fmt, **options)):
            if position >= skip[index]:
                yield index, item


def bounds(
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


class Pipeline:
    """Runs items through the executor and emits one record per item, in input order."""

    def __init__(
        self, executor: Executor, *, batch_size: int, cache_size: int, summary: Summary,
        done: list[int], sink: Any, journal: Any, progress: Callable[[Progress], None] | None,
        total: int | None, started: float,
    ):  # fmt: skip
        self.executor = executor
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
        self.tasks: deque[tuple[BatchHandle, list[tuple[str, str]]]] = deque()
        self.building: list[tuple[str, Post]] = []
        self.emitted_this_run = 0
        self.last_checkpoint = time.monotonic()
        self.last_progress = 0.0
        self.max_in_flight = max(1, executor.max_in_flight)
        self.queue_limit = 4 * self.batch_size * (self.max_in_flight + 1)

    # -- main loop

    def run(self, items: Iterator[tuple[int, Post | ReadError]], low, high) -> None:
        for input_index, item in items:
            slot = _Slot(input_index)
            self.queue.append(slot)
            if isinstance(item, ReadError):
                slot.result, slot.resolved = item, True
            elif outside(item.created_at, low, high):
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
        key = dedupe_key(post)
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
        future = self.executor.submit([post for _, post in batch])
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
            slot.result = verdict_for(result, text, post)
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
        if self.progress is not None and now - self.last_progress >= PROGRESS_EVERY_S:
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


def outside(when: datetime | None, low: datetime | None, high: datetime | None) -> bool:
    if when is None:
        return False  # an undated post is checked: it cannot be shown to be outside
    return (low is not None and when < low) or (high is not None and when >= high)


def dedupe_key(post: Post) -> str:
    media = [(m.kind, m.uri, m.latitude, m.longitude) for m in post.media]
    text = " ".join(post.text.split())
    return hashlib.sha256(
        (text + "\x00" + json.dumps(media, default=str)).encode("utf-8", "surrogatepass")
    ).hexdigest()


def verdict_for(verdict: Verdict, text: str, post: Post) -> Verdict:
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

    findings = move_findings(verdict.findings, post.text, span)
    personal = [
        sp.model_copy(update=dict(zip(("start", "end"), span(sp.start, sp.end), strict=True)))
        for sp in verdict.personal_data
    ]
    return verdict.model_copy(
        update={"findings": findings, "personal_data": personal, "post": post}
    )
