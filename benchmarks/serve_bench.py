"""`postcheck serve` speed: a warm check over HTTP, and the review page of a big scan.

    python benchmarks/serve_bench.py                   # 300 checks; a 20,000-post scan
    python benchmarks/serve_bench.py --checks 100 --posts 20000 --flagged 500

Starts `postcheck serve --scan` in its own process (real uvicorn on 127.0.0.1, default
models) and prints:

1. warm `POST /api/check` for a 200-character draft: median and p95 over HTTP (httpx,
   one connection kept open), beside the same draft through `Checker.check` in this
   process (the engine alone: the server's overhead is the difference) and presidio's
   `analyze` alone on the same draft (the peer: what any check pays at least), in slices
   of 50 in turn; then `--paced` requests with a pause before each, as the staff page sends
   them while a teacher types; and one cold `postcheck check` process for what a teacher
   paid before;
2. the review page of a synthetic scan (`--posts` posts of which `--flagged` are flagged,
   drawn from fewer distinct texts so that some repeat, as real accounts do): the time
   the server takes to read the scan, `GET /review` over HTTP (server + transfer), a
   filtered `GET /review?q=...`, and, when Debian's chromium and chromium-driver are
   installed, the page load in the browser (navigation start to the load event, from
   the Navigation Timing API), beside the static HTML report (`scan -f html`) of the same
   posts loaded in the same browser.
No assertions: figures to read.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

DRAFT = (
    "Well done to everyone in Year 5 for a brilliant trip to the Science Museum today. "
    "Special thanks to Mrs Patel and the parent helpers. Photos will be on the school "
    "website on Friday, see you there!"
)
#: Seconds between the paced requests (`--paced`).
PAUSE_S = 0.3
#: Checks in a row on one side (HTTP, or the engine in this process) before the other's turn.
SLICE = 50
FLAGGED_TEXTS = [
    "Honestly Mr Green you are pathetic at your job, year {n} deserve better",
    "Text me on 07700 900{n:03d} if your child is off tomorrow",
    "Well done to Oliver Bennett in 4C who finally passed his reading test ({n})",
    "Year {n} are at Bushy Park until 3pm today, come and find us",
    "That ref was an absolute idiot at the match on Saturday ({n})",
]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def synthetic_scan(path: Path, posts: int, flagged: int, distinct: int) -> list[dict]:
    """A scan's JSONL: `flagged` doubt/breach records from `distinct` texts, the rest ok."""
    from postcheck.decisions import fingerprint

    rng = random.Random(14)
    texts = [FLAGGED_TEXTS[i % len(FLAGGED_TEXTS)].format(n=i) for i in range(distinct)]
    flagged_at = set(rng.sample(range(posts), flagged))
    start = datetime(2022, 9, 1, tzinfo=UTC)
    records = []
    for i in range(posts):
        when = (start + timedelta(hours=3 * i)).isoformat()
        if i in flagged_at:
            text = texts[rng.randrange(distinct)]
            words = text.split()
            a = len(" ".join(words[:2])) + 1
            b = a + len(" ".join(words[2:5]))
            finding = {
                "rule": rng.choice(["bullying_insult", "threats", "pupil_attainment"]),
                "clause": rng.choice(["§5.2(b)", "§5.2(a)", "§6.2(a)"]),
                "quote": "amounts to bullying", "severity": rng.choice(["breach", "doubt"]),
                "message": "This reads as an insult aimed at a person.",
                "suggestion": "Remove the personal remark.", "start": a, "end": b,
                "text": text[a:b], "evidence": [], "decision": None,
            }  # fmt: skip
            verdict = finding["severity"]
            findings = [finding]
        else:
            text = f"Lovely day at school number {i}, well done everyone!"
            verdict, findings = "ok", []
        records.append({
            "schema_version": "1.0", "verdict": verdict, "findings": findings, "scores": {},
            "personal_data": [], "redacted": False, "id": str(i),
            "url": f"https://x.com/school/status/{i}", "date": when,
            "source": f"twitter:tweets.js#{i}", "fingerprint": fingerprint(text), "text": text,
        })  # fmt: skip
    with path.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return records


def html_report(records: list[dict], path: Path) -> None:
    """The static report (`scan -f html`) of the same records: the page a lead had before."""
    from postcheck.output.html import HtmlWriter
    from postcheck.schema import Finding, Post, Verdict

    with path.open("w", encoding="utf-8") as fh:
        writer = HtmlWriter(fh)
        for r in records:
            when = datetime.fromisoformat(r["date"])
            post = Post(id=r["id"], text=r["text"], url=r["url"], created_at=when,
                        source=r["source"])  # fmt: skip
            findings = [Finding(**f) for f in r["findings"]]
            writer.write(Verdict(verdict=r["verdict"], findings=findings, post=post))
        writer.close(None)


