"""The embedded toxicity backend, loaded from the real shipped weights."""

from __future__ import annotations

import hashlib
import shutil

import numpy as np
import pytest

from postcheck.errors import ModelError
from postcheck.toxicity_backends import TOXICITY_LABELS, available_backends, embedded, load_backend
from postcheck.toxicity_backends.embedded import (
    WEIGHTS_DIR,
    WEIGHTS_SHA256,
    EmbeddedModel,
    load_thresholds,
    words,
)

TEXTS = [
    "Well done to Year 6 on a brilliant sports day!",
    "I will find you after school and hurt you",
    "",
    "   ",
    "🙂🙂🙂",
    "x" * 5000,
]


@pytest.fixture(scope="module")
def model():
    return load_backend({"backend": "embedded"})


def test_registered_and_default():
    assert "embedded" in available_backends()
    assert load_backend({}).name == "embedded"


def test_shipped_weights_are_pinned_and_small():
    for name, digest in WEIGHTS_SHA256.items():
        path = WEIGHTS_DIR / name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
        assert path.stat().st_size < 2_000_000  # no large binaries in the repository
        with np.load(path, allow_pickle=False) as npz:  # no object arrays: no pickle
            assert all(npz[k].dtype != object for k in npz.files)


def test_labels_and_scores_in_range(model):
    assert set(model.labels) <= set(TOXICITY_LABELS)
    assert set(model.labels) == set(TOXICITY_LABELS)  # all eight are supported
    rows = model.score(TEXTS)
    assert len(rows) == len(TEXTS)
    for row in rows:
        assert set(row) == set(model.labels)
        assert all(isinstance(v, float) and 0.0 <= v <= 1.0 for v in row.values())


def test_empty_batch(model):
    assert model.score([]) == []


def test_deterministic_and_batch_independent(model):
    a = model.score(TEXTS)
    b = model.score(list(reversed(TEXTS)))[::-1]
    c = [model.score([t])[0] for t in TEXTS]
    for x, y, z in zip(a, b, c, strict=True):
        for k in x:
            assert x[k] == pytest.approx(y[k], abs=1e-6)
            assert x[k] == pytest.approx(z[k], abs=1e-6)


SCREEN_TEXTS = [
    *TEXTS,
    "Ryan, I will break your legs after school.",
    "Anyone who complains about the parking will be shot.",
    "You deserve to die, you worthless idiot",
    "Send me a pic of you in your underwear",
    "Nobody would miss you, just end it",
]


def test_screen_is_never_above_the_full_score(model):
    # the detector skips a sentence whose screened threat is below the bar (`breach`): that
    # is safe only if screening never scores higher than scoring in full
    full = model.score(SCREEN_TEXTS)
    screened = model.screen(SCREEN_TEXTS)
    assert set(screened[0]) == {"threat", "sexual_explicit", "self_harm"}
    for f, s in zip(full, screened, strict=True):
        for label, value in s.items():
            assert value <= f[label] + 1e-6, label
        assert s["self_harm"] == pytest.approx(f["self_harm"], abs=1e-6)  # the same model
    threat = [s["threat"] for s in screened]
    assert max(threat) > 0.5 > min(threat)  # it does score: not a constant


def test_screen_without_the_jigsaw_part_is_the_score(tmp_path):
    for path in WEIGHTS_DIR.iterdir():
        if path.name != "jigsaw-bilstm.npz":
            shutil.copy(path, tmp_path / path.name)
    own = EmbeddedModel(tmp_path, sha256=None)
    assert own.jigsaw is None
    screened = own.screen(SCREEN_TEXTS)[1]
    assert screened == pytest.approx(own.score(SCREEN_TEXTS)[1], abs=1e-6)
    assert set(screened) == set(own.labels)


def test_describe(model):
    d = model.describe()
    assert d["name"] == "embedded"
    assert d["sha256"] == WEIGHTS_SHA256
    assert set(d["labels"]) == set(model.labels)
    assert set(d["thresholds"]) == set(model.labels)


def test_thresholds_are_ordered():
    for label, t in load_thresholds().items():
        assert label in TOXICITY_LABELS
        assert 0.0 < t["doubt"] < t["breach"] < 1.0


def test_deobfuscation():
    assert words("k1ll y0urself") == ["kill", "yourself"]
    assert words("f.u.c.k off") == ["fuck", "off"]
    assert words("sh*t") == ["shit"]
    assert words("soooo good") == ["soo", "good"]
    assert words("Café &amp; @someone https://x.example/a") == ["cafe", "&", "user", "link"]
    assert words("b!tch 2day h3ll0 1st $5") == ["bitch", "2day", "hello", "1st", "$", "5"]


def test_look_alikes_are_read_in_whole_runs_as_the_one_pattern_did():
    """The look-alike step reads runs of letters, digits and @$! and translates a run with
    a letter, look-alikes and a letter inside it: what the single pattern it replaced
    (quadratic on a long word) matched, on every text."""
    import random
    import re

    single = re.compile(r"[a-z0-9@$!]*[a-z][0-9@$!]+[a-z][a-z0-9@$!]*")
    rng = random.Random(17)
    for _ in range(5000):
        text = "".join(rng.choice("ab0!$@ .k1l3x-") for _ in range(rng.randint(0, 30)))
        want = single.sub(lambda m: m.group().translate(embedded._LEET), text)
        assert embedded._LEET_RUN.sub(embedded._unleet, text) == want, text
    word = "ab" * 49_500  # one 99,000-letter word (hardening_bench.py times it)
    assert embedded.normalise(word) == word


def _copy_weights(tmp_path):
    for name in WEIGHTS_SHA256:
        shutil.copy(WEIGHTS_DIR / name, tmp_path / name)
    return tmp_path


def test_corrupt_weights_raise_model_error(tmp_path):
    folder = _copy_weights(tmp_path)
    target = folder / "embedded-v2-head.npz"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(ModelError) as err:
        EmbeddedModel(folder, WEIGHTS_SHA256)
    assert "embedded-v2-head.npz" in str(err.value)
    assert "retrain" in err.value.message.lower()
    # unpinned (a user's own weights folder): the damage is still reported as a ModelError
    with pytest.raises(ModelError):
        EmbeddedModel(folder, sha256=None)


def test_missing_weights_raise_model_error(tmp_path):
    folder = _copy_weights(tmp_path)
    (folder / "embedded-v2-tokens.npz").unlink()
    with pytest.raises(ModelError) as err:
        load_backend({"backend": "embedded", "weights": str(folder)})
    assert "embedded-v2-tokens.npz" in str(err.value)
    assert "missing" in str(err.value)


def test_truncated_weights_raise_model_error(tmp_path):
    folder = _copy_weights(tmp_path)
    target = folder / "embedded-v2-tokens.npz"
    target.write_bytes(target.read_bytes()[:1000])
    with pytest.raises(ModelError):
        EmbeddedModel(folder, sha256=None)


def test_own_weights_folder_loads(tmp_path):
    folder = _copy_weights(tmp_path)
    m = load_backend({"backend": "embedded", "weights": str(folder), "sha256": WEIGHTS_SHA256})
    assert m.score(["hello"])[0].keys() == set(m.labels)


def test_shipped_model_is_cached():
    assert embedded._shipped() is embedded._shipped()
