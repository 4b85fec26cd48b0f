"""The visitor's side of the Telegram bot: commands, questions, taps, and everything that is not text.

Each handler parses the update, calls one function of ``hubdesk.conversation`` (the contract every channel
shares) and sends back what it returns. The guard in front of them drops group messages not meant for the
bot, drops an update already handled (a webhook retry, possibly delivered to another process) and slows
down a chat that writes too fast: one short transaction per update, in the database so every process
agrees.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from telegram import Bot, CallbackQuery, InlineKeyboardMarkup, Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from hubdesk import conversation, dialog, throttle
from hubdesk.bot.telegram import texts
from hubdesk.bot.telegram.send import send_replies, with_retries
from hubdesk.db import session_scope
from hubdesk.messages import ButtonAction, Incoming, Reply
from hubdesk.settings import get_settings

log = logging.getLogger(__name__)

CHANNEL = "telegram"
Context = ContextTypes.DEFAULT_TYPE


# -- who, where, which language ------------------------------------------------------------------------

def chat_key(update: Update) -> str:
    assert update.effective_chat is not None
    return str(update.effective_chat.id)


def locale_hint(update: Update) -> str | None:
    user = update.effective_user
    return user.language_code if user else None


async def preferences(update: Update) -> tuple[str, str | None]:
    """The visitor's reply language (chosen, else the conversation's, else Telegram's language code) and hub.

    Read-only and forgiving: with the database down the visitor is still answered, in the hinted language.
    Questions and taps do not need it (the conversation reads the visitor in its own transaction).
    """
    try:
        prefs = await asyncio.to_thread(conversation.prefs_of, CHANNEL, chat_key(update))
    except Exception:
        log.warning("cannot read the visitor's preferences; using Telegram's language code", exc_info=True)
        prefs = conversation.Prefs()
    return prefs.reply_language(locale_hint(update)), prefs.hub_id


def _is_group(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type != ChatType.PRIVATE


async def reply(update: Update, context: Context, replies: list[Reply]) -> None:
    """Send replies to the chat the update came from; in a group, as a reply to the visitor's message."""
    message = update.effective_message
    reply_to = message.message_id if message is not None and _is_group(update) and not update.callback_query else None
    await send_replies(context.bot, int(chat_key(update)), replies, reply_to=reply_to)


# -- the guard in front of every visitor handler ---------------------------------------------------------

def addressed(message: Message, bot: Bot) -> bool:
    """In a group the bot speaks only when spoken to: a command, an @mention, or a reply to the bot."""
    text = message.text or message.caption or ""
    if text.startswith("/"):  # "/help" is for every bot in the group; "/help@other_bot" is not for us
        _, _, name = text.split(maxsplit=1)[0].partition("@")
        return not name or name.lower() == (bot.username or "").lower()
    if message.reply_to_message and message.reply_to_message.from_user:
        if message.reply_to_message.from_user.id == bot.id:
            return True
    mention = f"@{bot.username}".lower()
    entities = message.parse_entities([MessageEntity.MENTION]) or message.parse_caption_entities(
        [MessageEntity.MENTION]
    )
    return any(value.lower() == mention for value in entities.values())


def strip_mention(text: str, bot: Bot) -> str:
    mention = f"@{bot.username}"
    return text.replace(mention, " ").strip() if bot.username else text


@dataclass(frozen=True)
class Admission:
    """What the guard's one transaction found: a new update or a retry, and the rate verdict."""

    first: bool
    verdict: throttle.Verdict = throttle.Verdict.ALLOW


def _admit(update_id: int, key: str | None, limit: int) -> Admission:
    """Claim the update id and count the message against the chat's limit: one transaction.

    ``key`` None (the volunteers' group): only the claim, so that a retried volunteer reply is not relayed
    twice either.
    """
    with session_scope() as session:
        if not throttle.claim_delivery(session=session, source=CHANNEL, key=str(update_id)):
            return Admission(first=False)
        if key is None:
            return Admission(first=True)
        return Admission(True, throttle.count_message(session=session, channel=CHANNEL, chat_key=key, limit=limit))


