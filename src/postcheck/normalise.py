"""Normalise a post's text so detectors see through disguises, keeping a map back.

Steps, each recorded char by char so any span in the normalised text maps back
to the exact slice of the ORIGINAL text:

1. NFKC per character (full-width letters, ligatures, maths alphabets),
2. zero-width and bidi control characters and combining marks on Latin letters removed,
3. look-alike letters (Cyrillic/Greek homoglyphs) folded to Latin inside Latin words,
4. leetspeak folded inside words (``k1ll`` -> ``kill``, ``sh!t`` -> ``shit``),
5. spaced-out letters joined (``k i l l`` -> ``kill``),
6. long runs of punctuation, symbols or emoji (``!!!!…``, ZWJ emoji sequences) capped at
   ``MAX_RUN`` characters: the rest of the run maps onto its last kept character. spaCy
   peels such a run one character at a time, quadratic in its length, and then runs its
   models over every character as a token (100,000 "!" took over a minute).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Zero-width characters, soft hyphen, word joiner and bidi controls.
_INVISIBLE = set(
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069"
    "\ufeff\u3164\uffa0"
)

# Cyrillic and Greek letters that look like Latin ones.
_LOOKALIKES = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
        "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
        "ɡ": "g", "ӏ": "l", "ո": "n", "ս": "u",
        "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
        "С": "C", "Т": "T", "У": "Y", "Х": "X", "І": "I", "Ј": "J", "Ѕ": "S",
        "α": "a", "ο": "o", "ρ": "p", "ν": "v", "τ": "t", "ι": "i", "κ": "k", "υ": "u",
        "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
        "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    }
)  # fmt: skip
_LOOKALIKE_CHARS = {chr(c) for c in _LOOKALIKES}

# Leetspeak, folded only when the character sits between two letters.
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s",
         "!": "i", "|": "l", "€": "e"}  # fmt: skip

# Three or more single letters separated by single spaces, dots, dashes or underscores.
_SPACED = re.compile(r"(?<![^\W_])(?:[^\W\d_][ .\-_]){2,}[^\W\d_](?![^\W_])")
# "what a c u n t": the article is a word of its own, not the spelt-out word's first letter
_ARTICLE_BEFORE = re.compile(
    r"\b(?:what|such|is|was|are|were|be|being|like|you're|youre|ur|right|total|proper|real|"
    r"complete|absolute|called|call|calling)\s*$",
    re.I,
)


#: The longest run of characters that are neither letters, digits nor spaces that spaCy sees.
MAX_RUN = 32
_LONG_RUN = re.compile(rf"[^\w\s]{{{MAX_RUN + 1},}}")


@dataclass(frozen=True)
class Normalised:
    """The normalised text and, for each of its characters, the original slice it came from."""

    original: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the normalised text back to the original text."""
        if not self.text:
            return 0, 0
        start = max(0, min(start, len(self.text) - 1))
        end = max(start + 1, min(end, len(self.text)))
        return self.starts[start], self.ends[end - 1]


def normalise(original: str) -> Normalised:
    """Normalise `original`; see the module docstring for the steps."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for i, ch in enumerate(original):
        if ch in _INVISIBLE or unicodedata.category(ch) == "Cf":
            continue
        if unicodedata.category(ch) == "Mn" and chars and chars[-1].isascii():
            ends[-1] = i + 1  # combining mark on a Latin letter ("zalgo" text): absorb it
            continue
        folded = unicodedata.normalize("NFKC", ch) if not ch.isascii() else ch
        for out in folded:
            chars.append(out)
            starts.append(i)
            ends.append(i + 1)
    _fold_words(chars)
    text = "".join(chars)
    text, starts, ends = _join_spaced_letters(text, starts, ends)
    text, starts, ends = _cap_long_runs(text, starts, ends)
    return Normalised(original, text, tuple(starts), tuple(ends))


def _cap_long_runs(
    text: str, starts: list[int], ends: list[int]
) -> tuple[str, list[int], list[int]]:
    """Keep the first MAX_RUN characters of each long non-word run; the last one kept
    stands for the rest of the run (its span reaches the run's end)."""
    if not _LONG_RUN.search(text):
        return text, starts, ends
    out, out_s, out_e = [], [], []
    pos = 0
    for m in _LONG_RUN.finditer(text):
        s, e = m.span()
        keep = s + MAX_RUN
        out.append(text[pos:keep])
        out_s.extend(starts[pos:keep])
        out_e.extend(ends[pos:keep])
        out_e[-1] = ends[e - 1]
        pos = e
    out.append(text[pos:])
    out_s.extend(starts[pos:])
    out_e.extend(ends[pos:])
    return "".join(out), out_s, out_e


def _fold_words(chars: list[str]) -> None:
    """Fold look-alikes and leetspeak in place, word by word (length never changes)."""
    n = len(chars)
    i = 0
    while i < n:
        if chars[i].isspace():
            i += 1
            continue
        j = i
        while j < n and not chars[j].isspace():
            j += 1
        word = chars[i:j]
        has_latin = any("a" <= c.lower() <= "z" for c in word)
        if any(c in _LOOKALIKE_CHARS for c in word) and (
            has_latin or all(c in _LOOKALIKE_CHARS or not c.isalpha() for c in word)
        ):
            for k in range(i, j):
                chars[k] = chars[k].translate(_LOOKALIKES)
        letters = sum(c.isalpha() for c in word)
        others = len(word) - letters
        # Only words that are mostly letters: "k1ll", "sh!t"; never codes like "GB59IFUE4022".
        if letters >= 2 and letters >= 2 * others and not _looks_like_address(word):
            for k in range(i + 1, j - 1):
                c = chars[k]
                if c in _LEET and _is_letterish(chars[k - 1]) and _is_letterish(chars[k + 1]):
                    chars[k] = _LEET[c]
        i = j


def _is_letterish(c: str) -> bool:
    return c.isalpha() or c in _LEET


def _looks_like_address(word: list[str]) -> bool:
    """Leave e-mail addresses, URLs, handles, hashtags and short codes (SW1A, B12) alone."""
    s = "".join(word)
    if len(s) <= 4 and s.upper() == s:
        return True
    return "@" in s[1:] and "." in s or "://" in s or s.startswith(("@", "#", "www."))


def _join_spaced_letters(
    text: str, starts: list[int], ends: list[int]
) -> tuple[str, list[int], list[int]]:
    if not _SPACED.search(text):
        return text, starts, ends
    out, out_s, out_e = [], [], []
    pos = 0
    for m in _SPACED.finditer(text):
        s, e = m.span()
        article = text[s] in "aA" and text[s + 1] == " " and e - s >= 7
        if article and _ARTICLE_BEFORE.search(text[:s]):
            s += 2  # keep "a " as it is; join the rest
        out.append(text[pos:s])
        out_s.extend(starts[pos:s])
        out_e.extend(ends[pos:s])
        for k in range(s, e, 2):
            out.append(text[k])
            out_s.append(starts[k])
            out_e.append(ends[k])
        pos = e
    out.append(text[pos:])
    out_s.extend(starts[pos:])
    out_e.extend(ends[pos:])
    return "".join(out), out_s, out_e
