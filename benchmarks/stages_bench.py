"""Where a warm check of one draft spends its time, and the encoder's two graphs side by side.

    .venv/bin/python benchmarks/stages_bench.py [--checks 200]

1. Each stage of `Checker.check` on the 196-character draft of `serve_bench.py` (spaCy,
   each detector; the rest is normalising, rules and the verdict), median over `--checks`
   warm checks, with the helper thread as the shipped default decides.
2. The encoder's bottom layers as shipped (int8 matrix products, `models/rewrite_base.py`)
   beside the int8 model's own graph, which onnxruntime folds to float32 (the peer, in the
   same run): session load time, and time per call for the draft's tokens, alternately.
3. The shared spaCy pipeline as shipped (lemmas from spaCy's lookup table, the tagger run
   only where a part of speech decides a name: `postcheck.lemmas`) beside the same model
   with its own tagger, attribute ruler and rule lemmatizer on every post (as before), on
   the draft, alternately, with each one's entities compared.
No assertions: figures to read.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from serve_bench import DRAFT  # noqa: E402


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def stages(checks: int) -> None:
    from postcheck.config import Config
    from postcheck.engine import Checker

    checker = Checker(Config())
    spent: dict[str, list[float]] = defaultdict(list)

    def timed(name, function):
        def run(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name].append(time.perf_counter() - start)

        return run

    checker._analyse = timed("spaCy (the pipeline, all pieces)", checker._analyse)
    for detector in checker.detectors:
        detector.detect = timed(f"detector {detector.name}", detector.detect)
    for _ in range(20):
        checker.check(DRAFT)
    spent.clear()
    total = []
    for _ in range(checks):
        start = time.perf_counter()
        checker.check(DRAFT)
        total.append(time.perf_counter() - start)
    print(f"1. a warm check of the {len(DRAFT)}-character draft, median of {checks}:")
    for name, values in spent.items():
        print(f"   {name:36s} {median_ms(values):6.2f} ms")
    print(f"   {'whole check':36s} {median_ms(total):6.2f} ms")
    print("   (the classifier's time is its wait for vectors the helper thread encodes)")


def graphs(rounds: int) -> None:
    import numpy as np

    from postcheck import encoder as enc

    base = enc.base_model_bytes()
    top = enc.load_encoder().top
    bottom = enc.LAYERS - len(top) if top is not None else enc.LAYERS
    shipped = enc.base_graph_bytes(bottom)
    if shipped is None:
        print("2. this package ships no rewritten bottom layers")
        return
    models = {
        "shipped: int8 matrix products": enc.fill_from_base(shipped, base),
        "peer: the int8 model's graph, folded to float32": enc.with_output(
            base, f"layer_norm_{2 * bottom}"
        ),
    }
    ids = np.array([enc.load_encoder().tokenizer.encode(DRAFT).ids])
    feed = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": 0 * ids}
    sessions, loads = {}, {}
    for name, model in models.items():
        start = time.perf_counter()
        sessions[name] = enc._session(model, 1)
        loads[name] = time.perf_counter() - start
        sessions[name].run(None, feed)
    runs: dict[str, list[float]] = defaultdict(list)
    for _ in range(rounds):
        for name, session in sessions.items():
            start = time.perf_counter()
            session.run(None, feed)
            runs[name].append(time.perf_counter() - start)
    print(f"\n2. the encoder's {bottom} bottom layers, the draft's {ids.shape[1]} tokens, "
          f"one thread, alternately ({rounds} calls each):")  # fmt: skip
    for name in sessions:
        print(f"   {name:50s} load {loads[name] * 1000:6.1f} ms, "
              f"a call {median_ms(runs[name]):5.2f} ms")  # fmt: skip


def pipelines(rounds: int) -> None:
    import spacy

    from postcheck.engine import SPACY_MODEL, load_nlp

    rule = spacy.load(SPACY_MODEL, exclude=["parser"])
    rule.enable_pipe("senter")
    nlps = {"shipped: lookup lemmas, tagger on demand": load_nlp(),
            "peer: tagger and rule lemmatizer on every post": rule}  # fmt: skip
    runs: dict[str, list[float]] = defaultdict(list)
    for _ in range(20):
        docs = {name: nlp(DRAFT) for name, nlp in nlps.items()}
    for _ in range(rounds):
        for name, nlp in nlps.items():
            start = time.perf_counter()
            nlp(DRAFT)
            runs[name].append(time.perf_counter() - start)
    same = len({tuple((e.text, e.label_) for e in d.ents) for d in docs.values()}) == 1
    print(f"\n3. the spaCy pipeline on the draft, alternately ({rounds} runs each; "
          f"entities {'the same' if same else 'DIFFERENT'}):")  # fmt: skip
    for name, nlp in nlps.items():
        print(f"   {name:50s} {median_ms(runs[name]):5.2f} ms  ({', '.join(nlp.pipe_names)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checks", type=int, default=200)
    args = parser.parse_args()
    stages(args.checks)
    graphs(args.checks)
    pipelines(args.checks)


if __name__ == "__main__":
    main()
