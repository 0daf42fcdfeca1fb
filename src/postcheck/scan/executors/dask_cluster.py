"""The `dask` executor: batches of posts checked on a Dask cluster's workers.

    scan(paths, ..., executor="dask", executor_options={"address": "tcp://scheduler:8786"})
    scan(paths, ..., executor="dask", executor_options={"address": "local:2"})  # LocalCluster

Reading the export and writing the output stay in this (the client) process. The
`checker_factory` (for the CLI: the config, roster and rules, read here) is sent once to
every worker (`scatter(broadcast=True)`); each worker process builds its Checker once per
factory and keeps it for every batch after. A worker that dies takes its batches with it:
the scheduler re-runs them on another worker, and a batch the cluster gives up on
(`KilledWorker`) or loses is submitted again from here, so every post is checked.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import socket
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from postcheck.errors import InputError, PostcheckError
from postcheck.scan.executors import BatchResults, check_posts_light
from postcheck.schema import Post

#: How many times one batch is submitted again after the cluster lost it.
RESUBMITS = 5
#: Seconds to wait for the scheduler and a first worker.
CONNECT_TIMEOUT_S = 60
#: Seconds a first look at a `tcp://` scheduler address may take (see `_nobody_listens`).
PROBE_TIMEOUT_S = 5


def create(checker_factory: Callable[[], Any], *, address: str = "local", **_: Any) -> Any:
    """Connect to the scheduler at `address`, or start a LocalCluster for `local[:N]`."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise InputError(
            "--dask needs the `distributed` package, which is not installed",
            where="--dask",
            fix="pip install 'postcheck[dask]' (on this machine and on every worker)",
        ) from None
    return DaskExecutor(checker_factory, address)


def parse_local(address: str) -> int | None:
    """`local` -> the number of cores, `local:N` -> N, anything else -> None."""
    if address != "local" and not address.startswith("local:"):
        return None
    if address == "local":
        return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
    count = address.split(":", 1)[1]
    if not count.isdigit() or int(count) < 1:
        raise InputError(
            f"bad worker count in --dask {address!r}",
            where="--dask",
            fix="use local or local:N with N at least 1, or a scheduler address "
            "such as tcp://scheduler:8786",
        )
    return int(count)


def _nobody_listens(address: str) -> str | None:
    """Why a plain `tcp://host:port` (or `host:port`) scheduler address cannot be
    reached at all, found at once: the host name is unknown or nothing listens on the
    port. None when something answers, when it is slow to say (the scheduler may be
    starting: Dask's own wait follows) or for other kinds of address. A typo in --dask
    then fails in a moment, not after CONNECT_TIMEOUT_S."""
    rest = address[len("tcp://") :] if address.startswith("tcp://") else address
    host, sep, port = rest.rpartition(":")
    if "://" in rest or not sep or not port.isdigit():
        return None
    host = host.strip("[]") or "127.0.0.1"
    try:
        with socket.create_connection((host, int(port)), timeout=PROBE_TIMEOUT_S):
            return None
    except socket.gaierror:
        return f"unknown host {host!r}"
    except ConnectionRefusedError:
        return f"nothing is listening on port {port} of {host}"
    except OSError:
        return None


class DaskExecutor:
    """Submits batches to a Dask cluster; at most 2 batches per worker thread in flight."""

    def __init__(self, factory: Callable[[], Any], address: str):
        from distributed import Client, LocalCluster

        self.factory = factory
        self.cluster = None
        local = parse_local(address)
        import dask

        # Dask keeps its last 1,000 messages (each a batch of posts) for debugging: 10-20 MB
        # that made the client grow up to 64,000 posts. The workers' statistical profiler
        # (a stack sample every 10 ms) cost about 1.5 ms of CPU a post; nobody reads it here.
        settings = {
            "distributed.admin.low-level-log-length": 16,
            "distributed.worker.profile.enabled": False,
        }
        try:
            with dask.config.set(settings):
                if local is not None:
                    self.cluster = LocalCluster(
                        n_workers=local, threads_per_worker=1, processes=True,
                        host="127.0.0.1", dashboard_address=None,
                    )  # fmt: skip
                    self.client = Client(self.cluster)
                else:
                    refused = _nobody_listens(address)
                    if refused:
                        raise OSError(refused)
                    self.client = Client(address, timeout=CONNECT_TIMEOUT_S)
            self.client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            self.close()
            raise InputError(
                f"cannot reach a Dask scheduler with workers at {address} ({exc})",
                where="--dask",
                fix="start the scheduler and at least one worker (see README.md, "
                "'Scanning on a Dask cluster'), or use --dask local:N",
            ) from None
        self.token = hashlib.sha256(pickle.dumps(factory)).hexdigest()[:16]
        self.shipped = self.client.scatter(factory, broadcast=True, hash=False)
        threads = sum(self.client.nthreads().values())
        self.max_in_flight = max(2, 2 * threads)
        self.resubmitted = 0

    def submit(self, posts: list[Post]) -> _DaskBatch:
        return _DaskBatch(self, posts)

    def _submit(self, posts: list[Post]) -> Any:
        return self.client.submit(_check_on_worker, self.token, self.shipped, posts, pure=False)

    def _ship_again(self) -> None:
        """Send the factory again when no worker holds it any more (all died since)."""
        if self.shipped.status != "finished":
            self.shipped = self.client.scatter(self.factory, broadcast=True, hash=False)

    def close(self) -> None:
        client = getattr(self, "client", None)
        if client is not None:
            client.close()
        if self.cluster is not None:
            self.cluster.close()


class _DaskBatch:
    """One batch on the cluster; `result()` submits it again if the cluster lost it."""

    def __init__(self, executor: DaskExecutor, posts: list[Post]):
        self.executor = executor
        self.posts = posts
        self.future = executor._submit(posts)

    def result(self) -> BatchResults:
        from distributed import KilledWorker
        from distributed.comm import CommClosedError

        lost: tuple[type[BaseException], ...] = (KilledWorker, CommClosedError, _cancelled())
        for _attempt in range(RESUBMITS + 1):
            try:
                results = self.future.result()
            except lost as exc:
                last = exc
                self.executor.resubmitted += 1
                self.executor._ship_again()
                self.future = self.executor._submit(self.posts)
                continue
            self.future.release()
            return results
        raise PostcheckError(
            f"the Dask cluster lost a batch of {len(self.posts)} posts {RESUBMITS + 1} times "
            f"({type(last).__name__}: {last})",
            where="--dask",
            fix="check the workers' logs (memory limits, crashes), then run the same command "
            "with --resume: finished posts are kept",
        )


def _cancelled() -> type[BaseException]:
    from concurrent.futures import CancelledError

    return CancelledError


# --------------------------------------------------------------------------- on the workers

#: token -> Checker, per worker process (the last two factories: a new scan's settings
#: replace an old one's without reloading the models for every batch)
_CHECKERS: OrderedDict[str, Any] = OrderedDict()
_LOCK = threading.Lock()


def _check_on_worker(token: str, factory: Callable[[], Any], posts: list[Post]) -> BatchResults:
    """Runs on a worker: check one batch with this process's Checker for `token`."""
    with _LOCK:  # one batch at a time per process: the Checker is not shared across threads
        checker = _CHECKERS.get(token)
        if checker is None:
            checker = factory()
            _CHECKERS[token] = checker
            while len(_CHECKERS) > 2:
                _CHECKERS.popitem(last=False)
        return check_posts_light(checker, posts)
