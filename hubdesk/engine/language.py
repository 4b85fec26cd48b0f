"""Which language a message is written in, and which language to answer in."""

from __future__ import annotations

from hubdesk.engine.text import CYRILLIC, LATIN

UK_LETTERS = set("іїєґ")
RU_LETTERS = set("ыэъё")
# Short, frequent words that give a language away. Kept small on purpose: these are tie-breakers.
UK_WORDS = set(
    "що як чи це мені мене я та і й або дуже який яка які де коли скільки можна треба потрібно мій моя "
    "наш вже ще хочу якщо бо тому але теж також від до після для про щоб ви вони він вона нам нас їх "
    "його її ми є було буде зараз тут там".split()
)
RU_WORDS = set(
    "что как это мне меня или очень какой какая где когда сколько можно нужно надо мой моя наш уже еще "
    "хочу если потому но тоже также от до после для про чтобы вы они он она нам нас их его ее мы есть "
    "было будет сейчас тут там ли нет да чем меня себя пожалуйста опять больше".split()
)
NL_WORDS = set(
    "ik je jij u de het een en van is in op te dat die niet met voor mijn mag moet kan hoe wat waar wie "
    "heb heeft hebben ben zijn wil graag ook nog al bij naar om er maar of als dan geen wel we wij ze zij "
    "hij mij me ons kunnen krijg krijgen welke hoeveel wanneer waarom iemand hallo goedemorgen dank "
    "bedankt alstublieft alsjeblieft".split()
)
EN_WORDS = set(
    "i you the a an and of is in on to that this not with for my may must can how what where who have has "
    "am are be want would also still at from or if then no yes we they he she me us do does did get "
    "which much many when why someone hello hi thanks thank please there it its i'm dont don't can't".split()
)
# Ukrainian (or Russian) typed in Latin letters: frequent words and letter clusters English and Dutch lack.
# Words both languages share ("я", "так", "тут") say nothing about which one it is.
UK_WORDS, RU_WORDS = UK_WORDS - RU_WORDS, RU_WORDS - UK_WORDS
TRANSLIT_WORDS = set(
    "chy shcho shco scho yak jak meni mene ya tse ye mozhna mozhu treba potribno de koly skilky dytyna "
    "robota robotu dyakuyu diakuiu dyakuju pryvit privet dobryi den chto kak mne mozhno nuzhno gde "
    "skolko eto spasibo pomogite dopomozhit dopomohty pislia pislya tezh takozh khochu hochu yakshcho "
    "moia moya nas vony vin vona dlia dlya vid pro shchob bude bulo zaraz tut tam daite kontakt".split()
)
TRANSLIT_CLUSTERS = ("shch", "zh", "kh", "yi", "iu", "ia", "sia", "ty ", "yy", "tsi", "dzh")
LANGUAGE_TO_REPLY = {"uk": "uk", "ru": "uk", "uk-latn": "uk", "ru-latn": "uk", "nl": "nl", "en": "en"}


def detect_language(text: str, tokens: list[str]) -> str:
    """One of uk, ru, nl, en, uk-latn, ru-latn, or unknown, for cleaned text and its words."""
    cyr = len(CYRILLIC.findall(text))
    lat = len(LATIN.findall(text))
    if cyr == 0 and lat == 0:
        return "unknown"
    if cyr >= lat:
        uk_letters = sum(ch in UK_LETTERS for ch in text)
        uk_words = sum(t in UK_WORDS for t in tokens)
        # infinitives: Russian -ть / -ться, Ukrainian -ти / -тися
        uk = 3 * uk_letters + uk_words + sum(t.endswith(("ти", "тися")) and len(t) > 4 for t in tokens)
        ru = 3 * sum(ch in RU_LETTERS for ch in text) + sum(t in RU_WORDS for t in tokens)
        ru += sum(t.endswith(("ть", "ться")) and len(t) > 4 for t in tokens)
        if uk_letters == 0 and uk_words == 0 and cyr >= 12:
            ru += 3  # a Ukrainian sentence of this length almost always has an і, ї or є
        return "ru" if ru > uk else "uk"
    nl = sum(t in NL_WORDS for t in tokens)
    en = sum(t in EN_WORDS for t in tokens)
    padded = f" {text} "
    tr = 1.5 * sum(t in TRANSLIT_WORDS for t in tokens) + 0.5 * sum(padded.count(c) for c in TRANSLIT_CLUSTERS)
    if tr > max(nl, en) and tr >= 1.5:
        ru_latn = sum(t in {"chto", "kak", "mne", "mozhno", "nuzhno", "gde", "skolko", "eto", "spasibo"}
                      for t in tokens)
        return "ru-latn" if ru_latn > 1 else "uk-latn"
    if nl == en == 0:
        return "unknown"
    return "nl" if nl >= en else "en"


def reply_language(detected: str, chosen: str | None = None, locale_hint: str | None = None) -> str:
    """Ukrainian for Ukrainian, Russian and transliterated input; a visitor's chosen language wins."""
    if chosen in ("uk", "nl", "en"):
        return chosen
    if detected in LANGUAGE_TO_REPLY:
        return LANGUAGE_TO_REPLY[detected]
    hint = (locale_hint or "").split("-")[0].lower()
    return {"uk": "uk", "ru": "uk", "nl": "nl", "en": "en"}.get(hint, "uk")
