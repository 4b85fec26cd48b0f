"""The visitor's conversation with the real Telegram bot, over HTTP, against the fake Bot API server."""

from __future__ import annotations

import html
import re

import pytest
from sqlmodel import Session, select

from hubdesk import dialog
from hubdesk.models import Event, Visitor
from hubdesk.settings import Settings
from tests import fake_telegram as tg
from tests.telegram_harness import Harness, assert_ukrainian, buttons, text_of

VISITOR = 5551001
# One-word questions that could mean several articles; the first the engine is unsure about is used.
VAGUE = ("toeslag", "налоги", "деньги", "документы", "школа", "жильё", "письмо", "работа")


async def test_new_user_walkthrough_in_ukrainian(bot: Harness, engine) -> None:
    """/start, Ukrainian, three questions in Russian, a choice, helpful, the menu, a sticker: all Ukrainian."""
    # /start: the languages, Ukrainian ticked (Telegram says the phone is in Russian).
    start = await bot.say(VISITOR, "/start", lang="ru")
    assert len(start) == 1
    assert [label for label, _ in buttons(start[0])] == ["✓ Українська", "Nederlands", "English"]
    assert buttons(start[0])[0][1] == "l:uk"

    welcome = await bot.tap(VISITOR, "l:uk", lang="ru")
    assert_ukrainian(welcome)
    assert "волонтер" in text_of(welcome).lower()  # a volunteer is one tap away
    assert "/forget" in text_of(welcome) and "90" in text_of(welcome)  # what is stored, for how long

    first = await bot.say(VISITOR, "как получить BSN номер", lang="ru")
    assert_ukrainian(first)
    assert "BSN" in first[-1]["text"] and "Перевірено" in first[-1]["text"]
    feedback = [data for _, data in buttons(first[-1]) if data.startswith("f:")]
    assert len(feedback) == 2

    vague = next(q for q in VAGUE if dialog.respond(q).action == "choose")  # the engine decides what is vague
    second = await bot.say(VISITOR, vague, lang="ru")
    assert_ukrainian(second)
    choices = [data for _, data in buttons(second[-1]) if data.startswith("a:")]
    assert len(choices) >= 2

    third = await bot.say(VISITOR, "где найти семейного врача", lang="ru")
    assert_ukrainian(third)
    assert "huisarts" in third[-1]["text"]

    chosen = await bot.tap(VISITOR, choices[0], lang="ru")
    assert_ukrainian(chosen)
    assert "Перевірено" in chosen[-1]["text"]

    helpful = await bot.tap(VISITOR, next(d for d in feedback if d.split(":")[2] == "1"), lang="ru")
    assert_ukrainian(helpful)
    event_id = int(feedback[0].split(":")[1])
    with Session(engine) as session:
        assert session.get(Event, event_id).helpful is True

    menu = await bot.say(VISITOR, "/menu", lang="ru")
    assert_ukrainian(menu)
    assert any(data.startswith("c:") for _, data in buttons(menu[-1]))

    sticker = await bot.say(VISITOR, None, lang="ru", extra=tg.STICKER)
    assert_ukrainian(sticker)
    assert "текст" in sticker[-1]["text"].lower()

    assert all(m["parse_mode"] == "HTML" for m in bot.fake.sent(VISITOR))
    assert bot.fake.calls_to("answerCallbackQuery")


@pytest.mark.parametrize(
    ("lang", "question", "expected"),
    [
        ("uk", "як відкрити рахунок у банку", "рахунок"),
        ("nl", "hoe open ik een bankrekening", "bankrekening"),
    ],
)
async def test_language_choice_then_answer(bot: Harness, engine, lang: str, question: str, expected: str) -> None:
    start = await bot.say(VISITOR, "/start", lang=lang)
    assert buttons(start[0])[0] == ({"uk": "✓ Українська", "nl": "✓ Nederlands"}[lang], f"l:{lang}")
    await bot.tap(VISITOR, f"l:{lang}", lang=lang)
    with Session(engine) as session:
        visitor = session.exec(select(Visitor).where(Visitor.chat_key == str(VISITOR))).one()
        assert visitor.language == lang
    answer = await bot.say(VISITOR, question, lang=lang)
    assert expected in answer[-1]["text"].lower()
    assert {"uk": "Перевірено", "nl": "Gecontroleerd"}[lang] in answer[-1]["text"]


@pytest.mark.parametrize(("lang", "word"), [("uk", "Оберіть тему"), ("nl", "Kies een onderwerp")])
async def test_menu_category_article(bot: Harness, lang: str, word: str) -> None:
    await bot.tap(VISITOR, f"l:{lang}", lang=lang)
    menu = await bot.say(VISITOR, "/menu", lang=lang)
    assert word in menu[-1]["text"]
    category = next(data for _, data in buttons(menu[-1]) if data == "c:work")
    articles = await bot.tap(VISITOR, category, lang=lang)
    article = next(data for _, data in buttons(articles[-1]) if data.startswith("a:"))
    shown = await bot.tap(VISITOR, article, lang=lang)
    assert {"uk": "Перевірено", "nl": "Gecontroleerd"}[lang] in shown[-1]["text"]
    assert all(len(data.encode()) <= 64 for m in (menu[-1], articles[-1], shown[-1]) for _, data in buttons(m))


