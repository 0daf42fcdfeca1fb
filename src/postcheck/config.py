"""postcheck.yml: the school's own settings (names, roster, rule choices, thresholds)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from postcheck.errors import ConfigError
from postcheck.yamlfile import load_yaml

CONFIG_NAME = "postcheck.yml"
#: The longest text one check accepts (characters). Facebook's own limit is 63,206.
MAX_CHARS = 100_000


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Names(_Closed):
    name: str = ""
    aliases: list[str] = Field(default_factory=list)

    def all(self) -> list[str]:
        return [n for n in [self.name, *self.aliases] if n.strip()]


class RuleSettings(_Closed):
    select: list[str] = Field(default_factory=list, description="only these rules (empty: all)")
    ignore: list[str] = Field(default_factory=list)
    severity: dict[str, Literal["breach", "doubt", "advice"]] = Field(default_factory=dict)
    paths: list[Path] = Field(default_factory=list, description="extra folders of rule files")


class Allow(_Closed):
    names: list[str] = Field(default_factory=list, description="names cleared for publication")
    terms: list[str] = Field(default_factory=list, description="other terms cleared")


class Thresholds(_Closed):
    # 0.4 keeps presidio's phone numbers (scored 0.4 without context words).
    pii: float = Field(0.4, ge=0, le=1, description="lowest presidio score kept as evidence")


class Config(_Closed):
    """Everything a school can set without touching Python."""

    school: Names = Field(default_factory=Names)
    trust: Names = Field(default_factory=Names)
    roster: Path | None = None
    policy: Path | None = None
    rules: RuleSettings = Field(default_factory=RuleSettings)
    allow: Allow = Field(default_factory=Allow)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    toxicity: dict[str, Any] = Field(default_factory=lambda: {"backend": "embedded"})
    max_chars: int = Field(MAX_CHARS, gt=0, le=1_000_000)
    source: Path | None = Field(None, exclude=True)

    def roster_names(self) -> dict[str, list[str]]:
        """{'PUPIL': [...], 'STAFF': [...]} read from the roster CSV (columns: name, role)."""
        if self.roster is None:
            return {"PUPIL": [], "STAFF": []}
        return read_roster(self.roster)


def read_roster(path: Path) -> dict[str, list[str]]:
    """Read a roster CSV with a `name` column and an optional `role` column (pupil/staff)."""
    out: dict[str, list[str]] = {"PUPIL": [], "STAFF": []}
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            fields = [f.strip().lower() for f in reader.fieldnames or []]
            if "name" not in fields:
                raise ConfigError(
                    f"the roster has no `name` column (columns: {', '.join(fields) or 'none'})",
                    where=f"{path}:1",
                    fix="make the first line `name,role` and list one person per line",
                )
            for lineno, row in enumerate(reader, start=2):
                row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
                name, role = row.get("name", ""), (row.get("role") or "pupil").lower()
                if not name:
                    continue
                if role not in ("pupil", "staff"):
                    raise ConfigError(
                        f"unknown role {role!r} for {name!r}",
                        where=f"{path}:{lineno}",
                        fix="use `pupil` or `staff` in the role column",
                    )
                out[role.upper()].append(name)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"cannot read the roster: {exc}",
            where=str(path),
            fix="check `roster:` in postcheck.yml points at a UTF-8 CSV file",
        ) from exc
    return out


def find_config(start: Path | None = None) -> Path | None:
    """postcheck.yml in the working directory, if there is one."""
    candidate = (start or Path.cwd()) / CONFIG_NAME
    return candidate if candidate.is_file() else None


def load_config(path: Path | None = None) -> Config:
    """Load `path` (or ./postcheck.yml, or the defaults when there is none)."""
    path = path or find_config()
    if path is None:
        return Config()
    doc = load_yaml(path, ConfigError, "the configuration")
    data = doc.data or {}
    if not isinstance(data, dict):
        raise ConfigError(
            "the configuration must be a mapping of settings",
            where=doc.where(),
            fix="start with keys such as `school:` and `roster:`; see README.md",
        )
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        key = ".".join(str(p) for p in loc)
        if err["type"] == "extra_forbidden":
            model = _model_at(Config, loc[:-1])
            allowed = ", ".join(model.model_fields) if model else "see README.md"
            raise ConfigError(
                f"unknown setting `{key}`",
                where=doc.where(*loc),
                fix=f"allowed settings here: {allowed}",
            ) from None
        raise ConfigError(
            f"bad value for `{key}`: {err['msg']}",
            where=doc.where(*loc),
            fix="correct the value; see README.md for the settings",
        ) from None
    base = path.parent
    if config.roster is not None and not config.roster.is_absolute():
        config.roster = base / config.roster
    if config.policy is not None and not config.policy.is_absolute():
        config.policy = base / config.policy
    config.rules.paths = [p if p.is_absolute() else base / p for p in config.rules.paths]
    for key in ("checkpoint", "hf_dir"):  # model files named in `toxicity:`
        value = config.toxicity.get(key)
        if isinstance(value, str) and value and not Path(value).expanduser().is_absolute():
            config.toxicity[key] = str(base / value)
    for key, value in (("roster", config.roster), ("policy", config.policy)):
        if value is not None and not value.is_file():
            raise ConfigError(
                f"`{key}` names a file that does not exist: {value}",
                where=doc.where(key),
                fix="correct the path (relative paths are relative to postcheck.yml)",
            )
    config.source = path
    return config


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    for part in loc:
        field = model.model_fields.get(str(part))
        if field is None or not isinstance(field.annotation, type):
            return None
        if not issubclass(field.annotation, BaseModel):
            return None
        model = field.annotation
    return model
