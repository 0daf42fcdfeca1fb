"""`scan --dask` beside local `--workers`, on the same archive in the same run, and memory.

    python benchmarks/dask_bench.py                         # 4,000 posts: local 1/2, Dask 1/2
    python benchmarks/dask_bench.py --posts 20000
    python benchmarks/dask_bench.py --memory 20000 200000   # client memory, Dask 2 workers

Generates an X archive (the one `scan_bench.py` makes), then, each scan in a fresh client
process so memory figures don't mix, in this order: local --workers 1, Dask 1 worker,
local --workers 2, Dask 2 workers. The Dask cluster is real: a `dask scheduler` and N
`dask worker --nthreads 1 --no-nanny` processes on 127.0.0.1 (one BLAS thread each, as
local workers have), started before and stopped after
each Dask scan, so the client's memory is the client's alone. Every scan is the path of
`postcheck scan -o FILE -f jsonl` (journal, checkpoint, atomic output).

Prints posts/s on wall time (start-up and model loading included) and steady state
(from the first result on); CPU ms per post, all processes together (client, scheduler,
workers; model loading included), which a busy shared machine disturbs far less than
wall time; the client's peak RSS, the workers' peak RSS, and a paper
estimate for 10 million posts from the measured per-worker rate and the client's own
ceiling (the pipeline with a Checker that answers at once). No assertions.
`--memory` uses `--toxicity null` unless told otherwise: the client's memory does not
depend on what the workers run, and 200,000 real checks take too long on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from scan_bench import generate_archive  # noqa: E402


def child_scan(archive: str, executor: str, workers: int, address: str, toxicity: str) -> dict:
    import functools

    from scan_bench import build_checker

    from postcheck.scan import default_checkpoint_path, open_output, scan

    marks: list[tuple[float, int]] = []
    options = {"address": address} if executor == "dask" else {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.jsonl"
        started = time.perf_counter()
        summary = scan(
            [archive],
            checker_factory=functools.partial(build_checker, toxicity),
            output_writer=open_output("jsonl", out),
            checkpoint_path=default_checkpoint_path(out),
            workers=workers, executor=executor, executor_options=options,
            progress=lambda p: marks.append((time.perf_counter(), p.done)),
        )  # fmt: skip
        wall = time.perf_counter() - started
        with open(out, encoding="utf-8") as lines_in:
            lines = sum(1 for _ in lines_in)
    first = next(((t, d) for t, d in marks if d > 0), (started, 0))
    steady = (summary.read - first[1]) / max(marks[-1][0] - first[0], 1e-9)
    return {
        "posts": summary.read, "lines": lines, "wall_s": wall,
        "wall_posts_per_s": summary.read / wall, "steady_posts_per_s": steady,
        "reconciles": summary.reconciles,
        "counts": {k: getattr(summary, k) for k in ("ok", "doubt", "breach", "error")},
        "client_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "cpu_s": sum(getattr(resource.getrusage(who), f) for f in ("ru_utime", "ru_stime")
                     for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)),
        "local_worker_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }  # fmt: skip


def _run_child(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


class Cluster:
    """`dask scheduler` + N `dask worker --nthreads 1` on 127.0.0.1 (as README.md shows)."""

    def __init__(self, folder: Path, workers: int):
        dask = shutil.which("dask", path=str(Path(sys.executable).parent)) or "dask"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), *sys.path[1:]])}
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(var, "1")  # as a nanny sets them, and local --workers does
        env.setdefault("DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED", "False")  # as README.md says
        file = folder / "scheduler.json"
        file.unlink(missing_ok=True)
        self.logs = folder
        common = {"stdout": subprocess.DEVNULL, "stderr": subprocess.STDOUT, "env": env,
                  "start_new_session": True}  # fmt: skip
        self.procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0",
                                        "--no-dashboard", "--scheduler-file", str(file)],
                                       **common)]  # fmt: skip
        while not file.exists() or not file.read_text():
            time.sleep(0.1)
        time.sleep(0.2)
        self.address = json.loads(file.read_text())["address"]
        for _ in range(workers):
            self.procs.append(subprocess.Popen(
                [dask, "worker", "--scheduler-file", str(file), "--nthreads", "1", "--no-nanny",
                 "--host", "127.0.0.1", "--no-dashboard"], **common))  # fmt: skip

    def worker_peaks_mb(self) -> list[float]:
        peaks = []
        for proc in self.procs[1:]:
            status = Path(f"/proc/{proc.pid}/status")
            if status.exists():
                for line in status.read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks.append(int(line.split()[1]) / 1024)
        return peaks

    def cpu_s(self) -> float:
        """CPU seconds the scheduler and workers have used so far."""
        total = 0.0
        for proc in self.procs:
            stat = Path(f"/proc/{proc.pid}/stat")
            if stat.exists():
                fields = stat.read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def stop(self) -> None:
        for proc in self.procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def measure(archive: Path, executor: str, workers: int, toxicity: str, tmp: Path) -> dict:
    if executor == "local":
        result = _run_child(str(archive), "local", str(workers), "-", toxicity)
        result["worker_peak_mb"] = result["local_worker_peak_mb"] if workers > 1 else None
        return result
    cluster = Cluster(tmp, workers)
    try:
        result = _run_child(str(archive), "dask", str(workers), cluster.address, toxicity)
        peaks = cluster.worker_peaks_mb()
        result["cpu_s"] += cluster.cpu_s()
        result["worker_peak_mb"] = max(peaks) if peaks else None
    finally:
        cluster.stop()
    return result


def _row(label: str, r: dict) -> str:
    worker = f"{r['worker_peak_mb']:11.0f}" if r.get("worker_peak_mb") else f"{'(in main)':>11}"
    return (f"{label:24}{r['wall_s']:8.1f}{r['wall_posts_per_s']:10.1f}"
            f"{r['steady_posts_per_s']:12.1f}{1000 * r['cpu_s'] / r['posts']:9.1f}"
            f"{r['client_peak_mb']:11.0f}{worker}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=4_000, help="archive size (default 4000)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--toxicity", choices=["default", "keyword", "null"], default=None,
        help="as in scan_bench.py (default: default; null for --memory)",
    )  # fmt: skip
    parser.add_argument(
        "--memory", type=int, nargs="+", metavar="N",
        help="only compare the client's memory across these archive sizes",
    )  # fmt: skip
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        archive, executor, workers, address, toxicity = args.child
        print(json.dumps(child_scan(archive, executor, int(workers), address, toxicity)))
        return

    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    head = (f"{'':24}{'wall s':>8}{'wall p/s':>10}{'steady p/s':>12}{'CPU ms':>9}"
            f"{'client MB':>11}{'worker MB':>11}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if args.memory:
            toxicity = args.toxicity or "null"
            workers = args.workers[-1]
            print(f"\nclient memory, Dask {workers} workers, toxicity {toxicity}:")
            print(f"{'posts':>9}{'wall p/s':>10}{'client MB':>11}{'worker MB':>11}")
            for n in args.memory:
                archive = generate_archive(tmp / f"x{n}", n)
                r = measure(archive, "dask", workers, toxicity, tmp)
                assert r["lines"] == r["posts"] == n and r["reconciles"]
                print(f"{n:9,}{r['wall_posts_per_s']:10.1f}{r['client_peak_mb']:11.0f}"
                      f"{r['worker_peak_mb'] or 0:11.0f}")  # fmt: skip
                shutil.rmtree(archive)
            return
        toxicity = args.toxicity or "default"
        archive = generate_archive(tmp / "x", args.posts)
        print(f"archive: {args.posts:,} posts; toxicity: {toxicity}")
        results: dict[tuple[str, int], dict] = {}
        for workers in args.workers:
            for executor in ("local", "dask"):
                results[executor, workers] = measure(archive, executor, workers, toxicity, tmp)
        ceiling = _run_child(str(archive), "local", "1", "-", "null")
        print("\n" + head)
        for workers in args.workers:
            local, dask = results["local", workers], results["dask", workers]
            print(_row(f"local --workers {workers}", local))
            print(_row(f"dask, {workers} worker(s)", dask))
            same = (local["counts"] == dask["counts"]) and local["lines"] == dask["lines"]
            print(f"  dask/local at {workers} worker(s): wall "
                  f"{dask['wall_posts_per_s'] / local['wall_posts_per_s']:.2f}x, steady "
                  f"{dask['steady_posts_per_s'] / local['steady_posts_per_s']:.2f}x, "
                  f"CPU per post {local['cpu_s'] / dask['cpu_s']:.2f}x; "
                  f"same counts {same}: {dask['counts']}")  # fmt: skip
        print(_row("client ceiling (null)", ceiling))
        best = max(args.workers)
        per_worker = results["dask", best]["steady_posts_per_s"] / best
        cap = ceiling["wall_posts_per_s"]
        print(f"\npaper estimate for 10,000,000 posts, from {per_worker:.0f} posts/s per Dask "
              f"worker (steady, {best} worker(s) on this machine, one core each) and a client "
              f"ceiling of {cap:,.0f} posts/s (reading, queueing, journal, output):")  # fmt: skip
        for n in (8, 16, 32, 64, 128):
            rate = min(n * per_worker, cap)
            limit = " (client-bound)" if n * per_worker > cap else ""
            print(f"  {n:4} workers: {rate:8,.0f} posts/s, {10_000_000 / rate / 3600:6.1f} h"
                  f"{limit}")  # fmt: skip
        for hours in (8, 1):
            need = 10_000_000 / (hours * 3600) / per_worker
            print(
                f"  to finish in {hours} h: {need:.0f} workers (if the client keeps up: "
                f"{'yes' if need * per_worker <= cap else 'no, it is the bottleneck'})"
            )


if __name__ == "__main__":
    main()
