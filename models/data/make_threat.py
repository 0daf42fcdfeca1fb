"""Write threat_generated.jsonl: ~800 threats and ~400 harmless posts that use the same
violent words. threat.jsonl (hand-written, 50 rows) is too small for the model to learn that
a threat is about *someone* (first-person "I'll stab you", conditional "touch my son again
and I'll ...", incitement "someone should shoot that ref", wishing death "hope she gets hit
by a bus", calls for violence against a group, veiled "I know where you live"), while
"Year 6 killed it at sports day", "we shot the final scene" and "fire drill at 10am" are
everyday school posts. Frames and word lists are the project's own; seeded, so re-running
gives the same file.

Labels: threats are toxicity 1, threat 1, identity_attack 1 only against a group defined by
a protected characteristic (immigrants and refugees included: national origin), insult 1
where the threat also calls the person names, obscene 1 where it swears; severe_toxicity
is left out (unknown), as in threat.jsonl, and so is insult for calls against groups. The
harmless posts have every label 0.

    python models/data/make_threat.py
"""

from __future__ import annotations

import random
import re

from make_identity import ZERO, key, write_jsonl  # same folder: run as a script
from names import FIRST_NAMES, TITLED

# ---------------------------------------------------------------- threats against a person

# (subject, object, possessive, third person?)
YOU = ("you", "you", "your", False)
PEOPLE = [
    ("he", "him", "his", True),
    ("she", "her", "her", True),
    ("that ref", "that ref", "that ref's", True),
    ("the head", "the head", "the head's", True),
    ("that teacher", "that teacher", "that teacher's", True),
    ("that parent", "that parent", "that parent's", True),
    ("the new PE teacher", "the new PE teacher", "the new PE teacher's", True),
    ("that kid", "that kid", "that kid's", True),
    ("the caretaker", "the caretaker", "the caretaker's", True),
    ("his dad", "his dad", "his dad's", True),
    ("her mum", "her mum", "her mum's", True),
    ("the headteacher", "the headteacher", "the headteacher's", True),
]

