"""postcheck.yml: the school's own settings (names, roster, rule choices, thresholds)."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from postcheck.errors import ConfigError
from postcheck.yamlfile import YamlDoc, load_yaml

CONFIG_NAME = "postcheck.yml"
#: Set to 1 to load a toxicity checkpoint that is not a known published file (a pickle).
#: Trust comes only from the person running postcheck, never from a file it reads.
TRUST_ENV = "POSTCHECK_TRUST_CHECKPOINT"
#: The `toxicity:` keys each built-in backend takes (other, registered backends: any).
TOXICITY_KEYS = {
    "embedded": ("backend", "weights", "sha256"),
    "detoxify": ("backend", "model", "checkpoint", "hf_dir", "device", "batch_size", "offline"),
}
#: The longest name or role a roster line may hold, and the largest CSV cell read at all.
MAX_NAME_CHARS = 200
ROSTER_FIELD_LIMIT = 16 << 20
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
    pii: float = Field(
        0.4, ge=0, le=1, strict=True, description="lowest presidio score kept as evidence"
    )


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
    max_chars: int = Field(MAX_CHARS, gt=0, le=1_000_000, strict=True)
    source: Path | None = Field(None, exclude=True)
    _doc: YamlDoc | None = PrivateAttr(default=None)

    def where(self, *keys: Any) -> str:
        """`postcheck.yml:LINE` of a setting, for messages about it found after loading."""
        if self._doc is not None:
            return self._doc.where(*keys)
        shown = ".".join(str(k) for k in keys)
        return f"{self.source or CONFIG_NAME}: {shown}" if shown else str(self.source or "")

    def roster_names(self) -> dict[str, list[str]]:
        """{'PUPIL': [...], 'STAFF': [...]} read from the roster CSV (columns: name, role)."""
        if self.roster is None:
            return {"PUPIL": [], "STAFF": []}
        return read_roster(self.roster)


def read_roster(path: Path) -> dict[str, list[str]]:
    """Read a roster CSV with a `name` column and an optional `role` column (pupil/staff)."""
    out: dict[str, list[str]] = {"PUPIL": [], "STAFF": []}
    reader: Any = None
    # the same cell limit as the export readers (csv's limit is one per process)
    csv.field_size_limit(max(csv.field_size_limit(), ROSTER_FIELD_LIMIT))
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
                if len(name) > MAX_NAME_CHARS or len(role) > MAX_NAME_CHARS:
                    raise ConfigError(
                        f"a cell of {max(len(name), len(role)):,} characters is not a name or "
                        "a role",
                        where=f"{path}:{lineno}",
                        fix="one person per line, `name,role`; check the quotes on that line",
                    )
                if role not in ("pupil", "staff"):
                    raise ConfigError(
                        f"unknown role {role!r} for {name!r}",
                        where=f"{path}:{lineno}",
                        fix="use `pupil` or `staff` in the role column",
                    )
                out[role.upper()].append(name)
    except csv.Error as exc:
        raise ConfigError(
            f"the roster is not a CSV file postcheck can read: {exc}",
            where=f"{path}:{reader.line_num}",
            fix="one person per line, `name,role`, with no cell longer than a name; "
            "export it again from the spreadsheet as CSV UTF-8",
        ) from None
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
        return _with_trust(Config())
    doc = load_yaml(path, ConfigError, "the configuration")
    data = doc.data or {}
    if not isinstance(data, dict):
        raise ConfigError(
            "the configuration must be a mapping of settings",
            where=doc.where(),
            fix="start with keys such as `school:` and `roster:`; see README.md",
        )
    _check_toxicity(data.get("toxicity"), doc)
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
    for i, folder in enumerate(config.rules.paths):
        if not folder.is_dir():
            raise ConfigError(
                f"`rules.paths` names a folder that does not exist: {folder}",
                where=doc.where("rules", "paths", i),
                fix="correct the path (relative paths are relative to postcheck.yml)",
            )
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
    config._doc = doc
    return _with_trust(config)


def _with_trust(config: Config) -> Config:
    if trust_from_environment():
        config.toxicity["trust_checkpoint"] = True
    return config


def trust_from_environment() -> bool:
    """True when the person running postcheck set POSTCHECK_TRUST_CHECKPOINT=1."""
    return os.environ.get(TRUST_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def _check_toxicity(section: Any, doc: YamlDoc) -> None:
    """`toxicity:` keys checked when the file is read, with their lines; never trust."""
    if section is None:
        return
    if not isinstance(section, dict):
        raise ConfigError(
            "`toxicity` must be a mapping, e.g. `toxicity: {backend: embedded}`",
            where=doc.where("toxicity"),
            fix="see README.md, 'Toxicity models'",
        )
    if "trust_checkpoint" in section:
        raise ConfigError(
            "`trust_checkpoint` cannot be set in postcheck.yml: a file in the working folder "
            "must never be able to make postcheck unpickle (run) a checkpoint",
            where=doc.where("toxicity", "trust_checkpoint"),
            fix=f"remove it; to load your own checkpoint, run with --trust-checkpoint or set "
            f"{TRUST_ENV}=1 yourself",
        )
    from postcheck.toxicity_backends import available_backends

    backend = section.get("backend", "embedded")
    backends = available_backends()
    if not isinstance(backend, str) or backend not in backends:
        raise ConfigError(
            f"unknown toxicity backend {backend!r}",
            where=doc.where("toxicity", "backend"),
            fix=f"use one of: {', '.join(backends)}",
        )
    allowed = TOXICITY_KEYS.get(backend)
    for key, value in section.items():
        if allowed is not None and key not in allowed:
            raise ConfigError(
                f"unknown setting `toxicity.{key}` for the {backend} backend",
                where=doc.where("toxicity", key),
                fix=f"allowed here: {', '.join(allowed)}",
            )
        if key == "batch_size" and (type(value) is not int or value < 1):
            raise ConfigError(
                f"`toxicity.batch_size` must be a positive whole number, not {value!r}",
                where=doc.where("toxicity", key),
                fix="remove it (default 32) or write e.g. `batch_size: 16`",
            )
        if key == "offline" and not isinstance(value, bool):
            raise ConfigError(
                f"`toxicity.offline` must be true or false, not {value!r}",
                where=doc.where("toxicity", key),
                fix="write `offline: true` or leave it out",
            )
        if key in ("model", "device", "checkpoint", "hf_dir", "weights", "sha256") and not (
            isinstance(value, str) and value.strip()
        ):
            raise ConfigError(
                f"`toxicity.{key}` must be text, not {value!r}",
                where=doc.where("toxicity", key),
                fix="write the name or path as text",
            )
    if backend == "detoxify" and "model" in section:
        from postcheck.toxicity_backends.detoxify_backend import PUBLISHED

        if section["model"] not in PUBLISHED:
            raise ConfigError(
                f"unknown Detoxify model {section['model']!r}",
                where=doc.where("toxicity", "model"),
                fix=f"use one of: {', '.join(PUBLISHED)}",
            )


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    for part in loc:
        field = model.model_fields.get(str(part))
        if field is None or not isinstance(field.annotation, type):
            return None
        if not issubclass(field.annotation, BaseModel):
            return None
        model = field.annotation
    return model
