"""postcheck: check draft social-media posts against a school's acceptable-use policy.

from postcheck import check
verdict = check("Well done to Oliver Bennett in 4C ...")
verdict.verdict   # "ok" | "doubt" | "breach"
"""

import os

# presidio's e-mail recognizer uses tldextract, which otherwise fetches the public
# suffix list from the internet. spaCy may import presidio through its entry points,
# so this must happen before spaCy or presidio is imported.
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
# The models multiply small matrices (one post at a time), where numpy's OpenBLAS threads
# cost more than they save: measured per post, 4.8 ms single-threaded vs 5.3 ms with its
# default threads (benchmarks/engine_bench.py). Takes effect only if numpy is not loaded
# yet, and never overrides a value the user set. (torch, for Detoxify, is not affected.)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from postcheck.errors import PostcheckError  # noqa: E402
from postcheck.schema import Finding, Hit, Media, Post, Verdict  # noqa: E402

__version__ = "0.1.0"
__all__ = [
    "Checker",
    "Finding",
    "Hit",
    "Media",
    "Post",
    "PostcheckError",
    "Verdict",
    "check",
]


def __getattr__(name: str):
    # The engine pulls in spaCy; import it only when asked for.
    if name in ("Checker", "check"):
        from postcheck import engine

        return getattr(engine, name)
    raise AttributeError(name)