# what "I'll ..." does to {o} (object) / {p} (possessive)
HARM = [
    "smash {p} face in", "stab {o}", "kill {o}", "batter {o}", "punch {o} in the face",
    "break {p} legs", "run {o} over", "burn {p} house down", "put {o} in hospital",
    "knock {o} out", "beat {o} black and blue", "shoot {o}", "hurt {o}", "break {p} jaw",
    "cave {p} head in", "slash {p} tyres", "stamp on {p} head", "snap {p} neck",
    "set {o} on fire", "strangle {o}", "glass {o}", "knife {o}", "kick {p} head in",
    "break every bone in {p} body", "end {o}", "bury {o}", "beat the life out of {o}",
    "put {o} in the ground", "wreck {p} car", "smash {p} windows in", "hurt {p} kids",
    "punch {p} lights out", "rip {p} head off", "drown {o}", "hang {o}",
]  # fmt: skip
I_WILL = [
    "I'll", "I will", "I'm going to", "I am going to", "I'm gonna", "Im gonna", "ima",
    "I swear I'll", "We're going to", "We will", "I will literally", "Mark my words, I'll",
    "Honestly I'll", "I'm actually going to", "Next time I see you I'll",
]  # fmt: skip
WHEN = [
    "", "", "", " after school", " tonight", " in the car park", " at the gates", " tomorrow",
    " when I see you", " on Monday", " outside school", " at pick up", " next time",
    " behind the sports hall", " on the way home", " at the match on Saturday",
    " at parents' evening", " in front of everyone", " first thing tomorrow",
]  # fmt: skip
# tails for "someone should ...", where "when I see you" would not fit
WHERE = [w for w in WHEN if "see you" not in w and "next" not in w]
# what the threatened person might do again: (second person, third person)
DOES = [
    ("message me", "messages me"), ("touch my son", "touches my son"),
    ("go near my daughter", "goes near my daughter"),
    ("give my kid a detention", "gives my kid a detention"),
    ("speak to me like that", "speaks to me like that"), ("post that", "posts that"),
    ("report me", "reports me"), ("come near my house", "comes near my house"),
    ("say that", "says that"), ("send my boy home", "sends my boy home"),
    ("exclude my child", "excludes my child"), ("look at me", "looks at me"),
    ("shout at my kid", "shouts at my kid"), ("give us a penalty", "gives us a penalty"),
    ("ring my house", "rings my house"), ("book me for that", "books me for that"),
]  # fmt: skip
CONDITIONAL = [
    "If {s} {does} again I will {harm}",
    "If {s} {does} again I'll {harm}",
    "{Does} again and I'll {harm}",
    "{Does} one more time and I swear I'll {harm}",
    "if {s} ever {does} again ima {harm}",
    "Let {o} {does2} again and see what happens. I'll {harm}",
    "The next time {s} {does}, I'm going to {harm}",
]
INCITE = [
    "Someone should {harm}",
    "Somebody needs to {harm}",
    "Someone ought to {harm}",
    "Who's going to {harm} for me",
    "Anyone want to help me {harm}",
    "Honestly someone should {harm}",
    "Can someone please {harm}",
    "If no one else will, I'll {harm} myself",
]
# "{o} deserves to be ..." / "should be ..."
DONE_TO = [
    "beaten", "stabbed", "shot", "hanged", "battered", "run over", "kicked to death",
    "set on fire", "beaten up", "knifed", "glassed", "strung up", "put down",
    "beaten within an inch of their life", "dragged out and beaten", "shot in the head",
    "stabbed in the car park", "hit with a brick",
]  # fmt: skip
DESERVE = [
    "{S} <deserve> to be {done}",
    "{S} should be {done}",
    "{S} needs to be {done}",
    "{S} <want> {done}",
    "{S} ought to be {done} for this",
    "honestly {s} <deserve> to be {done}",
]
# wishing harm or death; <verb> is inflected for the third person
WISH = [
    "I hope {s} <die>",
    "I hope {s} <die> slowly",
    "hope {s} <get> hit by a bus",
    "I hope somebody runs {o} over",
    "I hope {s} <get> stabbed",
    "I hope {s} <crash> {p} car and <die>",
    "hope {s} <burn> in a house fire",
    "I wish someone would shoot {o}",
    "I want {o} dead",
    "I want {o} dead by Friday",
    "{S} <deserve> to die",
    "I hope {s} <get> cancer and <die>",
    "hope someone kicks {p} head in",
    "I hope {s} <choke>",
    "I hope {s} <rot> in a ditch",
    "the world would be better if {s} were dead",
    "hope {s} <get> jumped on the way home",
    "Wish {s} were dead",
]
# no violent word in them, but read as a threat
VEILED = [
    "I know where {s} <live>",
    "I know where {s} <live>, remember that",
    "It'd be a shame if something happened to {p} car",
    "Nice house {s} <have>, be a shame if anything happened to it",
    "Watch {p} back",
    "{S} should watch {p} back",
    "{S}'ll regret this",
    "{S}'ll regret this, I promise",
    "We know which school {p} kids go to",
    "Sleep with one eye open",
    "I know what car {s} <drive>",
    "I know what time {s} <leave> work",
    "{S} won't see it coming",
    "We'll be waiting for {o} after school",
    "{P} days are numbered",
    "Consider yourself warned",
    "This isn't over, not by a long way",
    "Keep looking over {p} shoulder",
    "Accidents happen, tell {o} that",
    "Don't be surprised if something happens to {o}",
    "I'd be careful walking home alone if I were {o}",
    "We're coming for {o}",
    "I've got people who will deal with {o}",
    "{S}'ll get what's coming",
    "I see {p} daughter at the bus stop every morning",
    "Tell {o} I know which bus {s} <take>",
    "I've been watching {o}. {S} <have> no idea",
    "Enjoy {p} last week at that school",
    "Say goodbye to {p} family",
]
NAME_CALL = [
    ", you little rat", ", you fat cow", ", you muppet", ", you clown", ", you snake",
    ", you waste of space", ", you pathetic little man", ", you bully",
]  # fmt: skip
SWEAR_CALL = [", you prick", ", you twat", ", you fucking idiot", ", dickhead", ", you bitch"]

