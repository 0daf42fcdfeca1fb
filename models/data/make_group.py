"""Write group_generated.jsonl: ~500 slur-free attacks on groups defined by a protected
characteristic (Equality Act 2010: race and nationality, immigrants and refugees included,
religion, sex, sexual orientation, gender reassignment, disability, age, pregnancy) and ~700
harmless posts built from the same words. group.jsonl (hand-written, 30 rows) teaches little
beyond its own sentences; here the attacks vary (dehumanising "<group> are vermin",
exclusion "<group> should not be allowed to teach", contempt "all <group> are liars",
disgust "<group> make me sick", women-hating, disability) and the harmless posts use the
same nouns: counter-speech and negation ("it is a myth that <group> are lazy"), welcomes
and greetings ("Eid Mubarak to all our Muslim families") and curriculum ("Year 9 studied
how the Nazis called Jewish people vermin"). Frames and word lists are the project's own;
seeded, so re-running gives the same file.

Labels: attacks are toxicity 1, identity_attack 1, threat 0 (none is violent: violent ones
are in threat_generated.jsonl), obscene 0; insult and severe_toxicity are left out
(unknown), as in group.jsonl. Harmless posts have every label 0. "characteristic" says which
group a row is about (the loader ignores it).

    python models/data/make_group.py
"""

from __future__ import annotations

import random

from make_identity import ZERO, key, write_jsonl  # same folder: run as a script
from make_threat import style

# (plural noun, adjective or None, characteristic)
GROUPS = [
    ("Muslims", "Muslim", "religion"), ("Jews", "Jewish", "religion"),
    ("Hindus", "Hindu", "religion"), ("Sikhs", "Sikh", "religion"),
    ("Catholics", "Catholic", "religion"), ("Christians", "Christian", "religion"),
    ("immigrants", "immigrant", "race"), ("refugees", "refugee", "race"),
    ("asylum seekers", "asylum-seeking", "race"), ("migrants", "migrant", "race"),
    ("Black people", "Black", "race"), ("Pakistanis", "Pakistani", "race"),
    ("Poles", "Polish", "race"), ("Romanians", "Romanian", "race"),
    ("Gypsies", "Gypsy", "race"), ("Travellers", "Traveller", "race"),
    ("Roma", "Roma", "race"), ("Somalis", "Somali", "race"), ("Africans", "African", "race"),
    ("Nigerians", "Nigerian", "race"), ("Chinese people", "Chinese", "race"),
    ("Asians", "Asian", "race"), ("Arabs", "Arab", "race"),
    ("Bangladeshis", "Bangladeshi", "race"), ("Eastern Europeans", "Eastern European", "race"),
    ("Irish people", "Irish", "race"), ("foreigners", None, "race"),
    ("gay people", "gay", "sexual_orientation"), ("gays", None, "sexual_orientation"),
    ("lesbians", "lesbian", "sexual_orientation"),
    ("bisexual people", "bisexual", "sexual_orientation"),
    ("homosexuals", None, "sexual_orientation"),
    ("trans people", "trans", "gender_reassignment"),
    ("transgender people", "transgender", "gender_reassignment"),
    ("non-binary people", "non-binary", "gender_reassignment"),
    ("women", None, "sex"), ("girls", None, "sex"), ("men", None, "sex"),
    ("disabled people", "disabled", "disability"), ("autistic people", "autistic", "disability"),
    ("deaf people", "deaf", "disability"), ("wheelchair users", None, "disability"),
    ("old people", "older", "age"), ("pensioners", None, "age"),
    ("pregnant women", "pregnant", "pregnancy"),
]  # fmt: skip
NATIONAL = {"race", "religion"}

NOUNS = [
    "vermin", "parasites", "animals", "a disease", "cockroaches", "rats", "a plague",
    "subhuman", "filth", "savages", "scum", "a cancer on this country", "leeches", "a virus",
    "dogs", "a burden", "a drain on everyone",
]  # fmt: skip
TRAITS = [
    "thieves", "liars", "dirty", "lazy", "terrorists", "paedos", "criminals",
    "benefit scroungers", "rapists", "dangerous", "stupid", "violent", "smelly",
    "freeloaders", "groomers", "cheats", "perverts", "thick", "useless", "brainwashed",
]  # fmt: skip
NOT_ALLOWED = [
    "vote", "teach", "adopt", "work with children", "be in our schools", "hold office",
    "run a business", "live here", "be governors", "marry", "have children", "join the PTA",
    "coach kids' football", "be doctors", "use the same toilets as us",
]  # fmt: skip

