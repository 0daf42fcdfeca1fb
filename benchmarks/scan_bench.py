"""Scan throughput and memory, with presidio's BatchAnalyzerEngine alone as the base.

    python benchmarks/scan_bench.py                      # 20,000 posts, workers 1 and 2
    python benchmarks/scan_bench.py --posts 2000 --workers 2
    python benchmarks/scan_bench.py --memory 20000 200000 --workers 2   # flat memory?

Generates an X archive (`data/tweets.js` with the `window.YTD` prefix, `account.js`)
of N varied posts (names, classes, phone numbers, insults, links, emoji, long posts,
about 3% repeated texts as retweets and cross-posts do), then, each in a fresh
process so memory figures don't mix:

- `scan` (the same path as `postcheck scan -o FILE -f jsonl`: journal, checkpoint,
  atomic output) with --workers 1 and 2;
- presidio's BatchAnalyzerEngine alone on the same texts (the base of the ratio),
  with the same number of worker processes, each loading its own engine.

Prints posts/s on wall time (start-up included) and steady state (after the models
are loaded), peak RSS of the main process and of the largest worker. No assertions.
`--toxicity keyword` uses a keyword stand-in where the embedded model is unavailable;
`--toxicity null` replaces the Checker by one that answers ok (the pipeline alone).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from sample_posts import CLASSES, FIRST, LAST, PLACES, TEMPLATES, TIMES  # noqa: E402

EXTRA = [
    "Week {w} newsletter is out now.",
    "Photos from {place} are on the website (gallery {w}).",
    "Thank you to the {n} families who came along!",
    "Tickets: £{n} each, cash or card.",
    "Lost property: a blue coat with {first}'s name in it.",
    "Our {cls} assembly starts at 9.{n:02d}.",
    "Reply to this post with your best book of week {w} 📚",
    "Wow, what an amazing term, thank you all so much. " * 3,
]


def generate_archive(folder: Path, n: int, seed: int = 11) -> Path:
    """An X archive folder with `n` posts, written as it is generated (flat memory)."""
    rng = random.Random(seed)
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "account.js").write_text(
        'window.YTD.account.part0 = [{"account": {"username": "HillsidePrimary", '
        '"accountId": "1"}}]\n',
        encoding="utf-8",
    )
    recent: list[str] = []
    with open(data / "tweets.js", "w", encoding="utf-8") as out:
        out.write("window.YTD.tweets.part0 = [\n")
        for i in range(n):
            if recent and rng.random() < 0.03:
                text = rng.choice(recent)  # a retweet or cross-post of an earlier text
            else:
                fill = {
                    "first": rng.choice(FIRST), "last": rng.choice(LAST),
                    "cls": rng.choice(CLASSES), "place": rng.choice(PLACES),
                    "time": rng.choice(TIMES), "n": rng.randrange(100), "w": 1 + i % 39,
                }  # fmt: skip
                text = rng.choice(TEMPLATES).format(**fill)
                text += " " + rng.choice(EXTRA).format(**fill)
                if rng.random() < 0.25:
                    text += " " + rng.choice(TEMPLATES).format(**fill)
                text += f" #{rng.choice(['school', 'proud', 'news', 'pta'])}{i}"
                recent = (recent + [text])[-200:]
            stamp = time.gmtime(1_600_000_000 + i * 3_600)
            tweet = {
                "tweet": {
                    "id_str": str(1_500_000_000_000_000_000 + i),
                    "created_at": time.strftime("%a %b %d %H:%M:%S +0000 %Y", stamp),
                    "full_text": text.replace("&", "&amp;"),
                    "entities": {"hashtags": [], "urls": [], "user_mentions": []},
                    "lang": "en",
                }
            }
            out.write(("" if i == 0 else ",\n") + json.dumps(tweet, ensure_ascii=False))
        out.write("\n]\n")
    return folder


# --------------------------------------------------------------------------- children


def build_checker(toxicity: str):
    """The Checker a worker uses (module level, so worker processes can unpickle it)."""
    from postcheck.config import Config, load_config
    from postcheck.engine import Checker

    if toxicity == "null":  # no models: measures the scan pipeline alone
        return NullChecker()
    if toxicity == "keyword":
        from postcheck.toxicity_backends import register_backend

        sys.path.insert(0, str(HERE.parent / "tests"))
        from doubles import KeywordToxicity

        register_backend("keyword-double")(lambda options: KeywordToxicity())
        return Checker(Config(toxicity={"backend": "keyword-double"}))
    return Checker(load_config())


class NullChecker:
    """Answers ok at once: isolates the memory and speed of reading, queueing and writing."""

    def check_many(self, posts, batch_size: int = 64):
        from postcheck.schema import Verdict

        for post in posts:
            yield Verdict(verdict="ok", post=post)


def _peaks() -> dict:
    return {
        "main_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def child_scan(archive: str, workers: int, toxicity: str) -> dict:
    from postcheck.scan import default_checkpoint_path, open_output, scan

    marks: list[tuple[float, int]] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.jsonl"
        started = time.perf_counter()
        summary = scan(
            [archive],
            checker_factory=functools.partial(build_checker, toxicity),
            output_writer=open_output("jsonl", out),
            checkpoint_path=default_checkpoint_path(out),
            workers=workers,
            progress=lambda p: marks.append((time.perf_counter(), p.done)),
        )
        wall = time.perf_counter() - started
        with open(out, encoding="utf-8") as lines_in:
            lines = sum(1 for _ in lines_in)
    first = next(((t, d) for t, d in marks if d > 0), (started, 0))
    steady = (summary.read - first[1]) / max(marks[-1][0] - first[0], 1e-9)
    return {
        "posts": summary.read, "lines": lines, "wall_s": wall,
        "wall_posts_per_s": summary.read / wall, "steady_posts_per_s": steady,
        "duplicates": summary.duplicates, "reconciles": summary.reconciles,
        "counts": {k: getattr(summary, k) for k in ("ok", "doubt", "breach", "error")},
        **_peaks(),
    }  # fmt: skip


def presidio_worker(texts: list[str]) -> dict:
    from peers import presidio_analyzer
    from presidio_analyzer import BatchAnalyzerEngine

    analyzer = presidio_analyzer()
    batch = BatchAnalyzerEngine(analyzer_engine=analyzer)
    started = time.perf_counter()
    found = sum(len(r) for r in batch.analyze_iterator(texts, language="en", batch_size=64))
    return {
        "n": len(texts),
        "seconds": time.perf_counter() - started,
        "found": found,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def child_presidio(archive: str, workers: int) -> dict:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from postcheck.readers import read_posts
    from postcheck.schema import Post

    texts = [p.text for p in read_posts(archive) if isinstance(p, Post)]
    started = time.perf_counter()
    if workers == 1:
        parts = [presidio_worker(texts)]
    else:
        chunks = [texts[i::workers] for i in range(workers)]
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
            parts = list(pool.map(presidio_worker, chunks))
    wall = time.perf_counter() - started
    return {
        "posts": len(texts), "wall_s": wall, "wall_posts_per_s": len(texts) / wall,
        "steady_posts_per_s": len(texts) / max(p["seconds"] for p in parts),
        "worker_peak_mb": max(p["peak_mb"] for p in parts) if workers > 1 else None,
        "main_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }  # fmt: skip


def _run_child(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=20_000, help="archive size (default 20000)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--toxicity",
        choices=["default", "keyword", "null"],
        default="default",
        help="keyword: a stand-in for the embedded model; null: no Checker at all (pipeline only)",
    )
    parser.add_argument("--memory", type=int, nargs="+", metavar="N",
                        help="only compare scan memory across these archive sizes")  # fmt: skip
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, archive, workers, toxicity = args.child
        result = (
            child_scan(archive, int(workers), toxicity)
            if kind == "scan"
            else child_presidio(archive, int(workers))
        )
        print(json.dumps(result))
        return

    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        if args.memory:
            print(f"\nscan memory (workers {args.workers[-1]}, toxicity {args.toxicity}):")
            print(f"{'posts':>9}{'posts/s':>10}{'main MB':>9}{'worker MB':>11}")
            for n in args.memory:
                archive = generate_archive(Path(tmp) / f"x{n}", n)
                r = _run_child("scan", str(archive), str(args.workers[-1]), args.toxicity)
                print(f"{n:9,}{r['wall_posts_per_s']:10.1f}{r['main_peak_mb']:9.0f}"
                      f"{r['worker_peak_mb']:11.0f}")  # fmt: skip
            return
        archive = generate_archive(Path(tmp) / "x", args.posts)
        size = (archive / "data" / "tweets.js").stat().st_size / 1e6
        print(f"archive: {args.posts:,} posts, tweets.js {size:.1f} MB; toxicity: {args.toxicity}")
        rows = []
        for workers in args.workers:
            base = _run_child("presidio", str(archive), str(workers), args.toxicity)
            mine = _run_child("scan", str(archive), str(workers), args.toxicity)
            rows.append((workers, base, mine))
        print(
            f"\n{'':28}{'wall s':>8}{'wall p/s':>10}{'steady p/s':>12}{'main MB':>9}"
            f"{'worker MB':>11}"
        )
        for workers, base, mine in rows:
            for label, r in ((f"presidio batch, {workers} proc", base),
                             (f"postcheck scan, {workers} proc", mine)):  # fmt: skip
                worker_mb = f"{r['worker_peak_mb']:11.0f}" if r.get("worker_peak_mb") else (
                    f"{'(in main)':>11}")  # fmt: skip
                print(
                    f"{label:28}{r['wall_s']:8.1f}{r['wall_posts_per_s']:10.1f}"
                    f"{r['steady_posts_per_s']:12.1f}{r['main_peak_mb']:9.0f}{worker_mb}"
                )
            print(
                f"  ratio scan/presidio, {workers} proc: wall "
                f"{mine['wall_posts_per_s'] / base['wall_posts_per_s']:.2f}x, steady "
                f"{mine['steady_posts_per_s'] / base['steady_posts_per_s']:.2f}x; "
                f"{mine['duplicates']} repeated texts checked once; output lines "
                f"{mine['lines']} = posts {mine['posts']}; reconciles {mine['reconciles']}; "
                f"{mine['counts']}"
            )


if __name__ == "__main__":
    main()