INFLECT = {"have": "has", "crash": "crashes"}


def render(frame: str, person: tuple, harm: str = "", done: str = "", does=("", "")) -> str:
    s, o, p, third = person
    out = frame.format(
        s=s, S=s[0].upper() + s[1:], o=o, p=p, P=p[0].upper() + p[1:], done=done,
        harm=harm.format(o=o, p=p), does=does[third], Does=does[0][:1].upper() + does[0][1:],
        does2=does[0],
    )  # fmt: skip
    if not third:  # "I hope you <die>" -> "die"
        return re.sub(r"<(\w+)>", r"\1", out)
    if s not in ("he", "she"):  # "He'll regret this", but "Mr Byrne will regret this"
        out = re.sub(rf"\b({re.escape(s)})'ll", r"\1 will", out, flags=re.IGNORECASE)
    return re.sub(r"<(\w+)>", lambda m: INFLECT.get(m[1], m[1] + "s"), out)


def target(rng: random.Random, you_share: float = 0.5) -> tuple:
    """You, a role ("that ref"), or a named person."""
    r = rng.random()
    if r < you_share:
        return YOU
    if r < you_share + (1 - you_share) / 2:
        return rng.choice(PEOPLE)
    name = rng.choice(TITLED + FIRST_NAMES)
    return (name, name, name + "'s", True)


def person_threat(rng: random.Random) -> tuple[str, dict]:
    kind = rng.choice(["direct", "direct", "conditional", "incite", "deserve", "wish", "veiled"])
    person = YOU
    if kind == "direct":
        person = target(rng, 0.6)
        intro = rng.choice(I_WILL)
        tail = rng.choice(WHERE if intro.startswith("Next") else WHEN)
        text = render(f"{intro} {{harm}}{tail}", person, rng.choice(HARM))
    elif kind == "conditional":
        person = target(rng, 0.6)
        frame = rng.choice(CONDITIONAL)
        if "{Does}" in frame:
            person = YOU
        elif "{does2}" in frame and person == YOU:
            person = rng.choice(PEOPLE)
        text = render(frame, person, rng.choice(HARM), does=rng.choice(DOES))
    elif kind == "incite":
        person = target(rng, 0.0)
        text = render(rng.choice(INCITE) + rng.choice(WHERE), person, rng.choice(HARM))
    elif kind == "deserve":
        person = target(rng, 0.1)
        text = render(rng.choice(DESERVE), person, done=rng.choice(DONE_TO))
    elif kind == "wish":
        person = target(rng, 0.5)
        text = render(rng.choice(WISH), person)
    else:
        person = target(rng, 0.6)
        text = render(rng.choice(VEILED), person)
    labels = {"toxicity": 1.0, "obscene": 0.0, "threat": 1.0, "insult": 0.0}
    r = rng.random() if person == YOU else 1.0  # name-calling only when it speaks to "you"
    if r < 0.2:
        text += rng.choice(NAME_CALL)
        labels["insult"] = 1.0
    elif r < 0.32:
        text += rng.choice(SWEAR_CALL)
        labels.update(insult=1.0, obscene=1.0)
    elif rng.random() < 0.08 and re.search(r"\b(I'll|I will|I'm going to) ", text):
        text = re.sub(r"\b(I'll|I will|I'm going to) ", r"\1 fucking ", text, count=1)
        labels["obscene"] = 1.0
    labels.update(identity_attack=0.0, sexual_explicit=0.0, self_harm=0.0)
    return text, labels


