"""Write identity_neutral.jsonl: school-style posts that mention protected characteristics
neutrally or positively (Equality Act 2010), so the model does not learn that identity words
alone mean abuse. Frames and terms are the project's own; seeded, so re-running gives the
same file.

The first part is community posts ("Our Sikh pupils led ..."). The second names a person or
"you" with an identity term ("Aisha is a kind Muslim", "Tomasz is a brilliant deaf student",
"You are a proud trans teacher", "I am gay", "We welcome refugee families"), since those
are the shapes identity attacks and insults take; names come from names.py.

    python models/data/make_identity.py
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from names import NAMES, article  # same folder: run as a script

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


# Terms that describe one person ("a deaf student", "a Muslim colleague") and read well
# before "people" too, by characteristic; "sex" only in the person frames.
PERSON_TERMS = {
    "age": ["older", "young", "retired", "teenage", "elderly", "sixty-year-old"],
    "disability": [
        "disabled", "deaf", "Deaf", "blind", "autistic", "dyslexic", "wheelchair-using",
        "partially sighted", "neurodivergent", "dyspraxic",
    ],
    "gender_reassignment": ["trans", "transgender", "non-binary"],
    "marriage": ["married", "civil-partnered"],
    "pregnancy": ["pregnant"],
    "race": [
        "Black", "white", "Asian", "British Asian", "Chinese", "Indian", "Pakistani",
        "Bangladeshi", "Nigerian", "Ghanaian", "Somali", "Polish", "Romanian", "Irish",
        "Caribbean", "Jamaican", "mixed-race", "Arab", "Kurdish", "Turkish", "Vietnamese",
        "Filipino", "Brazilian", "Eritrean", "Ukrainian", "Roma", "Traveller", "immigrant",
        "refugee", "Jewish",
    ],
    "religion": [
        "Muslim", "Jewish", "Christian", "Catholic", "Hindu", "Sikh", "Buddhist", "atheist",
        "Jain", "Quaker",
    ],
    "sex": ["female", "male"],
    "sexual_orientation": ["gay", "lesbian", "bisexual", "queer", "LGBTQ+", "straight"],
}  # fmt: skip
# Nouns for a person ("Aisha is a kind Muslim", "I am a Jew"), by characteristic.
PERSON_NOUNS = {
    "age": ["pensioner", "older woman", "older man", "teenager"],
    "disability": ["wheelchair user", "deaf woman", "blind man", "autistic girl", "amputee"],
    "gender_reassignment": ["trans woman", "trans man", "non-binary person"],
    "marriage": ["married woman", "newly-wed"],
    "pregnancy": ["mum-to-be", "pregnant woman"],
    "race": [
        "Black woman", "Black man", "Asian woman", "immigrant", "refugee", "Traveller",
        "Nigerian", "Pakistani", "Somali", "Pole", "Romanian", "Arab", "Kurd", "Jew",
    ],
    "religion": ["Muslim", "Jew", "Christian", "Catholic", "Hindu", "Sikh", "Buddhist", "atheist"],
    "sex": ["woman", "man", "girl", "boy"],
    "sexual_orientation": ["gay man", "lesbian", "bisexual woman", "gay dad", "queer artist"],
}  # fmt: skip
GOOD_ADJ = [
    "kind", "proud", "brilliant", "talented", "caring", "thoughtful", "wonderful", "gifted",
    "dedicated", "inspiring", "cheerful", "generous", "respected", "fantastic", "gentle",
    "hard-working", "funny", "brave", "lovely", "patient", "creative", "superb",
]  # fmt: skip
PERSON_ROLE = [
    "student", "pupil", "teacher", "colleague", "leader", "coach", "scientist", "artist",
    "governor", "parent", "mum", "dad", "athlete", "writer", "nurse", "volunteer", "musician",
    "footballer", "headteacher", "role model", "friend", "neighbour",
]  # fmt: skip
BEING = [
    "part of who I am", "nothing to hide", "something to celebrate", "just one part of me",
    "normal", "not a barrier to anything", "something I am proud of", "a gift",
    "who I am, and I love it",
]  # fmt: skip
GOOD_VERB = ["support", "welcome", "respect", "celebrate", "include", "stand with", "value"]
# {n} name, {x} article, {a} adjective, {t} term, {T} term capitalised, {r} role,
# {w} noun, {b} BEING, {v}/{V} verb
TERM_FRAMES = [
    "{n} is {x} {a} {t} {r}",
    "{n} is {x} {a} {t} {r}!",
    "You are {x} {a} {t} {r}",
    "You're {x} {a} {t} {r}, {n}",
    "What {x} {a} {t} {r} {n} is",
    "I am {t}",
    "I'm {t}",
    "I'm {t} and I teach Year 5",
    "Yes, {n} is {t}",
    "Being {t} is {b}",
    "Being {t} is {b}.",
    "{V} {t} people",
    "We {v} {t} people",
    "Our school will always {v} {t} people",
    "Proud to be {t}",
    "{T} and proud",
    "{T} and proud!",
    "Proudly {t}",
    "Still {t}, still proud",
]
NOUN_FRAMES = [
    "{n} is {x} {a} {w}",
    "{n} is {x} {a} {w}!",
    "You are {x} {a} {w}, {n}",
    "I am {x} {w}",
    "I'm {x} {w}",
    "I'm {x} {w} and a teacher",
    "As {x} {w}, I loved this assembly",
]


def key(text: str) -> str:
    """What two texts share when they differ only in case and punctuation."""
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def about_people(rng: random.Random, seen: set[str], n: int = 850) -> list[dict]:
    """`n` posts naming a person or "you" with an identity term, none whose key is in `seen`."""
    rows = []
    while len(rows) < n:
        group = rng.choice(sorted(PERSON_TERMS))
        a = rng.choice(GOOD_ADJ)
        if rng.random() < 0.7:
            frame, t = rng.choice(TERM_FRAMES), rng.choice(PERSON_TERMS[group])
            if group == "sex" and "people" in frame:
                continue
            x = article(a) if "{a}" in frame else article(t)
        else:
            frame, t = rng.choice(NOUN_FRAMES), rng.choice(PERSON_NOUNS[group])
            x = article(a) if "{a}" in frame else article(t)
        v = rng.choice(GOOD_VERB)
        text = frame.format(
            n=rng.choice(NAMES), x=x, a=a, t=t, T=t[0].upper() + t[1:], w=t,
            r=rng.choice(PERSON_ROLE), b=rng.choice(BEING), v=v, V=v[0].upper() + v[1:],
        )  # fmt: skip
        if key(text) not in seen:
            seen.add(key(text))
            rows.append({"text": text, "labels": ZERO, "characteristic": group})
    return rows


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
    rows += about_people(random.Random(11), {key(r["text"]) for r in rows})
    write_jsonl(rows, "identity_neutral.jsonl")


if __name__ == "__main__":
    main()
