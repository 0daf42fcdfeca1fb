"""Scan progress on a terminal (a `rich` bar: posts, posts/s, time left); nothing on a pipe."""

from __future__ import annotations

import os
import sys
from typing import IO, Any

from postcheck.scan.records import Progress


class TerminalProgress:
    """A `progress` callback for `scan` that redraws one bar; `close()` when the scan ends."""

    def __init__(self, stream: IO[str], *, colour: bool = True):
        from rich.console import Console

        self.console = Console(
            file=stream, force_terminal=True, no_color=not colour or "NO_COLOR" in os.environ,
            highlight=False,
        )  # fmt: skip
        self.bar: Any = None
        self.task: Any = None

    def __call__(self, p: Progress) -> None:
        if self.bar is None:
            from rich.progress import BarColumn, TextColumn
            from rich.progress import Progress as Bar

            self.bar = Bar(
                TextColumn("checking"), BarColumn(),
                TextColumn("{task.completed:,}{task.fields[total_text]} posts"),
                TextColumn("{task.fields[rate]}"), TextColumn("{task.fields[eta]}"),
                console=self.console, auto_refresh=False, transient=False,
            )  # fmt: skip
            self.task = self.bar.add_task("scan", total=p.total, total_text="", rate="", eta="")
            self.bar.start()
        eta = f"ETA {duration(p.eta_s)}" if p.eta_s is not None and p.done else ""
        self.bar.update(
            self.task, completed=p.done, total=p.total,
            total_text=f"/{p.total:,}" if p.total is not None else "",
            rate=f"{p.posts_per_s:,.1f} posts/s", eta=eta,
        )  # fmt: skip
        self.bar.refresh()
        if p.total is not None and p.done >= p.total:
            self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def tty_progress(stream: IO[str] | None = None, *, colour: bool = True) -> TerminalProgress | None:
    """A progress callback that redraws one bar on a terminal; None when not a terminal."""
    stream = stream or sys.stderr
    if not (hasattr(stream, "isatty") and stream.isatty()):
        return None
    return TerminalProgress(stream, colour=colour)


def duration(seconds: float) -> str:
    """`42s`, `3m 07s`, `2h 05m`."""
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    return f"{seconds}s"
