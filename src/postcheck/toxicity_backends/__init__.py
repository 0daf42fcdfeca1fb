"""Toxicity backends: the models behind the toxicity detector.

A backend scores whole texts; the detector decides which texts (the post and
its sentences) to score and turns the scores into Hits. A backend may also offer
`screen(texts)`: cheaper scores, for some labels, that are never above `score`'s; the
detector uses them to skip sentences that cannot matter. Backends register by
name, and `toxicity: {backend: NAME}` in postcheck.yml picks one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from postcheck.errors import ConfigError

#: Every label a toxicity backend may score, in the order Detoxify uses.
TOXICITY_LABELS: tuple[str, ...] = (
    "toxicity",
    "severe_toxicity",
    "obscene",
    "threat",
    "insult",
    "identity_attack",
    "sexual_explicit",
    "self_harm",
)


class ToxicityBackend(Protocol):
    """A model that gives each text a score in [0, 1] for each label it supports."""

    name: str
    labels: tuple[str, ...]
    #: {label: {"doubt": x, "breach": y}}: the scores at which rules that leave out
    #: `min_score` raise doubt, and at which their findings may be a breach (a backend
    #: without them gets 0.5 for both)
    thresholds: dict[str, dict[str, float]]

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """One dict per text: label -> probability in [0, 1]."""
        ...

    def describe(self) -> dict[str, Any]:
        """Where the weights are and what they are (shown by `postcheck models`)."""
        ...


BackendFactory = Callable[[dict[str, Any]], ToxicityBackend]
_FACTORIES: dict[str, BackendFactory] = {}


def register_backend(name: str) -> Callable[[BackendFactory], BackendFactory]:
    """Decorator: make a backend factory available as `toxicity: {backend: name}`."""

    def wrap(factory: BackendFactory) -> BackendFactory:
        _FACTORIES[name] = factory
        return factory

    return wrap


def available_backends() -> list[str]:
    _import_builtin_backends()
    return sorted(_FACTORIES)


def load_backend(options: dict[str, Any]) -> ToxicityBackend:
    """Build the backend named in `options['backend']` (default: embedded)."""
    _import_builtin_backends()
    name = options.get("backend", "embedded")
    if name not in _FACTORIES:
        raise ConfigError(
            f"unknown toxicity backend {name!r}",
            where="postcheck.yml: toxicity.backend",
            fix=f"use one of: {', '.join(sorted(_FACTORIES))}",
        )
    return _FACTORIES[name](options)


def _import_builtin_backends() -> None:
    # Imported lazily so that heavy dependencies load only when asked for.
    import importlib

    for module in ("embedded", "detoxify_backend"):
        try:
            importlib.import_module(f"postcheck.toxicity_backends.{module}")
        except ModuleNotFoundError as exc:  # module not written yet, or optional dep missing
            if exc.name and exc.name.startswith("postcheck"):
                continue
            raise
