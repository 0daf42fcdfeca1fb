"""Write identity_neutral.jsonl: school-style posts that mention protected characteristics
neutrally or positively (Equality Act 2010), so the model does not learn that identity words
alone mean abuse. Frames and terms are the project's own; seeded, so re-running gives the
same file.

    python models/data/make_identity.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

TERMS = {
    "age": ["older", "elderly", "young", "teenage", "retired", "senior"],
    "disability": ["disabled", "deaf", "blind", "autistic", "dyslexic", "wheelchair-using"],
    "gender_reassignment": ["trans", "transgender", "non-binary"],
    "marriage": ["married", "newly married", "civil-partnered"],
    "pregnancy": ["pregnant", "expectant", "breastfeeding"],
    "race": [
        "Black",
        "white",
        "Asian",
        "Chinese",
        "Indian",
        "Pakistani",
        "African",
        "Caribbean",
        "Polish",
        "Romanian",
        "Gypsy, Roma and Traveller",
        "mixed-race",
        "Latino",
        "Arab",
        "Bangladeshi",
        "Somali",
        "Irish",
        "Mexican",
        "immigrant",
        "refugee",
    ],
    "religion": [
        "Muslim",
        "Jewish",
        "Christian",
        "Catholic",
        "Hindu",
        "Sikh",
        "Buddhist",
        "atheist",
        "Protestant",
        "Orthodox",
    ],
    "sex": ["female", "male", "women", "men", "girls'", "boys'"],
    "sexual_orientation": [
        "gay",
        "lesbian",
        "bisexual",
        "LGBT",
        "LGBTQ+",
        "queer",
        "homosexual",
        "straight",
    ],
}

FRAMES = [
    "Our {t} pupils led a brilliant assembly this morning",
    "We are proud to welcome {t} families to our school community",
    "Thank you to our {t} staff network for organising today's event",
    "A warm welcome to our new {t} colleagues",
    "{T} authors feature in this term's library display",
    "Our {t} students shared their stories at the heritage evening",
    "Great to see {t} parents joining the reading cafe",
    "Celebrating {t} role models in science this week",
    "The {t} community centre hosted our choir on Saturday",
    "Year 9 interviewed {t} residents about growing up locally",
    "Our {t} governor spoke to Year 11 about careers",
    "We asked {t} pupils what makes our school feel like home",
    "A lovely afternoon with {t} visitors at the summer fair",
    "{T} history is part of our curriculum all year round",
    "Photos from the {t} cultural celebration are now on the website",
    "Being {t} is something our pupils talked about with pride",
    "Our {t} teacher won a regional teaching award",
    "Everyone is welcome here, including {t} pupils and their families",
    "The {t} student society raised £500 for charity",
    "Congratulations to our {t} alumni on their graduation",
    "I am a {t} teacher and I love my job",
    "My {t} colleague ran the marathon for the hospice",
]

# short posts and replies, where the identity word is most of the text
SHORT = [
    "{T} and proud",
    "Proud to be {t}",
    "So proud of our {t} pupils!",
    "Happy to be {t} here",
    "{T} staff, we see you",
    "Welcome, {t} friends",
    "{T} voices matter",
    "Meet our {t} mentors",
    "Yes, I'm {t}",
    "A {t} student won",
    "{T} families welcome",
    "Respect to every {t} pupil",
]


#: Every label, all 0.0: these posts are benign.
ZERO = dict.fromkeys(
    ("toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack",
     "sexual_explicit", "self_harm"),
    0.0,
)  # fmt: skip


def write_jsonl(rows: list[dict], name: str) -> None:
    """Write `rows` to `name` beside this script, one JSON object a line."""
    out = Path(__file__).with_name(name)
    out.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    print(f"wrote {len(rows)} rows to {out}")


def main() -> None:
    rng = random.Random(3)
    rows = []
    for group, terms in TERMS.items():
        for term in terms:
            for frame in rng.sample(FRAMES, 6) + rng.sample(SHORT, 4):
                text = frame.format(t=term, T=term[0].upper() + term[1:])
                rows.append({"text": text, "labels": ZERO, "characteristic": group})
    write_jsonl(rows, "identity_neutral.jsonl")


if __name__ == "__main__":
    main()