async def guard(update: Update, context: Context) -> None:
    """Let through, once, only what is meant for the bot, at a human pace (about 20 messages a minute)."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.CHANNEL:
        raise ApplicationHandlerStop
    if update.my_chat_member is not None:  # the bot blocked or unblocked: nothing to answer, nothing to count
        return
    settings = get_settings()
    volunteers = chat.id == settings.TELEGRAM_VOLUNTEER_CHAT_ID  # their own handlers decide the rest
    query = update.callback_query
    message = update.effective_message
    if not volunteers and query is None and (
        message is None or (_is_group(update) and not addressed(message, context.bot))
    ):
        raise ApplicationHandlerStop
    key = None if volunteers else chat_key(update)
    try:
        admission = await asyncio.to_thread(_admit, update.update_id, key, settings.HUBDESK_RATE_LIMIT_PER_MINUTE)
    except Exception:  # the database is down: answering (even twice) beats not answering
        log.warning("update check failed: letting the update through", exc_info=True)
        return
    if not admission.first and update.update_id not in context.bot_data.get("replayed_updates", ()):
        log.info("dropped Telegram update %s: already handled", update.update_id)
        raise ApplicationHandlerStop
    if admission.verdict is throttle.Verdict.ALLOW:
        return
    notice = None
    if admission.verdict is throttle.Verdict.NOTIFY:  # once a minute; later ones are dropped in silence
        lang, _ = await preferences(update)
        notice = texts.rate_limited(lang)
    if query is not None:
        await _answer_query(query, notice)  # stop the button's spinner either way
    elif notice is not None:
        await reply(update, context, [Reply(notice)])
    raise ApplicationHandlerStop


# -- commands --------------------------------------------------------------------------------------------

async def start(update: Update, context: Context) -> None:
    """Offer the three languages, the one Telegram suggests ticked and first."""
    lang = dialog.reply_language_for(None, locale_hint(update))
    await reply(update, context, [texts.language_prompt(lang)])


async def choose_language(update: Update, context: Context) -> None:
    """Offer the languages again, the current one ticked."""
    lang, _ = await preferences(update)
    await reply(update, context, [texts.language_prompt(lang)])


def _hubs() -> list[tuple[str, str]]:
    from hubdesk.kb import knowledge_base

    return [(hub.id, f"{hub.city} · {hub.name}") for hub in knowledge_base().hubs.values()]


async def choose_hub(update: Update, context: Context) -> None:
    """Ask which hub the visitor goes to (or say which one, when there is only one)."""
    from hubdesk.kb import knowledge_base

    lang, _ = await preferences(update)
    hubs = knowledge_base().hubs
    if len(hubs) > 1:
        await reply(update, context, [texts.hub_prompt(lang, _hubs())])
    else:
        hub = next(iter(hubs.values()))
        await reply(update, context, [texts.one_hub(lang, hub.name, hub.city)])


async def show_menu(update: Update, context: Context) -> None:
    """Show the topics as buttons."""
    await _button(update, context, ButtonAction.MENU)


async def show_help(update: Update, context: Context) -> None:
    """Say how to use the bot."""
    lang, _ = await preferences(update)
    await reply(update, context, [texts.help_text(lang)])


async def show_privacy(update: Update, context: Context) -> None:
    """Say what is stored, for how long, and how to delete it."""
    lang, _ = await preferences(update)
    await reply(update, context, [texts.privacy(lang, get_settings().HUBDESK_CASE_RETENTION_DAYS)])


async def forget(update: Update, context: Context) -> None:
    """Delete the visitor's language choice and withdraw any open case."""
    await reply(update, context, await conversation.forget(CHANNEL, chat_key(update), locale_hint(update)))


async def news(update: Update, context: Context) -> None:
    """Subscribe to the hub's news (``/news off``: unsubscribe), one command like one tap."""
    from hubdesk.announcements import consent

    action = consent.OFF if [a.lower() for a in context.args or []][:1] in (["off"], ["stop"]) else consent.ON
    await _button(update, context, action)


