"""Executors behind one interface: the registry, a new executor in a few lines, the recipe
that ships settings, roster and rules to workers (never read from a worker's disk)."""

from __future__ import annotations

import pickle
from concurrent.futures import ThreadPoolExecutor

import pytest
from test_scan import fake_factory, jsonl_file, many_posts, run

from postcheck.cli import main
from postcheck.config import load_config
from postcheck.errors import InputError
from postcheck.scan import check_posts, register_executor
from postcheck.scan.recipe import CheckerRecipe
from postcheck.schema import Post, Verdict


class ThreadsExecutor:
    """A whole executor: batches checked on a thread pool, one Checker per scan."""

    def __init__(self, factory, threads: int = 2):
        self.checker = factory()
        self.pool = ThreadPoolExecutor(threads)
        self.max_in_flight = 2 * threads

    def submit(self, posts):
        return self.pool.submit(check_posts, self.checker, posts)

    def close(self):
        self.pool.shutdown()


def test_a_registered_executor_gives_the_same_records(tmp_path):
    register_executor("threads", lambda factory, **options: ThreadsExecutor(factory))
    path = jsonl_file(tmp_path / "a.jsonl", many_posts(300) + [{"id": "e", "text": " "}])
    s1, local = run([path], batch_size=16)
    s2, threads = run([path], batch_size=16, executor="threads")

    def flat(records):
        return [r.model_dump(mode="json") if isinstance(r, Verdict) else r for r in records]

    assert flat(local.records) == flat(threads.records)
    assert (s1.read, s1.error, s1.breach) == (s2.read, s2.error, s2.breach)


def test_unknown_executor_is_an_input_error(tmp_path):
    path = jsonl_file(tmp_path / "a.jsonl", many_posts(3))
    with pytest.raises(InputError, match="unknown executor 'spark'") as err:
        run([path], executor="spark", checker_factory=fake_factory)
    assert "dask" in err.value.fix and "local" in err.value.fix


def test_recipe_carries_the_roster_and_reads_no_file_on_the_worker(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("name,role,media_consent\nZephyrine Quigley,pupil,no\n", encoding="utf-8")
    config_path = tmp_path / "postcheck.yml"
    config_path.write_text("roster: roster.csv\ntoxicity: {backend: keyword-double}\n")
    recipe = CheckerRecipe.from_config(load_config(config_path))
    shipped = pickle.dumps(recipe)
    roster.unlink()  # a worker has no roster file: it must not need one
    config_path.unlink()
    checker = pickle.loads(shipped)()
    verdict = checker.check(Post(text="Well done Zephyrine Quigley on your reading today"))
    labels = {h.label for h in checker.hits("Well done Zephyrine Quigley on your reading today")}
    assert "PUPIL" in labels, labels
    assert verdict.verdict == "breach"  # her family said no to media: the consent list travels
    assert any("roster: media_consent no" in h.why for f in verdict.findings for h in f.evidence)


@pytest.mark.parametrize("address", ["local:0", "local:x"])
def test_bad_local_worker_count_is_a_usage_error(tmp_path, double_config, capsys, address):
    pytest.importorskip("distributed")
    path = jsonl_file(tmp_path / "a.jsonl", many_posts(3))
    assert main(["scan", str(path), "--config", str(double_config), "--dask", address]) == 2
    err = capsys.readouterr().err
    assert "bad worker count in --dask" in err and "Traceback" not in err
