"""Write praise.jsonl: short posts praising a named person or "you", as school accounts
write them daily ("Mia is a superb captain"). Without them the model learns that
"<person> is a <noun>" / "you are a ..." is how insults look. Roles only, no identity
terms (identity_neutral.jsonl covers those). Seeded; the project's own frames and names.

    python models/data/make_praise.py
"""

from __future__ import annotations

import random

from make_identity import ZERO, write_jsonl  # same folder: run as a script

NAMES = [
    "Mia",
    "Oliver",
    "Aisha",
    "Tomasz",
    "Priya",
    "Kwame",
    "Chloe",
    "Dylan",
    "Fatima",
    "Noah",
    "Sofia",
    "Jayden",
    "Mrs Okafor",
    "Mr Byrne",
    "Ms Lewandowska",
    "Dr Shah",
    "Ellie",
    "Hamza",
    "Grace",
    "Reuben",
    "Leah",
    "Arjun",
    "Miss Evans",
    "Mr Nguyen",
]
ADJ = [
    "brilliant",
    "kind",
    "amazing",
    "superb",
    "talented",
    "thoughtful",
    "hard-working",
    "fantastic",
    "generous",
    "inspiring",
    "patient",
    "creative",
    "dedicated",
    "wonderful",
    "fearless",
    "gifted",
    "cheerful",
    "reliable",
    "remarkable",
    "true",
]
ROLE = [
    "captain",
    "reader",
    "friend",
    "scientist",
    "leader",
    "artist",
    "mathematician",
    "goalkeeper",
    "musician",
    "role model",
    "teacher",
    "coach",
    "volunteer",
    "writer",
    "helper",
    "team player",
    "historian",
    "chef",
    "student",
    "mentor",
]
FRAMES = [
    "{n} is a {a} {r}",
    "{n} is such a {a} {r}!",
    "You are a {a} {r}, {n}",
    "You're a {a} {r}",
    "{n}, you are a {a} {r}. Well done!",
    "What a {a} {r} {n} is",
    "Congratulations {n}, a {a} {r}",
    "Our {r} {n} is {a}",
    "{n} has been a {a} {r} all year",
    "Thank you {n}, you are {a}",
]


def main() -> None:
    rng = random.Random(5)
    rows = []
    seen = set()
    while len(rows) < 300:
        f = rng.choice(FRAMES)
        a = rng.choice(ADJ)
        text = f.format(n=rng.choice(NAMES), a=a, r=rng.choice(ROLE))
        text = text.replace(" a a", " an a").replace(" a i", " an i").replace(" a e", " an e")
        if text not in seen:
            seen.add(text)
            rows.append({"text": text, "labels": ZERO})
    write_jsonl(rows, "praise.jsonl")


if __name__ == "__main__":
    main()
