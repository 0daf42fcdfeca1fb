"""Functional tests for school posts: one small case per behaviour the policy needs.

They call the embedded backend directly, at the thresholds it ships with
(src/postcheck/toxicity_backends/weights/thresholds.yml): "flagged" means some label reached its
`doubt` threshold. The sentences are written for these tests and are not in the training
data. Where the model honestly cannot do a behaviour the test is xfail(strict=True) and
models/MODEL_CARD.md says so; if the model learns it, the test starts failing and the
mark must come off.
"""

from __future__ import annotations

import pytest

from postcheck.toxicity_backends import load_backend
from postcheck.toxicity_backends.embedded import load_thresholds


@pytest.fixture(scope="module")
def model():
    return load_backend({"backend": "embedded"})


@pytest.fixture(scope="module")
def thresholds():
    return load_thresholds()


def scores(model, text: str) -> dict[str, float]:
    return model.score([text])[0]


def flagged_labels(model, thresholds, text: str, level: str = "doubt") -> set[str]:
    s = scores(model, text)
    return {label for label, v in s.items() if v >= thresholds[label][level]}


def xfail(reason: str):
    return pytest.mark.xfail(strict=True, reason=reason)


# ----------------------------------------------------------------- protected characteristics

PROTECTED_NEUTRAL = {
    "age": "Our oldest volunteer, aged 92, read stories to Reception class today",
    "disability": "Pupils with learning disabilities designed the new sensory garden",
    "gender reassignment": "We have updated our uniform policy so that it supports transgender pupils",
    "marriage and civil partnership": "Congratulations to Mr Ahmed and his husband on their civil partnership",
    "pregnancy and maternity": "Best wishes to Mrs Clarke as she starts her maternity leave",
    "race": "Black History Month: Year 5 researched the footballer Walter Tull",
    "religion or belief": "Happy Diwali to all our Hindu and Sikh families",
    "sex": "Our girls' cricket team has reached the county final",
    "sexual orientation": "Our lesbian, gay and bisexual staff network welcomes new members",
}


@pytest.mark.parametrize("characteristic", sorted(PROTECTED_NEUTRAL))
def test_neutral_mention_of_protected_characteristic_is_not_flagged(
    model, thresholds, characteristic
):
    assert flagged_labels(model, thresholds, PROTECTED_NEUTRAL[characteristic]) == set()


def test_short_positive_identity_statement_is_not_flagged(model, thresholds):
    assert flagged_labels(model, thresholds, "Proud to be a Muslim woman in science") == set()


# ----------------------------------------------------------------- counter-speech, negation


def test_negation_is_not_flagged(model, thresholds):
    assert flagged_labels(model, thresholds, "Travellers are not criminals.") == set()


def test_quoting_abuse_to_condemn_it_is_not_flagged(model, thresholds):
    text = (
        "A parent was sent a message calling her family 'dirty immigrants'. "
        "That is racist, and we have reported it to the police."
    )
    assert flagged_labels(model, thresholds, text) == set()


def test_quoting_abuse_to_condemn_it_is_not_a_breach(model, thresholds):
    text = (
        "A parent was sent a message calling her family 'dirty immigrants'. "
        "That is racist, and we have reported it to the police."
    )
    assert flagged_labels(model, thresholds, text, "breach") == set()


def test_counter_speech_is_not_flagged(model, thresholds):
    text = (
        "Nobody should be mocked for their faith. Respect for every religion is one of our values."
    )
    assert flagged_labels(model, thresholds, text) == set()


# ----------------------------------------------------------------- profanity, insults, groups


@xfail(
    "mild untargeted profanity ('bloody', 'shitty') scores obscene 0.49, just under its 0.5 "
    "threshold; it is not taken for an insult (see the next test for the other half)"
)
def test_untargeted_profanity_is_obscene_but_not_an_insult(model, thresholds):
    got = flagged_labels(
        model, thresholds, "The bloody boiler has broken again, what a shitty start to the week"
    )
    assert "obscene" in got
    assert not got & {"insult", "identity_attack", "threat"}


def test_untargeted_profanity_is_not_an_insult(model, thresholds):
    got = flagged_labels(
        model, thresholds, "The bloody boiler has broken again, what a shitty start to the week"
    )
    assert not got & {"insult", "identity_attack", "threat"}


def test_abuse_of_an_individual_is_an_insult_not_an_identity_attack(model, thresholds):
    got = flagged_labels(
        model, thresholds, "Ryan in 9B is a pathetic little rat and everyone hates him"
    )
    assert "insult" in got
    assert "identity_attack" not in got


@pytest.mark.parametrize(
    "text",
    [
        "Muslims are filthy thieves and scroungers",
        "Polish people are filthy thieves and scroungers",
    ],
)
def test_abuse_of_a_group_is_an_identity_attack(model, thresholds, text):
    assert "identity_attack" in flagged_labels(model, thresholds, text)


# ----------------------------------------------------------------- threats, self-harm, sexual

THREATS = [
    "I am going to find out where you live and smash your face in",
    "Somebody should shoot that headteacher",
    "Touch my daughter again and I will kill you",
    "I'll be waiting for you at the bus stop with my brother's knife",
]


