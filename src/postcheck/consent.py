"""The roster's media-consent list: naming a pupil whose family said `no` is a §6.2(b) breach.

The roster CSV may have a `media_consent` column (`yes`/`no`; empty means not recorded)
and a `class` column (e.g. `4C`, `Year 3`). A post names a pupil marked `no` when its
text, or a photo's caption or alt text, holds their full name, or their first name
within a few words of their class ("Ava in 3B", "3B's Ava", "Ava (Year 3)").
Pupils marked `yes`, or not recorded, are never flagged here.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from postcheck.errors import ConfigError
from postcheck.schema import Finding, Hit

if TYPE_CHECKING:
    from postcheck.config import Config
    from postcheck.schema import Post

RULE_ID = "media_consent"
CLAUSE = "§6.2(b)"
TITLE = "names a pupil whose family has not consented to media (the roster's list)"
MESSAGE = (
    "This names a pupil whose family has not consented to the school publishing their "
    "child's name or picture (the roster marks them media_consent: no)."
)
SUGGESTION = (
    "Take the pupil's name out of the post, its captions and alt text, and do not use their "
    "photo. Check the consent list before posting about named pupils."
)
_YES, _NO = {"yes", "y", "true", "1"}, {"no", "n", "false", "0"}
#: how far (characters, within one sentence) a first name may be from the class
_NEAR = 30


@dataclass(frozen=True)
class Pupil:
    name: str
    klass: str
    consent: bool | None  # None: not recorded


def read_consent(path: Path) -> list[Pupil]:
    """Pupils in the roster CSV with their class and media consent (missing columns: none)."""
    pupils: list[Pupil] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            for lineno, row in enumerate(reader, start=2):
                row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
                name = row.get("name", "")
                if not name or (row.get("role") or "pupil").lower() != "pupil":
                    continue
                value = row.get("media_consent", "").lower()
                if value and value not in _YES | _NO:
                    raise ConfigError(
                        f"media_consent for {name!r} is {value!r}",
                        where=f"{path}:{lineno}",
                        fix="write `yes` or `no` in the media_consent column (or leave it empty "
                        "when not recorded)",
                    )
                consent = None if not value else value in _YES
                klass = row.get("class") or row.get("form") or ""
                pupils.append(Pupil(name=name, klass=klass, consent=consent))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"cannot read the roster: {exc}",
            where=str(path),
            fix="check `roster:` in postcheck.yml points at a UTF-8 CSV file",
        ) from exc
    return pupils


def _class_pattern(klass: str) -> str:
    """'Year 3' also as 'Yr 3'/'Y3'; '4C' also as 'Class 4C'."""
    m = re.fullmatch(r"(?i)(?:year|yr|y)\s*(\d{1,2})", klass.strip())
    if m:
        return rf"(?:year|yr|y)\s*{m.group(1)}"
    return r"\s+".join(re.escape(w) for w in klass.split())


class ConsentCheck:
    """Finds pupils without media consent in a post's text and its captions/alt text."""

    def __init__(self, pupils: list[Pupil], quote: str):
        self.quote = quote
        self.patterns: list[re.Pattern[str]] = []
        for pupil in pupils:
            if pupil.consent is not False:
                continue
            words = pupil.name.split()
            alternatives = []
            if len(words) > 1:
                alternatives.append(r"\s+".join(re.escape(w) for w in words))
            if pupil.klass:
                first, klass = re.escape(words[0]), _class_pattern(pupil.klass)
                gap = rf"[^.!?\n]{{0,{_NEAR}}}?"
                alternatives.append(rf"{first}\b{gap}\b{klass}")
                alternatives.append(rf"{klass}\b{gap}\b{first}")
            if alternatives:
                self.patterns.append(
                    re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})(?!\w)", re.IGNORECASE)
                )

    @classmethod
    def from_config(cls, config: Config) -> ConsentCheck | None:
        if config.roster is None:
            return None
        pupils = read_consent(config.roster)
        if not any(p.consent is False for p in pupils):
            return None
        from postcheck.policy import load_clauses

        quote = load_clauses(config.policy).get(CLAUSE, "")
        return cls(pupils, quote)

    def findings(self, post: Post) -> list[Finding]:
        """One breach finding per place a pupil without consent is named."""
        out = []
        for pattern in self.patterns:
            m = pattern.search(post.text)
            if m:
                hit = Hit(
                    detector="pii", label="PUPIL", start=m.start(), end=m.end(), score=1.0,
                    why="roster: media_consent no", text=m.group(0),
                )  # fmt: skip
                out.append(self._finding(m.start(), m.end(), m.group(0), hit))
                continue
            for media in post.media:
                if media.title and pattern.search(media.title):
                    hit = Hit(
                        detector="pii", label="PUPIL", start=0, end=0, score=1.0,
                        why=f"caption or alt text of a {media.kind}; roster: media_consent no",
                    )  # fmt: skip
                    out.append(self._finding(0, 0, "", hit, caption=True))
                    break
        return out

    def _finding(self, start: int, end: int, text: str, hit: Hit, caption=False) -> Finding:
        where = " The name is in a photo's caption or alt text." if caption else ""
        return Finding(
            rule=RULE_ID,
            clause=CLAUSE,
            quote=self.quote,
            severity="breach",
            message=MESSAGE + where,
            suggestion=SUGGESTION,
            start=start,
            end=end,
            text=text,
            evidence=[hit],
        )
