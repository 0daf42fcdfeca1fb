"""The embedded model's second part (the Jigsaw-trained BiLSTM) and how the two combine."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from postcheck.errors import ModelError
from postcheck.toxicity_backends import jigsaw_bilstm
from postcheck.toxicity_backends.embedded import (
    JIGSAW_FILE,
    WEIGHTS_DIR,
    WEIGHTS_SHA256,
    EmbeddedModel,
    combine,
)
from postcheck.toxicity_backends.jigsaw_bilstm import JigsawBiLSTM

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def shipped() -> JigsawBiLSTM:
    return JigsawBiLSTM(WEIGHTS_DIR / JIGSAW_FILE, WEIGHTS_SHA256[JIGSAW_FILE])


# --------------------------------------------------------------- a plain reference BiLSTM


def _hard_sigmoid(x):
    return np.clip(0.2 * x + 0.5, 0.0, 1.0)


def _lstm_states(x, kernel, recurrent, bias):
    """Keras's LSTM, one step at a time, gates in Keras's order i, f, c, o."""
    u = recurrent.shape[0]
    h, c, states = np.zeros(u), np.zeros(u), []
    for step in x:
        z = step @ kernel + h @ recurrent + bias
        i, f, o = _hard_sigmoid(z[:u]), _hard_sigmoid(z[u : 2 * u]), _hard_sigmoid(z[3 * u :])
        c = f * c + i * np.tanh(z[2 * u : 3 * u])
        h = o * np.tanh(c)
        states.append(h)
    return np.array(states)


def _reference(a: dict, ids: list[int], max_length: int) -> np.ndarray:
    emb = a["emb_q"].astype(np.float64) * a["emb_scale"][:, None]
    x = emb[[0] * (max_length - len(ids)) + ids]
    forward = _lstm_states(x, a["fk"], a["fr"], a["fb"])
    backward = _lstm_states(x[::-1], a["bk"], a["br"], a["bb"])
    pooled = np.concatenate([forward, backward], axis=1).max(0)
    hidden = np.maximum(pooled @ a["d1k"] + a["d1b"], 0)
    return 1 / (1 + np.exp(-(hidden @ a["d2k"] + a["d2b"])))


def _tiny_file(path: Path, vocab: list[str], units: int = 3, dim: int = 4, seed: int = 0) -> Path:
    """A small random model in the real file format (what the converter writes)."""
    rng = np.random.default_rng(seed)
    n = len(vocab) + 1
    r = lambda *shape: rng.normal(0, 0.8, shape).astype(np.float32)  # noqa: E731
    meta = {
        "format": 1,
        "labels": ["toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack"],
        "max_length": 6,
        "filters": '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n',
    }
    np.savez_compressed(
        path,
        meta=np.frombuffer(json.dumps(meta).encode(), np.uint8),
        vocab=np.frombuffer("\n".join([""] + vocab).encode(), np.uint8),
        emb_q=rng.integers(-127, 128, (n, dim)).astype(np.int8),
        emb_scale=rng.uniform(0.001, 0.02, n).astype(np.float32),
        fk=r(dim, 4 * units),
        fr=r(units, 4 * units),
        fb=r(4 * units),
        bk=r(dim, 4 * units),
        br=r(units, 4 * units),
        bb=r(4 * units),
        d1k=r(2 * units, 5),
        d1b=r(5),
        d2k=r(5, 6),
        d2b=r(6),
    )
    return path


def test_fused_numpy_forward_matches_a_step_by_step_lstm(tmp_path):
    path = _tiny_file(tmp_path / JIGSAW_FILE, ["you", "are", "kind", "idiot", "we", "won"])
    model = JigsawBiLSTM(path)
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    texts = ["You are kind", "you, are... an IDIOT!", "we won we won we won we won", "", "zzz"]
    got = model.score_matrix(texts)
    for text, row in zip(texts, got, strict=True):
        want = _reference(arrays, model.ids(text), model.max_length)
        np.testing.assert_allclose(row, want, atol=1e-5)
    # a batch scores each text as it would alone
    np.testing.assert_allclose(got[1], model.score_matrix([texts[1]])[0], atol=1e-6)


SHIPPED_TEXTS = [
    "you are a complete idiot",
    "Thank you to all our parent helpers today",
    "I will find you and hurt you",
    "Year 3 loved the trip to the museum, huge thanks to the staff who made it happen",
    "shut up",
    "Jake is a fat disgusting pig",  # where the padding shortcut moves a score the most (8e-5)
    " ".join(["the children sang and danced at the summer fair"] * 12),  # over 100 words
]


def test_shipped_file_matches_the_reference_exactly_with_all_padding_steps(shipped, monkeypatch):
    monkeypatch.setattr(jigsaw_bilstm, "BACKWARD_PADDING_STEPS", shipped.max_length)
    with np.load(shipped.path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    for text in SHIPPED_TEXTS:
        want = _reference(arrays, shipped.ids(text), shipped.max_length)
        np.testing.assert_allclose(shipped.score_matrix([text])[0], want, atol=1e-5)


def test_shipped_file_stays_close_to_the_reference_with_the_padding_shortcut(shipped):
    assert shipped.max_length > jigsaw_bilstm.BACKWARD_PADDING_STEPS
    with np.load(shipped.path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    for text in SHIPPED_TEXTS:
        want = _reference(arrays, shipped.ids(text), shipped.max_length)
        np.testing.assert_allclose(shipped.score_matrix([text])[0], want, atol=0.01)
    # a text scores the same in a batch as alone (each gets the same padding steps)
    together = shipped.score_matrix(SHIPPED_TEXTS)
    alone = np.vstack([shipped.score_matrix([t]) for t in SHIPPED_TEXTS])
    np.testing.assert_allclose(together, alone, atol=1e-5)


def test_tokeniser_follows_keras(tmp_path):
    model = JigsawBiLSTM(_tiny_file(tmp_path / JIGSAW_FILE, ["you", "are", "kind", "we", "won"]))
    ids = model.index
    # lower case, punctuation splits words, unknown words dropped
    assert model.ids("YOU,are(very)KIND!") == [ids["you"], ids["are"], ids["kind"]]
    # only the last max_length known words (Keras truncates at the front)
    assert model.ids("we won you are kind we won") == [
        ids[w] for w in ["won", "you", "are", "kind", "we", "won"]
    ]
    assert model.ids("") == []


def test_shipped_model_knows_abuse_from_praise(shipped):
    s = dict(
        zip(
            shipped.labels,
            shipped.score_matrix(["you are a stupid idiot, shut up"])[0],
            strict=True,
        )
    )
    assert s["toxicity"] > 0.9 and s["insult"] > 0.8
    t = dict(zip(shipped.labels, shipped.score_matrix(["I will kill you"])[0], strict=True))
    assert t["threat"] > 0.5
    benign = shipped.score_matrix(["Well done to Year 6 on a brilliant sports day"])[0]
    assert benign.max() < 0.05


def test_corrupt_or_missing_file_is_a_model_error(tmp_path):
    for name in WEIGHTS_SHA256:
        shutil.copy(WEIGHTS_DIR / name, tmp_path / name)
    target = tmp_path / JIGSAW_FILE
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(ModelError) as err:
        EmbeddedModel(tmp_path, WEIGHTS_SHA256)
    assert JIGSAW_FILE in str(err.value) and "convert_jigsaw_bilstm" in err.value.fix
    target.unlink()
    with pytest.raises(ModelError) as err:  # the shipped digests name it: it must be there
        EmbeddedModel(tmp_path, WEIGHTS_SHA256)
    assert "missing" in str(err.value)
    # a folder of the project's model alone (train.py --no-jigsaw) loads, unpinned
    alone = EmbeddedModel(tmp_path, sha256=None)
    assert alone.jigsaw is None
    assert "Jigsaw" not in alone.describe()["architecture"]


def test_the_shipped_model_uses_both_parts():
    model = EmbeddedModel()
    assert model.jigsaw is not None
    assert model.describe()["sha256"][JIGSAW_FILE] == WEIGHTS_SHA256[JIGSAW_FILE]
    texts = ["you are a stupid idiot", "Our choir sang beautifully today", "send nudes"]
    own, together = model.own_score_matrix(texts), model.score_matrix(texts)
    assert own.shape == together.shape and not np.allclose(own, together)
    # labels only the project's part scores are left as they are
    for label in ("sexual_explicit", "self_harm"):
        j = model.labels.index(label)
        np.testing.assert_array_equal(own[:, j], together[:, j])


def test_combine_is_a_logit_mean_and_either_for_threats():
    labels = ("toxicity", "threat", "self_harm")
    own = np.array([[0.9, 0.9, 0.7], [0.5, 0.1, 0.2]], np.float32)
    other = np.array([[0.1, 0.05], [0.5, 0.6]], np.float32)
    out = combine(own, labels, other, ("toxicity", "threat"))
    assert out[0, 0] == pytest.approx(0.5, abs=1e-6)  # logits +2.2 and -2.2 cancel
    assert out[1, 0] == pytest.approx(0.5, abs=1e-6)
    assert list(out[:, 1]) == pytest.approx([0.9, 0.6])  # threat: the higher of the two
    assert list(out[:, 2]) == pytest.approx([0.7, 0.2])  # only `own` scores self_harm
    # a sure model outweighs an unsure one more than a plain mean would
    sure = combine(np.array([[0.999]]), ("toxicity",), np.array([[0.3]]), ("toxicity",))
    assert sure[0, 0] > (0.999 + 0.3) / 2


def test_converter_refuses_any_other_pickled_class():
    sys.path.insert(0, str(ROOT / "models"))
    try:
        import pickle

        import convert_jigsaw_bilstm as conv
    finally:
        sys.path.remove(str(ROOT / "models"))

    class Evil:
        def __reduce__(self):
            return (print, ("this must never run",))

    import io

    with pytest.raises(pickle.UnpicklingError, match="refusing to load builtins.print"):
        conv._RestrictedUnpickler(io.BytesIO(pickle.dumps(Evil()))).load()
    # the known classes come back as plain attribute holders
    data = pickle.dumps({"a": 1})
    assert conv._RestrictedUnpickler(io.BytesIO(data)).load() == {"a": 1}


def test_weights_from_another_format_or_garbled_are_a_model_error(tmp_path):
    from postcheck.toxicity_backends.weights_file import WeightsFile

    path = _tiny_file(tmp_path / JIGSAW_FILE, ["you", "are"])
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    meta = json.loads(arrays["meta"].tobytes())
    for bad_meta, expected in [
        ({**meta, "format": 99}, "format 99, this postcheck reads 1"),
        (None, "cannot read the Jigsaw BiLSTM's weights"),
    ]:
        raw = b"\xff\xfe" if bad_meta is None else json.dumps(bad_meta).encode()
        np.savez_compressed(path, **{**arrays, "meta": np.frombuffer(raw, np.uint8)})
        with pytest.raises(ModelError) as err:
            JigsawBiLSTM(path)
        assert expected in str(err.value) and str(path) in str(err.value)
    file = WeightsFile(path, "the test weights", "rebuild them")
    with pytest.raises(ModelError, match="the test weights file is missing"):
        WeightsFile(tmp_path / "nothing.npz", "the test weights", "rebuild them").verify(None)
    with pytest.raises(ModelError, match="expected 00"):
        file.verify("00")
