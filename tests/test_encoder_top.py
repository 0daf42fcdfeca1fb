"""The encoder's fine-tuned top layers: the int8 graph cut below its own top layers, the
fine-tuned layers run on the states there, and their file checked like every model file."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from doubles import tampered_copy

from postcheck import encoder as enc
from postcheck.detectors import classifier as clf
from postcheck.errors import ModelError

REFERENCE = Path(__file__).parent / "data" / "encoder_top_reference.json"
shipped = pytest.mark.skipif(
    enc.TOP_LAYERS_SHA256 is None, reason="this package ships no fine-tuned top layers"
)


def _run(model: bytes) -> list[np.ndarray]:
    session = enc._session(model, 1)
    ids = np.array([[101, 2204, 2154, 102]])
    feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
    feed["token_type_ids"] = np.zeros_like(ids)
    return [session.get_outputs(), session.run(None, feed)]


def test_cutting_the_graph_keeps_only_what_the_new_output_needs():
    data = enc.model_file().read_bytes()
    cut = enc.with_output(data, "layer_norm_8")
    assert len(data) - len(cut) > 3_000_000  # two layers of int8 weights (1.8 MB each) gone
    outputs, (hidden,) = _run(cut)
    assert [o.name for o in outputs] == ["layer_norm_8"]
    assert hidden.shape == (1, 4, 384)
    _, (last,) = _run(data)
    assert not np.allclose(hidden, last, atol=1e-2)  # a lower layer's states, not the last


def test_cutting_at_a_tensor_that_does_not_exist_is_refused():
    with pytest.raises(ValueError, match="no node"):
        enc.with_output(enc.model_file().read_bytes(), "layer_norm_99")


@shipped
def test_the_shipped_pipeline_gives_the_vectors_the_layers_were_trained_to_give():
    """Reference vectors were computed in torch at fp32 when the layers were exported;
    the shipped int8 pipeline must agree, and the base model alone must not. Six int8
    layers (one of the base model's, five fine-tuned) measured 0.979-0.992 against the
    fp32 reference; the heads are trained on the int8 pipeline's own vectors."""
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    expected = np.array(reference["vectors"])
    shipped_vectors = enc.load_encoder().encode(reference["texts"])
    base_vectors = enc.Encoder(top_layers=None).encode(reference["texts"])
    assert ((shipped_vectors * expected).sum(axis=1) > 0.97).all()
    assert ((base_vectors * expected).sum(axis=1) < 0.9).all()


@shipped
def test_the_heads_name_the_encoder_they_were_trained_on():
    assert clf.load_heads().encoder == enc.load_encoder().name
    assert enc.load_encoder().name.startswith(enc.BASE_NAME)
    assert f"+top{len(enc.load_encoder().top)}-" in enc.load_encoder().name
    with pytest.raises(ModelError) as err:
        clf.ClassifierDetector(encoder=enc.Encoder(top_layers=None))
    assert "trained on the encoder" in err.value.message
    assert "train_classifier.py" in err.value.fix


@shipped
def test_replaced_top_layers_are_refused(tmp_path):
    copy = tampered_copy(enc.TOP_LAYERS_FILE, tmp_path)
    with pytest.raises(ModelError) as err:
        enc.TopLayers(copy)
    assert "sha256" in err.value.message and str(copy) in err.value.where
    with pytest.raises(ModelError, match="missing"):
        enc.TopLayers(tmp_path / "none.onnx")


@shipped
def test_top_layers_must_say_which_base_model_they_read(tmp_path, monkeypatch):
    data = enc.top_layers_bytes(enc.TOP_LAYERS_FILE)
    other = tmp_path / "other-base.onnx"
    other.write_bytes(data.replace(enc.MODEL_SHA256.encode(), b"0" * 64))
    with pytest.raises(ModelError, match="another base model"):
        enc.TopLayers(other, sha256=None)
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"not onnx at all")
    with pytest.raises(ModelError, match="cannot load"):
        enc.TopLayers(garbage, sha256=None)


@shipped
def test_the_shipped_matrices_are_rebuilt_byte_for_byte_from_their_deltas():
    """The package ships the top layers' graph without its int8 matrices, and each matrix
    as its difference from the base model's (a fifth of the size); the rebuilt model has
    the pinned sha256, and splitting it again gives the same files."""
    graph = enc.TOP_LAYERS_FILE.read_bytes()
    deltas = enc.deltas_file(enc.TOP_LAYERS_FILE)
    layers = enc.load_encoder().top.count
    assert deltas.is_file() and len(graph) + deltas.stat().st_size < 400_000 * layers
    base = enc.base_model_bytes()
    model = enc.top_layers_bytes(enc.TOP_LAYERS_FILE, base)
    assert len(model) > 1_700_000 * layers  # each layer's int8 matrices: 1.8 MB
    assert hashlib.sha256(model).hexdigest() == enc.TOP_LAYERS_SHA256
    again, arrays = enc.split_top_layers(model, base)
    assert again == graph
    with np.load(deltas) as shipped_arrays:
        for name in enc.DELTA_ARRAYS:
            assert np.array_equal(arrays[name], shipped_arrays[name])
    assert int(np.abs(arrays["deltas"]).max()) <= 8  # fine-tuning moved weights a few steps


