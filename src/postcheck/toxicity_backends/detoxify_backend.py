"""Detoxify backend: Unitary's published Jigsaw models, loaded safely and offline.

`toxicity: {backend: detoxify, model: original|unbiased|multilingual|original-small|
unbiased-small}` in postcheck.yml. Optional keys:

- `checkpoint: PATH`    a local copy of the release checkpoint (.ckpt);
- `hf_dir: PATH`        a local folder with the base model's Hugging Face config and
                        tokenizer files (e.g. bert-base-uncased's config.json + vocab.txt);
- `trust_checkpoint: true`  load a checkpoint that is not one of the published files
                        (set by `--trust-checkpoint` or POSTCHECK_TRUST_CHECKPOINT=1, or by
                        code; postcheck.yml may not set it);
- `device: cpu`, `batch_size: 32`, `offline: true`.

Why this does not call `detoxify.Detoxify` directly: detoxify 0.5.4 always calls
`config_class.from_pretrained("bert-base-uncased")` (or the model type's hub name), even
when given a local checkpoint and `huggingface_config_path`, so it cannot start without
the network or a pre-filled Hugging Face cache; and it unpickles checkpoints with
`weights_only=False` without checking what they are. `load_detoxify_checkpoint` below does
what detoxify's `load_checkpoint` does (same checkpoint format, same class names, same
sigmoid outputs) but takes the config and tokenizer from a local folder or the local
cache, checks the file against the published sha256 first, and unpickles with
`torch.load(weights_only=True)`.

This module must import without torch: torch, transformers and detoxify are imported
inside the factory, so the default install (no torch) can list and describe backends.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from postcheck.errors import ConfigError, ModelError
from postcheck.toxicity_backends import TOXICITY_LABELS, register_backend
from postcheck.toxicity_backends.weights_file import sha256_file

RELEASES = "https://github.com/unitaryai/detoxify/releases/download/"


@dataclass(frozen=True)
class Published:
    """One checkpoint published on detoxify's GitHub releases."""

    model: str
    file: str
    url: str
    sha256: str  # full digest where one is published, else the 8-digit prefix in the name
    hash_source: str
    hf_repo: str  # the base model whose config/tokenizer the checkpoint needs
    hf_aliases: tuple[str, ...]  # other hub names for it (old names, cache folder names)
    size: int | None = None  # bytes, where known

    @property
    def full_hash(self) -> bool:
        return len(self.sha256) == 64


_PREFIX_ONLY = (
    "no full sha256 published; the file name carries the first 8 hex digits of the sha256 "
    "(torch.hub convention, written by detoxify's convert_weights.py)"
)

#: The published checkpoints. detoxify's own URLs (detoxify/detoxify.py, v0.5.4).
#: Full hashes: `original` from a third-party reproducibility script that verifies the file
#: before loading it, `unbiased` from a third-party artefact manifest (with the size in bytes);
#: both begin with the 8 digits in the published file name, as they must.
PUBLISHED: dict[str, Published] = {
    p.model: p
    for p in (
        Published(
            "original",
            "toxic_original-c1212f89.ckpt",
            RELEASES + "v0.1-alpha/toxic_original-c1212f89.ckpt",
            "c1212f89ac23307ab33932ce29dc446a6e030fb3f384a500890bbe662b7b544a",
            "full sha256 recorded by a third party who verified the downloaded release file",
            "google-bert/bert-base-uncased",
            ("bert-base-uncased",),
        ),
        Published(
            "unbiased",
            "toxic_debiased-c7548aa0.ckpt",
            RELEASES + "v0.3-alpha/toxic_debiased-c7548aa0.ckpt",
            "c7548aa09468726af4cfdd0959912467784de4a076786913ada9f0f21b68f60d",
            "full sha256 and size recorded by a third party who verified the release file",
            "FacebookAI/roberta-base",
            ("roberta-base",),
            size=498_707_273,
        ),
        Published(
            "multilingual",
            "multilingual_debiased-0b549669.ckpt",
            RELEASES + "v0.4-alpha/multilingual_debiased-0b549669.ckpt",
            "0b549669",
            _PREFIX_ONLY,
            "FacebookAI/xlm-roberta-base",
            ("xlm-roberta-base",),
        ),
        Published(
            "original-small",
            "original-albert-0e1d6498.ckpt",
            RELEASES + "v0.1.2/original-albert-0e1d6498.ckpt",
            "0e1d6498",
            _PREFIX_ONLY,
            "albert/albert-base-v2",
            ("albert-base-v2",),
        ),
        Published(
            "unbiased-small",
            "unbiased-albert-c8519128.ckpt",
            RELEASES + "v0.1.2/unbiased-albert-c8519128.ckpt",
            "c8519128",
            _PREFIX_ONLY,
            "albert/albert-base-v2",
            ("albert-base-v2",),
        ),
    )
}
BY_FILE = {p.file: p for p in PUBLISHED.values()}

