"""Policy quality on the drafts corpus's held-out test split, beside an earlier engine.

    .venv/bin/python benchmarks/policy_quality.py [--baseline REF] [--data ../shared/eval/dev]

Prints, for this checkout's engine and for the engine at git REF (default: c301076, the
engine before the classifier; run in a subprocess from `git archive REF src`, with the
same installed dependencies), on the same texts in the same run:

- on `models/data/drafts/test/` (written separately; never trained or tuned on):
  verdict right (a flag draft gets doubt or breach, an ok draft gets ok), clause right
  (some finding cites one of the draft's clauses), ok drafts flagged (near-misses and
  everyday posts apart, counter-speech apart), and precision / recall per clause;
- the share of the benign university posts flagged (`aus-university-tweets`: the half
  the classifier's thresholds were calibrated on, and the other half, apart);
- hate recall on ETHOS (comments most annotators marked hate) and on Davidson's
  hate-speech class, and the share of ETHOS's non-hate comments flagged.

`--limit N` checks only N texts of each set (a quick look); `--json FILE` saves it all.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from io import BytesIO
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "models"))

BASELINE = "c301076"
CHILD = r"""
import json, sys
from postcheck.config import Config
from postcheck.engine import Checker
texts = json.load(sys.stdin)
checker = Checker(Config())
out = [[v.verdict, sorted({f.clause for f in v.findings})] for v in checker.check_many(texts)]
json.dump(out, sys.stdout)
"""


def run_engine(texts: list[str], src: Path | None) -> list[tuple[str, set[str]]]:
    """(verdict, cited clauses) per text, from the engine in `src` (None: this checkout)."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    proc = subprocess.run(
        [sys.executable, "-c", CHILD],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        sys.exit(f"the engine in {src or 'this checkout'} failed:\n{proc.stderr[-3000:]}")
    return [(v, set(c)) for v, c in json.loads(proc.stdout)]


def baseline_src(ref: str, workdir: Path) -> Path:
    data = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "src"], capture_output=True,
                          check=True).stdout  # fmt: skip
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(workdir, filter="data")
    return workdir / "src"


def drafts_report(test, results) -> dict:
    flag = [(d, r) for d, r in zip(test, results, strict=True) if not d.ok]
    ok = [(d, r) for d, r in zip(test, results, strict=True) if d.ok]
    verdict_right = sum((r[0] != "ok") != d.ok for d, r in zip(test, results, strict=True))
    clause_right = sum(bool(r[1] & set(d.labels)) for d, r in flag)
    out = {
        "drafts": len(test),
        "flag_drafts": len(flag),
        "ok_drafts": len(ok),
        "verdict_right": round(verdict_right / len(test), 3),
        "flags_caught": round(sum(r[0] != "ok" for _, r in flag) / max(len(flag), 1), 3),
        "clause_right": round(clause_right / max(len(flag), 1), 3),
        "ok_flagged": round(sum(r[0] != "ok" for _, r in ok) / max(len(ok), 1), 3),
    }
    for kind in ("near_miss", "everyday"):
        part = [r for d, r in ok if d.kind == kind]
        out[f"ok_flagged_{kind}"] = round(sum(r[0] != "ok" for r in part) / max(len(part), 1), 3)
    counter = [r for d, r in ok if "counter" in d.topic]
    out["counter_speech_flagged"] = (
        round(sum(r[0] != "ok" for r in counter) / len(counter), 3) if counter else None
    )
    out["counter_speech_n"] = len(counter)
    per = {}
    clauses = sorted({c for d in test for c in d.labels})
    for clause in clauses:
        tp = sum(clause in r[1] and clause in d.labels for d, r in zip(test, results, strict=True))
        predicted = sum(clause in r[1] for r in results)
        support = sum(clause in d.labels for d in test)
        per[clause] = {"support": support, "precision": round(tp / max(predicted, 1), 3),
                       "recall": round(tp / max(support, 1), 3)}  # fmt: skip
    out["per_clause"] = per
    return out


def dev_sets(data: Path, limit: int | None) -> dict[str, list[tuple[str, int]]]:
    """{set name: [(text, 1 hate / 0 not)]} from the dev sets that are present."""
    import sources
    from sources import calibration_half

    sets: dict[str, list[tuple[str, int]]] = {}
    if (data / "aus-university-tweets").is_dir():
        uni = sources.university(data)
        sets["university (calibration half)"] = [(e.text, 0) for e in uni
                                                 if calibration_half(e)]  # fmt: skip
        sets["university (other half)"] = [(e.text, 0) for e in uni
                                           if not calibration_half(e)]  # fmt: skip
    if (data / "ethos").is_dir():
        sets["ethos"] = [(e.text, int(e.abusive)) for e in sources.ethos(data)
                         if e.abusive is not None]  # fmt: skip
    if (data / "davidson-hate-offensive").is_dir():
        rows = [e for e in sources.davidson(data) if e.meta.get("class") == 0]
        sets["davidson hate class"] = [(e.text, 1) for e in rows]
    if limit:
        sets = {k: v[:limit] for k, v in sets.items()}
    return sets


def print_table(name: str, reports: dict[str, dict]) -> None:
    print(f"\n== {name}")
    keys = [k for k, v in next(iter(reports.values())).items() if not isinstance(v, dict)]
    print(f"{'':28s}" + "".join(f"{e:>16s}" for e in reports))
    for key in keys:
        print(f"{key:28s}" + "".join(f"{str(r.get(key)):>16s}" for r in reports.values()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default=BASELINE, help="git ref of the earlier engine")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "eval" / "dev")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    import drafts

    test = drafts.test()[: args.limit] if args.limit else drafts.test()
    print(f"test split: {len(test)} drafts ({Counter(d.kind for d in test)})")
    engines: dict[str, Path | None] = {"this checkout": None}
    tmp = tempfile.TemporaryDirectory()
    if not args.no_baseline:
        engines[f"baseline {args.baseline}"] = baseline_src(args.baseline, Path(tmp.name))
    sets = dev_sets(args.data, args.limit)
    texts = [d.text for d in test] + [t for rows in sets.values() for t, _ in rows]
    report: dict[str, dict] = {}
    for name, src in engines.items():
        started = time.time()
        results = run_engine(texts, src)
        print(f"{name}: {len(texts)} texts in {time.time() - started:.0f} s")
        report[name] = {"drafts": drafts_report(test, results[: len(test)])}
        at = len(test)
        for set_name, rows in sets.items():
            part = results[at : at + len(rows)]
            at += len(rows)
            pos = [r for (_, y), r in zip(rows, part, strict=True) if y == 1]
            neg = [r for (_, y), r in zip(rows, part, strict=True) if y == 0]
            report[name][set_name] = {
                "n": len(rows),
                "recall": round(sum(r[0] != "ok" for r in pos) / len(pos), 3) if pos else None,
                "flagged_negatives": round(sum(r[0] != "ok" for r in neg) / len(neg), 3)
                if neg else None,
            }  # fmt: skip
    print_table("test split of the drafts corpus", {k: v["drafts"] for k, v in report.items()})
    print("\nper clause (precision / recall, support):")
    first = next(iter(report.values()))["drafts"]["per_clause"]
    for clause, m in first.items():
        cells = [
            f"{r['drafts']['per_clause'][clause]['precision']:.2f} / "
            f"{r['drafts']['per_clause'][clause]['recall']:.2f}"
            for r in report.values()
        ]
        print(f"  {clause:9s} n={m['support']:4d}  " + "   ".join(f"{c:>13s}" for c in cells))
    for set_name in sets:
        print_table(set_name, {k: v[set_name] for k, v in report.items()})
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
