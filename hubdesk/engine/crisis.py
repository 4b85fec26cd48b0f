"""The crisis detector. It runs first on every message, before anything else.

Recall matters more than precision: a false alarm costs a visitor one unnecessary list of emergency
numbers; a miss can cost a life. It still must not fire on ordinary questions ("where can I find a
psychologist", "my child has a fever"), or visitors learn to ignore it.
"""

from __future__ import annotations

from typing import Literal

from hubdesk.engine.patterns import compile_phrases

CrisisKind = Literal["suicide", "self_harm", "violence", "medical", "child"]

NOT_A_PLACE = "!в|у|з|із|разом|тут|там|на|в|с|со|здесь|в|here|with|in|there|hier|met|bij|zo"

PHRASES: dict[CrisisKind, list[str]] = {
    "suicide": [
        # Ukrainian / Russian / transliterated
        f"не хоч* більше? жити {NOT_A_PLACE}", "не хоч* більше? жити $", f"не хоч* більше? жить {NOT_A_PLACE}",
        "не хоч* більше? жить $", "жити не хоч*", "жить не хоч*", "не хочеться жити", "не хочется жить",
        "хоч* вмерти|померти|вмерти|умерти|умереть|помереть", "краще б я померла|помер|вмерла",
        "лучше бы я умер*", "покінчити|покончить з|с собою|собой", "накласти на себе руки",
        "наложить на себя руки", "самогуб*", "самоубий*", "суїцид*", "суицид*", "суїцыд*",
        "вбити|вбю|убить|убью себе|себя", "немає|нема|нет сенсу|смысла жити|жить",
        "не бачу|не вижу сенсу|смысла", "набридло жити", "надоело жить", "піти|уйти з|из життя|жизни",
        "думаю що це кінець", "думаю что это конец", "це кінець $", "это конец $",
        "стриб*|прыгн*|вистриб*|выпрыг* з|зі|с|из вікна|окна|балкон*|даху|крыши|мост*",
        "випити|выпить|наковтат*|наглотат* всі|все таблетки|пігулки",
        "таблетки вже? готові|готовы", "більше|вже не можу жити|так", "не можу так більше",
        "не могу так больше", "не могу больше жить",
        # English
        "kill myself", "killing myself", "suicid*", "end my life", "end it all", "want to die", "wanna die",
        "i want to be dead", "don't|dont|do not want to live $", f"don't|dont|do not want to live {NOT_A_PLACE}",
        "no reason to live", "want it all to stop", "pills ready", "take all .. pills", "better off dead",
        "can't|cant|cannot go on $", "can't|cant|cannot go on anymore|like", "jump off|from",
        "not worth living",
        # Dutch
        "zelfmoord*", "wil dood", "wil .. dood", "wil niet meer leven", "niet meer willen leven",
        "mezelf van het leven beroven", "er een eind* aan maken", "een einde .. maken aan mijn leven",
        "mezelf doden|vermoorden", "kan niet meer verder", "pillen klaar", "alle pillen",
        "springen van|vanaf het? balkon|dak|brug",
    ],
    "self_harm": [
        "різа*|поріза*|ріжу|режу|порезал*|резал* себе|себя|руки|вени|вены",
        "різала|різав|порізала|порезала|резала руки|вени|вены|себе|себя", "знову|опять різала|резала",
        "завда*|заподія*|причиня*|причини* собі|себе шкод*|вред|боль", "шкоду собі", "вред себе",
        "самоушкодж*", "самоповрежд*", "селфхарм*", "cut|cutting myself", "self harm*", "selfharm*",
        "hurt|hurting|harm|harming myself", "mezelf snijden|pijn doen|beschadigen", "snij* mezelf",
        "zelfbeschadiging",
    ],
    "violence": [
        "б'є|бє|бить|побив|вдарив|б'ють мене|мене", "бьет|избивает|ударил|бьют меня", "избивает",
        "погрожу*|угрожа* вбити|убить", "хоче|хочет мене|меня вбити|убить", "вб'є|убьет мене|меня",
        "домашн* насильств*|насилие", "зґвалтув*|згвалтув*|изнасил*",
        "hits|beats|beating|hitting|hurts|abuses me", "hit me", "domestic violence", "threaten* to kill",
        "going to kill me", "wants to kill me", "kill me", "raped", "rape",
        "slaat|schopt|mishandelt mij|me", "mishandel*", "huiselijk geweld", "maakt mij|me dood",
        "vermoordt mij|me", "wil mij|me vermoorden|doden", "dreig* .. te? doden|vermoorden", "verkracht*",
        "з ножем|с ножом", "has a knife", "heeft een? mes",
    ],
    "medical": [
        "не дих*|дыш*", "погано|плохо дихає|дышит", "задиха*|задыха*",
        "губи|губы сині|синие|посиніли|посинели", "синіє|синеет|посинів|посинел",
        "без свідомості|сознания", "знепритомн*", "втратив*|втратила|потерял* свідомість|сознание",
        "біль|болить у|в грудях|груди", "боль в груди|грудях", "сильн* біль|боль в груд*",
        "рука німіє|немеет", "німіє|немеет рука", "інсульт*|инсульт*|інфаркт*|инфаркт*",
        "судом*", "кров|кровь не зупиня*|останавл*|перестає|перестает", "передозув*|передозир*",
        "отруї*|отрави*|отруєння|отравление",
        "not breathing", "can't|cant|cannot breathe", "lips are? blue", "unconscious", "passed out",
        "chest pain", "pain in .. chest", "heart attack", "stroke", "seizure", "overdose*", "poisoned",
        "bleeding .. won't|wont stop", "bleeding .. will not stop", "ademt niet", "kan niet ademen", "blauwe lippen",
        "bewusteloos", "pijn op de borst", "hartaanval", "beroerte", "epileptische aanval", "overdosis",
        "vergiftig*", "bloeding stopt niet", "bloedt hevig",
    ],
    "child": [
        "б'є|бє|бить|бьет|избивает дитину|ребенка|дітей|детей", "дитина|ребенок зникла|зник|пропал*|пропав*",
        "зникла|пропала дитина", "child is missing|in danger", "hurting|hits|beats my? child",
        "kind is vermist|weg", "kind in gevaar", "slaat mijn? kind",
    ],
}

_COMPILED = {kind: compile_phrases(phrases) for kind, phrases in PHRASES.items()}


def detect_crisis(line: str) -> CrisisKind | None:
    """The kind of crisis in a skeleton line (see ``patterns.skeleton_line``), or None."""
    for kind, pattern in _COMPILED.items():
        if pattern.search(line):
            return kind
    return None