#: detoxify's class names -> ours (the `original` model uses the Kaggle names).
LABEL_NAMES = {
    "toxic": "toxicity",
    "severe_toxic": "severe_toxicity",
    "identity_hate": "identity_attack",
}

#: transformers classes a published checkpoint may name; others need trust_checkpoint.
KNOWN_CLASSES = {
    "BertForSequenceClassification": "BertTokenizer",
    "RobertaForSequenceClassification": "RobertaTokenizer",
    "XLMRobertaForSequenceClassification": "XLMRobertaTokenizer",
    "AlbertForSequenceClassification": "AlbertTokenizer",
}

#: Files a base model needs for config + tokenizer (no weights: the checkpoint has them).
HF_FILE_PATTERNS = ("*.json", "*.txt", "*.model")

OPTIONS = {
    "backend",
    "model",
    "checkpoint",
    "hf_dir",
    "trust_checkpoint",
    "device",
    "batch_size",
    "offline",
}

INSTALL_FIX = (
    "install PyTorch first, CPU-only build: `pip install torch==2.13.0 --index-url "
    "https://download.pytorch.org/whl/cpu` (or `pip install torch==2.13.0`, which on Linux "
    "also pulls several GB of CUDA libraries), then `pip install 'postcheck[detoxify]'` "
    "(in a postcheck checkout: `pip install -e '.[detoxify]'`); "
    "or set `toxicity: {backend: embedded}` in postcheck.yml to use the built-in model"
)


# --- paths and settings (no torch needed) ---------------------------------------------


def offline_requested(options: dict[str, Any]) -> bool:
    """True when nothing may be downloaded: env says offline, or local files were given."""
    env = any(
        os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}
        for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "POSTCHECK_OFFLINE")
    )
    return bool(env or options.get("offline") or options.get("checkpoint") or options.get("hf_dir"))


def torch_hub_checkpoints_dir() -> Path:
    """Where torch.hub (and so detoxify) caches checkpoints, computed without importing torch."""
    if os.environ.get("TORCH_HOME"):
        base = Path(os.environ["TORCH_HOME"])
    else:
        xdg = os.environ.get("XDG_CACHE_HOME") or str(Path("~/.cache").expanduser())
        base = Path(xdg) / "torch"
    return base.expanduser() / "hub" / "checkpoints"


def hf_hub_cache_dir() -> Path:
    """Where huggingface_hub caches downloads, computed without importing it."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path("~/.cache").expanduser())
    return Path(xdg).expanduser() / "huggingface" / "hub"


def hf_cache_folders(published: Published) -> list[Path]:
    """Cache folders that would hold this model's base config/tokenizer, existing or not."""
    cache = hf_hub_cache_dir()
    names = (published.hf_repo, *published.hf_aliases)
    return [cache / ("models--" + name.replace("/", "--")) for name in names]