# -------------------------------------------------------------- calls for violence on groups

PROTECTED = [
    "Muslims", "Jews", "immigrants", "refugees", "asylum seekers", "gay people", "gays",
    "trans people", "Black people", "Pakistanis", "Poles", "Romanians", "Gypsies",
    "Travellers", "Somalis", "Africans", "Chinese people", "Hindus", "Sikhs", "lesbians",
    "disabled people", "Catholics", "Arabs", "Asians", "foreigners", "migrants", "Nigerians",
    "Kurds", "Albanians", "Bangladeshis", "Eastern Europeans", "women", "Roma",
]  # fmt: skip
PLACES = [
    ("mosque", True), ("synagogue", True), ("gurdwara", True), ("Hindu temple", True),
    ("church", True), ("asylum hotel", True), ("refugee centre", True),
    ("Polish shop", True), ("Traveller site", True), ("Pride event", True),
    ("council offices", False), ("school", False), ("ref's house", False),
]  # fmt: skip
OTHERS = [  # not a protected characteristic
    "everyone who voted for this", "the governors", "the whole PTA", "that lot at the council",
    "those Year 11s", "the other team's fans", "the staff at that school", "the refs",
    "the parking wardens", "the senior leadership team", "all of the teachers there",
]  # fmt: skip
GROUP_FRAMES = [
    "{G} should all be shot",
    "They should all be shot, every last one of the {g}",
    "Kill all the {g}",
    "kill all {g}",
    "{G} should be hanged",
    "{G} should be hanged from lamp posts",
    "Deport and kill the {g}",
    "Burn the {g} out of their homes",
    "String them up. All the {g}",
    "Round up the {g} and shoot them",
    "The {g} need to be wiped out",
    "Line the {g} up against a wall",
    "{G} deserve to be beaten in the street",
    "Someone should gas the {g}",
    "Every one of the {g} should be strung up",
    "It's time we started killing {g}",
    "Get the {g} out, and if they won't go, kill them",
    "Stab every one of the {g} you see",
    "I'd happily run over a few {g}",
    "We should hunt the {g} down",
    "Drown the {g}, sink every boat",
    "The only good {g} are dead ones",
    "Put the {g} in camps and let them starve",
    "Burn the {g} alive",
]
OTHER_FRAMES = [
    "{G} should all be shot",
    "{G} should be hanged",
    "Someone should shoot {g}",
    "Line {g} up against a wall",
    "{G} deserve to be beaten in the street",
    "String them all up, {g}",
    "{G} should be dragged out and beaten",
    "I'd happily run over {g}",
]
PLACE_FRAMES = [
    "Someone should torch the {w}",
    "Let's burn down the {w} tonight",
    "Who's coming to smash up the {w} on Saturday",
    "Put a brick through every window of the {w}",
    "Petrol bomb the {w}",
    "The {w} should be burned to the ground with them inside",
]


# compositional calls for violence: "<group> must be exterminated", "Wipe out the <group>",
# "<group> are ruining this country. Kill them all."
MODAL = [
    "should all be", "must be", "need to be", "deserve to be", "ought to be", "should be",
    "must all be", "have to be", "should just be", "all need to be",
]  # fmt: skip
DONE = [
    "shot", "hanged", "killed", "exterminated", "annihilated", "wiped out", "gassed",
    "executed", "slaughtered", "massacred", "burned alive", "stoned", "beheaded", "lynched",
    "eradicated", "put down", "bombed", "nuked", "shot on sight", "strung up", "tortured",
    "wiped off the face of the earth", "removed from the face of the earth", "beaten to death",
]  # fmt: skip
DO_TO = [
    "kill", "exterminate", "wipe out", "nuke", "bomb", "shoot", "gas", "hang", "slaughter",
    "massacre", "get rid of", "eradicate", "behead", "stone", "lynch", "execute", "burn",
]  # fmt: skip
DO_FRAMES = [
    "{V} the {g}", "{V} all {g}", "Time to {v} the {g}", "We need to {v} the {g}",
    "Go and {v} the {g}", "Someone needs to {v} the {g}", "I say {v} every last one of the {g}",
    "Let's {v} the {g} once and for all", "The answer is simple: {v} the {g}",
]  # fmt: skip
LEAD_IN = [
    "I'm sick of {g}.", "{G} are ruining this country.", "{G} have taken over our town.",
    "Look what the {g} have done now.", "Nobody wants {g} here.", "Another news story about {g}.",
    "Seen the {g} on the high street again.",
]  # fmt: skip
TAIL = ["Kill them all.", "{V} them all.", "They should all be {d}.", "{V} them.", "Just {v} them."]


