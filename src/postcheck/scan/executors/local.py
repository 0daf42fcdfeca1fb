"""The `local` executor: this process (workers=1) or a pool of worker processes.

Each worker process builds its Checker once, from the picklable `checker_factory`, and
exits when the main process is gone (even after SIGKILL), so no worker outlives a scan.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from postcheck.errors import InputError
from postcheck.scan.executors import BatchResults, check_posts, check_posts_light
from postcheck.schema import Post

#: How often a worker process checks that the main process is still there.
PARENT_CHECK_S = 0.5


def create(checker_factory: Callable[[], Any], *, workers: int = 1, **_: Any) -> Any:
    """One process (`workers=1`) or a pool of `workers` processes."""
    if workers < 1:
        raise InputError("--workers must be 1 or more", where="--workers", fix="e.g. --workers 2")
    if workers == 1:
        return InlineExecutor(checker_factory)
    return ProcessExecutor(checker_factory, workers)


class _Done:
    def __init__(self, results: BatchResults):
        self._results = results

    def result(self) -> BatchResults:
        return self._results


class InlineExecutor:
    """Checks each batch at once, in this process (the Checker is built on first use)."""

    max_in_flight = 1

    def __init__(self, factory: Callable[[], Any]):
        self.factory = factory
        self.checker: Any = None

    def submit(self, posts: list[Post]) -> _Done:
        if self.checker is None:
            self.checker = self.factory()
        return _Done(check_posts(self.checker, posts))

    def close(self) -> None:
        return None


class ProcessExecutor:
    """A spawn-based process pool; at most 2 batches per worker in flight."""

    def __init__(self, factory: Callable[[], Any], workers: int):
        import multiprocessing

        # One BLAS thread per worker: the workers already use every core, and numpy's
        # default thread pool in each of them made a 2-worker scan 20% slower here.
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, "1")  # inherited by the spawned workers
        self.pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_worker_init,
            initargs=(factory, os.getpid()),
        )
        self.max_in_flight = 2 * workers

    def submit(self, posts: list[Post]) -> Future:
        return self.pool.submit(_check_in_worker, posts)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


_worker_checker: Any = None


def _worker_init(factory: Callable[[], Any], parent: int) -> None:
    global _worker_checker
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    _worker_checker = factory()


def _exit_with_parent(parent: int) -> None:
    """Runs in each worker: end this process as soon as the main process has gone."""
    while True:
        if os.getppid() != parent:
            os._exit(1)
        time.sleep(PARENT_CHECK_S)


def _check_in_worker(posts: list[Post]) -> BatchResults:
    return check_posts_light(_worker_checker, posts)
