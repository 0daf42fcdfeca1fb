"""Figures for issue 15 (hardening), each beside its peer in the same run.

    .venv/bin/python benchmarks/hardening_bench.py            # 1 GiB of blank space
    .venv/bin/python benchmarks/hardening_bench.py --gib 0.25 # quicker

1. Zip bomb: a small zip whose data/tweets.js holds GIB of blank space between two tweets,
   read by postcheck's reader (time, peak memory of the process), beside merely inflating
   the same member in 1 MB reads (the floor any reader pays), at a quarter and the full
   size (time should grow 4x: linear).
2. 99,000 "!", one word of 99,000 letters and ZWJ emoji families checked by a warm
   Checker, beside 99,000 characters of ordinary posts; the word and the emoji at 1x and
   10x length (time should grow about 10x: linear).
3. A YAML alias bomb as postcheck.yml: postcheck refuses it; PyYAML alone parses it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

CHILD = r"""
import resource, sys, time, zipfile
mode, path = sys.argv[1], sys.argv[2]
started = time.perf_counter()
if mode == "postcheck":
    from postcheck.readers import read_posts
    n = sum(1 for _ in read_posts(path))
else:
    n = 0
    with zipfile.ZipFile(path) as zf, zf.open("data/tweets.js") as fh:
        while fh.read(1 << 20):
            n += 1
elapsed = time.perf_counter() - started
print(n, elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def make_bomb(path: Path, gib: float) -> None:
    tweet = '{"tweet": {"id_str": "%d", "full_text": "Well done Year 6!"}}'
    block = b" \n\t " * (1 << 18)  # 1 MiB
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf,
        zf.open("data/tweets.js", "w") as fh,
    ):
        fh.write(b"window.YTD.tweets.part0 = [" + (tweet % 1).encode() + b",")
        for _ in range(int(gib * 1024)):
            fh.write(block)
        fh.write((tweet % 2).encode() + b"]")


def run_child(mode: str, path: Path) -> tuple[str, float, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(path)], capture_output=True, text=True, check=True
    ).stdout.split()
    return out[0], float(out[1]), float(out[2])


def zip_bomb(gib: float) -> None:
    print(f"== zip bomb: data/tweets.js with {gib:g} GiB of blank space between two tweets")
    with tempfile.TemporaryDirectory() as tmp:
        for share in (0.25, 1.0):
            path = Path(tmp) / f"bomb-{share}.zip"
            make_bomb(path, gib * share)
            size = path.stat().st_size / 1e6
            n, t_pc, mem_pc = run_child("postcheck", path)
            _, t_inflate, mem_inflate = run_child("inflate", path)
            print(
                f"  {gib * share:6.3f} GiB (zip {size:5.1f} MB): postcheck read {n} posts in "
                f"{t_pc:6.2f} s, peak {mem_pc:5.0f} MB | inflating alone {t_inflate:6.2f} s, "
                f"peak {mem_inflate:4.0f} MB | ratio {t_pc / t_inflate:4.2f}x"
            )


def long_runs() -> None:
    from postcheck.config import Config
    from postcheck.engine import Checker

    print("== long runs of punctuation, letters and emoji (warm Checker, embedded model)")
    checker = Checker(Config())
    checker.check("warm up")
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
    ordinary = "Well done to Year 6 on a brilliant sports day, see you on Monday! "
    cases = [
        ('99,000 "!"', "!" * 99_000),
        ('99,000 "%"', "%" * 99_000),
        ("one 9,900-letter word", "ab" * 4_950),
        ("one 99,000-letter word", "ab" * 49_500),
        ("1,400 ZWJ families", family * 1_400),
        ("14,000 ZWJ families", family * 14_000),
        ("99,000 chars of ordinary posts (peer)", (ordinary * 1_500)[:99_000]),
    ]
    for name, text in cases:
        started = time.perf_counter()
        verdict = checker.check(text)
        print(f"  {name:40} {len(text):7,} chars  {time.perf_counter() - started:6.2f} s  "
              f"{verdict.verdict}")  # fmt: skip


def yaml_bomb() -> None:
    import yaml

    from postcheck.config import load_config
    from postcheck.errors import ConfigError

    print("== YAML alias bomb as postcheck.yml (9 levels of 9 aliases)")
    lines = ["a: &a [" + ", ".join(["lol"] * 9) + "]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    text = "\n".join(lines) + "\nallow:\n  terms: *i\n"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "postcheck.yml"
        path.write_text(text)
        started = time.perf_counter()
        try:
            load_config(path)
            outcome = "loaded (!)"
        except ConfigError as exc:
            outcome = f"refused: {exc.what[:45]}…"
        t_pc = time.perf_counter() - started
        started = time.perf_counter()
        yaml.safe_load(text)
        t_yaml = time.perf_counter() - started
    print(f"  postcheck {t_pc:.3f} s, {outcome} | PyYAML safe_load alone {t_yaml:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=1.0, help="GiB of blank space (default 1)")
    parser.add_argument("--only", choices=["zip", "runs", "yaml"], help="run one part")
    args = parser.parse_args()
    if args.only in (None, "zip"):
        zip_bomb(args.gib)
    if args.only in (None, "runs"):
        long_runs()
    if args.only in (None, "yaml"):
        yaml_bomb()


if __name__ == "__main__":
    main()