def composed_group_threat(rng: random.Random, g: str) -> str:
    cap = g[0].upper() + g[1:]
    v, d = rng.choice(DO_TO), rng.choice(DONE)
    r = rng.random()
    if r < 0.4:
        return f"{cap} {rng.choice(MODAL)} {d}"
    if r < 0.75:
        return rng.choice(DO_FRAMES).format(g=g, v=v, V=v[0].upper() + v[1:])
    lead = rng.choice(LEAD_IN).format(g=g, G=cap)
    return f"{lead} {rng.choice(TAIL).format(v=v, V=v[0].upper() + v[1:], d=d)}"


def group_threat(rng: random.Random) -> tuple[str, dict]:
    r = rng.random()
    if r < 0.5:
        g, protected = rng.choice(PROTECTED), True
        text = composed_group_threat(rng, g)
    elif r < 0.62:
        w, protected = rng.choice(PLACES)
        text = rng.choice(PLACE_FRAMES).format(w=w)
    elif r < 0.7:
        g, protected = rng.choice(OTHERS), False
        text = rng.choice(OTHER_FRAMES).format(g=g, G=g[0].upper() + g[1:])
    else:
        g, protected = rng.choice(PROTECTED), True
        text = rng.choice(GROUP_FRAMES).format(g=g, G=g[0].upper() + g[1:])
    labels = {
        "toxicity": 1.0, "obscene": 0.0, "threat": 1.0, "identity_attack": float(protected),
        "sexual_explicit": 0.0, "self_harm": 0.0,
    }  # fmt: skip
    return text, labels


# ---------------------------------------------------------------------- harmless posts

TEAMS = [
    "Year 6", "Our U12 girls", "The netball team", "3B", "Our choir", "The Year 11 drama group",
    "Year 2", "The cross-country squad", "Our chess club", "The Year 9 boys", "Class 4K",
    "Our Reception children", "The staff band", "Our debate team", "The U14 footballers",
    "Year 13", "Our Year 8 girls", "The orchestra", "Our sixth formers", "The rugby squad",
]  # fmt: skip
DID_WELL = [
    "absolutely killed it", "smashed it", "killed it", "smashed the competition",
    "blew everyone away", "murdered that song", "destroyed the opposition", "slayed",
    "knocked it out of the park", "nailed it", "crushed it", "totally smashed it",
]  # fmt: skip
AT = [
    "at sports day", "at the spelling bee", "at the concert", "at the cross-country",
    "in the maths challenge", "in the district final", "at the carol service", "today",
    "in the county tournament", "at the talent show", "at the science fair", "this morning",
    "at the Eisteddfod", "in their mock exams", "at the swimming gala",
]  # fmt: skip
WILL_DO_WELL = ["are going to kill it", "are gonna smash it", "will knock 'em dead",
                "are going to blow the judges away", "are ready to smash it"]  # fmt: skip
OPPONENTS = ["St Mary's", "Oakfield", "Hillside Academy", "the staff team", "Kingsway",
             "Riverside Primary", "the parents' XI", "Park View"]  # fmt: skip
