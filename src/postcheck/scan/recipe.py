"""A Checker recipe: the settings, roster and rules read once here, shipped to workers.

    factory = CheckerRecipe.from_config(load_config())   # reads postcheck.yml, roster, rules
    checker = factory()                                   # on a worker: reads no file

Worker processes and cluster workers build their Checker from this picklable object, so
they never read the school's postcheck.yml, roster or rule files from their own disk:
every worker checks with exactly the settings of the machine that started the scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import Field

from postcheck.config import Config
from postcheck.rules import Rule


class ShippedConfig(Config):
    """A Config whose roster names travel with it (no roster file is read)."""

    roster_inline: dict[str, list[str]] | None = Field(None, exclude=True)

    def roster_names(self) -> dict[str, list[str]]:
        if self.roster_inline is not None:
            return self.roster_inline
        return super().roster_names()


@dataclass
class CheckerRecipe:
    """Picklable `checker_factory` for `scan`: builds a Checker from what it carries."""

    config: ShippedConfig
    rules: list[Rule]
    consent: Any = None  # the roster's media-consent check, built here (None: none)

    @classmethod
    def from_config(cls, config: Config) -> CheckerRecipe:
        """Read the roster and rules now (errors are raised here, before any scanning)."""
        from postcheck.consent import ConsentCheck
        from postcheck.engine import select_rules

        fields = {name: getattr(config, name) for name in Config.model_fields}
        fields["roster"] = None  # no worker reads it: the names and consent list travel
        shipped = ShippedConfig.model_construct(**fields, roster_inline=config.roster_names())
        return cls(config=shipped, rules=select_rules(config),
                   consent=ConsentCheck.from_config(config))  # fmt: skip

    def __call__(self) -> Any:
        from postcheck.engine import Checker

        checker = Checker(self.config, rules=self.rules)
        checker.consent = self.consent
        return checker
