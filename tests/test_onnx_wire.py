"""Editing ONNX models in their wire format: initializers read and their data replaced,
the rest of the model kept byte for byte, and the result still loaded by onnxruntime."""

from __future__ import annotations

import numpy as np
import pytest

from postcheck import encoder as enc
from postcheck import onnx_wire


@pytest.fixture(scope="module")
def base() -> bytes:
    return enc.base_model_bytes()


def test_initializers_are_read_with_their_shapes_and_types(base):
    names = onnx_wire.initializer_names(base)
    assert "val_335_q" in names and "val_335_scale" in names
    found = onnx_wire.tensors(base, {"val_335_q", "val_335_scale"})
    assert found["val_335_q"].dtype == np.int8 and found["val_335_q"].shape == (384, 384)
    assert found["val_335_scale"].dtype == np.float32 and found["val_335_scale"].shape == (1, 384)
    assert (found["val_335_scale"] > 0).all() and np.abs(found["val_335_q"]).max() > 100
    with pytest.raises(ValueError, match="no initializer nothing_by_this_name"):
        onnx_wire.tensors(base, {"nothing_by_this_name"})


def test_scalars_stored_as_float_or_int32_data_are_read():
    if enc.TOP_LAYERS_SHA256 is None:
        pytest.skip("this package ships no fine-tuned top layers")
    top = enc.top_layers_bytes(enc.TOP_LAYERS_FILE)
    name = next(n for n in onnx_wire.initializer_names(top) if n.endswith("_scale"))
    zero = name.replace("_scale", "_zero_point")
    found = onnx_wire.tensors(top, {name, zero})
    assert found[name].shape == () and 0 < float(found[name]) < 1
    assert found[zero].dtype == np.int8 and found[zero].shape == ()


def test_data_removed_and_put_back_gives_the_same_bytes(base):
    q = onnx_wire.tensors(base, {"val_335_q"})["val_335_q"]
    stripped = onnx_wire.with_tensor_data(base, {"val_335_q": None})
    assert len(base) - len(stripped) >= q.size
    with pytest.raises(ValueError, match="not float32 or int8 data of its shape"):
        onnx_wire.tensors(stripped, {"val_335_q"})
    assert onnx_wire.with_tensor_data(stripped, {"val_335_q": q.tobytes()}) == base
    changed = onnx_wire.with_tensor_data(base, {"val_335_q": (-q).tobytes()})
    assert np.array_equal(onnx_wire.tensors(changed, {"val_335_q"})["val_335_q"], -q)
    enc._session(changed, 1)  # still a model onnxruntime loads
    with pytest.raises(ValueError, match="no initializer"):
        onnx_wire.with_tensor_data(base, {"nothing_by_this_name": None})


def test_initializers_without_data_and_the_metadata_are_found(base):
    stripped = onnx_wire.with_tensor_data(base, {"val_335_q": None, "val_335_scale": None})
    assert sorted(onnx_wire.empty_initializers(stripped)) == ["val_335_q", "val_335_scale"]
    assert onnx_wire.empty_initializers(base) == []
    if enc.TOP_LAYERS_SHA256 is not None:
        meta = onnx_wire.metadata(enc.TOP_LAYERS_FILE.read_bytes())
        assert meta["layers"] == str(len(enc.load_encoder().top))
        assert meta["base_sha256"] == enc.MODEL_SHA256


def test_a_cut_short_model_is_a_value_error_not_a_crash(base):
    for end in (1, 1000, len(base) // 2):
        with pytest.raises(ValueError, match="truncated"):
            onnx_wire.initializer_names(base[:end])