# (frame, characteristics it fits or None for all); {g}/{G} plural, {n} NOUNS, {t} TRAITS,
# {x} NOT_ALLOWED
ATTACKS = [
    ("{G} are {n}", None),
    ("{G} are nothing but {n}", None),
    ("Honestly, {g} are {n}", None),
    ("{G}? {N}, the lot of them", None),
    ("Let's be honest, {g} are {n}", None),
    ("{G} are {n} and everyone knows it", None),
    ("{G} breed like rats", None),
    ("{G} aren't even human", None),
    ("{G} should not be allowed to {x}", None),
    ("{G} shouldn't be allowed to {x}", None),
    ("Why are {g} even allowed to {x}?", None),
    ("Ban {g} from our schools", None),
    ("No {g} in our school", None),
    ("Keep {g} away from our kids", None),
    ("We don't want their kind here. No more {g}", None),
    ("I'd never let one of those {g} teach my kids", None),
    ("Send the {g} back where they came from", NATIONAL),
    ("Send them all back. {G} don't belong here", NATIONAL),
    ("{G} don't belong in this country", NATIONAL),
    ("Get the {g} out of our town", NATIONAL),
    ("{G} should go back to where they came from", NATIONAL),
    ("All {g} are {t}", None),
    ("{G} are all {t}", None),
    ("{G}, {t} the lot of them", None),
    ("Typical {g}, {t} as always", None),
    ("You can't trust {g}, they're all {t}", None),
    ("All the {g} round here are {t}", None),
    ("{G} are {t} and {t2}", None),
    ("{G} make me sick", None),
    ("{G} are disgusting", None),
    ("I can't stand {g}", None),
    ("{G} make my skin crawl", None),
    ("I hate {g}", None),
    ("I hate all {g}", None),
    ("{G} are revolting", None),
    ("{G} are a disgrace to this country", None),
    ("Seeing {g} makes me want to throw up", None),
]
# sex and disability, written out: the general frames miss how these attacks usually go
WOMEN = [
    "Women belong in the kitchen",
    "A woman's place is in the home",
    "Women should shut up and make the tea",
    "Girls are too emotional to lead anything",
    "Never trust a woman with money",
    "Female teachers are useless, they should stick to cooking",
    "Women are too weak and stupid for this job",
    "Get back in the kitchen where you belong, love",
    "No woman should ever be a headteacher",
    "Girls shouldn't be allowed to play football, they're rubbish at it",
]
WOMEN_TOO_STUPID = [
    "do maths", "lead a school", "referee a match", "be engineers", "understand football",
    "run anything", "vote", "drive the minibus", "teach physics", "be in charge",
]  # fmt: skip
DISABILITY = [
    "Disabled kids are a drain and shouldn't be in normal schools",
    "Autistic kids should be kept away from normal children",
    "Kids in wheelchairs slow everyone else down, get them out of mainstream",
    "Special needs kids ruin lessons for everyone and should be locked away",
    "Deaf kids are thick, simple as that",
    "Disabled people are useless and cost us a fortune",
    "Why should my taxes pay for disabled kids who will never amount to anything",
    "Autistic people are broken and should not be allowed to have children",
    "Blind people are a burden on their families",
    "Put the SEN kids in a separate building so normal kids can learn",
]
OTHER = [
    "Old teachers are dinosaurs and should be sacked",
    "Pensioners are a drain on everyone and should stop moaning",
    "Trans people are delusional and shouldn't be near kids",
    "Trans kids are just confused attention seekers",
    "Trans teachers are grooming our children",
    "Being gay is a disease that needs curing",
    "Gay teachers are a danger to children",
    "Pregnant women are lazy and shouldn't be hired",
    "Muslims are invading our country",
    "Jews run everything and can't be trusted",
    "Travellers are all thieves, lock your doors",
    "Refugees are scroungers who come here for free stuff",
    "Immigrants are ruining this country",
    "We don't want their kind here",
    "Send them all back",
]

# ------------------------------------------------------------------ harmless, same words