@pytest.mark.parametrize(
    ("lang", "command", "needle"),
    [
        ("uk", "/help", "/privacy"),
        ("nl", "/help", "/privacy"),
        ("uk", "/privacy", "/forget"),
        ("nl", "/privacy", "/forget"),
        ("uk", "/language", "Українська"),
        ("nl", "/language", "Nederlands"),
        ("uk", "/hub", "Utrecht"),
        ("nl", "/hub", "Utrecht"),
    ],
)
async def test_commands(bot: Harness, lang: str, command: str, needle: str) -> None:
    await bot.tap(VISITOR, f"l:{lang}", lang=lang)
    sent = await bot.say(VISITOR, command, lang=lang)
    assert needle in text_of(sent) + " ".join(label for m in sent for label, _ in buttons(m))
    if lang == "uk":
        assert_ukrainian(sent)


async def test_privacy_in_dutch_counts_days(bot: Harness) -> None:
    await bot.tap(VISITOR, "l:nl", lang="nl")
    sent = await bot.say(VISITOR, "/privacy", lang="nl")
    assert "90 dagen" in sent[0]["text"] and "30 dagen" in sent[0]["text"]


async def test_forget_deletes_the_visitor(bot: Harness, engine) -> None:
    await bot.tap(VISITOR, "l:nl", lang="nl")
    sent = await bot.say(VISITOR, "/forget", lang="nl")
    assert sent and "Klaar" in sent[0]["text"] or "verwijderd" in sent[0]["text"]
    with Session(engine) as session:
        assert session.exec(select(Visitor).where(Visitor.chat_key == str(VISITOR))).first() is None


@pytest.mark.parametrize("kind", [tg.STICKER, tg.PHOTO, tg.VOICE, tg.DOCUMENT])
@pytest.mark.parametrize(("lang", "needle"), [("uk", "текст"), ("nl", "tekst")])
async def test_non_text_gets_a_polite_request(bot: Harness, kind: dict, lang: str, needle: str) -> None:
    await bot.tap(VISITOR, f"l:{lang}", lang=lang)
    sent = await bot.say(VISITOR, None, lang=lang, extra=kind)
    assert len(sent) == 1 and needle in sent[0]["text"].lower()


async def test_edited_message_is_answered(bot: Harness) -> None:
    await bot.tap(VISITOR, "l:uk")
    sent = await bot.say(VISITOR, "как открыть счет в банке", lang="ru", edited=True)
    assert "рахунок" in sent[-1]["text"]


async def test_group_answers_only_when_addressed(bot: Harness) -> None:
    group = -100777
    assert await bot.say(group, "как открыть счет в банке", user_id=42, chat_type="supergroup") == []
    assert await bot.say(group, None, user_id=42, chat_type="supergroup", extra=tg.STICKER) == []
    assert await bot.say(group, "/help@some_other_bot", user_id=42, chat_type="supergroup") == []
    assert await bot.say(group, f"/help@{tg.BOT_USERNAME}", user_id=42, chat_type="supergroup")
    mentioned = await bot.say(group, f"@{tg.BOT_USERNAME} как открыть счет в банке", user_id=42,
                              chat_type="supergroup")
    assert "рахунок" in mentioned[-1]["text"]
    assert mentioned[0]["reply_parameters"]["message_id"] > 0  # answers the visitor's message in the group
    replied = await bot.say(group, "а где найти семейного врача", user_id=42, chat_type="supergroup",
                            reply_to=tg.bot_post(5, group))
    assert "huisarts" in replied[-1]["text"]


async def test_rate_limit_answers_twenty_then_a_notice_then_silence(bot: Harness, settings: Settings) -> None:
    await bot.tap(VISITOR, "l:uk")  # one hit already
    limit = settings.HUBDESK_RATE_LIMIT_PER_MINUTE
    answered = 0
    for _ in range(limit - 1):
        answered += bool(await bot.say(VISITOR, "привіт"))
    assert answered == limit - 1
    notice = await bot.say(VISITOR, "привіт")
    assert len(notice) == 1 and "хвилину" in notice[0]["text"]
    assert await bot.say(VISITOR, "привіт") == []
    assert await bot.say(VISITOR + 1, "привіт")  # another chat is not affected


