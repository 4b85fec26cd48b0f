"""Sending replies to Telegram: split, render, attach buttons, and retry until the reply is through.

Long texts are split as neutral markup *before* rendering (so no HTML tag is cut in half), and the
buttons go on the last part. Telegram's flood control (429 with retry_after), its 5xx answers, network
errors and time-outs are retried: a reply is never silently lost because Telegram was busy for a moment.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import warnings
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Message, ReplyParameters
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.warnings import PTBDeprecationWarning

from hubdesk import render
from hubdesk.messages import Reply

log = logging.getLogger(__name__)

TEXT_LIMIT = MessageLimit.MAX_TEXT_LENGTH  # 4096, counted by Telegram in UTF-16 code units
CALLBACK_LIMIT = 64  # bytes of callback_data
ATTEMPTS = 5
BACKOFF = 1.0  # seconds, doubled after each failed attempt (tests make it small)
MAX_RETRY_AFTER = 60.0  # longer flood waits are not worth holding a reply for; give up and log

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)  # an answer's source link would otherwise push the text up

T = TypeVar("T")


def retry_after_seconds(exc: RetryAfter) -> float:
    """The wait Telegram asked for, in seconds (PTB 22 is moving this attribute from int to timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


async def with_retries(call: Callable[[], Awaitable[T]], *, what: str) -> T:
    """Run one Bot API call, retrying flood control, server errors and time-outs; re-raise the rest."""
    delay = BACKOFF
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await call()
        except RetryAfter as exc:
            wait = retry_after_seconds(exc)
            if attempt == ATTEMPTS or wait > MAX_RETRY_AFTER:
                raise
            log.warning("Telegram flood control on %s: retrying in %.1f s", what, wait)
            await asyncio.sleep(wait)
        except BadRequest:
            raise  # our request is wrong: sending it again cannot help
        except (TimedOut, NetworkError) as exc:  # 5xx, connection problems, time-outs
            if attempt == ATTEMPTS:
                raise
            log.warning("Telegram error on %s (%s): retry %d in %.1f s", what, exc, attempt, delay)
            await asyncio.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")  # pragma: no cover


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """Inline buttons for a reply; an action longer than Telegram allows is dropped (and logged)."""
    rows = []
    for row in reply.buttons:
        buttons = []
        for button in row:
            if len(button.action.encode()) > CALLBACK_LIMIT:
                log.error("button action too long for Telegram, dropped: %r", button.action)
                continue
            buttons.append(InlineKeyboardButton(button.label, callback_data=button.action))
        if buttons:
            rows.append(buttons)
    return InlineKeyboardMarkup(rows) if rows else None


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parts(text: str) -> list[str]:
    """Neutral-markup chunks that each fit one Telegram message (rendering only makes text shorter)."""
    chunks: list[str] = []
    for chunk in render.split_message(text, TEXT_LIMIT):
        if _utf16_length(chunk) > TEXT_LIMIT:  # emoji and other astral characters count twice
            chunks.extend(render.split_message(chunk, TEXT_LIMIT // 2))
        else:
            chunks.append(chunk)
    return chunks or [""]


async def send_reply(bot: Bot, chat_id: int, reply: Reply, *, reply_to: int | None = None) -> list[Message]:
    """Send one reply, split if long, buttons on its last part."""
    chunks = parts(reply.text)
    sent: list[Message] = []
    for index, chunk in enumerate(chunks):
        markup = keyboard(reply) if index == len(chunks) - 1 else None
        sent.append(await _send_text(bot, chat_id, chunk, markup, reply_to if index == 0 else None))
    return sent


async def _send_text(
    bot: Bot, chat_id: int, chunk: str, markup: InlineKeyboardMarkup | None, reply_to: int | None
) -> Message:
    async def html() -> Message:
        return await bot.send_message(
            chat_id,
            render.to_telegram_html(chunk),
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            reply_parameters=ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None,
            link_preview_options=NO_PREVIEW,
        )

    try:
        return await with_retries(html, what="sendMessage")
    except BadRequest as exc:
        if "entit" not in str(exc).lower():  # "can't parse entities": fall back to plain text below
            raise
        log.error("Telegram refused our HTML (%s); sending plain text instead", exc)

    async def plain() -> Message:
        return await bot.send_message(chat_id, render.to_plain(chunk), reply_markup=markup)

    return await with_retries(plain, what="sendMessage")


async def send_replies(
    bot: Bot, chat_id: int, replies: Sequence[Reply], *, reply_to: int | None = None
) -> list[Message]:
    """Send replies in order; in a group the first answers the visitor's message as a reply."""
    sent: list[Message] = []
    for index, reply in enumerate(replies):
        sent.extend(await send_reply(bot, chat_id, reply, reply_to=reply_to if index == 0 else None))
    return sent
