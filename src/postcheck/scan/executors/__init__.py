"""Executors: where batches of posts are checked (this process, local processes, a cluster).

An executor takes a batch (a list of Posts) and gives back a handle whose `result()` is
one `Verdict` (with `post=None`, to keep transfers light) or one error message per post,
in the batch's order. The scan pipeline keeps at most `max_in_flight` batches submitted
and reads the results in submission order, so memory stays flat for any archive size.

Adding an executor (Ray, Spark...) means one module with a `create(checker_factory,
**options) -> Executor` function, and one line in EXECUTORS (or `register_executor`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Protocol

from postcheck.errors import InputError, PostcheckError
from postcheck.schema import Post, Verdict

BatchResults = list[Verdict | str]


class BatchHandle(Protocol):
    """A submitted batch; `result()` waits for it (and re-runs it if it was lost)."""

    def result(self) -> BatchResults: ...


class Executor(Protocol):
    """Checks batches of posts somewhere; built by a registered `create` function."""

    #: how many batches the pipeline may keep submitted at once
    max_in_flight: int

    def submit(self, posts: list[Post]) -> BatchHandle: ...

    def close(self) -> None: ...


#: name -> module holding `create(checker_factory, **options) -> Executor` (imported lazily,
#: so that e.g. `distributed` is only needed when the Dask executor is used)
EXECUTORS: dict[str, str] = {
    "local": "postcheck.scan.executors.local",
    "dask": "postcheck.scan.executors.dask_cluster",
}
_FACTORIES: dict[str, Callable[..., Executor]] = {}


def register_executor(name: str, create: Callable[..., Executor]) -> None:
    """Make `scan(..., executor=name)` use `create(checker_factory, **options)`."""
    _FACTORIES[name] = create


def create_executor(name: str, checker_factory: Callable[[], Any], **options: Any) -> Executor:
    """The executor called `name`, checking with Checkers built by `checker_factory()`."""
    create = _FACTORIES.get(name)
    if create is None:
        module = EXECUTORS.get(name)
        if module is None:
            known = ", ".join(sorted({*EXECUTORS, *_FACTORIES}))
            raise InputError(f"unknown executor {name!r}", fix=f"use one of: {known}")
        create = importlib.import_module(module).create
    return create(checker_factory, **options)


def check_posts(checker: Any, posts: list[Post]) -> BatchResults:
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


def check_posts_light(checker: Any, posts: list[Post]) -> BatchResults:
    """`check_posts`, with each Verdict's post dropped (the pipeline still has it)."""
    results = check_posts(checker, posts)
    for result in results:
        if isinstance(result, Verdict):
            result.post = None
    return results


def _message(exc: PostcheckError) -> str:
    return f"{exc.what} ({exc.fix})" if exc.fix else exc.what