COUNTER = [
    ("{G} are not {n}, and anyone who says so is wrong", None),
    ("Calling {g} {n} is hate speech and we have reported it", None),
    ("Someone called {g} {n} on our page. We have deleted it and reported it", None),
    ("A leaflet calling {g} {n} was put through doors near school. We condemn it", None),
    ("Words like '{n}' have been used to dehumanise {g}. We will not tolerate them", None),
    ("It is a myth that {g} are {t}", None),
    ("The idea that {g} are {t} is a lie", None),
    ("No, {g} are not {t}. Please stop sharing this", None),
    ("The stereotype that {g} are {t} is false and harmful", None),
    ("Year 10 discussed why saying all {g} are {t} is prejudice", None),
    ("We will never accept anyone saying {g} should not be allowed to {x}", None),
    ("Of course {g} should be allowed to {x}", None),
    ("Someone said {g} don't belong here. They are wrong: {g} belong here", None),
    ("'Send them back' is not an opinion we will host on this page", NATIONAL),
    ("Saying {g} make you sick is not banter, it is hate", None),
    ("If someone tells you they hate {g}, challenge it or report it", None),
    ("{G} are not {t}.", None),
    ("{G} aren't {t}", None),
    ("{G} are not {n}.", None),
    ("{G} are not {t}, they are our neighbours", None),
    ("{G} are not a threat to anyone", None),
    ("{G} are not {t} and never were", None),
    ("{G} are welcome here", None),
    ("{G} belong here", None),
    ("{G} deserve respect, like everyone else", None),
    ("{G} have made this town what it is", None),
]
ADJ_FRAMES = [
    "Our {a} families are part of what makes this school great",
    "{A} pupils are welcome here",
    "We are proud of our {a} community",
    "Thank you to the {a} parents who cooked for the international evening",
    "Welcome to our new {a} pupils",
    "Our {a} staff network met for the first time today",
    "{A} voices belong in our curriculum",
    "Our {a} families are warmly invited to the coffee morning",
]
GREETINGS = [
    "Eid Mubarak to all our Muslim families",
    "Ramadan Mubarak to everyone fasting this month",
    "Happy Diwali to our Hindu, Sikh and Jain families",
    "Chag Sameach to our Jewish families this Hanukkah",
    "Happy Vaisakhi to all our Sikh families",
    "Happy Lunar New Year to our Chinese, Vietnamese and Korean families",
    "Happy Pride from all of us!",
    "Today is Trans Day of Visibility. Our trans pupils and staff are seen and valued",
    "Happy International Women's Day to all the women and girls in our community",
    "It's Refugee Week: refugees are welcome in our school",
    "Happy Windrush Day! Year 5 have been learning about the Windrush generation",
    "Black History Month starts today, with assemblies all week",
    "Celebrating Gypsy, Roma and Traveller History Month",
    "LGBT+ History Month: Year 9 researched LGBT+ scientists",
    "Disability History Month: our pupils shared stories of disabled campaigners",
    "South Asian Heritage Month display is up in the library",
    "Deaf Awareness Week: Year 3 learned to sign their names in BSL",
    "Autism Acceptance Week: thank you to our autistic pupils who led assembly",
    "Holocaust Memorial Day: we remember the six million Jews and all victims of persecution",
    "Interfaith Week: Muslim, Christian, Jewish and Sikh leaders visited Year 8",
    "Happy Christmas and a peaceful new year to all our families",
    "Happy Easter to everyone celebrating",
    "Shana Tova to our Jewish families",
    "Happy Guru Nanak Gurpurab to our Sikh community",
    "International Day of Older Persons: thank you to the older volunteers who read with us",
    "International Day of Persons with Disabilities: disabled pupils are at our heart",
    "Happy Polish Independence Day to our Polish families",
    "Happy Nigerian Independence Day to our Nigerian families",
    "Bi Visibility Day: bisexual people are welcome here",
    "Maternity support: pregnant staff can speak to HR in confidence",
]
CURRICULUM = [
    "Year 9 studied how the Nazis called Jewish people vermin to dehumanise them",
    "Year 11 learned how Rwandan radio called Tutsis cockroaches before the genocide",
    "Year 10 looked at how 1900s newspapers called immigrants a plague",
    "Women could not vote in general elections until 1918; Year 8 learned about the suffragettes",
    "Until 1967 being gay was a crime in England; Year 10 discussed how the law changed",
    "Section 28 stopped schools talking about gay families until 2003",
    "Signs saying 'No Irish, no Blacks, no dogs' were common in 1960s Britain. Year 9 asked why",
    "Under apartheid, Black South Africans were not allowed to vote",
    "Jim Crow laws kept Black Americans out of white schools; Year 8 studied civil rights",
    "In RE, Year 7 learned why calling a whole religion terrorists is prejudice",
    "PSHE: how words like 'vermin' and 'parasites' have been used against refugees",
    "Year 12 sociology: why the stereotype that Gypsies are thieves persists",
    "Disabled children were once kept out of mainstream schools. Year 10 studied what changed",
    "Nazi propaganda called disabled people 'useless eaters'. Year 9 saw where that led",
    "Year 10 English: how Shylock is treated as a Jew in The Merchant of Venice",
    "Citizenship: the Equality Act protects people from discrimination because of who they are",
    "Year 8 learned that women were once told they belonged in the kitchen, and how that changed",
    "History: the 1958 Notting Hill riots and the attacks on Caribbean families",
]
CLASSES = ["Year 9", "Year 10", "Year 11", "Our sixth formers", "History club", "Year 8"]
# who uses such words today: the historical cases are in CURRICULUM, true to the record
WHO = ["far-right leaflets", "extremist websites", "hate groups", "propaganda posters",
       "online trolls", "some tabloid headlines"]  # fmt: skip
