"""The crisis detector. It runs first on every message, before anything else.

Recall matters more than precision: a false alarm costs a visitor one unnecessary list of emergency
numbers; a miss can cost a life. It still must not fire on ordinary questions ("where can I find a
psychologist", "my child has a fever"), or visitors learn to ignore it.
"""

from __future__ import annotations

import re
from typing import Literal

from hubdesk.engine.patterns import compile_phrases

CrisisKind = Literal["suicide", "self_harm", "violence", "medical", "child"]

SUICIDE_WORD = "самогуб*|самоубий*|суїцид*|суицид*|суїцыд*|suicid*|suïcid*|zelfmoord*|zelfdoding"
# whose body it happens in: "у мами інсульт" (now), unlike "у мами був інсульт" (past)
POSSESSOR = ("мене|нього|неї|мами|тата|чоловіка|дружини|сина|доньки|дочки|дитини|бабусі|дідуся|сусіда|сусідки|"
             "меня|него|нее|мамы|папы|мужа|жены|сына|дочери|ребенка|бабушки|дедушки|соседа|соседки")
NOT_A_PLACE = "!в|у|з|із|разом|тут|там|на|в|с|со|здесь|в|here|with|in|there|hier|met|bij|zo"

# Statements: someone says they are in danger, or describes it. What these catch is always a crisis.
PHRASES: dict[CrisisKind, list[str]] = {
    "suicide": [
        # Ukrainian / Russian / transliterated
        f"не хоч* більше? жити {NOT_A_PLACE}", "не хоч* більше? жити $", f"не хоч* більше? жить {NOT_A_PLACE}",
        "не хоч* більше? жить $", "жити не хоч*", "жить не хоч*", "не хочеться жити", "не хочется жить",
        "хоч* вмерти|померти|вмерти|умерти|умереть|помереть", "краще б я померла|помер|вмерла",
        "лучше бы я умер*", "покінчити|покончить з|с собою|собой", "накласти на себе руки",
        "наложить на себя руки", "вбити|вбю|убить|убью себе|себя", "немає|нема|нет сенсу|смысла жити|жить",
        "не бачу|не вижу сенсу|смысла", "набридло жити", "надоело жить", "піти|уйти з|из життя|жизни",
        "думаю що це кінець", "думаю что это конец", "це кінець $", "это конец $",
        "стриб*|прыгн*|вистриб*|выпрыг* з|зі|с|из вікна|окна|балкон*|даху|крыши|мост*",
        "випити|выпить|наковтат*|наглотат* всі|все таблетки|пігулки",
        "таблетки вже? готові|готовы", "більше|вже не можу жити|так", "не можу так більше",
        "не могу так больше", "не могу больше жить",
        f"думаю|думаєш|думає|думки|думками|думаю|думает|мысли|мыслями про|о|об {SUICIDE_WORD}",
        f"скоїти|вчинити|зробити|совершить {SUICIDE_WORD}", f"{SUICIDE_WORD} думк*|мысл*",
        # English
        "kill myself", "killing myself", "end my life", "end it all", "want to die", "wanna die",
        "i want to be dead", "don't|dont|do not want to live $", f"don't|dont|do not want to live {NOT_A_PLACE}",
        "no reason to live", "want it all to stop", "pills ready", "take all .. pills", "better off dead",
        "can't|cant|cannot go on $", "can't|cant|cannot go on anymore|like", "jump off|from",
        "not worth living", "suicidal", "think|thinking|thought|thoughts about|of suicide",
        "want|going|plan* to commit suicide",
        # Dutch
        "wil dood", "wil .. dood", "wil niet meer leven", "niet meer willen leven",
        "mezelf van het leven beroven", "er een eind* aan maken", "een einde .. maken aan mijn leven",
        "mezelf doden|vermoorden", "kan niet meer verder", "pillen klaar", "alle pillen",
        "springen van|vanaf het? balkon|dak|brug", "zelfmoordgedachte*|suïcidaal|suicidaal",
        "denk|denken|dacht|gedachte*|gedachten aan|over zelfmoord*|zelfdoding", "wil|ga .. zelfmoord* plegen",
    ],
    "self_harm": [
        "різа*|поріза*|ріжу|режу|порезал*|резал* себе|себя|руки|вени|вены",
        "різала|різав|порізала|порезала|резала руки|вени|вены|себе|себя", "знову|опять різала|резала",
        "завда*|заподія*|причиня*|причини* собі|себе шкод*|вред|боль", "шкоду собі", "вред себе",
        "cut|cutting myself", "hurt|hurting|harm|harming myself", "mezelf snijden|pijn doen|beschadigen",
        "snij* mezelf", "i|i'm|im self harm*|selfharm*", "doe aan zelfbeschadiging",
        "займаюся|займаюсь|займаюсь самоушкодж*|самоповрежд*|селфхарм*",
    ],
    "violence": [
        "б'є|бє|бить|побив|вдарив|б'ють мене|мене", "бьет|избивает|ударил|бьют меня", "избивает",
        "погрожу*|угрожа* вбити|убить", "хоче|хочет мене|меня вбити|убить", "вб'є|убьет мене|меня",
        "зґвалтув*|згвалтув*|изнасил*",
        "hits|beats|beating|hitting|hurts|abuses me", "hit me", "threaten* to kill",
        "going to kill me", "wants to kill me", "kill me", "raped", "rape",
        "slaat|schopt|mishandelt mij|me", "maakt mij|me dood",
        "vermoordt mij|me", "wil mij|me vermoorden|doden", "dreig* .. te? doden|vermoorden", "verkracht*",
        "з ножем|с ножом", "has a knife", "heeft een? mes",
        # living with domestic violence now (the words alone are a danger word: "what is huiselijk geweld?")
        "slachtoffer van huiselijk geweld", "victim of domestic violence", "жертва|жертвою домашн* насильств*|насилия",
        "experiencing|suffering domestic violence", "living with domestic violence", "word|wordt .. mishandeld",
        "help|hulp .. domestic violence", "help|hulp .. huiselijk geweld",
        "допоможіть|помогите|допомога|помощь .. домашн* насильств*|насилие|насилия",
        "зазнаю|терплю|терпит|терпить домашн* насильств*|насилие",
    ],
    "medical": [
        "не дих*|дыш*", "погано|плохо дихає|дышит", "задиха*|задыха*",
        "губи|губы сині|синие|посиніли|посинели", "синіє|синеет|посинів|посинел",
        "без свідомості|сознания", "знепритомн*", "втратив*|втратила|потерял* свідомість|сознание",
        "біль|болить у|в грудях|груди", "боль в груди|грудях", "сильн* біль|боль в груд*",
        "рука німіє|немеет", "німіє|немеет рука", "кров|кровь не зупиня*|останавл*|перестає|перестает",
        "not breathing", "can't|cant|cannot breathe", "lips are? blue", "unconscious", "passed out",
        "chest pain", "pain in .. chest", "bleeding .. won't|wont stop", "bleeding .. will not stop",
        "ademt niet", "kan niet ademen", "blauwe lippen", "bewusteloos", "pijn op de borst",
        "bloeding stopt niet", "bloedt hevig",
        # an emergency named as happening now (the word alone is a danger word: "a stroke in 2021")
        "having|has a|an? stroke|seizure|seizures|fit", "having|has a|an? heart attack",
        "took|taken|swallowed a|an? overdose", "overdosed", "been|is|was just? poisoned",
        "heeft|krijgt|heb|krijg nu? een hartaanval|beroerte|toeval !gehad|gekregen|als|van|bij|toen",
        "heeft|krijgt|heb|krijg nu? een epileptische aanval !gehad|gekregen",
        "een hartaanval|beroerte|toeval heeft|krijgt|heb|krijg !gehad|gekregen|als|van|bij|toen",
        "een epileptische aanval heeft|krijgt|heb|krijg !gehad|gekregen",
        "overdosis genomen|ingenomen", "heeft|heb een overdosis", "is|ben|zijn vergiftigd",
        f"у|в {POSSESSOR} зараз|сейчас|прямо? інфаркт*|инфаркт*|інсульт*|инсульт*|судом*|судорог*",
        "інфаркт*|инфаркт*|інсульт*|инсульт*|судом*|судорог* зараз|сейчас|прямо",
        "схоже|похоже|мабуть|кажется|здається на? інфаркт*|инфаркт*|інсульт*|инсульт*",
    ],
    "child": [
        "б'є|бє|бить|бьет|избивает дитину|ребенка|дітей|детей", "дитина|ребенок зникла|зник|пропал*|пропав*",
        "зникла|пропала дитина", "child is missing|in danger", "hurting|hits|beats my? child",
        "kind is vermist|weg", "kind in gevaar", "slaat mijn? kind",
    ],
}

