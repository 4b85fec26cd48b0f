"""Messages that are not questions: greetings, thanks and goodbyes, and asking for a person."""

from __future__ import annotations

from typing import Literal

from hubdesk.engine.patterns import compile_phrases
from hubdesk.engine.text import skeleton

Intent = Literal["greeting", "thanks", "human"]

# A message made only of these words (and emoji/punctuation) is small talk, not a question.
GREETING_WORDS = set(
    "привіт привет вітаю здрастуйте здравствуйте добрий добрый доброго день ранок ранку вечір вечер утро "
    "утра вечора hallo hoi hey hi hello goedemorgen goedemiddag goedenavond goededag morgen dag good "
    "morning afternoon evening pryvit privit pryvet privet dobryi dobryy dobroho ranku vechir "
    "salut ку всім всем усім all everyone iedereen".split()
)
THANKS_WORDS = set(
    "дякую дуже щиро спасибі спасибо большое огромное вам тобі тебе thanks thank you so much many a lot "
    "bedankt dank je jullie wel hartelijk dankjewel dankuwel diakuiu dyakuyu dyakuiu diakuyu dakuiu "
    "spasibo spasybi do побачення побачення свидания до зустрічі bye goodbye tot ziens doei later "
    "pobachennia pobachenia zustrichi svidaniia svidaniya ok okay окей добре хорошо goed super "
    "чудово отлично great cool дуже допомогли помогли очень helped helpful geholpen very".split()
)
HUMAN_PHRASES = [
    # Ukrainian / Russian / transliterated
    "з|із|с живою|живим|живой|живым? людиною|людьми|человеком",
    "жив* людин*|человек*",
    "поговорити|поговорить|говорити|"
    "говорить|зв'язатися|звязатися|связаться|спілкуватися з|с людиною|человеком|волонтер*|кимось|кем",
    "поговорити|поговорить з|с ким-небудь|кимсь|кем-то|кем-нибудь|кимось|кем",
    "поговорити|поговорить з|с кем то|нибудь", "покличте|позовіть|позовите|позвать|покликати волонтер*|людину|человека",
    "дайте|дай мені|мне? контакт* волонтер*", "контакт* волонтер*", "номер волонтер*",
    "потрібна|нужна допомога|помощь людини|человека|волонтер*", "може|может хтось|кто-то|кто-нибудь "
    "особисто|лично? допомогти|помочь|подивитися|посмотреть|поговорити|поговорить",
    "может кто то особисто|лично? помочь|посмотреть|поговорить",
    "хтось|кто-то може|может .. допомогти|помочь|подивитися|посмотреть", "не з|с ботом",
    "бот не допомагає|помогает", "скаржитися|поскаржитися|пожаловаться координатор*",
    # English
    "real|live person|human", "talk|speak|chat to|with a? person|human|volunteer|someone|somebody|people",
    "can|could a? volunteer|someone|somebody call|help|talk|contact|look", "contact .. volunteer",
    "not a? bot|robot|computer",
    # Dutch
    "met een? mens|persoon|vrijwilliger praten|spreken|bellen", "vrijwilliger spreken|bellen",
    "met iemand praten|spreken|bellen", "iemand .. mij|me|ons .. bellen|helpen|meedenken|praten",
    "gesprek met iemand", "niet met een? computer|bot|robot", "een mens spreken|praten",
]

_HUMAN = compile_phrases(HUMAN_PHRASES)
_GREETING_KEYS = {skeleton(w) for w in GREETING_WORDS}
_THANKS_KEYS = {skeleton(w) for w in THANKS_WORDS}


def detect_intent(tokens: list[str], line: str) -> Intent | None:
    """The non-question intent of a message, if that is all it is (or it asks for a person)."""
    if _HUMAN.search(line):
        return "human"
    keys = [skeleton(t) for t in tokens if not t.isdigit()]
    if not keys or len(keys) > 8:
        return None
    if all(k in _THANKS_KEYS or k in _GREETING_KEYS for k in keys):
        return "thanks" if any(k in _THANKS_KEYS for k in keys) else "greeting"
    return None
