"""Lemmas from spaCy's English lookup table, for the shared spaCy pipeline.

en_core_web_sm's own lemmatizer works by rule from each word's part of speech, so the
pipeline ran its shared token vectors, tagger and attribute ruler for the lemmas alone:
nothing else in postcheck reads tags (presidio reads the lemmas, for context words, and
the rules' `lemmas:` patterns read them). Looking each word up in spaCy's English lemma
table (`en_lemma_lookup` of spacy-lookups-data 1.0.5, from WordNet 3.0: see
`data/lemmas/LICENSE-WordNet.txt`) gives the same lemmas for the words that matter here
("pulling" -> "pull", "are" -> "be", "phones" -> "phone") without those three components
(`benchmarks/stages_bench.py` measures what they cost). The tagger is still there for the
few posts where a word's part of speech decides whether it is a name (`is_proper_noun`).

A word is looked up as written, then in lower case; a word the table does not know is its
own lemma (as spaCy's lookup mode does), so names keep their capitals.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from functools import lru_cache
from importlib.resources import files

from spacy.language import Language
from spacy.tokens import Doc

from postcheck.errors import ConfigError

COMPONENT = "postcheck_lemmas"
#: en_core_web_sm's components that find lemmas by rule: left out of the pipeline.
RULE_LEMMA_PIPES = ("attribute_ruler", "lemmatizer")
#: The tagger and its token vectors: loaded but not run on every post; the pii detector
#: runs them on a post only when a word's part of speech decides a name (`is_proper_noun`).
TAGGER_PIPES = ("tok2vec", "tagger")
#: The tagger's tags for proper nouns.
PROPER_NOUN_TAGS = frozenset({"NNP", "NNPS"})
TABLE = "en_lemma_lookup.json.gz"
#: sha256 of spacy-lookups-data 1.0.5's `data/en_lemma_lookup.json.gz`, shipped unchanged.
TABLE_SHA256 = "8b5c845960584fdf72291e4f70f0a5e4401568492f4e090c013eec00d67bda05"


@lru_cache(maxsize=1)
def lookup_table() -> dict[str, str]:
    """The English lemma table (word form -> lemma), checked against its pinned sha256."""
    path = files("postcheck") / "data" / "lemmas" / TABLE
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"the lemma table {TABLE} is missing from the postcheck package",
            fix="reinstall postcheck with the install command in README.md",
        ) from exc
    digest = hashlib.sha256(raw).hexdigest()
    if digest != TABLE_SHA256:
        raise ConfigError(
            f"the lemma table {TABLE} has sha256 {digest[:12]}..., not the pinned "
            f"{TABLE_SHA256[:12]}...",
            fix="reinstall postcheck with the install command in README.md",
        )
    return json.loads(gzip.decompress(raw))


@Language.component(COMPONENT)
def lookup_lemmas(doc: Doc) -> Doc:
    """Set each token's lemma from the lookup table."""
    table = lookup_table()
    for token in doc:
        text = token.text
        token.lemma_ = table.get(text) or table.get(text.lower()) or text
    return doc


def is_proper_noun(nlp: Language, token) -> bool:
    """Whether the tagger calls `token` a proper noun; tags its doc first if not yet tagged."""
    doc = token.doc
    if not doc.has_annotation("TAG"):
        for name in TAGGER_PIPES:
            nlp.get_pipe(name)(doc)
    return token.tag_ in PROPER_NOUN_TAGS