WHY = ["to dehumanise them", "to justify persecution", "to stir up hatred",
       "to turn neighbours against them"]  # fmt: skip


def fill(frame: str, group: tuple, rng: random.Random) -> str:
    g, a, _ = group
    n, t, t2 = rng.choice(NOUNS), *rng.sample(TRAITS, 2)
    return frame.format(
        g=g, G=g[0].upper() + g[1:], a=a, A=(a or "")[:1].upper() + (a or "")[1:], n=n,
        N=n[0].upper() + n[1:], t=t, t2=t2, x=rng.choice(NOT_ALLOWED),
    )  # fmt: skip


def pick(frames: list[tuple], rng: random.Random) -> tuple[str, tuple]:
    frame, fits = rng.choice(frames)
    group = rng.choice([gr for gr in GROUPS if fits is None or gr[2] in fits])
    return frame, group


def attack(rng: random.Random) -> tuple[str, dict, str]:
    r = rng.random()
    if r < 0.06:
        text, c = rng.choice(WOMEN), "sex"
    elif r < 0.1:
        text = f"Women are too stupid to {rng.choice(WOMEN_TOO_STUPID)}"
        c = "sex"
    elif r < 0.15:
        text, c = rng.choice(DISABILITY), "disability"
    elif r < 0.2:
        text, c = rng.choice(OTHER), ""
    else:
        frame, group = pick(ATTACKS, rng)
        text, c = fill(frame, group, rng), group[2]
    labels = {
        "toxicity": 1.0, "obscene": 0.0, "threat": 0.0, "identity_attack": 1.0,
        "sexual_explicit": 0.0, "self_harm": 0.0,
    }  # fmt: skip
    return text, labels, c


def harmless(rng: random.Random) -> tuple[str, dict, str]:
    r = rng.random()
    if r < 0.12:
        return rng.choice(GREETINGS), ZERO, ""
    if r < 0.2:
        return rng.choice(CURRICULUM), ZERO, ""
    if r < 0.3:
        g = rng.choice([gr for gr in GROUPS if gr[2] in ("race", "religion", "disability")])
        text = f"{rng.choice(CLASSES)} studied how {rng.choice(WHO)} call {g[0]} "
        text += f"{rng.choice(NOUNS)} {rng.choice(WHY)}"
        return text, ZERO, g[2]
    if r < 0.45:
        group = rng.choice([gr for gr in GROUPS if gr[1]])
        return fill(rng.choice(ADJ_FRAMES), group, rng), ZERO, group[2]
    frame, group = pick(COUNTER, rng)
    return fill(frame, group, rng), ZERO, group[2]


def main() -> None:
    rng = random.Random(17)
    rows, seen = [], set()
    for make, n in ((attack, 500), (harmless, 700)):
        made = 0
        while made < n:
            text, labels, c = make(rng)
            text = style(text, rng)
            if key(text) not in seen:
                seen.add(key(text))
                rows.append({"text": text, "labels": labels, "characteristic": c or "mixed"})
                made += 1
    write_jsonl(rows, "group_generated.jsonl")


if __name__ == "__main__":
    main()