# Words that name a danger without saying anyone is in it: "a school project on suicide prevention", "my
# father had a stroke in 2021", "what is huiselijk geweld?". Beside the trained detectors they are
# evidence (a feature of the stacked model in ``safety``), not a verdict; without those detectors
# (degraded mode, no encoder) they count like a statement, because then recall is all there is.
DANGER_WORDS: dict[CrisisKind, list[str]] = {
    "suicide": [SUICIDE_WORD],
    "self_harm": ["самоушкодж*", "самоповрежд*", "селфхарм*", "self harm*", "selfharm*", "zelfbeschadiging"],
    "violence": ["домашн* насильств*|насилие", "domestic violence", "mishandel*", "huiselijk geweld"],
    "medical": [
        "інсульт*|инсульт*|інфаркт*|инфаркт*", "судом*|судорог*", "передозув*|передозир*",
        "отруї*|отрави*|отруєння|отравление", "heart attack", "stroke", "seizure", "overdose*", "poisoned",
        "hartaanval", "beroerte", "epileptische aanval", "overdosis", "vergiftig*",
    ],
}

_COMPILED = {kind: compile_phrases(phrases) for kind, phrases in PHRASES.items()}
_COMPILED_WORDS = {kind: compile_phrases(words) for kind, words in DANGER_WORDS.items()}


def detect_crisis(line: str) -> CrisisKind | None:
    """The kind of crisis a statement in this skeleton line (see ``patterns.skeleton_line``) names, or None."""
    return _first(_COMPILED, line)


def danger_word(line: str) -> CrisisKind | None:
    """The kind of danger a word in this skeleton line names (``DANGER_WORDS``), or None."""
    return _first(_COMPILED_WORDS, line)


def detect_crisis_blind(line: str) -> CrisisKind | None:
    """Without the trained detectors: a statement or a danger word (recall is all there is)."""
    return detect_crisis(line) or danger_word(line)


def _first(compiled: dict[CrisisKind, re.Pattern[str]], line: str) -> CrisisKind | None:
    for kind, pattern in compiled.items():
        if pattern.search(line):
            return kind
    return None
