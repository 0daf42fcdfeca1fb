"""`scan --dask` on a real cluster: a `dask scheduler` and two `dask worker` processes on
127.0.0.1, started and stopped by a fixture. The client is `postcheck scan` in its own
process, as users run it; workers check with the real Checker (default settings).

- a Dask scan gives the same records (ids, verdicts, findings, order) as a local scan;
- a worker killed mid-scan loses nothing and duplicates nothing;
- a client killed mid-scan, then `--resume`, loses nothing and duplicates nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from postcheck.cli import main  # noqa: E402
from postcheck.scan import default_checkpoint_path  # noqa: E402

pytestmark = pytest.mark.slow
STARTUP_S = 120


def _dask_command() -> list[str]:
    script = Path(sys.executable).with_name("dask")
    if script.exists():
        return [str(script)]
    found = shutil.which("dask")
    assert found, "the `dask` command (from the distributed package) is not installed"
    return [found]


class Cluster:
    """A scheduler and workers, each its own process (own process group), logs in `folder`."""

    def __init__(self, folder: Path, workers: int):
        self.folder = folder
        self.scheduler_file = folder / "scheduler.json"
        self.scheduler = self._spawn("scheduler", "scheduler", "--host", "127.0.0.1",
                                     "--port", "0", "--no-dashboard")  # fmt: skip
        deadline = time.monotonic() + STARTUP_S
        while not self.scheduler_file.exists() or not self.scheduler_file.read_text():
            assert self.scheduler.poll() is None, self._log("scheduler")
            assert time.monotonic() < deadline, "the scheduler did not start"
            time.sleep(0.1)
        time.sleep(0.2)  # the file is written in one go, but let it land
        self.address = json.loads(self.scheduler_file.read_text())["address"]
        self.workers: list[subprocess.Popen | None] = [None] * workers
        for i in range(workers):
            self.start_worker(i)
        for i in range(workers):
            self.wait_registered(i)

    def _spawn(self, name: str, *args: str) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115 - kept by the process
        extra = [] if args[0] != "scheduler" else ["--scheduler-file", str(self.scheduler_file)]
        # No retries by the scheduler: a batch on a killed worker fails at once with
        # KilledWorker, so the tests exercise the client's own resubmission.
        env = {**os.environ, "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"}
        return subprocess.Popen(
            [*_dask_command(), *args, *extra],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=self.folder,
            env=env,
        )  # fmt: skip

    def _log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")[-3000:]

    def start_worker(self, i: int) -> None:
        (self.folder / f"worker{i}.log").unlink(missing_ok=True)
        self.workers[i] = self._spawn(
            f"worker{i}", "worker", "--scheduler-file", str(self.scheduler_file),
            "--nthreads", "1", "--no-nanny", "--host", "127.0.0.1", "--no-dashboard",
        )  # fmt: skip

    def wait_registered(self, i: int) -> None:
        deadline = time.monotonic() + STARTUP_S
        while "Registered to" not in self._log(f"worker{i}"):
            assert self.workers[i].poll() is None, self._log(f"worker{i}")
            assert time.monotonic() < deadline, f"worker {i} did not register"
            time.sleep(0.1)

    def kill_worker(self, i: int) -> None:
        proc = self.workers[i]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def ensure_workers(self) -> None:
        for i, proc in enumerate(self.workers):
            if proc is None or proc.poll() is not None:
                self.start_worker(i)
                self.wait_registered(i)

    def stop(self) -> None:
        procs = [p for p in [*self.workers, self.scheduler] if p is not None]
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    cluster = Cluster(tmp_path_factory.mktemp("dask"), workers=2)
    try:
        yield cluster
    finally:
        cluster.stop()


# --------------------------------------------------------------------------- data

TEMPLATES = [
    "Lovely trip to the zoo with Year {n} today",
    "Well done to Oliver Bennett in 4C who finally passed his reading test ({n})",
    "Honestly Mr Green you are pathetic at your job, post {n}",
    "Call the office on 020 7946 0{n:03d} for tickets",
    "Year {n} are at Bushy Park until 3pm today",
    "Our choir sang beautifully at assembly number {n}",
    "Parents, add me on Snapchat for trip updates ({n})",  # a breach on words alone
]


def _posts(n: int) -> list[dict]:
    rows = [{"id": f"p{i}", "text": TEMPLATES[i % len(TEMPLATES)].format(n=i),
             "created_at": f"2024-03-{1 + i % 28:02d}T09:00:00Z"} for i in range(n)]  # fmt: skip
    rows[7]["text"] = "   "  # rejected by the checker: an error record
    rows[11]["text"] = rows[5]["text"]  # a repeated text, checked once
    return rows


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict:
    """An export, a postcheck.yml with a roster, and the local scan's records (reference)."""
    folder = tmp_path_factory.mktemp("data")
    posts = folder / "posts.jsonl"
    posts.write_text("".join(json.dumps(r) + "\n" for r in _posts(600)), encoding="utf-8")
    (folder / "roster.csv").write_text("name,role\nOliver Bennett,pupil\n", encoding="utf-8")
    config = folder / "postcheck.yml"
    config.write_text("school: {name: Hillside Primary School}\nroster: roster.csv\n")
    local = folder / "local.jsonl"
    assert main(["scan", str(posts), "--config", str(config), "-o", str(local)]) == 3
    return {"posts": posts, "config": config, "local": _records(local)}


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _client(data: dict, out: Path, address: str, *extra: str) -> subprocess.Popen:
    argv = ["scan", str(data["posts"]), "--config", str(data["config"]), "-o", str(out),
            "--dask", address, *extra]  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-c", "import sys; from postcheck.cli import main; sys.exit(main())",
         *argv],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip


def _done_so_far(checkpoint: Path) -> int:
    try:
        return sum(json.loads(checkpoint.read_text())["done"])
    except (OSError, ValueError, KeyError):
        return 0


def _wait_for_progress(proc: subprocess.Popen, checkpoint: Path, at_least: int) -> None:
    deadline = time.monotonic() + STARTUP_S
    while _done_so_far(checkpoint) < at_least and proc.poll() is None:
        assert time.monotonic() < deadline, "the scan made no progress"
        time.sleep(0.02)
    assert proc.poll() is None, proc.communicate()


def _assert_same_as_local(out: Path, data: dict) -> None:
    records = _records(out)
    assert [r["id"] for r in records] == [f"p{i}" for i in range(600)]  # each once, in order
    assert records == data["local"]  # same verdicts, findings and scores
    assert not list(out.parent.glob(f".{out.name}*")), "temporary files left behind"
    assert not list(out.parent.glob(f"{out.name}.postcheck-checkpoint*"))


# --------------------------------------------------------------------------- tests


def test_dask_scan_equals_local_scan(cluster, data, tmp_path):
    cluster.ensure_workers()
    out = tmp_path / "dask.jsonl"
    proc = _client(data, out, cluster.address)
    stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 3, stderr  # one empty post could not be checked
    assert "600 posts read" in stderr
    _assert_same_as_local(out, data)
    breaches = [r for r in data["local"] if r["verdict"] == "breach"]
    roster = [r for r in data["local"] for f in r.get("findings", []) for h in f["evidence"]
              if h["label"] == "PUPIL"]  # fmt: skip
    assert breaches and roster, "the reference should hold breaches and roster findings"


def test_a_worker_killed_mid_scan_loses_nothing(cluster, data, tmp_path):
    cluster.ensure_workers()
    out = tmp_path / "dask.jsonl"
    proc = _client(data, out, cluster.address)
    _wait_for_progress(proc, default_checkpoint_path(out), at_least=64)
    cluster.kill_worker(0)  # SIGKILL, mid-batch: its batches must be checked elsewhere
    stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 3, stderr
    _assert_same_as_local(out, data)
    assert "marked as failed because 1 workers died" in cluster._log("scheduler")


def test_client_killed_then_resume_loses_nothing(cluster, data, tmp_path):
    cluster.ensure_workers()
    out = tmp_path / "dask.jsonl"
    checkpoint = default_checkpoint_path(out)
    proc = _client(data, out, cluster.address)
    _wait_for_progress(proc, checkpoint, at_least=64)
    time.sleep(0.13)  # somewhere between two checkpoints
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not out.exists()
    resumed = _done_so_far(checkpoint)
    proc = _client(data, out, cluster.address, "--resume")
    stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 3, stderr
    assert resumed > 0
    _assert_same_as_local(out, data)


def _port_nobody_listens_on() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_scheduler_address_where_nothing_listens_fails_at_once(loopback):
    from postcheck.errors import InputError
    from postcheck.scan.executors.dask_cluster import DaskExecutor, _nobody_listens

    address = f"tcp://127.0.0.1:{_port_nobody_listens_on()}"
    assert "nothing is listening" in _nobody_listens(address)
    with pytest.raises(InputError) as err:
        DaskExecutor(dict, address)  # refused at once, not after CONNECT_TIMEOUT_S
    assert address in err.value.message and "nothing is listening" in err.value.message
    assert err.value.where == "--dask" and "start the scheduler" in err.value.fix


def test_a_scheduler_address_that_answers_is_left_to_dask(loopback):
    import socket

    from postcheck.scan.executors.dask_cluster import _nobody_listens

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert _nobody_listens(f"tcp://127.0.0.1:{port}") is None
        assert _nobody_listens(f"127.0.0.1:{port}") is None
    assert _nobody_listens("tls://127.0.0.1:8786") is None  # not a plain address: Dask's