BEAT = ["beat", "thrashed", "hammered", "crushed", "destroyed", "smashed", "battered"]
SCORES = ["5-0", "3-1", "24-10", "2-1", "40-12", "6-2", "on penalties"]
SHOT = [
    "the final scene of our film", "some hoops at lunch", "a new video for the website",
    "the trailer for the school musical", "our stop-motion animation",
    "the Year 6 leavers' video", "a short film about recycling", "footage for the open evening",
    "the music video", "the first scenes of our zombie film",
]  # fmt: skip
PLAYS = [
    "The Macbeth murder scene", "The death scene in Romeo and Juliet",
    "Caesar's stabbing in Year 10's Julius Caesar", "The duel at the end of Hamlet",
    "The Lord of the Flies hunt scene", "The shooting in Of Mice and Men",
    "The sword fight in Peter Pan", "The battle scene in our Narnia play",
]  # fmt: skip
WOW = ["was chilling", "was so powerful", "gave us goosebumps", "was brilliantly acted",
       "had the audience in silence", "was incredible"]  # fmt: skip
CLASSES = ["Year 4", "Year 5", "Year 7", "Year 8", "Year 9", "History club", "Our Year 10s",
           "The Year 3 class", "Year 12 historians"]  # fmt: skip
STUDIED = ["learned how", "studied how", "wrote about how", "researched how",
           "made posters about how", "debated why"]  # fmt: skip