async def bot_blocked(update: Update, context: Context) -> None:
    """A visitor blocked the bot (or stopped it): remove their route and news subscription at once."""
    member = update.my_chat_member
    if member is None or member.chat.type != ChatType.PRIVATE or member.new_chat_member.status != "kicked":
        return
    await conversation.forget(CHANNEL, chat_key(update), locale_hint(update))  # nothing is said: it cannot be


# -- messages and taps -----------------------------------------------------------------------------------

async def question(update: Update, context: Context) -> None:
    """Answer a text message (a new one or an edited one) through the shared conversation."""
    message = update.effective_message
    assert message is not None and message.text is not None
    text = strip_mention(message.text, context.bot) if _is_group(update) else message.text
    if not text:  # only "@bot" in a group: say what the bot can do
        await show_help(update, context)
        return
    incoming = Incoming(channel=CHANNEL, chat_key=chat_key(update), text=text, locale_hint=locale_hint(update))
    await reply(update, context, await conversation.handle_message(incoming))


async def not_text(update: Update, context: Context) -> None:
    """Stickers, photos, voice notes, files: ask kindly for a typed question."""
    lang, _ = await preferences(update)
    await reply(update, context, [texts.not_text(lang)])


async def _answer_query(query: CallbackQuery, text: str | None = None) -> None:
    try:
        await with_retries(lambda: query.answer(text), what="answerCallbackQuery")
    except TelegramError as exc:  # an expired query must not stop the answer itself
        log.warning("could not answer a callback query: %s", exc)


async def tap(update: Update, context: Context) -> None:
    """Act on a button: stop the spinner first, then answer like a message would be answered."""
    query = update.callback_query
    assert query is not None
    await _answer_query(query)
    action = query.data or ButtonAction.MENU
    if action.startswith((ButtonAction.FEEDBACK, ButtonAction.LANGUAGE)):
        await _retire_buttons(query, ButtonAction.FEEDBACK if action.startswith(ButtonAction.FEEDBACK)
                              else ButtonAction.LANGUAGE)
    await _button(update, context, action)


async def _retire_buttons(query: CallbackQuery, prefix: str) -> None:
    """Take answered one-time buttons (a vote, a language choice) off the message they were tapped on."""
    message = query.message
    markup = getattr(message, "reply_markup", None)
    if message is None or markup is None:
        return
    rows = [[b for b in row if not (b.callback_data or "").startswith(prefix)] for row in markup.inline_keyboard]
    kept = InlineKeyboardMarkup([row for row in rows if row])
    try:
        await with_retries(lambda: query.edit_message_reply_markup(kept), what="editMessageReplyMarkup")
    except TelegramError as exc:  # too old to edit, or already edited: the answer matters more
        log.info("could not take the buttons off a message: %s", exc)


async def _button(update: Update, context: Context, action: str) -> None:
    replies = await conversation.handle_button(CHANNEL, chat_key(update), action, locale_hint(update))
    if action.startswith(ButtonAction.LANGUAGE):
        replies = [*replies, *await _after_language(update, action.removeprefix(ButtonAction.LANGUAGE))]
    await reply(update, context, replies)


async def _after_language(update: Update, lang: str) -> list[Reply]:
    """After the language: what is stored, and (with several hubs and none chosen yet) which hub."""
    from hubdesk.kb import knowledge_base

    extra = [texts.stored_note(lang, get_settings().HUBDESK_CASE_RETENTION_DAYS)]
    _, hub_id = await preferences(update)
    if hub_id is None and len(knowledge_base().hubs) > 1:
        extra.append(texts.hub_prompt(lang, _hubs()))
    return extra


# -- when something breaks -------------------------------------------------------------------------------

async def on_error(update: object, context: Context) -> None:
    """Log the error first, then tell the visitor something kind."""
    log.error("error while handling a Telegram update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.id == get_settings().TELEGRAM_VOLUNTEER_CHAT_ID:
        return  # the volunteers' handlers report their own problems
    try:
        lang = dialog.reply_language_for(None, locale_hint(update))
        await reply(update, context, [texts.went_wrong(lang)])
    except Exception:
        log.exception("could not even say sorry to a Telegram visitor")