def browser_load_ms(urls: dict[str, str], runs: int) -> dict[str, list[float]] | None:
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver_path):
        return None
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    profile = tempfile.mkdtemp(prefix="postcheck-bench-")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking",
                f"--user-data-dir={profile}", "--window-size=1280,900"):  # fmt: skip
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    out: dict[str, list[float]] = {name: [] for name in urls}
    try:
        for _ in range(runs):
            for name, url in urls.items():  # alternately, so both meet the same machine
                driver.get("about:blank")
                driver.get(url)
                timing = driver.execute_script(
                    "const t = performance.getEntriesByType('navigation')[0];"
                    "return [t.loadEventEnd, t.domContentLoadedEventEnd];"
                )
                out[name].append(float(timing[0]))
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=300)
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--flagged", type=int, default=500)
    parser.add_argument("--distinct", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5, help="page loads of each page")
    parser.add_argument("--paced", type=int, default=100,
                        help=f"requests with {PAUSE_S} s between them (0: none)")  # fmt: skip
    args = parser.parse_args()
    import httpx

    print(f"draft: {len(DRAFT)} characters")
    work = Path(tempfile.mkdtemp(prefix="postcheck-serve-bench-"))
    scan_path = work / "verdicts.jsonl"
    records = synthetic_scan(scan_path, args.posts, args.flagged, args.distinct)
    config = work / "postcheck.yml"
    config.write_text("max_chars: 100000\n")
    port = free_port()
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "postcheck.cli", "serve", "--port", str(port), "--config",
         str(config), "--scan", str(scan_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            while True:
                try:
                    client.get("/api/health")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            print(
                f"server ready (models loaded, scan read) in {time.perf_counter() - started:.2f} s"
            )

            from postcheck.config import load_config
            from postcheck.engine import Checker

            checker = Checker(load_config(config))
            from peers import presidio_analyzer

            analyzer = presidio_analyzer()
            for _ in range(20):
                client.post("/api/check", json={"text": DRAFT})
                checker.check(DRAFT)
                analyzer.analyze(text=DRAFT, language="en")
            http_ms, engine_ms, presidio_ms = [], [], []
            # alternately in slices of SLICE, so both meet the same machine, but each slice
            # alone on it, as one teacher's checks are: request by request, the other
            # process's work would take the core the checker's helper thread looks for
            # (`postcheck.engine.spare_core`)
            for start in range(0, args.checks, SLICE):
                n = min(SLICE, args.checks - start)
                for _ in range(n):
                    t = time.perf_counter()
                    r = client.post("/api/check", json={"text": DRAFT})
                    http_ms.append((time.perf_counter() - t) * 1000)
                    r.raise_for_status()
                for _ in range(n):
                    t = time.perf_counter()
                    checker.check(DRAFT)
                    engine_ms.append((time.perf_counter() - t) * 1000)
                for _ in range(n):
                    t = time.perf_counter()
                    analyzer.analyze(text=DRAFT, language="en")
                    presidio_ms.append((time.perf_counter() - t) * 1000)
            print(
                f"warm POST /api/check, {args.checks} requests: median "
                f"{statistics.median(http_ms):.1f} ms, p95 {pct(http_ms, 0.95):.1f} ms"
            )
            print(
                f"  the engine alone (Checker.check, in this process): median "
                f"{statistics.median(engine_ms):.1f} ms, p95 {pct(engine_ms, 0.95):.1f} ms"
            )
            print(
                f"  peer: presidio AnalyzerEngine.analyze alone (same spaCy model, this "
                f"process): median {statistics.median(presidio_ms):.1f} ms; the API / presidio "
                f"{statistics.median(http_ms) / statistics.median(presidio_ms):.2f}x"
            )
            if args.paced:
                # as the staff page sends them: one check, then a pause while the teacher
                # types (the page waits for a pause in typing before it asks)
                paced_ms = []
                for _ in range(args.paced):
                    time.sleep(PAUSE_S)
                    t = time.perf_counter()
                    client.post("/api/check", json={"text": DRAFT}).raise_for_status()
                    paced_ms.append((time.perf_counter() - t) * 1000)
                print(
                    f"  with {PAUSE_S} s between requests ({args.paced}, as a teacher types): "
                    f"median {statistics.median(paced_ms):.1f} ms, p95 {pct(paced_ms, 0.95):.1f} ms"
                )
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "postcheck.cli", "check", "--config",
                            str(config), DRAFT], capture_output=True, check=False)  # fmt: skip
            print(f"  one cold `postcheck check` process: {time.perf_counter() - t:.2f} s")

            print(f"\nreview page: {args.posts:,} posts, {args.flagged} flagged, "
                  f"{args.distinct} distinct flagged texts")  # fmt: skip
            from postcheck.serve.review import ReviewState

            t = time.perf_counter()
            state = ReviewState(scan_path)
            print(f"  reading the scan (ReviewState): {(time.perf_counter() - t) * 1000:.0f} ms, "
                  f"{len(state.groups)} groups")  # fmt: skip
            page_ms, sizes = [], []
            for _ in range(args.runs):
                t = time.perf_counter()
                r = client.get("/review")
                page_ms.append((time.perf_counter() - t) * 1000)
                sizes.append(len(r.content))
            shown = min(100, len(state.groups))
            print(f"  GET /review over HTTP: median {statistics.median(page_ms):.0f} ms "
                  f"({sizes[0] / 1024:.0f} KiB, the first {shown} groups)")  # fmt: skip
            search_ms = []
            for word in ("idiot", "07700", "bushy", "reading", "nothing-matches"):
                t = time.perf_counter()
                client.get("/review", params={"q": word, "verdict": "breach"})
                search_ms.append((time.perf_counter() - t) * 1000)
            print(
                f"  GET /review?q=...&verdict=breach: median {statistics.median(search_ms):.0f} ms"
            )

            report = work / "report.html"
            html_report(records, report)
            loads = browser_load_ms({"review": base + "/review", "report": report.as_uri()},
                                    args.runs)  # fmt: skip
            if loads is None:
                print("  (no chromium/chromedriver: browser page loads not measured)")
            else:
                print(f"  in chromium, navigation start to load event, median of {args.runs}:")
                print(f"    review page /review: {statistics.median(loads['review']):.0f} ms")
                print(f"    static HTML report of the same scan ({report.stat().st_size / 1024:.0f}"
                      f" KiB, all {args.flagged} flagged posts): "
                      f"{statistics.median(loads['report']):.0f} ms")  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