def model_choice(options: dict[str, Any]) -> str:
    model = options.get("model", "original")
    if model not in PUBLISHED:
        raise ConfigError(
            f"unknown Detoxify model {model!r}",
            where="postcheck.yml: toxicity.model",
            fix=f"use one of: {', '.join(PUBLISHED)}",
        )
    return model


def check_options(options: dict[str, Any]) -> None:
    unknown = sorted(set(options) - OPTIONS)
    if unknown:
        raise ConfigError(
            f"unknown option(s) for the detoxify backend: {', '.join(unknown)}",
            where="postcheck.yml: toxicity",
            fix=f"use only: {', '.join(sorted(OPTIONS))}",
        )
    model_choice(options)
    if not isinstance(options.get("trust_checkpoint", False), bool):
        raise ConfigError(
            "trust_checkpoint must be true or false",
            where="postcheck.yml: toxicity.trust_checkpoint",
            fix="give `trust_checkpoint: true` only for a checkpoint you made or vetted yourself",
        )
    batch = options.get("batch_size", 32)
    if not isinstance(batch, int) or isinstance(batch, bool) or batch < 1:
        raise ConfigError(
            f"batch_size must be a positive whole number, not {batch!r}",
            where="postcheck.yml: toxicity.batch_size",
            fix="remove it (default 32) or write e.g. `batch_size: 16`",
        )


def local_path(options: dict[str, Any], key: str) -> Path | None:
    value = options.get(key)
    if value in (None, ""):
        return None
    return Path(str(value)).expanduser()


@dataclass
class Identity:
    """What a checkpoint file was found to be."""

    path: Path
    sha256: str
    published: Published | None  # None: not a published file (loaded only when trusted)
    verified: str  # how it was identified, for `postcheck models` and describe()


def identify_checkpoint(path: Path, *, trust: bool, where: str) -> Identity:
    """Check a checkpoint against the published table; refuse unknown files unless trusted."""
    if not path.is_file():
        raise ModelError(
            f"the Detoxify checkpoint {path} does not exist",
            where=where,
            fix="copy the release .ckpt file there, or correct the path "
            "(run `postcheck models` for the steps)",
        )
    digest = sha256_file(path)
    published = BY_FILE.get(path.name)
    if published is not None:
        ok = digest.startswith(published.sha256)  # the whole digest where it is published
        size_ok = published.size is None or path.stat().st_size == published.size
        if ok and size_ok:
            how = (
                "matches the published sha256"
                if published.full_hash
                else f"sha256 begins {published.sha256} as its published name says "
                "(no full hash is published for this file)"
            )
            return Identity(path, digest, published, how)
        if not trust:
            raise ModelError(
                f"{path.name} has the name of detoxify's published `{published.model}` "
                f"checkpoint but not its content (sha256 {digest}, expected "
                f"{published.sha256}{'…' if not published.full_hash else ''})",
                where=where,
                fix=f"download it again from {published.url} (the copy is damaged or altered), "
                "or, if you made this file yourself, run with --trust-checkpoint "
                "(in code: `trust_checkpoint: true`)",
            )
    elif not trust:
        raise ModelError(
            f"{path.name} is not one of detoxify's published checkpoints "
            f"({', '.join(BY_FILE)}); checkpoints are Python pickles, so only known files "
            "are loaded",
            where=where,
            fix="use a published checkpoint under its release file name, or, if you trained "
            "or vetted this file yourself, run with --trust-checkpoint (or set "
            "POSTCHECK_TRUST_CHECKPOINT=1; in code: `trust_checkpoint: true` in the options)",
        )
    return Identity(path, digest, None, "not a published file; loaded because trust_checkpoint")


# --- loading (torch from here on) -------------------------------------------------------


