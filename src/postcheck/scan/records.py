"""What a scan produces: the Writer it writes to, the Summary it returns, Progress reports."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from postcheck.readers import ReadError
from postcheck.schema import Verdict

#: The Summary counts a checkpoint records (and a resumed scan restores).
COUNTS = ("read", "ok", "doubt", "breach", "error", "skipped_by_date", "duplicates")


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
