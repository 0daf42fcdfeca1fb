"""Detoxify backend and `postcheck models`.

The loading tests build a tiny checkpoint in detoxify's real release format (a dict with
`config` and `state_dict`, as detoxify's convert_weights.py writes it) plus a tiny
Hugging Face config and vocabulary, and load them through the backend with the network
blocked. They need torch, transformers and detoxify and are skipped without them; the
tests of the error messages and of `models_info` run without torch.
"""

from __future__ import annotations

import builtins
import json
import os
import socket
import subprocess
import sys
from collections import OrderedDict
from pathlib import Path

import pytest

from postcheck.errors import ConfigError, ModelError
from postcheck.models_info import models_info, models_report, offline_steps
from postcheck.toxicity_backends import TOXICITY_LABELS
from postcheck.toxicity_backends import detoxify_backend as dx

WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [
    "you",
    "are",
    "an",
    "idiot",
    "hello",
    "teachers",
    "great",
    "day",
    "the",
    "school",
    "we",
    "will",
    "hurt",
    "them",
    "sports",
    "well",
    "done",
    "to",
    "all",
    "our",
    "pupils",
]
ORIGINAL_CLASSES = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
UNBIASED_CLASSES = [
    "toxicity",
    "severe_toxicity",
    "obscene",
    "identity_attack",
    "insult",
    "threat",
    "sexual_explicit",
]
TEXTS = ["you are an idiot", "well done to all our pupils", "", "we will hurt them " * 200]


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No network (on top of conftest's guard) and empty caches: nothing can be fetched."""

    def refuse(*args, **kwargs):
        raise OSError("network blocked by test_detoxify_backend")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    return tmp_path


def make_release(tmp_path: Path, *, name: str = "tiny.ckpt", classes=None, num_classes=None):
    """A tiny checkpoint in detoxify's release format and its HF config/vocab folder."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("detoxify")
    classes = classes or ORIGINAL_CLASSES
    num_classes = num_classes or len(classes)
    hf_dir = tmp_path / "bert-tiny"
    hf_dir.mkdir(exist_ok=True)
    (hf_dir / "vocab.txt").write_text("\n".join(WORDS) + "\n", encoding="utf-8")
    (hf_dir / "tokenizer_config.json").write_text(
        json.dumps({"do_lower_case": True, "model_max_length": 512}), encoding="utf-8"
    )
    config = transformers.BertConfig(
        vocab_size=len(WORDS),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
    )
    config.save_pretrained(hf_dir)
    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification(
        transformers.BertConfig.from_pretrained(hf_dir, num_labels=num_classes)
    )
    state = OrderedDict(model.state_dict())
    # The published files were saved by an older transformers that kept this buffer.
    state["bert.embeddings.position_ids"] = torch.arange(64).unsqueeze(0)
    checkpoint = {
        "config": {
            "name": "Jigsaw_BERT_tiny",
            "arch": {
                "type": "BERT",
                "args": {
                    "model_type": "bert-base-uncased",
                    "model_name": "BertForSequenceClassification",
                    "tokenizer_name": "BertTokenizer",
                    "num_classes": num_classes,
                },
            },
            "dataset": {"type": "JigsawDataOriginal", "args": {"classes": list(classes)}},
        },
        "state_dict": state,
    }
    path = tmp_path / name
    torch.save(checkpoint, path)
    return path, hf_dir


def publish(monkeypatch, path: Path, model: str = "original") -> dx.Published:
    """Make the test file count as detoxify's published `model` checkpoint."""
    real = dx.PUBLISHED[model]
    fake = dx.Published(
        model,
        path.name,
        real.url,
        dx.sha256_file(path),
        "test",
        real.hf_repo,
        real.hf_aliases,
    )
    monkeypatch.setitem(dx.PUBLISHED, model, fake)
    monkeypatch.setattr(dx, "BY_FILE", {p.file: p for p in dx.PUBLISHED.values()})
    return fake


# --- loading, offline ---------------------------------------------------------------------


def test_tiny_release_checkpoint_loads_offline_and_scores_every_label(offline, monkeypatch):
    path, hf_dir = make_release(offline, name="toxic_original-c1212f89.ckpt")
    publish(monkeypatch, path)
    import torch

    calls = []
    real_load = torch.load

    def recording_load(*args, **kwargs):
        calls.append(kwargs.get("weights_only"))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(torch, "load", recording_load)
    backend = dx.make_detoxify_backend(
        {"backend": "detoxify", "checkpoint": str(path), "hf_dir": str(hf_dir)}
    )
    assert calls == [True]  # a published checkpoint is read as plain tensors and data
    assert backend.name == "detoxify"
    # detoxify's Kaggle names (toxic, identity_hate, severe_toxic) come out as ours.
    assert backend.labels == (
        "toxicity",
        "severe_toxicity",
        "obscene",
        "threat",
        "insult",
        "identity_attack",
    )
    assert set(backend.labels) <= set(TOXICITY_LABELS)

    tokenizer = backend._tokenizer
    ids = tokenizer("you are an idiot teachers")["input_ids"]
    content = [i for i in ids if i not in (tokenizer.cls_token_id, tokenizer.sep_token_id)]
    assert content and all(i != tokenizer.unk_token_id for i in content), ids

    rows = backend.score(TEXTS)
    assert len(rows) == len(TEXTS)
    for row in rows:
        assert set(row) == set(backend.labels)
        assert all(isinstance(v, float) and 0.0 <= v <= 1.0 for v in row.values())
    assert rows[0] != rows[1]  # the texts reach the model
    assert backend.score(["you are an idiot"]) == [rows[0]]  # batching does not change scores

    info = backend.describe()
    assert info["model"] == "original"
    assert info["checkpoint"] == str(path)
    assert info["checkpoint_sha256"] == dx.sha256_file(path)
    assert "published sha256" in info["checkpoint_check"]
    assert info["offline"] is True
    assert info["labels"] == list(backend.labels)


def test_extra_heads_are_ignored_and_unbiased_names_kept(offline, monkeypatch):
    """The unbiased checkpoints have 16 outputs; the first 7 are the named classes."""
    path, hf_dir = make_release(offline, classes=UNBIASED_CLASSES, num_classes=16)
    backend = dx.make_detoxify_backend(
        {"checkpoint": str(path), "hf_dir": str(hf_dir), "trust_checkpoint": True}
    )
    assert backend.labels == tuple(label for label in TOXICITY_LABELS if label != "self_harm")
    (row,) = backend.score(["we will hurt them"])
    assert all(0.0 <= v <= 1.0 for v in row.values())


def test_unknown_checkpoint_is_refused_without_trust_and_loaded_with_it(offline):
    path, hf_dir = make_release(offline, name="my-model.ckpt")
    options = {"backend": "detoxify", "checkpoint": str(path), "hf_dir": str(hf_dir)}
    with pytest.raises(ModelError) as refused:
        dx.make_detoxify_backend(options)
    message = refused.value.message
    assert "my-model.ckpt is not one of detoxify's published checkpoints" in message
    assert "trust_checkpoint: true" in message
    assert "postcheck.yml: toxicity.checkpoint" in message

    backend = dx.make_detoxify_backend({**options, "trust_checkpoint": True})
    assert "trust_checkpoint" in backend.describe()["checkpoint_check"]
    assert len(backend.score(["hello"])[0]) == 6


def test_published_name_with_other_content_is_refused(offline):
    path, hf_dir = make_release(offline, name="toxic_original-c1212f89.ckpt")
    with pytest.raises(ModelError, match="has the name of detoxify's published `original`"):
        dx.make_detoxify_backend({"checkpoint": str(path), "hf_dir": str(hf_dir)})


def test_prefix_only_hash_never_unpickles_unrestricted(offline, monkeypatch):
    """A file known only by its 8-digit hash prefix is read with weights_only=True, full stop."""
    torch = pytest.importorskip("torch")
    path = offline / "unbiased-albert-c8519128.ckpt"
    path.write_bytes(b"not a checkpoint")
    prefix = dx.sha256_file(path)[:8]
    fake = dx.Published(
        "unbiased-small",
        path.name,
        "u",
        prefix,
        "test",
        "albert/albert-base-v2",
        ("albert-base-v2",),
    )
    calls = []

    def recording_load(*args, **kwargs):
        calls.append(kwargs.get("weights_only"))
        raise RuntimeError("unreadable")

    monkeypatch.setattr(torch, "load", recording_load)
    identity = dx.Identity(path, dx.sha256_file(path), fake, "prefix")
    with pytest.raises(ModelError, match="trust_checkpoint: true"):
        dx._torch_load(torch, identity, trust=False, device="cpu", where="here")
    assert calls == [True]


def test_checkpoint_for_another_model_is_a_config_error(offline, monkeypatch):
    path, hf_dir = make_release(offline, name="toxic_original-c1212f89.ckpt")
    publish(monkeypatch, path)
    with pytest.raises(ConfigError, match="toxicity.model says `unbiased`"):
        dx.make_detoxify_backend(
            {"model": "unbiased", "checkpoint": str(path), "hf_dir": str(hf_dir)}
        )


def test_online_downloads_detoxify_release_into_torch_hub_cache(offline, monkeypatch):
    """With no local paths and no offline setting, the checkpoint comes from detoxify's URL."""
    path, hf_dir = make_release(offline, name="toxic_original-c1212f89.ckpt")
    published = publish(monkeypatch, path)
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.delenv("TRANSFORMERS_OFFLINE")
    import torch

    fetched = []

    def download(url, dst, hash_prefix=None, progress=True):
        fetched.append((url, hash_prefix))
        Path(dst).write_bytes(path.read_bytes())

    monkeypatch.setattr(torch.hub, "download_url_to_file", download)
    real_pretrained = dx._pretrained
    hub_calls = []

    def from_hub(cls, sources, *, local_only, where, **kw):  # stands in for the HF download
        hub_calls.append((list(sources), local_only))
        return real_pretrained(cls, [str(hf_dir)], local_only=True, where=where, **kw)

    monkeypatch.setattr(dx, "_pretrained", from_hub)
    backend = dx.make_detoxify_backend({"backend": "detoxify"})
    cached = offline / "torch-home" / "hub" / "checkpoints" / path.name
    assert fetched == [(published.url, published.sha256[:8])]
    assert backend.describe()["checkpoint"] == str(cached)
    assert hub_calls[0] == (["google-bert/bert-base-uncased", "bert-base-uncased"], False)
    assert backend.score(["hello"])[0].keys() == set(backend.labels)
    # Second start: found in the cache, nothing fetched again.
    dx.make_detoxify_backend({"backend": "detoxify"})
    assert len(fetched) == 1


def test_offline_without_weights_says_where_it_looked(offline):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("detoxify")
    with pytest.raises(ModelError) as missing:
        dx.make_detoxify_backend({"backend": "detoxify"})
    message = missing.value.message
    assert "not on this machine" in message
    assert (
        str(offline / "torch-home" / "hub" / "checkpoints" / "toxic_original-c1212f89.ckpt")
        in message
    )
    assert "postcheck models" in message


def test_hf_dir_without_config_is_explained(offline):
    path, _ = make_release(offline)
    empty = offline / "empty"
    empty.mkdir()
    with pytest.raises(ModelError, match="has no config.json"):
        dx.make_detoxify_backend(
            {"checkpoint": str(path), "hf_dir": str(empty), "trust_checkpoint": True}
        )


@pytest.mark.slow
def test_prefilled_caches_load_with_hf_hub_offline(tmp_path):
    """Checkpoint in torch.hub's cache, config/tokenizer in the HF cache, HF_HUB_OFFLINE=1.

    Runs in a fresh interpreter because huggingface_hub reads its cache path at import.
    """
    path, hf_dir = make_release(tmp_path, name="toxic_original-c1212f89.ckpt")
    torch_home = tmp_path / "torch-home"
    (torch_home / "hub" / "checkpoints").mkdir(parents=True)
    path.rename(torch_home / "hub" / "checkpoints" / path.name)
    # The layout huggingface_hub writes for `bert-base-uncased` (detoxify's name for it).
    repo = tmp_path / "hf-cache" / "models--bert-base-uncased"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text("0" * 40)
    snapshot = repo / "snapshots" / ("0" * 40)
    snapshot.parent.mkdir(parents=True)
    hf_dir.rename(snapshot)
    digest = dx.sha256_file(torch_home / "hub" / "checkpoints" / path.name)
    script = f"""
import socket
def refuse(*a, **k): raise OSError("network blocked")
socket.socket.connect = refuse
from postcheck.toxicity_backends import detoxify_backend as dx
fake = dx.Published("original", {path.name!r}, "u", {digest!r}, "test",
                    "google-bert/bert-base-uncased", ("bert-base-uncased",))
dx.PUBLISHED["original"] = fake
dx.BY_FILE = {{fake.file: fake}}
backend = dx.make_detoxify_backend({{"backend": "detoxify"}})
rows = backend.score(["you are an idiot"])
assert all(0 <= v <= 1 for v in rows[0].values()), rows
print(backend.describe()["hf_config_from"])
"""
    env = {
        **os.environ,
        "TORCH_HOME": str(torch_home),
        "HF_HUB_CACHE": str(tmp_path / "hf-cache"),
        "HF_HUB_OFFLINE": "1",
    }
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Hugging Face cache" in done.stdout


# --- without torch ------------------------------------------------------------------------


def test_module_import_does_not_import_torch():
    code = (
        "import sys, postcheck.toxicity_backends.detoxify_backend, postcheck.models_info;"
        "from postcheck.toxicity_backends import available_backends;"
        "assert 'detoxify' in available_backends();"
        "bad = [m for m in ('torch', 'transformers', 'detoxify') if m in sys.modules];"
        "assert not bad, bad"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_missing_torch_says_how_to_install(monkeypatch):
    real_import = builtins.__import__

    def no_torch(name, *args, **kwargs):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("No module named 'torch'", name="torch")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    with pytest.raises(ModelError) as missing:
        dx.make_detoxify_backend({"backend": "detoxify"})
    message = missing.value.message
    assert "needs PyTorch, which is not installed" in message
    assert "postcheck.yml: toxicity.backend" in message
    assert "install PyTorch first" in message
    assert "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu" in message
    assert message.index("torch==2.13.0") < message.index("pip install 'postcheck[detoxify]'")


def test_options_are_checked_before_anything_loads():
    with pytest.raises(ConfigError, match="unknown Detoxify model 'huge'"):
        dx.make_detoxify_backend({"model": "huge"})
    with pytest.raises(ConfigError, match="trust_checkpiont"):
        dx.make_detoxify_backend({"trust_checkpiont": True})
    with pytest.raises(ConfigError, match="trust_checkpoint must be true or false"):
        dx.make_detoxify_backend({"trust_checkpoint": "yes"})


def test_identify_checkpoint_without_torch(tmp_path, monkeypatch):
    unknown = tmp_path / "weights.ckpt"
    unknown.write_bytes(b"pickle bytes")
    with pytest.raises(ModelError, match="not one of detoxify's published checkpoints"):
        dx.identify_checkpoint(unknown, trust=False, where="w")
    assert dx.identify_checkpoint(unknown, trust=True, where="w").published is None
    with pytest.raises(ModelError, match="does not exist"):
        dx.identify_checkpoint(tmp_path / "nope.ckpt", trust=False, where="w")
    publish(monkeypatch, unknown, "multilingual")
    found = dx.identify_checkpoint(unknown, trust=False, where="w")
    assert found.published.model == "multilingual"


def test_published_table_is_consistent():
    for model, p in dx.PUBLISHED.items():
        assert p.model == model
        assert p.url.startswith(dx.RELEASES) and p.url.endswith("/" + p.file)
        # torch.hub convention: the file name carries the first 8 hex digits of the sha256.
        assert p.sha256.startswith(p.file.rsplit("-", 1)[1].removesuffix(".ckpt"))
    assert dx.PUBLISHED["original"].full_hash and dx.PUBLISHED["unbiased"].full_hash


def test_published_urls_match_detoxify():
    detoxify = pytest.importorskip("detoxify.detoxify")
    assert {m: p.url for m, p in dx.PUBLISHED.items()} == detoxify.MODEL_URLS


def test_models_info_without_torch_lists_backends_and_offline_steps(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    info = models_info({"backend": "detoxify", "model": "unbiased"})
    json.dumps(info)  # `postcheck models -f json` prints it
    assert info["active"] == "detoxify"
    names = {b["name"]: b for b in info["backends"]}
    assert names["detoxify"]["active"] and not names["embedded"]["active"]
    assert set(info["dependencies"]) == {"torch", "transformers", "detoxify"}
    weights = names["detoxify"]["weights"]
    assert weights["model"] == "unbiased"
    assert weights["checkpoint"]["path"] == str(
        tmp_path / "torch" / "hub" / "checkpoints" / "toxic_debiased-c7548aa0.ckpt"
    )
    assert "fetched on first use" in weights["checkpoint"]["status"]
    assert "error" not in weights["checkpoint"] and "error" not in weights["base_model"]
    assert weights["base_model"]["repo"] == "FacebookAI/roberta-base"
    steps = "\n".join(info["detoxify_offline_steps"])
    assert dx.PUBLISHED["unbiased"].url in steps
    assert dx.PUBLISHED["unbiased"].sha256 in steps
    assert "snapshot_download('FacebookAI/roberta-base'" in steps
    assert "checkpoint: /opt/postcheck/models/toxic_debiased-c7548aa0.ckpt" in steps
    assert "hf_dir: /opt/postcheck/models/roberta-base" in steps
    assert steps.index("torch==2.13.0") < steps.index("detoxify==0.5.4")
    if info["dependencies"]["torch"] is None:
        assert not names["detoxify"]["installed"]
        assert "install PyTorch first" in names["detoxify"]["note"]


def test_models_info_checks_configured_files(tmp_path):
    ckpt = tmp_path / "toxic_original-c1212f89.ckpt"
    ckpt.write_bytes(b"a damaged copy")
    info = models_info(
        {"backend": "detoxify", "checkpoint": str(ckpt), "hf_dir": str(tmp_path / "missing")}
    )
    weights = next(b for b in info["backends"] if b["name"] == "detoxify")["weights"]
    assert weights["offline"] is True
    assert weights["checkpoint"]["configured"] is True
    assert "not its content" in weights["checkpoint"]["error"]
    assert weights["base_model"]["error"] == "folder not found"


def test_models_report_when_embedded_is_absent(monkeypatch):
    import postcheck.models_info as mi

    monkeypatch.setattr(mi, "available_backends", lambda: ["detoxify"])
    info = mi.models_info({"backend": "embedded"})
    embedded = next(b for b in info["backends"] if b["name"] == "embedded")
    assert embedded["installed"] is False
    assert "not installed" in info["active_error"]
    report = mi.models_report({"backend": "embedded"})
    assert "Active toxicity backend: embedded" in report
    assert "PROBLEM" in report
    assert "embedded: not installed" in report
    assert "Getting Detoxify's weights onto a machine without internet" in report


def test_models_report_text():
    report = models_report({"backend": "detoxify"})
    assert "* detoxify" in report
    for p in dx.PUBLISHED.values():
        assert p.file in report and p.sha256 in report
    assert "checkpoint: /opt/postcheck/models/toxic_original-c1212f89.ckpt" in report
    assert "hf_dir: /opt/postcheck/models/bert-base-uncased" in report
    assert "HF_HUB_OFFLINE=1" in report


def test_offline_steps_for_every_model():
    for model, p in dx.PUBLISHED.items():
        text = "\n".join(offline_steps(model))
        assert f"model: {model}" in text and p.hf_repo in text and p.file in text
