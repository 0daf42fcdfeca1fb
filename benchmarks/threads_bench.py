"""The classifier's encoder on a second thread (as shipped) vs all on one thread, in one run.

    python benchmarks/threads_bench.py               # 300 posts, 3 batches of 128
    python benchmarks/threads_bench.py --posts 100

Two Checkers in this process share the models: the shipped one, and the same with the
classifier's plain encoder (so all the work is on the caller's thread, as before). They
check the same posts alternately, in random order, so both meet the same machine: the
benchmark's varied posts one at a time, a 200-character draft (long enough that the
classifier reads each sentence too, as `postcheck serve` gets it), and `check_many`
batches (as `scan` does). Prints medians, and whether every verdict was the
same. The helper thread is used here whatever the machine's load (shipped, it is used
only while a core is free: `postcheck.engine.spare_core`). No assertions: figures to read.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

DRAFT = (
    "Well done to everyone in Year 5 for a brilliant trip to the Science Museum today. "
    "Special thanks to Mrs Patel and the parent helpers. Photos will be on the school "
    "website on Friday, see you there!"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--batches", type=int, default=3)
    args = parser.parse_args()
    from sample_posts import sample_posts

    from postcheck import engine
    from postcheck.engine import Checker

    spare = engine.spare_core()
    engine.spare_core = lambda: True  # the helper thread even when the machine has no core free

    two = Checker()
    one = Checker(two.config, toxicity_backend=two.detectors[2].backend, rules=two.rules)
    classifier = next(d for d in one.detectors if d.name == "classifier")
    classifier.encoder = classifier.encoder.inner  # no second thread
    checkers = {"one thread": one, "two threads (shipped)": two}
    posts = sample_posts(args.posts)
    rng = random.Random(17)
    for text in posts[:10]:
        for checker in checkers.values():
            checker.check(text)
    per_post = {k: [] for k in checkers}
    draft = {k: [] for k in checkers}
    same = 0
    for text in posts:
        verdicts = {}
        for name in rng.sample(list(checkers), len(checkers)):
            t = time.perf_counter()
            verdicts[name] = checkers[name].check(text).model_dump_json()
            per_post[name].append((time.perf_counter() - t) * 1000)
        same += len(set(verdicts.values())) == 1
        for name in rng.sample(list(checkers), len(checkers)):
            t = time.perf_counter()
            checkers[name].check(DRAFT)
            draft[name].append((time.perf_counter() - t) * 1000)
    batch = posts[:128]
    rate = {k: [] for k in checkers}
    for _ in range(args.batches):
        for name in rng.sample(list(checkers), len(checkers)):
            t = time.perf_counter()
            list(checkers[name].check_many(batch))
            rate[name].append(len(batch) / (time.perf_counter() - t))
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the end; "
          f"a core to spare at the start (the shipped default's test): {spare}")  # fmt: skip
    print(f"{len(posts)} posts, alternately; verdicts identical: {same} of {len(posts)}")
    print(f"{'':24}{'per post ms':>12}{'draft ms':>10}{'batch posts/s':>15}")
    med = statistics.median
    for name in checkers:
        print(
            f"{name:24}{med(per_post[name]):12.1f}{med(draft[name]):10.1f}{med(rate[name]):15.1f}"
        )
    a, b = "one thread", "two threads (shipped)"
    print(
        f"two / one: per post {med(per_post[b]) / med(per_post[a]):.2f}x, draft "
        f"{med(draft[b]) / med(draft[a]):.2f}x, batch throughput {med(rate[b]) / med(rate[a]):.2f}x"
    )


if __name__ == "__main__":
    main()
