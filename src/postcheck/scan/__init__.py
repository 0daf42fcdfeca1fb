"""`postcheck scan`: check every post of one or more exports, streaming, resumable, nothing lost.

    summary = scan(["twitter.zip"], checker_factory=Checker, output_writer=writer)
    summary = scan(paths, checker_factory=recipe, output_writer=writer,
                   executor="dask", executor_options={"address": "tcp://scheduler:8786"})

The parts, one module each:

- `pipeline`: items in input order, de-duplication, batches, one record per item;
- `executors`: where batches are checked, behind one small interface and a registry
  (`local`: this process or worker processes; `dask`: a Dask cluster);
- `journal`: the journal, checkpoint and lock that make `resume=True` lose nothing;
- `outputs`: the output writers (atomic files); `progress`: the terminal progress bar;
- `recipe`: a picklable Checker factory carrying the settings, roster and rules.

With `checkpoint_path`, records go to the journal, and when all inputs are done the
journal is replayed into `output_writer` (any format) and closed; `open_output` writes
the final file to a temporary name and renames it, so the output appears whole or not
at all. Then the journal and checkpoint are removed. Without a checkpoint (e.g. output
to a pipe) records stream straight to `output_writer`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from postcheck.readers import ReadError, detect_format
from postcheck.scan.executors import EXECUTORS, check_posts, create_executor, register_executor
from postcheck.scan.journal import (
    Journal,
    ScanLock,
    atomic_write_text,
    fingerprint,
    remove_stale_temp,
)
from postcheck.scan.outputs import (
    OUTPUT_FORMATS,
    check_output_path,
    default_checkpoint_path,
    open_output,
)
from postcheck.scan.pipeline import Pipeline, bounds, dedupe_key, items, verdict_for
from postcheck.scan.progress import tty_progress
from postcheck.scan.records import Progress, Summary, Writer
from postcheck.schema import Verdict

__all__ = [
    "EXECUTORS", "OUTPUT_FORMATS", "Progress", "Summary", "Writer",
    "atomic_write_text", "check_output_path", "check_posts", "create_executor",
    "default_checkpoint_path", "open_output", "register_executor", "scan", "tty_progress",
]  # fmt: skip

# Names the tests and older callers use.
_dedupe_key = dedupe_key
_verdict_for = verdict_for
_fingerprint = fingerprint
_Journal = Journal


def scan(
    paths: Iterable[str | os.PathLike[str]],
    *,
    checker_factory: Callable[[], Any],
    output_writer: Writer,
    format: str | None = None,
    reader_options: dict[str, Any] | None = None,
    workers: int = 1,
    executor: str = "local",
    executor_options: dict[str, Any] | None = None,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
    checkpoint_path: str | os.PathLike[str] | None = None,
    resume: bool = False,
    redact: bool = False,
    progress: Callable[[Progress], None] | None = None,
    batch_size: int = 64,
    dedupe_cache: int = 4_096,
) -> Summary:
    """Check every post in `paths`, write one record per post to `output_writer`, close it.

    `checker_factory()` builds the Checker (called once per process; with workers > 1 or
    another executor it must be picklable: a module-level function, a class,
    functools.partial, or a `recipe.CheckerRecipe`). `executor` names where batches are
    checked (`local`, with `workers` processes; `dask`, with `executor_options={"address":
    ...}`). `since`/`until` are inclusive (a date means the whole day, UTC). With
    `checkpoint_path` the scan takes a lock beside it, and `redact=True` keeps personal
    data out of its journal. Raises ExportError for an input that cannot be read at all,
    InputError for a checkpoint that belongs to another scan or an output another scan
    is writing.
    """
    started = time.monotonic()
    options = {k: v for k, v in (reader_options or {}).items() if v is not None}
    inputs = [(Path(p), format or detect_format(p)) for p in paths]
    low, high = bounds(since, until)
    summary = Summary(
        inputs=[{"path": str(p), "format": f, "read": 0} for p, f in inputs],
    )
    done = [0] * len(inputs)
    settings = {**options, **({"redact": True} if redact else {})}

    lock: ScanLock | None = None
    journal: Journal | None = None
    if checkpoint_path is not None:
        checkpoint = Path(checkpoint_path)
        output = getattr(output_writer, "path", None)
        lock = ScanLock(checkpoint.with_name(checkpoint.name + ".lock"), str(output or checkpoint))
        lock.acquire()
    try:
        if checkpoint_path is not None:
            remove_stale_temp(checkpoint)
            if isinstance(output, Path):
                remove_stale_temp(output)
            journal = Journal(checkpoint, fingerprint(inputs, settings, low, high), redact=redact)
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
            total = sum(1 for _ in items(inputs, options, list(done)))
        checker = create_executor(
            executor, checker_factory, **{"workers": workers, **(executor_options or {})}
        )
        pipeline = Pipeline(
            checker, batch_size=batch_size, cache_size=dedupe_cache, summary=summary,
            done=done, sink=sink, journal=journal, progress=progress, total=total,
            started=started,
        )  # fmt: skip
        try:
            pipeline.run(items(inputs, options, list(done)), low, high)
        finally:
            checker.close()
            summary.elapsed_s = time.monotonic() - started
            if journal is not None:
                journal.checkpoint(done, summary)
                journal.close()
        if journal is not None:
            journal.replay(output_writer)
        summary.elapsed_s = time.monotonic() - started
        output_writer.close(summary)
        if journal is not None:
            journal.remove()
    finally:
        if journal is not None:
            journal.close()
        if lock is not None:
            lock.release()
    if progress is not None:
        progress(pipeline.progress_now(final=True))
    return summary


class _DirectSink:
    def __init__(self, writer: Writer):
        self.writer = writer

    def write(self, verdict: Verdict) -> None:
        self.writer.write(verdict)

    def write_error(self, error: ReadError) -> None:
        self.writer.write_error(error)
