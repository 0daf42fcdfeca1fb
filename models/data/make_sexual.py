"""Write sexual_generated.jsonl: sexual content a school account must never carry, and
harmless school posts that share its words. sexual.jsonl (hand-written, 30 rows) is too
small for the model to learn that a request for intimate images or a sexual remark about
someone's body is sexual whatever the exact words, while "sex education", "body image
workshop" and "please send photos of the trip" are everyday posts. The project's own frames;
seeded, so re-running gives the same file.

Labels: sexual posts are toxicity 1, sexual_explicit 1, obscene 1 (threat, identity_attack,
self_harm 0; insult left out); harmless posts (hand-written, and 250 requests for pictures
and forms built from the same verbs) have every label 0.

    python models/data/make_sexual.py
"""

from __future__ import annotations

import random

from make_identity import ZERO, key, write_jsonl  # same folder: run as a script
from names import FIRST_NAMES

ASK = ["Send me", "Send us", "DM me", "Snap me", "I want", "Show me", "Give me", "Can I get",
       "Bet you won't send me", "Go on, send me", "Where's my"]  # fmt: skip
IMAGES = [
    "a naked pic", "nudes", "a nude", "a pic of your tits", "a topless selfie",
    "a pic in your underwear", "a naked video", "a pic of you in the bath", "something dirty",
    "a sexy pic", "a pic of your bum", "a bikini pic, take it off",
]  # fmt: skip
WHEN = ["", "", " tonight", " babe", " now", " before bed", " xx", ", no one will know"]
BODY = ["her tits", "her arse", "his dick", "her body", "those legs", "her bum", "his package",
        "your body", "your tits", "your arse"]  # fmt: skip
ABOUT = ["I'd love to get my hands on {b}", "Can't stop thinking about {b}", "{B} are unreal",
         "Imagine {b} in my bed", "I want to see {b} naked", "Bet {b} look good naked",
         "I'd do things to {b} you wouldn't believe"]  # fmt: skip
ACTS = ["we should have sex", "come over and have sex with me", "let's hook up in the car park",
        "I want to sleep with you", "I want you in my bed", "fancy a shag after school",
        "I'll show you mine if you show me yours", "let's get naked",
        "meet me after school and we can have some fun, don't tell your mum"]  # fmt: skip
HARMLESS = [
    "Please send us your photos of the Year 6 trip tonight!",
    "Our relationships and sex education curriculum is on the website.",
    "Body image workshop for Year 9 this afternoon.",
    "Year 5 looked at the night sky: Jupiter is visible with the naked eye!",
    "Send us a picture of your Easter bonnets, we'll share the best ones.",
    "DM us if you'd like a copy of the photos from sports day.",
    "Show us your best World Book Day costumes!",
    "Reminder: swimming kit needed on Thursday, please label everything.",
    "The art club studied Renaissance nude sculptures at the gallery today.",
    "Our school nurse ran a puberty talk for Year 6 parents.",
    "Please don't share photos of other people's children online.",
    "Sex discrimination is illegal under the Equality Act 2010.",
    "Online safety: never send a picture of yourself to someone you don't know.",
    "If anyone asks you for a nude picture, tell a trusted adult. It is never your fault.",
    "Sexting talk for Year 9 parents on Tuesday evening.",
    "Year 8 biology: the human body and how it grows.",
    "The bath bombs from our enterprise fair are on sale at the office.",
    "Can I get a copy of the permission slip for the swimming trip?",
    "Give me a shout if you have any questions about the residential.",
    "Imagine the possibilities: our new design and technology room opens today!",
]


# The same requests for pictures, as schools make them every day: the verb and "pic" are
# harmless, only what is asked for makes a post sexual
ASK_OK = ASK[:7] + ["Please send", "Email us", "Tag us in", "Share", "Post", "Upload"]
WANTED_OK = [
    "your photos of the Christmas fair", "a pic of your pumpkin", "pics of your reading den",
    "your pictures of the eclipse", "a video of your dance routine", "your best holiday snaps",
    "a photo of your science project", "the reply slip", "a copy of the newsletter",
    "your ideas for the summer fair", "your questions for the head", "a selfie with a book",
    "pictures of your pets for the newsletter", "photos of your model volcanoes",
    "your Lego creations", "a picture of your den", "your art homework",
    "pics from the sponsored walk", "your sports day pictures", "a pic of your bake sale cakes",
    "your World Book Day costumes", "a photo of your poppy", "your garden birdwatch tally",
    "a pic of your sunflower", "your pancake pictures", "your bug hotel photos",
    "a video of your times tables rap", "pictures of your Easter crafts", "your pics",
    "your photos", "a pic", "the pictures", "your nature walk finds", "your recipes",
]  # fmt: skip
WHEN_OK = ["", "", "!", " please", " by Friday", " for the newsletter", " and we'll share them",
           " before half term", " tonight", " to the office", ", we love seeing them"]  # fmt: skip


def harmless_request(rng: random.Random) -> str:
    return f"{rng.choice(ASK_OK)} {rng.choice(WANTED_OK)}{rng.choice(WHEN_OK)}"


def sexual(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.5:
        text = f"{rng.choice(ASK)} {rng.choice(IMAGES)}{rng.choice(WHEN)}"
    elif r < 0.75:
        b = rng.choice(BODY)
        text = rng.choice(ABOUT).format(b=b, B=b[0].upper() + b[1:])
        if rng.random() < 0.3:
            text = f"{rng.choice(FIRST_NAMES)}, {text[0].lower()}{text[1:]}"
    else:
        text = rng.choice(ACTS)
        if rng.random() < 0.5:
            text = f"{rng.choice(FIRST_NAMES)} {text}"
    return text


def main() -> None:
    rng = random.Random(19)
    rows, seen = [], set()
    positive = {
        **ZERO, "toxicity": 1.0, "sexual_explicit": 1.0, "obscene": 1.0,
    }  # fmt: skip
    positive.pop("insult")
    while len(rows) < 250:
        text = sexual(rng)
        if key(text) not in seen:
            seen.add(key(text))
            rows.append({"text": text, "labels": positive})
    for text in HARMLESS:
        if key(text) not in seen:
            seen.add(key(text))
            rows.append({"text": text, "labels": dict(ZERO)})
    while len(rows) < 520:
        text = harmless_request(rng)
        if key(text) not in seen:
            seen.add(key(text))
            rows.append({"text": text, "labels": dict(ZERO)})
    write_jsonl(rows, "sexual_generated.jsonl")


if __name__ == "__main__":
    main()