HISTORY = [
    "the Tudors executed traitors", "Charles I was beheaded",
    "King Harold was shot in the eye at Hastings", "Thomas Becket was murdered in his cathedral",
    "London was bombed in the Blitz", "the suffragettes smashed windows for the vote",
    "the Romans crucified prisoners", "Henry VIII had two of his wives beheaded",
    "Guy Fawkes was hanged, drawn and quartered", "Joan of Arc was burned at the stake",
    "soldiers were shot for cowardice in the First World War",
    "the Peterloo protesters were killed",
    "the Great Fire of London burned for four days", "Vikings raided and burned monasteries",
    "Stephen Lawrence was murdered and how the police failed his family",
    "the Aztecs made human sacrifices", "the Titanic sank and 1,500 people drowned",
]  # fmt: skip
IF_THREAT = [
    "If someone threatens you online", "If someone threatens to hurt you",
    "If you see a knife in school", "If a message says someone will beat you up",
    "If anyone says they are going to kill someone", "If you are worried someone might hurt you",
    "If you get a message saying 'I know where you live'",
    "If someone tells you to watch your back",
    "If an older pupil says they will smash your face in",
]  # fmt: skip
DO = [
    "tell a trusted adult", "speak to your form tutor", "tell a teacher straight away",
    "call 999 in an emergency", "screenshot it and report it", "talk to us, we will help",
    "don't reply, just report it", "tell a parent or carer",
]  # fmt: skip
REPORTED = [
    "the threatening messages", "the threats made against one of our teachers",
    "the comments saying our staff should be shot", "the abusive posts about our head",
    "the messages threatening to burn down the school", "the threats sent to a parent",
    "a post threatening to stab a pupil", "the threats made to our referees",
]  # fmt: skip
REPORT_TO = [
    "We have reported {r} to the police", "{R} have been passed to the police",
    "We are aware of {r} and they have been reported", "Thank you to everyone who flagged {r}",
    "We condemn {r} in the strongest terms",
]  # fmt: skip
HARMLESS = [
    "Fire drill at 10am, please remind pupils to line up quietly on the field",
    "Fire drill at 2pm today",
    "Reminder: fire alarm test every Tuesday at 9am",
    "Please hang your coats on the pegs and put bags under the benches",
    "Knife crime awareness talk from the police for Year 10 this afternoon",
    "Don't let the bed bugs bite on the residential!",
    "Break a leg to the cast of Oliver! tonight",
    "Break a leg everyone, see you at curtain up",
    "Please do not share the video of the fight; it has been reported to the police",
    "Beat the teacher quiz this Friday, come along!",
    "Year 5 are trying to beat their personal best in the bleep test",
    "We smashed our fundraising target for Children in Need",
    "Shoot for the stars, Year 13. Good luck with your results",
    "Basketball club: practise your shooting over half term",
    "The science show blew our minds, explosions and all",
    "Bonfire night: stay safe around fireworks and sparklers",
    "Crime scene forensics workshop for the Year 9 scientists",
    "PTA murder mystery evening, tickets on sale now",
    "Archery club had great target practice today",
    "We're dying to see you at the open evening",
    "This heat is killing me, remember water bottles tomorrow",
    "Police demonstrated stab vests and body cameras to Year 11",
    "Remembrance Day: we remember those who were killed in the wars",
    "Year 2 burned their model houses to recreate the Great Fire of London (safely!)",
    "Death by chocolate cake sold out first at the bake sale",
    "Knock 'em dead at your university interviews, sixth form",
    "What a penalty shootout! Well done the U11s",
    "Come and hang out with us at the summer fair",
    "Thank you to the parents who planted our new hanging baskets",
    "The Year 4 Romans topic ended with a gladiator battle (with foam swords)",
    "First aid training for staff: what to do if someone is bleeding heavily",
    "Watch your step, the playground is icy this morning",
    "You'll regret missing the bake sale, the brownies are amazing",
    "Sleep tight, Year 6, big day tomorrow!",
    "Keep an eye on your belongings in the changing rooms",
    "Mr Ali kindly fixed a flat tyre in the car park. Hero!",
    "We know the way to your heart: pizza Friday is back",
    "We are coming for you, Oakfield! See you in the final",
    "Watch out, Year 7, the Year 8s are coming for the house cup",
    "Our revision sessions will take no prisoners",
    "The Year 10 biology class dissected hearts, not for the squeamish!",
    "Killer sudoku club meets in room 12 at lunch",
    "Dodgeball: teachers versus Year 11, and the teachers got destroyed",
    "Year 9 debated whether the death penalty should ever be used",
    "Please do not bring toy guns or knives to the Halloween disco",
    "Cluedo club: it was Colonel Mustard in the library with the candlestick",
    "Our gardening club hacked back the brambles by the pond",
    "History trip to the Tower of London, where Anne Boleyn was beheaded",
    "English: Year 11 are writing about violence in An Inspector Calls and Macbeth",
    "The war poetry unit looks at how soldiers were shot at the front",
    "Online safety evening: how to spot and report threats and bullying",
    "If your child gets a message saying someone will hurt them, screenshot it and call us",
    "Year 3 punched holes in their lanterns for the Diwali display",
    "Hit the ground running in September, Year 7!",
    "Fight Cancer fun run on Sunday, sign up at the office",
    "Kickboxing club starts after half term in the sports hall",
    "Our judo team threw everyone today, three golds!",
    "Who killed Tybalt? Year 9's Romeo and Juliet quiz",
    "Bang on time, the new minibus arrived this morning",
    "Hang tight, the website is back up shortly",
    "Year 10 are shooting hoops for charity all day",
    "Photography club shot the sunset over the playing field",
    "The football team were beaten 4-0 but kept their heads up",
    "Water fight for the Year 6 leavers, bring a towel",
    "Mock trial: Year 12 law students prosecuted a fictional murder case",
    "Our Year 7s went wild for the reptile show, the python was a hit",
    "Sorry, the Wi-Fi died again, homework deadlines are extended to Monday",
    "The printer is dead, long live the new printer",
    "Our debating team slaughtered the opposition in the regional final",
    "We got absolutely battered by the rain on the Year 8 trip",
    "Hope you all have a smashing half term",
    "The Year 5 volcano experiment exploded all over the table",
    "Please leave scooters in the shelter, they are a trip hazard",
    "Self-defence workshop for Year 13 girls before they head off to university",
    "Bikeability: Year 6 learned how to stay safe and not get run over",
    "The boxing club raised £800 with a sponsored spar",
    "Remember to hang your PE kits up to dry",
    "Well done Year 11, you fought hard in that final",
    "Year 1 made paper guns for the Nutcracker soldiers' march",
    "Reading challenge: who can kill the most books this summer?",
    "Mr Kowalski is the undisputed dodgeball assassin",
    "Miss Okoye shot down every excuse for missing homework",
]
# (template, weight): every template is harmless, whatever fills it
SCHOOL_TEMPLATES = [
    ("{team} {did} {at}", 4),
    ("Well done {tl}, you {did} {at}", 2),
    ("{team} {will} tomorrow", 2),
    ("{team} {beat} {opp} {score}", 3),
    ("We shot {shot} today", 2),
    ("Today {tl} shot {shot}", 1),
    ("{play} {wow}", 2),
    ("{cls} {studied} {history}", 4),
    ("{iff}, {do}", 3),
    ("{report}", 3),
]


