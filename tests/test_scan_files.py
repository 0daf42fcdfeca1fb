"""`scan`'s files and processes, tried as a careless user and an attacker would.

- two scans writing the same -o: the second refuses clearly, the first loses nothing;
- reports, journals, checkpoints and temp files are private (0600), never written
  through a symlink; stale temp files are removed; nothing is left after a scan;
- the journal holds no personal data under --redact, and the redacted report is the same;
- -o into a missing folder or naming a folder is refused before scanning;
- --workers is capped at the core count unless forced; workers die with the main process;
- exit codes: 0 clean, 1 findings, 2 usage or input error, 3 records that could not be read.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_scan import _done_so_far, _start, jsonl_file, many_posts, run

from postcheck.cli import _scan_executor, main
from postcheck.errors import InputError
from postcheck.scan import default_checkpoint_path, open_output
from postcheck.scan.journal import Journal, ScanLock
from postcheck.schema import Post


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --------------------------------------------------------------------------- the lock


def test_a_second_scan_on_the_same_output_refuses_and_the_first_loses_nothing(
    tmp_path, double_config, capsys
):
    n = 1500
    data = jsonl_file(tmp_path / "posts.jsonl", many_posts(n, distinct=n))
    out = tmp_path / "out.jsonl"
    first = _start(tmp_path, data, out, resume=False)  # slow checker: about 3 s
    deadline = time.monotonic() + 120
    while _done_so_far(default_checkpoint_path(out)) < 100:
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    code = main(["scan", str(data), "--config", str(double_config), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert "another postcheck scan (process " in err and str(out) in err
    assert "Traceback" not in err
    stdout, stderr = first.communicate(timeout=300)
    assert first.returncode == 0, stderr
    ids = [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert ids == [f"p{i}" for i in range(n)]
    assert not list(tmp_path.glob("out.jsonl.postcheck-checkpoint*"))


def test_the_lock_is_released_when_its_holder_is_killed(tmp_path):
    lock_path = tmp_path / "x.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; "
         "from postcheck.scan.journal import ScanLock; "
         f"ScanLock(Path({str(lock_path)!r}), 'x').acquire(); print('held', flush=True); "
         "time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(InputError, match=f"process {holder.pid}"):
        ScanLock(lock_path, "x").acquire()
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    lock = ScanLock(lock_path, "x")
    lock.acquire()  # the system released the dead holder's lock
    lock.release()
    assert not lock_path.exists()


# --------------------------------------------------------------------------- files


def test_report_journal_and_checkpoint_are_private(tmp_path):
    path = jsonl_file(tmp_path / "a.jsonl", many_posts(300))
    out = tmp_path / "out.csv"
    checkpoint = default_checkpoint_path(out)
    modes: dict[str, int] = {}

    def look(_progress):
        for name, p in (("journal", Path(f"{checkpoint}.jsonl")), ("checkpoint", checkpoint),
                        ("lock", Path(f"{checkpoint}.lock"))):  # fmt: skip
            if p.exists():
                modes[name] = _mode(p)

    run([path], writer=open_output("csv", out), checkpoint_path=checkpoint, progress=look)
    assert modes == {"journal": 0o600, "checkpoint": 0o600, "lock": 0o600}
    assert _mode(out) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl", "out.csv"]


def test_no_file_is_written_through_a_symlink(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    path = jsonl_file(tmp_path / "a.jsonl", many_posts(50))
    out = tmp_path / "out.jsonl"
    checkpoint = default_checkpoint_path(out)
    for planted in (Path(f"{checkpoint}.jsonl"), checkpoint,
                    tmp_path / f".out.jsonl.tmp-{os.getpid()}",  # the old, predictable names
                    tmp_path / f".{checkpoint.name}.tmp-{os.getpid()}"):  # fmt: skip
        planted.symlink_to(victim)
    summary, _ = run([path], writer=open_output("jsonl", out), checkpoint_path=checkpoint)
    assert victim.read_text(encoding="utf-8") == "precious"
    assert len(out.read_text(encoding="utf-8").splitlines()) == summary.read == 50
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl", "out.jsonl", "victim.txt"]


def test_stale_temp_files_are_removed(tmp_path):
    path = jsonl_file(tmp_path / "a.jsonl", many_posts(20))
    out = tmp_path / "out.html"
    checkpoint = default_checkpoint_path(out)
    stale = [tmp_path / ".out.html.tmp-4242", tmp_path / ".out.html.k3j2h1.tmp",
             tmp_path / f".{checkpoint.name}.tmp-4242"]  # fmt: skip
    for p in stale:
        p.write_text("left by a killed scan", encoding="utf-8")
    run([path], writer=open_output("html", out), checkpoint_path=checkpoint)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl", "out.html"]


def test_temp_files_are_removed_when_a_scan_fails(tmp_path):
    path = jsonl_file(tmp_path / "a.jsonl", many_posts(20))
    out = tmp_path / "out.jsonl"
    writer = open_output("jsonl", out)

    def broken():
        raise RuntimeError("the models are missing")

    with pytest.raises(RuntimeError):
        run([path], writer=writer, checkpoint_path=default_checkpoint_path(out),
            checker_factory=broken)  # fmt: skip
    writer.abort()
    # the checkpoint and journal stay for --resume; no temporary file and no lock stays
    assert not list(tmp_path.glob(".*")) and not list(tmp_path.glob("*.lock"))


def test_redacted_journal_holds_no_personal_data(checker, tmp_path):
    text = "Well done to Oliver Bennett in 4C who finally passed his reading test"
    verdict = checker.check(Post(id="1", text=text))
    assert any(h.detector == "pii" and h.text == "Oliver Bennett"
               for f in verdict.findings for h in f.evidence)  # fmt: skip
    journal = Journal(tmp_path / "cp", "fingerprint", redact=True)
    journal.start(resume=False, n_inputs=1)
    journal.write(verdict)
    journal.checkpoint([1], journal_summary())
    content = journal.path.read_text(encoding="utf-8")
    assert "Oliver" not in content and "Bennett" not in content
    assert "[personal data]" in content
    assert _mode(journal.path) == 0o600
    journal.remove()


def journal_summary():
    from postcheck.scan import Summary

    return Summary(read=1, doubt=1)


@pytest.mark.parametrize("fmt", ["html", "csv", "jsonl"])
def test_redacted_report_is_the_same_through_the_journal(checker, tmp_path, fmt):
    rows = [{"id": "1", "text": "Well done to Oliver Bennett in 4C who finally passed his "
             "reading test"}, {"id": "2", "text": "Call Mrs Jane Hughes on 07700 900123"},
            {"id": "3", "text": "Lovely trip to the zoo"}]  # fmt: skip
    path = jsonl_file(tmp_path / "a.jsonl", rows)
    direct = io.StringIO()
    out = tmp_path / f"out.{fmt}"
    for target, checkpoint in ((direct, None), (out, default_checkpoint_path(out))):
        writer = (open_output(fmt, stream=target, redact=True) if checkpoint is None
                  else open_output(fmt, target, redact=True))  # fmt: skip
        run([path], writer=writer, checkpoint_path=checkpoint, redact=True,
            checker_factory=lambda: checker)  # fmt: skip
    report = out.read_bytes().decode("utf-8")
    assert "Oliver Bennett" not in report and "Jane Hughes" not in report
    strip = _without_timestamp if fmt == "html" else (lambda s: s)
    assert strip(report) == strip(direct.getvalue())


def _without_timestamp(html: str) -> str:
    import re

    return re.sub(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d)?", "", html)


# --------------------------------------------------------------------------- -o checked first


@pytest.mark.parametrize("case", ["missing folder", "a folder"])
def test_bad_output_path_is_refused_before_scanning(tmp_path, double_config, capsys, case):
    path = jsonl_file(tmp_path / "a.jsonl", many_posts(5))
    out = tmp_path / "nowhere" / "report.html" if case == "missing folder" else tmp_path
    code = main(["scan", str(path), "--config", str(double_config), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    expected = "folder for the -o file does not exist" if case == "missing folder" else (
        "-o names a folder")  # fmt: skip
    assert expected in err and "How to fix" in err
    assert "posts read" not in err  # nothing was scanned
    assert not list(tmp_path.rglob("*postcheck-checkpoint*"))


# --------------------------------------------------------------------------- workers


def _scan_args(**kw) -> argparse.Namespace:
    return argparse.Namespace(**{"workers": 1, "force_workers": False, "dask": None, **kw})


def test_workers_are_capped_at_the_cores_unless_forced(capsys):
    cores = len(os.sched_getaffinity(0))
    assert _scan_executor(_scan_args(workers=cores + 10)) == ("local", {"workers": cores})
    assert "--force-workers" in capsys.readouterr().err
    forced = _scan_args(workers=cores + 10, force_workers=True)
    assert _scan_executor(forced) == ("local", {"workers": cores + 10})
    assert _scan_executor(_scan_args(dask="local:2")) == ("dask", {"address": "local:2"})
    with pytest.raises(Exception, match="do not go together"):
        _scan_executor(_scan_args(workers=2, dask="local:2"))


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_workers_die_with_a_killed_main_process(tmp_path):
    data = jsonl_file(tmp_path / "posts.jsonl", many_posts(3000, distinct=3000))
    out = tmp_path / "out.jsonl"
    proc = _start(tmp_path, data, out, resume=False, workers=2)
    deadline = time.monotonic() + 120
    while _done_so_far(default_checkpoint_path(out)) < 100:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    workers = _children(proc.pid)
    assert len(workers) >= 2
    os.kill(proc.pid, signal.SIGKILL)  # the main process only, not its group
    proc.wait()
    deadline = time.monotonic() + 20
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [w for w in workers if _alive(w)]
    for w in left:  # don't leave them behind if the test fails
        os.kill(w, signal.SIGKILL)
    assert not left, "worker processes outlived the killed main process"


# --------------------------------------------------------------------------- exit codes


def test_scan_exit_codes(tmp_path, double_config, capsys):
    def scan_rows(rows, extra=()):
        path = tmp_path / "posts.jsonl"
        path.write_text("".join(r if isinstance(r, str) else json.dumps(r) + "\n" for r in rows))
        return main(["scan", str(path), "--config", str(double_config), "-f", "jsonl", *extra])

    clean = {"id": "1", "text": "Lovely trip to the zoo"}
    finding = {"id": "2", "text": "Honestly Mr Green you are pathetic at your job"}
    unreadable = "{not json\n"
    assert scan_rows([clean]) == 0
    assert scan_rows([clean, finding]) == 1
    assert scan_rows([clean, finding], ["--fail-on", "breach"]) == 1
    capsys.readouterr()
    assert scan_rows([clean, unreadable]) == 3
    assert "done, but 1 record(s) could not be read" in capsys.readouterr().err
    assert scan_rows([clean, finding, unreadable]) == 3
    assert scan_rows([clean], ["--since", "2024-13-01"]) == 2


# --------------------------------------------------------------------------- progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_only_and_without_colour_when_asked(tmp_path, monkeypatch):
    from postcheck.scan import tty_progress

    assert tty_progress(io.StringIO()) is None  # a pipe or file: nothing
    path = jsonl_file(tmp_path / "a.jsonl", many_posts(300))
    for colour in (True, False):
        screen = _Terminal()
        bar = tty_progress(screen, colour=colour)
        run([path], progress=bar)
        bar.close()
        shown = screen.getvalue()
        assert "300/300 posts" in shown and "posts/s" in shown
        colours = "\x1b[3" in shown or "\x1b[9" in shown  # SGR foreground colours
        assert colours == colour
    monkeypatch.setenv("NO_COLOR", "1")
    screen = _Terminal()
    bar = tty_progress(screen)
    run([path], progress=bar)
    assert "300/300 posts" in screen.getvalue() and "\x1b[3" not in screen.getvalue()
