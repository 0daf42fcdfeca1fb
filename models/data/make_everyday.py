"""Write everyday.jsonl: harmless posts in the shapes threats take ("we'll ...",
"I'm coming for ...", "you'll regret ...", "I know where ..."), as schools and staff write
them every day ("We'll double check the details", "We're coming for that trophy!"). Without
them the model learns that a first-person promise is a threat. Also visits from people who
help us ("Year 2 met a female firefighter"), whose job names sound violent, and staff
moaning about their workload ("Report writing is doing my head in"). All labels 0;
the project's own frames; seeded, so re-running gives the same file.

    python models/data/make_everyday.py
"""

from __future__ import annotations

import random

from make_identity import ZERO, key, write_jsonl  # same folder: run as a script
from names import FIRST_NAMES

WE = ["We'll", "We will", "I'll", "I will", "I'm going to", "We're going to", "We are going to"]
DO = [
    "double check the details", "get back to you", "be in touch", "look into this",
    "send the letters home tomorrow", "see you at the gate", "call you this afternoon",
    "follow this up with the office", "post the photos tonight", "find out and let you know",
    "pick this up after half term", "update the website", "ring you back", "sort the tickets",
    "chase the coach company", "have the results by Friday", "meet you in reception",
    "share the slides", "check with the head", "hunt down the lost property",
    "come and find you at lunch", "be waiting at the car park with the minibus",
    "track down your child's jumper", "knock on every door for the sponsored walk",
]  # fmt: skip
TAILS = ["", " tomorrow", " tonight", " after school", " first thing", " this week", " soon"]
SHAPES = [
    "We're coming for that trophy!",
    "Watch out, Year 6, the staff team is coming for you at rounders!",
    "You'll regret missing the bake sale!", "Don't miss it, you'll regret it!",
    "We know where the lost coats are: the office!",
    "I know where you can find the forms: on our website.",
    "You're dead lucky to have such a lovely class.", "Dead proud of our choir today.",
    "The quiz was dead easy, apparently!", "They absolutely killed it on stage.",
    "Watch your step, the playground is icy.", "Watch this space for more news!",
    "Sleep well, everyone: big day tomorrow.", "It would be a shame to miss the disco.",
    "We'll be waiting at the finish line with medals.", "We'll get you next year, St Mary's!",
    "Shoot us an email if you have questions.", "Hit us up with your photos of the fair.",
    "Beat the rush and book your parents' evening slot now.", "Smash those spelling tests!",
    "Brace yourselves: it's sports day tomorrow!", "You won't know what hit you: new lunch menu!",
    "Keep an eye out for the newsletter.", "We'll make sure everyone gets home safely.",
    "Germs need to be killed, so wash your hands!", "Nits must be eradicated: please check hair.",
    "The weeds in the school garden must be wiped out before we plant.",
    "Old batteries should be disposed of safely.",
    "Why were so many people executed by the Tudors?",
    "The Year 9 debate: should the death penalty ever be brought back?",
    "Smallpox was wiped off the face of the earth by vaccination.",
    "The bonfire will be burned at 7pm, stand behind the rope.",
    "Wasps' nests must be removed by the council, not by pupils.",
    "The team was slaughtered 6-0, but we'll bounce back!",
    "Our science club learned how bleach kills bacteria.",
    "All phones must be switched off during exams.",
]  # fmt: skip


# "People who help us": visits and careers talks, where job names carry violent-sounding
# pieces ("firefighter") and gender words ("a female pilot") that must stay harmless
HELPERS = [
    "firefighter", "firefighters", "fire crew", "police officer", "paramedic", "nurse",
    "soldier", "army officer", "boxer", "martial arts coach", "pilot", "engineer", "surgeon",
    "lifeguard", "coastguard", "doctor", "builder", "vet", "fighter pilot", "bomb disposal expert",
]  # fmt: skip
WHO = ["a", "a female", "a male", "our local", "a retired", "two", "a young"]
VISIT = [
    "{C} met {w} {h} today", "Thank you to {w} {h} who visited {c}", "{C} loved meeting {w} {h}",
    "Careers week: {w} {h} spoke to {c} about the job",
    "{W} {h} came to talk to {c} about staying safe",
]  # fmt: skip
CLASSES = ["Reception", "Year 1", "Year 2", "Year 4", "Year 6", "our nursery", "Year 9"]


# Staff life: workload moans and jokes, which borrow the words of complaint and violence
TASKS = [
    "Report writing", "Planning", "Data drop week", "Book scrutiny", "Moderation",
    "Parents' evening prep", "Putting up displays", "Lunch duty in the rain", "Coursework",
    "Inspection prep", "Timetabling", "Setting cover work", "Reading week", "Exam invigilation",
    "Tidying the stock cupboard", "The photocopier", "Sorting lost property", "Trip paperwork",
]  # fmt: skip
MOANS = [
    "is killing me", "is doing my head in", "all weekend", "again", "again... send coffee",
    "until midnight", "has broken me", "never ends", "is finally done!", "is destroying me",
    "is driving me mad", "all day, someone send cake", "and then more of it", "is a nightmare",
    "has finished me off", "is murder this week", "for the third night running",
]  # fmt: skip
STAFF_TAILS = ["", "", " 😩", " 😂", ". Nearly there!", ". Wish me luck!", ". Roll on half term!",
               ". Who's with me?", ". Coffee please!", ". Worth it though."]  # fmt: skip


def staff_life(rng: random.Random) -> str:
    return f"{rng.choice(TASKS)} {rng.choice(MOANS)}{rng.choice(STAFF_TAILS)}"


def helpers(rng: random.Random) -> str:
    c, w, h = rng.choice(CLASSES), rng.choice(WHO), rng.choice(HELPERS)
    text = rng.choice(VISIT).format(c=c, C=c[0].upper() + c[1:], w=w, W=w.capitalize(), h=h)
    if rng.random() < 0.5:
        text += f" and {rng.choice(WHO)} {rng.choice(HELPERS)}"
    return text + rng.choice([".", "!", ". Thank you!", ""])


def main() -> None:
    rng = random.Random(17)
    rows, seen = [], set()

    def add(text: str) -> None:
        if key(text) not in seen:
            seen.add(key(text))
            rows.append({"text": text, "labels": dict(ZERO)})

    for text in SHAPES:
        add(text)
    while len(rows) < 300:
        text = f"{rng.choice(WE)} {rng.choice(DO)}{rng.choice(TAILS)}."
        if rng.random() < 0.4:
            text = f"Hi {rng.choice(FIRST_NAMES)}, {text[0].lower()}{text[1:]}"
        if rng.random() < 0.3:
            text += " Thanks for your patience."
        add(text)
    while len(rows) < 450:
        add(helpers(rng))
    while len(rows) < 600:
        add(staff_life(rng))
    write_jsonl(rows, "everyday.jsonl")


if __name__ == "__main__":
    main()
