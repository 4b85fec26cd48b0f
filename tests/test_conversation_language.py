"""The conversation's language (what the visitor wrote or chose) wins over the browser's or app's locale."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from hubdesk import conversation, dialog
from hubdesk.messages import ButtonAction, Incoming

QUESTION_UK = "Як записатися до сімейного лікаря?"
ARTICLE = "healthcare-register-huisarts"
CHANNELS = ["telegram", "whatsapp", "webchat"]


def ask(channel: str, text: str, locale: str | None) -> Incoming:
    return Incoming(channel=channel, chat_key="lang-chat-0001", text=text, locale_hint=locale)  # type: ignore[arg-type]


def menu_text(lang: str) -> str:
    return dialog.on_button(ButtonAction.MENU, lang=lang)[0].text


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_tap_after_a_ukrainian_question_answers_in_ukrainian_in_an_english_locale(
    engine: Engine, channel: str
) -> None:
    [answer] = await conversation.handle_message(ask(channel, QUESTION_UK, "en-US"))
    assert answer.text.startswith(dialog.on_button(ButtonAction.article(ARTICLE), lang="uk")[0].text[:40])

    [article] = await conversation.handle_button(channel, "lang-chat-0001", ButtonAction.article(ARTICLE), "en-US")
    assert article.text == dialog.on_button(ButtonAction.article(ARTICLE), lang="uk")[0].text
    [menu] = await conversation.handle_button(channel, "lang-chat-0001", ButtonAction.MENU, "en-US")
    assert menu.text == menu_text("uk") != menu_text("en")


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_message_in_no_language_is_answered_in_the_conversations(engine: Engine, channel: str) -> None:
    await conversation.handle_message(ask(channel, "mag ik werken met tijdelijke bescherming", "uk-UA"))
    [menu] = await conversation.handle_button(channel, "lang-chat-0001", ButtonAction.MENU, "uk-UA")
    assert menu.text == menu_text("nl")
    [reply] = await conversation.handle_message(ask(channel, "👍", "uk-UA"))
    assert reply.text.startswith("Hallo!")


async def test_a_chosen_language_still_wins_over_what_was_written(engine: Engine) -> None:
    await conversation.handle_message(ask("webchat", QUESTION_UK, "en-US"))
    await conversation.handle_button("webchat", "lang-chat-0001", ButtonAction.language("nl"), "en-US")
    [menu] = await conversation.handle_button("webchat", "lang-chat-0001", ButtonAction.MENU, "en-US")
    assert menu.text == menu_text("nl")


async def test_before_anything_is_written_the_locale_decides(engine: Engine) -> None:
    [menu] = await conversation.handle_button("webchat", "lang-chat-0001", ButtonAction.MENU, "nl-NL")
    assert menu.text == menu_text("nl")