async def test_long_answer_is_split_with_buttons_on_the_last_part(bot: Harness, monkeypatch) -> None:
    from hubdesk import conversation
    from hubdesk.messages import Button, Reply

    paragraph = "Дуже довгий абзац про правила & <винятки>. " * 40
    long = Reply("\n\n".join([paragraph] * 8), ((Button("Меню", "menu"),),))

    async def handle_message(incoming):
        return [long]

    monkeypatch.setattr(conversation, "handle_message", handle_message)
    sent = await bot.say(VISITOR, "розкажи все")
    assert len(sent) >= 3
    visible = [html.unescape(re.sub(r"<[^>]+>", "", m["text"])) for m in sent]  # what Telegram counts
    assert all(len(text) <= 4096 for text in visible)
    assert sum(len(text) for text in visible) >= len(long.text) - 8 * len(sent)  # nothing lost but whitespace
    assert [bool(buttons(m)) for m in sent] == [False] * (len(sent) - 1) + [True]
    assert "&amp; &lt;винятки&gt;" in sent[0]["text"]  # escaped for HTML


async def test_flood_control_429_is_retried_without_losing_the_reply(bot: Harness) -> None:
    bot.fake.fail_next("sendMessage", status=429, retry_after=1)
    sent = await bot.say(VISITOR, "/help")
    assert len(sent) == 1 and "/privacy" in sent[0]["text"]  # the reply itself, not an apology
    failed = bot.fake.calls_to("sendMessage", failed=True)
    assert len(failed) == 1 and failed[0]["text"] == sent[0]["text"]


async def test_server_errors_are_retried(bot: Harness) -> None:
    bot.fake.fail_next("sendMessage", status=502, retry_after=None, times=2)
    sent = await bot.say(VISITOR, "/help")
    assert len(sent) == 1 and "/privacy" in sent[0]["text"]
    assert len(bot.fake.calls_to("sendMessage", failed=True)) == 2


async def test_an_error_in_a_handler_gets_a_kind_reply(bot: Harness, monkeypatch) -> None:
    from hubdesk import conversation

    async def broken(incoming):
        raise RuntimeError("boom")

    monkeypatch.setattr(conversation, "handle_message", broken)
    sent = await bot.say(VISITOR, "як справи?")
    assert len(sent) == 1 and "Вибачте" in sent[0]["text"]


async def test_database_outage_does_not_stop_answers(bot: Harness, monkeypatch, tmp_path) -> None:
    from hubdesk.settings import get_settings

    monkeypatch.setenv("HUBDESK_DATABASE_URL", f"sqlite:///{tmp_path}/missing/dir/hubdesk.db")
    get_settings.cache_clear()
    sent = await bot.say(VISITOR, "как открыть счет в банке", lang="ru")
    assert "рахунок" in sent[-1]["text"]


async def test_a_vote_takes_the_vote_buttons_off_the_answer(bot: Harness, engine) -> None:
    await bot.tap(VISITOR, "l:uk")
    answer = (await bot.say(VISITOR, "как открыть счет в банке", lang="ru"))[-1]
    vote = next(data for _, data in buttons(answer) if data.startswith("f:") and data.split(":")[2] == "0")
    update = tg.callback(bot.fake.next_update_id(), vote, chat_id=VISITOR, message_id=answer["_message_id"],
                         markup=answer["reply_markup"])
    thanks = await bot.send(update)
    assert "Дякуємо" in thanks[-1]["text"]
    edited = bot.fake.calls_to("editMessageReplyMarkup")
    assert len(edited) == 1 and edited[0]["message_id"] == answer["_message_id"]
    left = [b["callback_data"] for row in edited[0]["reply_markup"]["inline_keyboard"] for b in row]
    assert left == ["volunteer", "menu"]
    with Session(engine) as session:
        assert session.get(Event, int(vote.split(":")[1])).helpful is False


async def test_a_vote_counts_only_from_the_chat_the_answer_went_to(bot: Harness, engine) -> None:
    """Issue 15, item 7, on Telegram: another chat sending the same callback data changes nothing."""
    answer = (await bot.say(VISITOR, "как открыть счет в банке", lang="ru"))[-1]
    vote = next(data for _, data in buttons(answer) if data.startswith("f:") and data.split(":")[2] == "0")
    assert len(vote.encode()) <= 64  # Telegram's limit on callback_data
    event_id = int(vote.split(":")[1])
    other = VISITOR + 1
    await bot.say(other, "/start")
    for forged in (vote, f"f:{event_id}:0", vote.replace(":0:", ":1:")):
        thanks = await bot.tap(other, forged)
        assert "Дякуємо" in thanks[-1]["text"]
    with Session(engine) as session:
        assert session.get(Event, event_id).helpful is None
    await bot.tap(VISITOR, vote)
    await bot.tap(VISITOR, vote.replace(":0:", ":1:"))  # a second verdict is not taken
    with Session(engine) as session:
        assert session.get(Event, event_id).helpful is False
