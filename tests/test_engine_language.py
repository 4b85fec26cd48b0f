"""Language detection and the reply language (rule 3: Ukrainian, not Russian)."""

import pytest

from hubdesk.engine.answerer import default_answerer
from hubdesk.engine.language import reply_language
from hubdesk.engine.text import clean, skeleton
from hubdesk.engine.translit import by_rules


def detect(text: str) -> str:
    return default_answerer().reader.read(text).language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Чи можу я працювати без дозволу?", "uk"),
        ("де знайти сімейного лікаря", "uk"),
        ("Можно ли работать без разрешения?", "ru"),
        ("если я уеду в Украину на два месяца, что будет", "ru"),
        ("Mag ik werken met tijdelijke bescherming?", "nl"),
        ("Hoeveel leefgeld krijgt een kind?", "nl"),
        ("Can I work without a work permit?", "en"),
        ("where do I find a doctor", "en"),
        ("chy mozhu ya pratsiuvaty bez dozvolu", "uk-latn"),
        ("skilky koshtuie avtobus do Lvova", "uk-latn"),
        ("🙏🙏", "unknown"),
        ("", "unknown"),
        # short messages without the letters і, ї, є that used to decide alone
        ("Хочу поговорити з волонтером", "uk"),
        ("де лефгельд", "uk"),
        ("Хочу поговорить с волонтером", "ru"),
        ("где леефгельд", "ru"),
        ("ya khochu pohovoryty z volonterom", "uk-latn"),
        ("ja hochu pogovorit s volonterom", "ru-latn"),
        ("gde moi dengi za mesiac", "ru-latn"),
        ("kan ik met iemand praten", "nl"),
        ("can I talk to someone", "en"),
    ],
)
def test_detects_language(text, expected):
    assert detect(text) == expected


def test_transliterated_ukrainian_reaches_the_encoder_in_cyrillic():
    reading = default_answerer().reader.read("chy mozhu ya pratsiuvaty bez dozvolu")
    assert reading.for_encoder == "чи можу я працювати без дозволу"


def test_transliteration_keeps_dutch_words_and_reads_czech_style_letters():
    reading = default_answerer().reader.read("ja pracjuju, čy možna otrymaty kinderopvangtoeslag")
    assert "можна" in reading.for_encoder and "отримати" in reading.for_encoder
    assert by_rules("zhyttia", "uk") == "життя"


@pytest.mark.parametrize(
    ("detected", "chosen", "hint", "expected"),
    [
        ("uk", None, None, "uk"),
        ("ru", None, None, "uk"),
        ("uk-latn", None, None, "uk"),
        ("ru-latn", None, None, "uk"),
        ("nl", None, None, "nl"),
        ("en", None, None, "en"),
        ("ru", "nl", None, "nl"),
        ("nl", "uk", None, "uk"),
        ("unknown", None, "ru-RU", "uk"),
        ("unknown", None, "nl", "nl"),
        ("unknown", None, None, "uk"),
    ],
)
def test_reply_language(detected, chosen, hint, expected):
    assert reply_language(detected, chosen, hint) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("працювати", "pratsiuvaty"),
        ("лефгельд", "leefgeld"),
        ("гемеенте", "gemeente"),
        ("кіндербейслаг", "kinderbijslag"),
        ("хочу", "khochu"),
        ("щоб", "shchob"),
        ("комп'ютер", "компʼютер"),
        ("допомога", "dopomoha"),
    ],
)
def test_skeleton_joins_scripts_and_spellings(a, b):
    assert skeleton(clean(a)) == skeleton(clean(b))


def test_clean_removes_control_characters_and_unifies_apostrophes():
    assert clean("Сімʼя\x00\x07 ТУТ’") == "сім'я   тут'"


def test_clean_bounds_very_long_input():
    assert len(clean("а" * 100_000)) <= 1500