def _import_torch_stack() -> tuple[Any, Any]:
    try:
        import torch
    except ImportError as exc:
        raise ModelError(
            f"the detoxify backend needs PyTorch, which is not installed ({exc})",
            where="postcheck.yml: toxicity.backend",
            fix=INSTALL_FIX,
        ) from exc
    try:
        import transformers
    except ImportError as exc:
        raise ModelError(
            f"the detoxify backend needs transformers, which is not installed ({exc})",
            where="postcheck.yml: toxicity.backend",
            fix=INSTALL_FIX,
        ) from exc
    if importlib.util.find_spec("detoxify") is None:
        raise ModelError(
            "the detoxify backend needs the detoxify package, which is not installed",
            where="postcheck.yml: toxicity.backend",
            fix=INSTALL_FIX,
        )
    return torch, transformers


def _torch_load(
    torch: Any, identity: Identity, *, trust: bool, device: str, where: str
) -> dict[str, Any]:
    try:
        return torch.load(identity.path, map_location=device, weights_only=True)
    except Exception as exc:  # UnpicklingError for anything but tensors and plain data
        safe_error = exc
    # Only a published file whose full sha256 matched, or one the user explicitly trusts,
    # may be unpickled with arbitrary globals.
    if trust or (identity.published is not None and identity.published.full_hash):
        try:
            return torch.load(identity.path, map_location=device, weights_only=False)
        except Exception as exc:
            raise ModelError(
                f"cannot read the checkpoint {identity.path}: {exc}",
                where=where,
                fix="download the release file again; it may be truncated",
            ) from exc
    raise ModelError(
        f"cannot read {identity.path} as plain tensors and data (weights_only=True): {safe_error}",
        where=where,
        fix="no full hash is published for this file, so it is not unpickled unrestricted; "
        "if you checked where it came from, run with --trust-checkpoint "
        "(in code: `trust_checkpoint: true`)",
    )


def _pretrained(cls: Any, sources: list[str], *, local_only: bool, where: str, **kw: Any) -> Any:
    errors = []
    for source in sources:
        try:
            return cls.from_pretrained(source, local_files_only=local_only, **kw)
        except Exception as exc:  # OSError, ValueError, EnvironmentError from the hub
            errors.append(f"{source}: {str(exc).splitlines()[0]}")
    raise ModelError(
        f"cannot load {cls.__name__} from " + "; ".join(errors),
        where=where,
        fix="put the base model's config and tokenizer files in a folder and set "
        "`hf_dir:` to it (run `postcheck models` for the exact download steps)",
    )


