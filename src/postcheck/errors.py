"""One error type that says what is wrong, where, and how to fix it."""

from __future__ import annotations


class PostcheckError(Exception):
    """A problem the user can fix: bad input, configuration, rules or export files.

    The CLI prints it without a traceback and exits with code 2.
    """

    def __init__(self, what: str, *, where: str | None = None, fix: str | None = None):
        self.what = what
        self.where = where
        self.fix = fix
        super().__init__(self.message)

    @property
    def message(self) -> str:
        parts = [f"{self.where}: {self.what}" if self.where else self.what]
        if self.fix:
            parts.append(f"How to fix: {self.fix}")
        return "\n".join(parts)


class InputError(PostcheckError):
    """The text or file to check cannot be used (empty, binary, too long...)."""


class ConfigError(PostcheckError):
    """postcheck.yml is malformed or names something that does not exist."""


class RuleError(PostcheckError):
    """A rule file is malformed."""


class ExportError(PostcheckError):
    """A platform export file cannot be read."""


class ModelError(PostcheckError):
    """A model's weights are missing, untrusted or cannot be loaded."""