def harmless(rng: random.Random) -> tuple[str, dict]:
    if rng.random() < 0.2:
        return rng.choice(HARMLESS), ZERO
    frame = rng.choices([t for t, _ in SCHOOL_TEMPLATES], [w for _, w in SCHOOL_TEMPLATES])[0]
    r = rng.choice(REPORTED)
    report = rng.choice(REPORT_TO).format(r=r, R=r[0].upper() + r[1:])
    team = rng.choice(TEAMS)
    tl = team[0].lower() + team[1:] if team.startswith(("The ", "Our ")) else team
    text = frame.format(
        team=team, tl=tl, did=rng.choice(DID_WELL), at=rng.choice(AT),
        will=rng.choice(WILL_DO_WELL), beat=rng.choice(BEAT), opp=rng.choice(OPPONENTS),
        score=rng.choice(SCORES), shot=rng.choice(SHOT), play=rng.choice(PLAYS),
        wow=rng.choice(WOW), cls=rng.choice(CLASSES), studied=rng.choice(STUDIED),
        history=rng.choice(HISTORY), iff=rng.choice(IF_THREAT), do=rng.choice(DO), report=report,
    )  # fmt: skip
    return text, ZERO


# ------------------------------------------------------------------------------- style

SPEAK = [(r"\byou\b", "u"), (r"\byour\b", "ur"), (r"\bgoing to\b", "gonna"), (r"\bI'm\b", "im"),
         (r"\bI'll\b", "ill"), (r"\bbecause\b", "cos"), (r"\btonight\b", "2nite")]  # fmt: skip


def style(text: str, rng: random.Random) -> str:
    """Casing, closing punctuation and a little text-speak, the same way for every class."""
    if rng.random() < 0.15:
        for pat, rep in SPEAK:
            text = re.sub(pat, rep, text, flags=re.IGNORECASE)
    r = rng.random()
    if r < 0.15:
        text = text.lower()
    elif r < 0.2:
        text = text.upper()
    elif text[0].islower() and r < 0.8:
        text = text[0].upper() + text[1:]
    if text[-1].isalnum():
        text += rng.choice(["", "", "", ".", ".", "!", "!!", "...", " !!!", "?!"])
    return text


def main() -> None:
    rng = random.Random(13)
    rows, seen = [], set()

    def add(n: int, make) -> None:
        made = 0
        while made < n:
            text, labels = make(rng)
            text = style(text, rng)
            if key(text) not in seen:
                seen.add(key(text))
                rows.append({"text": text, "labels": labels})
                made += 1

    add(470, person_threat)
    add(330, group_threat)
    add(400, harmless)
    write_jsonl(rows, "threat_generated.jsonl")


if __name__ == "__main__":
    main()
