"""Varied, realistic school posts for benchmarks, generated from templates (no real data).

python benchmarks/sample_posts.py 5   # print five
"""

from __future__ import annotations

import random
import sys

FIRST = ["Oliver", "Amara", "Tom", "Priya", "Noah", "Grace", "Mohammed", "Ella", "Jack", "Zainab"]
LAST = ["Bennett", "Okafor", "Li", "Patel", "Hughes", "Kowalski", "Murphy", "Ahmed", "Evans"]
CLASSES = ["4C", "Year 6", "Reception", "Year 2", "3B", "Year 5", "the choir", "the Eco Club"]
PLACES = ["Bushy Park", "the Science Museum", "Kew Gardens", "the leisure centre", "the library"]
TIMES = ["until 3pm today", "at 2.30 on Friday", "tomorrow morning", "this afternoon", "on Monday"]

TEMPLATES = [
    "Well done to {first} {last} in {cls} who finally passed the reading test!",
    "{cls} had a brilliant trip to {place} yesterday. Thank you to all our helpers!",
    "{cls} are at {place} {time}. Come and say hello!",
    "Reminder: PE kits needed {time}. Any questions email office@hillside.sch.uk",
    "Huge congratulations to {first} for the poetry prize! #proud #HillsidePrimary",
    "Our Christmas fair raised £1,250 for the school library. Thank you, families!",
    "Mental Health Awareness Week: if you're struggling, talk to Mrs {last}.",
    "Parents, please DM me on my personal page if {first} is off sick.",
    "Honestly some parents are idiots, they can't even read a letter.",
    "Year 6 will smash their SATs this week, we believe in you! 💪",
    "Ring me on 07700 900{n:03d} if you want to talk about {first}'s behaviour.",
    "{first} {last} in {cls} has been excluded again, what a nightmare.",
    "Found this lovely photo online, credit unknown. Happy Friday!",
    "Welcome to our new teacher Mr {last}, who joins {cls} after half term.",
    "Sports day results: {cls} won the relay! Full results at https://example.org/sports",
    "Don't tell your mum, {first}, but I've got a little present for you.",
    "Get well soon {first}! {cls} made you a giant card.",
    "Our Eid and Diwali assembly celebrated the many faiths in our school community.",
    "{cls} can't wait for the residential trip, {time} we leave from the car park.",
    "What a week. I was so hungover on Monday I could barely teach {cls} lol",
]


def sample_posts(n: int, seed: int = 7) -> list[str]:
    """`n` varied posts; the same list for the same seed."""
    rng = random.Random(seed)
    posts = []
    for i in range(n):
        text = rng.choice(TEMPLATES).format(
            first=rng.choice(FIRST),
            last=rng.choice(LAST),
            cls=rng.choice(CLASSES),
            place=rng.choice(PLACES),
            time=rng.choice(TIMES),
            n=rng.randrange(1000),
        )
        if rng.random() < 0.3:  # some longer posts
            text += " " + rng.choice(TEMPLATES).format(
                first=rng.choice(FIRST), last=rng.choice(LAST), cls=rng.choice(CLASSES),
                place=rng.choice(PLACES), time=rng.choice(TIMES), n=i % 1000,
            )  # fmt: skip
        posts.append(text)
    return posts


if __name__ == "__main__":
    for post in sample_posts(int(sys.argv[1]) if len(sys.argv) > 1 else 10):
        print(post)