def load_detoxify_checkpoint(
    checkpoint: dict[str, Any],
    *,
    hf_sources: list[str],
    local_only: bool,
    trusted: bool,
    where: str,
) -> tuple[Any, Any, list[str], int]:
    """detoxify's load_checkpoint without its unconditional hub download.

    Returns (model, tokenizer, class names, max tokens).
    """
    _, transformers = _import_torch_stack()
    try:
        arch = checkpoint["config"]["arch"]["args"]
        classes = list(checkpoint["config"]["dataset"]["args"]["classes"])
        state_dict = checkpoint["state_dict"]
        model_name, tokenizer_name = arch["model_name"], arch["tokenizer_name"]
        num_classes = int(arch["num_classes"])
    except (KeyError, TypeError) as exc:
        raise ModelError(
            f"the checkpoint is not in detoxify's release format (missing {exc})",
            where=where,
            fix="use a checkpoint from detoxify's releases, which holds `config` "
            "(arch.args, dataset.args.classes) and `state_dict`",
        ) from exc
    if not trusted and KNOWN_CLASSES.get(model_name) != tokenizer_name:
        raise ModelError(
            f"the checkpoint asks for {model_name}/{tokenizer_name}, which no published "
            "Detoxify model uses",
            where=where,
            fix="if this is your own checkpoint, run with --trust-checkpoint "
            "(in code: `trust_checkpoint: true`)",
        )
    model_class = getattr(transformers, model_name, None)
    tokenizer_class = getattr(transformers, tokenizer_name, None)
    if model_class is None or tokenizer_class is None:
        raise ModelError(
            f"this transformers version has no {model_name} or {tokenizer_name}",
            where=where,
            fix="install the transformers version pinned by `pip install 'postcheck[detoxify]'`",
        )
    if len(classes) > num_classes:
        raise ModelError(
            f"the checkpoint names {len(classes)} classes but has {num_classes} outputs",
            where=where,
            fix="use a checkpoint from detoxify's releases",
        )
    config = _pretrained(
        model_class.config_class,
        hf_sources,
        local_only=local_only,
        where=where,
        num_labels=num_classes,
    )
    model = model_class(config)
    expected = set(model.state_dict())
    # Older transformers saved position_ids buffers; current ones rebuild them.
    state = {k: v for k, v in state_dict.items() if k in expected or not k.endswith("position_ids")}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise ModelError(
            "the checkpoint's weights do not fit the model built from its config "
            f"(missing: {', '.join(missing[:5]) or 'none'}; unexpected: "
            f"{', '.join(unexpected[:5]) or 'none'})",
            where=where,
            fix="make `hf_dir` hold the base model the checkpoint was trained from "
            f"({arch.get('model_type', 'see the checkpoint config')})",
        )
    model.eval()
    tokenizer = _pretrained(tokenizer_class, hf_sources, local_only=local_only, where=where)
    positions = int(getattr(config, "max_position_embeddings", 512) or 512)
    if "roberta" in model_name.lower():
        positions -= 2  # RoBERTa's position ids start after the padding index
    max_tokens = min(int(tokenizer.model_max_length or 512), 512, positions)
    return model, tokenizer, [LABEL_NAMES.get(c, c) for c in classes], max_tokens


DETOXIFY_THRESHOLDS = {"doubt": 0.5, "breach": 0.8}


class DetoxifyBackend:
    """A loaded Detoxify model, scoring texts on CPU (or the configured device)."""

    name = "detoxify"

    def __init__(
        self,
        *,
        model: Any,
        tokenizer: Any,
        class_names: list[str],
        max_tokens: int,
        device: str,
        batch_size: int,
        info: dict[str, Any],
    ):
        import torch

        self._torch = torch
        self._model = model.to(device)
        self._tokenizer = tokenizer
        self._device = device
        self._batch = batch_size
        self._max_tokens = max_tokens
        # Column index of each of our labels; extra heads (identity columns) are ignored.
        columns = {c: i for i, c in enumerate(class_names) if c in TOXICITY_LABELS}
        self.labels = tuple(label for label in TOXICITY_LABELS if label in columns)
        self._columns = [columns[label] for label in self.labels]
        #: Detoxify's scores are probabilities trained on Jigsaw comments, not calibrated on
        #: school posts: the rules use the conventional 0.5 for doubt and 0.8 for breach.
        self.thresholds = {label: dict(DETOXIFY_THRESHOLDS) for label in self.labels}
        self._info = {
            **info,
            "labels": list(self.labels),
            "device": device,
            "thresholds": self.thresholds,
        }

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        torch = self._torch
        out: list[dict[str, float]] = []
        with torch.inference_mode():
            for start in range(0, len(texts), self._batch):
                batch = [t if t.strip() else "." for t in texts[start : start + self._batch]]
                inputs = self._tokenizer(
                    batch,
                    return_tensors="pt",
                    truncation=True,
                    max_length=self._max_tokens,
                    padding=True,
                ).to(self._device)
                logits = self._model(**inputs).logits
                probs = torch.sigmoid(logits[:, self._columns].float()).cpu().tolist()
                for row in probs:
                    out.append(
                        {
                            label: min(1.0, max(0.0, float(p)))
                            for label, p in zip(self.labels, row, strict=True)
                        }
                    )
        return out

    def describe(self) -> dict[str, Any]:
        return dict(self._info)