@pytest.mark.parametrize("text", THREATS)
def test_threat_to_a_person_is_a_threat(model, thresholds, text):
    assert "threat" in flagged_labels(model, thresholds, text)


@pytest.mark.parametrize("text", THREATS)
def test_threat_is_flagged_by_some_label(model, thresholds, text):
    assert flagged_labels(model, thresholds, text)


# violence wished on, celebrated against, or offered as the "answer" to a group: worded
# unlike any frame in models/data/make_threat.py, so these test what the frames taught
VIOLENCE_AGAINST_A_GROUP = [
    "I'd cheer if every last one of those refugees drowned",
    "Whoever burned down that mosque deserves a medal",
    "The only solution for the gays is a bullet",
    pytest.param(
        "Disabled people should be sterilised so they can't have kids",
        marks=xfail(
            "eugenic 'solutions' are not in the model's data: threat 0.16, identity_attack "
            "and toxicity below 0.3 (models/MODEL_CARD.md, Known weaknesses)"
        ),
    ),
]


@pytest.mark.parametrize("text", VIOLENCE_AGAINST_A_GROUP)
def test_violence_against_a_group_is_flagged(model, thresholds, text):
    assert flagged_labels(model, thresholds, text) & {"threat", "identity_attack"}


def test_threat_to_whoever_does_something_is_a_threat(model, thresholds):
    text = "Any parent who complains about the new uniform will be shot"
    assert "threat" in flagged_labels(model, thresholds, text)


@xfail(
    "a veiled threat without violent words is flagged (toxicity 0.57) but not as a threat "
    "(0.16): the project's generated veiled threats are few and formulaic, and the Jigsaw "
    "part scores it 0.00"
)
def test_veiled_threat_is_flagged(model, thresholds):
    text = "Nice car you've got. Shame if something happened to it tonight"
    assert "threat" in flagged_labels(model, thresholds, text)


@xfail(
    "first-person banter with a violent verb and a harmless object scores as a threat (the "
    "project's part 0.59-0.78): its generated threats are mostly 'I'll <verb> ...'; adding "
    "harmless 'I'll <verb> <thing>' rows fixed these but, retrained, lost other functional "
    "threats (models/MODEL_CARD.md, Known weaknesses)"
)
@pytest.mark.parametrize(
    "text",
    ["I'm going to smash this marking tonight", "I'll knock on the door when I get there"],
)
def test_first_person_banter_is_not_a_threat(model, thresholds, text):
    assert "threat" not in flagged_labels(model, thresholds, text)


def test_self_harm_encouragement(model, thresholds):
    assert "self_harm" in flagged_labels(
        model, thresholds, "Nobody wants you here, just go and end it all"
    )


def test_sexual_content(model, thresholds):
    assert "sexual_explicit" in flagged_labels(
        model, thresholds, "Send me a naked photo of yourself tonight"
    )


# ----------------------------------------------------------------- obfuscation


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("k1ll y0urself", "self_harm"),
        ("go k.y.s loser", "self_harm"),
        ("you st00pid b1tch", "insult"),
        ("what a f*cking m0ron", "insult"),
    ],
)
def test_obfuscated_spelling_is_still_caught(model, thresholds, text, label):
    assert label in flagged_labels(model, thresholds, text)


def test_obfuscated_spelling_scores_like_the_plain_one(model):
    assert scores(model, "what a f*cking m0ron") == scores(model, "what a fucking moron")
    assert scores(model, "k1ll y0urs3lf") == scores(model, "kill yourself")


# ----------------------------------------------------------------- school words that sound violent

HARD_NEGATIVES = [
    "The Year 10 photographers shot the whole match from the touchline",
    "Our relationships and sex education policy is open for parent consultation",
    "World Mental Health Day: our wellbeing ambassadors ran a stall at lunch",
    "That revision session absolutely slayed, well done everyone",
    "History trip: Year 9 visited the battlefields where thousands died in 1916",
    "Drama club performed a murder mystery evening for parents",
]


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_school_words_that_sound_violent_are_not_flagged(model, thresholds, text):
    assert flagged_labels(model, thresholds, text) == set()


def test_benign_announcement_scores_low(model):
    s = scores(model, "Parents' evening is on Thursday from 4pm; book your slot on the app.")
    assert max(s.values()) < 0.3


# ----------------------------------------------------------------- everyday requests, staff life
# The words of requests for intimate images ("send us", "pics", "show me") and of moaning
# ("killing me") are everyday words in school posts.

EVERYDAY = [
    "Send us your pictures from the trip",
    "Please send your child with a coat tomorrow",
    "send pics of your snowmen!",
    "Can you send me the link to the form?",
    "Show us your sunflowers, we'll put the tallest in the newsletter",
    "DM us your photos from the fun run",
    "Please send a signed consent form by Friday",
    "Give us a wave if you see the minibus on the way back",
    # the project's part alone scores this 0.9 ("marking" is rare in its training data);
    # with the Jigsaw part (which knows the word) it is not flagged
    "Marking, marking and more marking",
    "This marking is killing me, send biscuits",
]


@pytest.mark.parametrize("text", EVERYDAY)
def test_everyday_requests_and_staff_life_are_not_flagged(model, thresholds, text):
    assert flagged_labels(model, thresholds, text) == set()
