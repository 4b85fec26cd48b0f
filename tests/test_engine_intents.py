"""Greetings, thanks and explicit requests for a person."""

import pytest

from hubdesk.engine.intents import detect_intent
from hubdesk.engine.patterns import skeleton_line
from hubdesk.engine.text import clean, words


def intent(text: str):
    tokens = words(clean(text))
    return detect_intent(tokens, skeleton_line(tokens))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Привіт!", "greeting"),
        ("Добрий день", "greeting"),
        ("Goedemiddag", "greeting"),
        ("hello 👋", "greeting"),
        ("pryvit", "greeting"),
        ("дякую!", "thanks"),
        ("спасибо большое 🙏", "thanks"),
        ("thank you so much", "thanks"),
        ("bedankt, tot ziens", "thanks"),
        ("можна з людиною?", "human"),
        ("можна поговорити з живою людиною?", "human"),
        ("позовите волонтера", "human"),
        ("ik wil een vrijwilliger spreken", "human"),
        ("Kan iemand mij bellen?", "human"),
        ("I want to talk to a real person", "human"),
        ("daite kontakt volontera", "human"),
    ],
)
def test_detects_intent(text, expected):
    assert intent(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Привіт, чи можна працювати без дозволу?",
        "хочу стати волонтером у хабі",
        "ik wil graag vrijwilliger worden",
        "hello, how do I get a BSN?",
        "дякую, а як отримати DigiD?",
    ],
)
def test_questions_are_not_small_talk(text):
    assert intent(text) is None


def test_hyphenated_words_in_patterns():
    assert intent("может кто-то посмотреть со мной письма?") == "human"
