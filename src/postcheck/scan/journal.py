"""The scan's journal, checkpoint and lock: what makes `--resume` lose nothing.

Records go first to a journal, `<checkpoint>.jsonl`, append-only; before each checkpoint
the journal is flushed and fsynced, then the checkpoint (JSON: items finished per input,
the journal's byte length, the counts, a fingerprint of the inputs and options) is
written to a temporary file, fsynced and moved into place with os.replace. After SIGKILL
at any point, a resumed scan truncates the journal to the checkpointed length and skips
the finished items of each input, so nothing is lost or written twice.

Files: the journal, checkpoint and lock are created for the owner only (0600), never
through a symlink; temporary files have unpredictable names (`mkstemp`, O_EXCL). With
`redact=True` the journal keeps what a redacted report shows: it holds the verdicts
already redacted (`postcheck.redact`), so no personal data found is written to disk.
A scan takes the lock `<checkpoint>.lock` (an fcntl lock, released by the system even
when the process is killed) before touching anything, so two scans writing the same
output refuse instead of losing posts.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from postcheck.errors import InputError
from postcheck.output import fsync_dir
from postcheck.readers import ReadError
from postcheck.scan.records import COUNTS, Summary, Writer
from postcheck.schema import Verdict

CHECKPOINT_VERSION = 1
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class Journal:
    """The append-only record journal and its checkpoint (see the module docstring)."""

    def __init__(self, checkpoint: Path, fingerprint: str, *, redact: bool = False):
        self.checkpoint_path = checkpoint
        self.path = checkpoint.with_name(checkpoint.name + ".jsonl")
        self.fingerprint = fingerprint
        self.redact = redact
        self.stream: IO[bytes] | None = None

    def start(self, resume: bool, n_inputs: int) -> dict | None:
        restored = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if resume and self.checkpoint_path.exists():
            restored = self._load()
            offset = restored["journal_bytes"]
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | _NOFOLLOW | _CLOEXEC)
            except OSError:
                fd = -1
            if fd < 0 or os.fstat(fd).st_size < offset:
                if fd >= 0:
                    os.close(fd)
                raise InputError(
                    "the scan's journal is missing or shorter than its checkpoint says",
                    where=str(self.path),
                    fix="run the scan again without --resume to start over",
                )
            os.ftruncate(fd, offset)
        else:
            self.path.unlink(missing_ok=True)
            fd = create_private(self.path, append=True)
        self.stream = os.fdopen(fd, "ab")
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
            fd = os.open(self.checkpoint_path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC)
            with os.fdopen(fd, "rb") as stream:
                data = json.loads(stream.read().decode("utf-8"))
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
        if self.redact and not verdict.redacted:
            from postcheck.decisions import post_fingerprint
            from postcheck.redact import redact_verdict

            real = post_fingerprint(verdict.post) if verdict.post is not None else None
            self._line({"v": redact_verdict(verdict).model_dump(mode="json"), "fp": real})
            return
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
        if self.stream is None or self.stream.closed:
            return
        self.stream.flush()
        os.fsync(self.stream.fileno())
        counts = {k: getattr(summary, k) for k in COUNTS}
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
                    verdict = Verdict.model_validate(record["v"])
                    if record.get("fp") and verdict.post is not None:
                        verdict.post._fingerprint = record["fp"]  # the real text's
                    writer.write(verdict)
                else:
                    data = record["e"]
                    if data.get("created_at"):
                        data["created_at"] = datetime.fromisoformat(data["created_at"])
                    writer.write_error(ReadError(**data))

    def close(self) -> None:
        if self.stream is not None and not self.stream.closed:
            self.stream.close()

    def remove(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)
        self.checkpoint_path.unlink(missing_ok=True)


def fingerprint(inputs: list[tuple[Path, str]], options: dict[str, Any], low, high) -> str:
    """Identifies a scan: its inputs (path, format, size, mtime), options and dates."""
    parts: list[Any] = []
    for path, fmt in inputs:
        stat = path.stat()
        size = stat.st_size if path.is_file() else None
        mtime = stat.st_mtime_ns if path.is_file() else None
        parts.append([str(path.resolve()), fmt, size, mtime])
    parts.append(sorted(options.items()))
    parts.append([low.isoformat() if low else None, high.isoformat() if high else None])
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


# --------------------------------------------------------------------------- files


def create_private(path: Path, *, append: bool = False) -> int:
    """A new file for the owner only (0600); refuses an existing file or a symlink."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
    return os.open(path, flags | (os.O_APPEND if append else 0), 0o600)


def private_temp(target: Path) -> tuple[int, Path]:
    """A new temporary file beside `target` (0600, O_EXCL, an unpredictable name)."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    return fd, Path(name)


def remove_stale_temp(target: Path) -> list[Path]:
    """Remove temporary files an interrupted scan left beside `target` (call under the lock)."""
    removed = []
    with contextlib.suppress(OSError):
        for pattern in (f".{target.name}.*.tmp", f".{target.name}.tmp-*"):
            for candidate in target.parent.glob(pattern):
                if candidate.is_symlink() or candidate.is_file():
                    candidate.unlink(missing_ok=True)
                    removed.append(candidate)
    return removed


def atomic_write_text(path: Path, text: str) -> None:
    """Write `text` to `path` so that a crash leaves either the old file or the new one."""
    fd, tmp = private_temp(path)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


class ScanLock:
    """An exclusive lock on one scan's output (`<checkpoint>.lock`, holding the owner's pid).

    The system releases it when the process ends, however it ends, so a killed scan
    never blocks its own `--resume`.
    """

    def __init__(self, path: Path, label: str):
        self.path = path
        self.label = label
        self.fd: int | None = None

    def acquire(self) -> None:
        import fcntl

        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | _NOFOLLOW | _CLOEXEC, 0o600)
            except OSError as exc:
                raise InputError(
                    f"cannot create the scan's lock file ({exc.strerror})",
                    where=str(self.path),
                    fix="check that you may write in this folder, and that the lock file is "
                    "not a link",
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = os.read(fd, 32).decode("ascii", "replace").strip() or "?"
                os.close(fd)
                raise InputError(
                    f"another postcheck scan (process {holder}) is writing to this output",
                    where=self.label,
                    fix="wait for that scan to finish, or give this one another -o file",
                ) from None
            try:  # the file we locked must still be the one at the path (a finishing
                # scan removes it: then lock the new one)
                same = os.path.samestat(os.fstat(fd), os.stat(self.path, follow_symlinks=False))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        self.fd = fd

    def release(self) -> None:
        if self.fd is None:
            return
        self.path.unlink(missing_ok=True)  # before closing: still ours while we hold it
        os.close(self.fd)
        self.fd = None