@shipped
def test_changed_or_unreadable_deltas_are_refused(tmp_path):
    top = tmp_path / enc.TOP_LAYERS_FILE.name
    shutil.copy(enc.TOP_LAYERS_FILE, top)
    with np.load(enc.deltas_file(enc.TOP_LAYERS_FILE)) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["deltas"][12345] += 1  # one weight one int8 step off
    np.savez_compressed(enc.deltas_file(top), **arrays)
    with pytest.raises(ModelError) as err:
        enc.TopLayers(top)
    assert "sha256" in err.value.message and "encoder-top-deltas.npz" in err.value.message
    assert err.value.where == str(top) and "scripts/install" in err.value.fix
    arrays["deltas"] = arrays["deltas"][:-10]  # cut short
    np.savez_compressed(enc.deltas_file(top), **arrays)
    with pytest.raises(ModelError, match="cannot rebuild") as err:
        enc.TopLayers(top)
    assert err.value.where == str(enc.deltas_file(top))
    enc.deltas_file(top).write_bytes(b"not a zip file")
    with pytest.raises(ModelError, match="cannot read"):
        enc.TopLayers(top)


rewritten = pytest.mark.skipif(
    enc.BASE_GRAPH_SHA256 is None or enc.TOP_LAYERS_SHA256 is None,
    reason="this package ships no rewritten bottom layers",
)


@rewritten
def test_the_rewritten_bottom_layers_ship_no_weights_and_read_the_int8_model():
    """The shipped graph of the bottom layers (int8 matrix products) holds no weights: each
    tensor is filled by name from the installed int8 model; its states match the graph
    onnxruntime folds to fp32 (cosine > 0.98 per token) and the encoder says which it ran."""
    from postcheck import onnx_wire

    graph = enc.BASE_GRAPH_FILE.read_bytes()
    assert len(graph) < 200_000
    names = onnx_wire.initializer_names(graph)
    empty = set(onnx_wire.empty_initializers(graph))
    assert "inner.embeddings.word_embeddings.weight_q" in empty
    base = enc.base_model_bytes()
    sizes = {name: len(tensor) for name, tensor in onnx_wire._initializers(graph)}
    kept = {n for n in names if n not in empty and sizes[n] > 100}  # beyond small constants
    assert kept == {"inner.embeddings.position_ids"}  # 0, 1, ..., 511: not a weight
    assert "columns_shape" in names  # the one tensor it adds
    bottom = enc.LAYERS - len(enc.load_encoder().top)
    filled = enc.fill_from_base(graph, base)
    cut = enc.with_output(base, f"layer_norm_{2 * bottom}")
    ids = np.array([[101, 2204, 2154, 2000, 2035, 1997, 2017, 102]])
    feed = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": 0 * ids}
    (fast,) = enc._session(filled, 1).run(None, feed)
    (folded,) = enc._session(cut, 1).run(None, feed)
    cos = (fast * folded).sum(-1) / np.linalg.norm(fast, axis=-1) / np.linalg.norm(folded, axis=-1)
    assert fast.shape == folded.shape and cos.min() > 0.98
    assert not np.allclose(fast, folded, atol=1e-4)  # a different computation, not a copy
    shipped, folded_encoder = enc.load_encoder(), enc.Encoder(rewritten=False)
    assert "+int8mm-" in shipped.name and "+int8mm-" not in folded_encoder.name
    texts = ["Well done to Year 6 on a brilliant sports day!", "Staff meeting moved to 4pm."]
    assert ((shipped.encode(texts) * folded_encoder.encode(texts)).sum(axis=1) > 0.98).all()


@rewritten
def test_changed_bottom_layers_are_refused(tmp_path, monkeypatch):
    graph = enc.BASE_GRAPH_FILE.read_bytes()
    monkeypatch.setattr(enc, "BASE_GRAPH_FILE", tampered_copy(enc.BASE_GRAPH_FILE, tmp_path))
    with pytest.raises(ModelError) as err:
        enc.Encoder()
    assert "bottom layers" in err.value.message and "sha256" in err.value.message
    assert err.value.where == str(tmp_path / "encoder-base.onnx")
    other = tmp_path / "other-base.onnx"
    other.write_bytes(graph.replace(enc.MODEL_SHA256.encode(), b"0" * 64))
    monkeypatch.setattr(enc, "BASE_GRAPH_FILE", other)
    monkeypatch.setattr(enc, "BASE_GRAPH_SHA256", hashlib.sha256(other.read_bytes()).hexdigest())
    with pytest.raises(ModelError, match="rewritten from another base model"):
        enc.Encoder()


def test_postcheck_models_lists_the_classifier_files_and_checks_them(tmp_path, monkeypatch):
    from postcheck.models_info import models_info, models_report

    info = models_info()["classifier"]
    assert info["status"] == "ready"
    assert str(clf.HEADS_FILE) in {f["file"] for f in info["files"].values()}
    if enc.TOP_LAYERS_SHA256 is not None:
        assert info["files"]["fine-tuned top layers"]["sha256"] == enc.TOP_LAYERS_SHA256
    monkeypatch.setattr(clf, "HEADS_FILE", tampered_copy(clf.HEADS_FILE, tmp_path))
    report = models_report()
    assert report.startswith("Policy classifier: cannot load")
    assert f"heads: {tmp_path / 'heads.npz'} does not have the pinned sha256" in report
    assert "scripts/install" in report
