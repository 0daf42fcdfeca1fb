"""Write praise.jsonl: short posts praising a named person or "you", as school accounts
write them daily ("Mia is a superb captain", "Kwabena is so thoughtful", "You're brilliant").
Without them the model learns that "<person> is a <noun>" / "you are a ..." is how insults
look, and that an unfamiliar name is a warning sign. Names from names.py (many cultures,
short and uncommon ones too); roles only, no identity terms (identity_neutral.jsonl covers
those). All labels 0. Seeded; the project's own frames and names.

    python models/data/make_praise.py
"""

from __future__ import annotations

import random

from make_identity import ZERO, key, write_jsonl  # same folder: run as a script
from names import NAMES, article

ADJ = [
    "brilliant", "kind", "amazing", "superb", "talented", "thoughtful", "hard-working",
    "fantastic", "generous", "inspiring", "patient", "creative", "dedicated", "wonderful",
    "fearless", "gifted", "cheerful", "reliable", "remarkable", "gracious", "caring", "lovely",
    "fun", "neat", "diligent", "helpful", "polite", "friendly", "brave", "clever", "funny",
    "calm", "confident", "curious", "determined", "enthusiastic", "gentle", "honest",
    "imaginative", "loyal", "organised", "positive", "resilient", "respectful", "sensible",
    "supportive", "warm", "witty", "considerate", "conscientious", "energetic", "hilarious",
    "humble", "incredible", "outstanding", "excellent", "skilful", "smart", "sweet",
    "terrific", "trustworthy", "upbeat", "fabulous", "marvellous", "splendid", "awesome",
]  # fmt: skip
ROLE = [
    "captain", "reader", "friend", "scientist", "leader", "artist", "mathematician",
    "goalkeeper", "musician", "role model", "teacher", "coach", "volunteer", "writer",
    "helper", "team player", "historian", "chef", "student", "mentor", "pupil", "classmate",
    "colleague", "headteacher", "teaching assistant", "librarian", "dancer", "singer",
    "runner", "swimmer", "striker", "debater", "poet", "programmer", "engineer", "baker",
    "gardener", "prefect", "school councillor", "reading buddy", "lunchtime supervisor",
    "caretaker", "governor", "parent volunteer", "netball player", "chess player", "actor",
    "problem solver", "listener", "storyteller",
]  # fmt: skip
# {n} name, {a} adjective, {x} its article ("a"/"an"), {r} role
FRAMES = [
    "{n} is {x} {a} {r}",
    "{n} is such {x} {a} {r}!",
    "You are {x} {a} {r}, {n}",
    "You're {x} {a} {r}",
    "You are {x} {a} {r}",
    "{n}, you are {x} {a} {r}. Well done!",
    "What {x} {a} {r} {n} is",
    "What {x} {a} {r} {n} is!",
    "Congratulations {n}, {x} {a} {r}",
    "Our {r} {n} is {a}",
    "{n} has been {x} {a} {r} all year",
    "Thank you {n}, you are {a}",
    "Shout out to {n}, {x} {a} {r}",
    "Everyone agrees {n} is {x} {a} {r}",
    "{n} is so {a}",
    "{n} is so {a}!",
    "{n} is just so {a}",
    "{n} is {a}",
    "You're {a}",
    "You're so {a}",
    "You are so {a}, {n}!",
    "Well done {n}, you're {a}",
    "{n} you are {a}!!",
]


def main() -> None:
    rng = random.Random(5)
    rows = []
    seen = set()
    while len(rows) < 800:
        a = rng.choice(ADJ)
        text = rng.choice(FRAMES).format(n=rng.choice(NAMES), a=a, x=article(a), r=rng.choice(ROLE))
        if rng.random() < 0.1:
            text = text.lower()
        if key(text) not in seen:
            seen.add(key(text))
            rows.append({"text": text, "labels": ZERO})
    write_jsonl(rows, "praise.jsonl")


if __name__ == "__main__":
    main()
