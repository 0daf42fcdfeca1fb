"""Word patterns from the rules: spaCy PhraseMatcher (lower case), words near each other in
order (`near:`, from the same PhraseMatcher's matches), Matcher (lemmas), RE2 regex.

Regular expressions run on RE2, which works in linear time, so no rule can hang
the engine with catastrophic backtracking.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

    from postcheck.detectors import Analysis
    from postcheck.rules import Condition, Near

#: Tokens that end a sentence: `near:` steps never reach across them.
SENTENCE_ENDS = frozenset(".!?…")


class PatternsDetector:
    """Matches every `patterns:` condition of the loaded rules in one pass per Doc."""

    name = "patterns"

    def __init__(self, nlp: Language, conditions: list[Condition]):
        import re2
        from spacy.matcher import Matcher, PhraseMatcher

        self._phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._lemmas = Matcher(nlp.vocab)
        self._steps = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._near: list[tuple[int, Near, list[int]]] = []  # (id, sequence, its steps' keys)
        self._regex: list[tuple[str, str, object]] = []
        self._ids = [c.pattern_id for c in conditions]
        options = re2.Options()
        options.case_sensitive = False
        options.log_errors = False
        lemmas = _lemmas_in_context(nlp, [seq for c in conditions for seq in c.lemmas])
        for cond in conditions:
            if cond.phrases:
                self._phrases.add(cond.pattern_id, [nlp.make_doc(p.lower()) for p in cond.phrases])
            if cond.lemmas:
                self._lemmas.add(
                    cond.pattern_id, [_token_pattern(seq, lemmas) for seq in cond.lemmas]
                )
            for n, near in enumerate(cond.near):
                keys = []
                for k, step in enumerate(near.steps):
                    key = f"{cond.pattern_id}~{n}~{k}"
                    self._steps.add(key, [nlp.make_doc(p.lower()) for p in step])
                    keys.append(nlp.vocab.strings.add(key))
                self._near.append((nlp.vocab.strings.add(cond.pattern_id), near, keys))
            for pattern in cond.regex:
                self._regex.append((cond.pattern_id, pattern, re2.compile(pattern, options)))
        # One RE2 pass tells which expressions match anywhere in a text; only those are
        # then run for their positions (most posts match none of them).
        self._regex_sets = _compile_sets(re2, options, [p for _, p, _ in self._regex])

    def labels(self) -> set[str]:
        return set(self._ids)

    def detect(self, analyses: list[Analysis]) -> None:
        vocab = self._lemmas.vocab
        for analysis in analyses:
            doc = analysis.doc
            matches = [*(self._phrases(doc) if len(self._phrases) else []),
                       *(self._lemmas(doc) if len(self._lemmas) else [])]  # fmt: skip
            matches += self._near_matches(doc) if self._near else []
            for match_id, start, end in matches:
                span = doc[start:end]
                label = vocab.strings[match_id]
                analysis.hits.append(
                    analysis.hit(
                        "patterns",
                        label,
                        span.start_char,
                        span.end_char,
                        1.0,
                        f"words matched: {span.text!r}",
                    )  # fmt: skip
                )
            text = analysis.text
            found = (
                [g[j] for rs, g in self._regex_sets for j in rs.Match(text) or ()]
                if self._regex
                else ()
            )
            for label, source, compiled in (self._regex[i] for i in sorted(found)):
                for m in compiled.finditer(text):
                    if m.end() > m.start():
                        analysis.hits.append(
                            analysis.hit(
                                "patterns",
                                label,
                                m.start(),
                                m.end(),
                                1.0,
                                f"regex matched: {source}",
                            )  # fmt: skip
                        )

    def _near_matches(self, doc: Doc) -> list[tuple[int, int, int]]:
        """(pattern key, start, end) of each `near:` sequence found in `doc`: each step's
        words after the last's, with at most the allowed words between and no sentence
        end; the shortest such span from each place the first step's words start. Linear
        in the Doc's length: each step looks only at the few positions its gap allows."""
        found: dict[int, dict[int, list[int]]] = {}  # step key -> start -> ends
        for key, start, end in self._steps(doc):
            found.setdefault(key, {}).setdefault(start, []).append(end)
        ends_before = [0]  # sentence ends among the tokens before each position
        for token in doc:
            ending = token.is_punct and set(token.text) <= SENTENCE_ENDS
            ends_before.append(ends_before[-1] + ending)
        out = []
        for label, near, keys in self._near:
            shortest: dict[int, int] = {}
            for first, firsts_ends in found.get(keys[0], {}).items():
                reached = set(firsts_ends)
                for key, gap in zip(keys[1:], near.gaps, strict=True):
                    starts = found.get(key, {})
                    reached = {
                        end
                        for last in reached
                        for start in range(last, min(last + gap, len(doc)) + 1)
                        if ends_before[start] == ends_before[last]  # no sentence end between
                        for end in starts.get(start, ())
                    }
                    if not reached:
                        break
                if reached:
                    shortest[first] = min(reached)
            out += [(label, first, last) for first, last in shortest.items()]
        return out


def _lemmas_in_context(nlp: Language, sequences: list[list[str]]) -> dict[tuple, dict[str, str]]:
    """What spaCy makes of each pattern word in its own phrase (e.g. "pulled" -> "pull")."""
    texts = [" ".join(t for t in seq if t not in ("*", "...")) for seq in sequences]
    from postcheck.lemmas import COMPONENT

    with nlp.select_pipes(enable=[COMPONENT]):
        docs = list(nlp.pipe(texts))
    return {
        tuple(seq): {t.text.lower(): t.lemma_ for t in doc}
        for seq, doc in zip(sequences, docs, strict=True)
    }


def _token_pattern(seq: list[str], lemmas: dict[tuple, dict[str, str]]) -> list[dict]:
    """A Matcher pattern for a lemma sequence; '*' is any one token, '...' up to three."""
    in_context = lemmas.get(tuple(seq), {})
    pattern: list[dict] = []
    for token in seq:
        if token == "*":
            pattern.append({})
        elif token == "...":
            pattern.append({"OP": "{0,3}"})
        else:
            forms = {token, token.title(), token.upper(), in_context.get(token, token)}
            pattern.append({"LEMMA": {"IN": sorted(forms)}})
    return pattern


#: Expressions per RE2 Set to start with; a Set over its memory budget is split in two.
_SET_SIZE = 512


def _compile_sets(re2, options, patterns: list[str]) -> list[tuple[object, list[int]]]:
    """RE2 Sets covering `patterns`, each with the indexes it holds. RE2 cannot compile
    one Set of thousands of expressions (it runs out of its memory budget, and matching
    on the failed Set crashes the process), so they are split until each Set compiles."""
    from postcheck.errors import RuleError

    sets = []
    pending = [list(range(i, min(i + _SET_SIZE, len(patterns))))
               for i in range(0, len(patterns), _SET_SIZE)]  # fmt: skip
    while pending:
        group = pending.pop()
        regex_set = re2.Set.SearchSet(options)
        for i in group:
            regex_set.Add(patterns[i])
        try:
            regex_set.Compile()
        except re2.error as exc:
            if len(group) == 1:
                raise RuleError(
                    f"the regular expression {patterns[group[0]]!r} is too large for RE2 ({exc})",
                    where="a rule's patterns.regex",
                    fix="split it into several smaller expressions",
                ) from None
            half = len(group) // 2
            pending += [group[:half], group[half:]]
            continue
        sets.append((regex_set, group))
    return sets