def _checkpoint_path(options: dict[str, Any], published: Published, torch: Any) -> Path:
    given = local_path(options, "checkpoint")
    if given is not None:
        return given
    cached = Path(torch.hub.get_dir()) / "checkpoints" / published.file
    if cached.is_file() or offline_requested(options):
        return cached
    # Online and not cached: the same download detoxify does (same URL, same cache file),
    # with torch.hub checking the hash prefix; identify_checkpoint then checks the rest.
    cached.parent.mkdir(parents=True, exist_ok=True)
    try:
        torch.hub.download_url_to_file(
            published.url, str(cached), hash_prefix=published.sha256[:8], progress=False
        )
    except Exception as exc:
        raise ModelError(
            f"cannot download {published.url}: {exc}",
            where="postcheck.yml: toxicity",
            fix="check the internet connection, or copy the file by hand and set "
            "`checkpoint:` (run `postcheck models` for the steps)",
        ) from exc
    return cached


@register_backend("detoxify")
def make_detoxify_backend(options: dict[str, Any]) -> DetoxifyBackend:
    check_options(options)
    torch, _ = _import_torch_stack()
    model_type = model_choice(options)
    published = PUBLISHED[model_type]
    trust = bool(options.get("trust_checkpoint", False))
    device = str(options.get("device", "cpu"))
    try:
        torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ConfigError(
            f"unknown device {device!r}", where="postcheck.yml: toxicity.device", fix="use cpu"
        ) from exc
    offline = offline_requested(options)

    where = "postcheck.yml: toxicity.checkpoint"
    path = _checkpoint_path(options, published, torch)
    if not path.is_file():
        raise ModelError(
            f"the Detoxify `{model_type}` checkpoint is not on this machine (looked for {path})",
            where=where,
            fix="this machine is offline, so it is not downloaded: copy "
            f"{published.file} here or set `checkpoint:` (run `postcheck models` for the steps)",
        )
    identity = identify_checkpoint(path, trust=trust, where=where)
    if identity.published is not None and identity.published.model != model_type:
        if "model" in options:
            raise ConfigError(
                f"the checkpoint is detoxify's `{identity.published.model}` model but "
                f"toxicity.model says `{model_type}`",
                where="postcheck.yml: toxicity.model",
                fix=f"set `model: {identity.published.model}` or point `checkpoint:` at "
                f"{published.file}",
            )
        published = identity.published
        model_type = published.model

    hf_dir = local_path(options, "hf_dir")
    if hf_dir is not None:
        if not (hf_dir / "config.json").is_file():
            raise ModelError(
                f"{hf_dir} has no config.json",
                where="postcheck.yml: toxicity.hf_dir",
                fix=f"download {published.hf_repo}'s config and tokenizer files into it "
                "(run `postcheck models` for the steps)",
            )
        hf_sources = [str(hf_dir)]
    else:
        hf_sources = [published.hf_repo, *published.hf_aliases]

    checkpoint = _torch_load(torch, identity, trust=trust, device="cpu", where=where)
    model, tokenizer, class_names, max_tokens = load_detoxify_checkpoint(
        checkpoint,
        hf_sources=hf_sources,
        local_only=offline,
        trusted=identity.published is None,
        where="postcheck.yml: toxicity.hf_dir" if hf_dir else "postcheck.yml: toxicity",
    )
    info = {
        "backend": "detoxify",
        "model": model_type,
        "checkpoint": str(identity.path),
        "checkpoint_sha256": identity.sha256,
        "checkpoint_check": identity.verified,
        "hf_config_from": hf_sources[0] if hf_dir else f"Hugging Face cache ({hf_sources[0]})",
        "offline": offline,
        "max_tokens": max_tokens,
    }
    return DetoxifyBackend(
        model=model,
        tokenizer=tokenizer,
        class_names=class_names,
        max_tokens=max_tokens,
        device=device,
        batch_size=int(options.get("batch_size", 32)),
        info=info,
    )
