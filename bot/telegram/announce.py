"""Announcements on Telegram: the courier the core's sender calls, with a Bot of its own.

Its own ``Bot`` (and so its own connection pool): a long send never takes a connection the answers need.
One attempt per message: a 429 goes back to the sender as ``RetryLater`` (the whole bot pauses for
``retry_after``), a request that never reached Telegram is put back, a visitor who blocked the bot is
``blocked`` (the sender removes their route), anything else is ``failed``. Nothing ambiguous is retried:
a time-out after the request left may have delivered it, and nobody may get an announcement twice.
"""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from hubdesk import render
from hubdesk.announcements.delivery import Recipient
from hubdesk.announcements.pacing import Pacer
from hubdesk.announcements.sender import RetryLater, couriers
from hubdesk.bot.telegram.send import NO_PREVIEW, keyboard, retry_after_seconds
from hubdesk.messages import Reply
from hubdesk.models import DeliveryState
from hubdesk.settings import Settings

log = logging.getLogger(__name__)

CHANNEL = "telegram"
POOL = 8  # connections of the announcement bot (requests in flight are fewer: HUBDESK_ANNOUNCEMENT_CONCURRENCY)
GONE = ("chat not found", "user is deactivated", "bot was blocked", "bot was kicked", "peer_id_invalid")


def preview(reply: Reply) -> dict:
    """Exactly what Telegram is sent: the HTML text and the inline keyboard (for the coordinator's preview)."""
    markup = keyboard(reply)
    return {"text": render.to_telegram_html(reply.text), "parse_mode": "HTML",
            "buttons": [[b.text for b in row] for row in markup.inline_keyboard] if markup else []}


class TelegramCourier:
    def __init__(self, settings: Settings):
        assert settings.TELEGRAM_BOT_TOKEN is not None
        root = settings.TELEGRAM_API_BASE_URL.rstrip("/")
        self.bot = Bot(settings.TELEGRAM_BOT_TOKEN.get_secret_value(), base_url=f"{root}/bot",
                       base_file_url=f"{root}/file/bot",
                       request=HTTPXRequest(connection_pool_size=POOL, pool_timeout=10.0))
        self.pacer = Pacer(settings.HUBDESK_ANNOUNCEMENT_RATE,
                           chat_interval=settings.HUBDESK_ANNOUNCEMENT_CHAT_INTERVAL)
        self._ready = False

    async def __call__(self, recipient: Recipient, reply: Reply) -> str:
        if not self._ready:
            await self.bot.initialize()
            self._ready = True
        try:
            await self.bot.send_message(int(recipient.chat_key), render.to_telegram_html(reply.text),
                                        parse_mode=ParseMode.HTML, reply_markup=keyboard(reply),
                                        link_preview_options=NO_PREVIEW)
        except RetryAfter as exc:
            raise RetryLater(retry_after_seconds(exc)) from exc
        except Forbidden:
            return DeliveryState.BLOCKED.value
        except BadRequest as exc:
            if any(word in str(exc).lower() for word in GONE):
                return DeliveryState.BLOCKED.value
            log.warning("Telegram refused an announcement: %s", exc)
            return DeliveryState.FAILED.value
        except TimedOut as exc:
            if "pool" in str(exc).lower():  # no connection was free: the request never left
                raise RetryLater(0.5) from exc
            log.warning("an announcement timed out (it may have arrived; not sent again): %s", exc)
            return DeliveryState.FAILED.value
        except NetworkError as exc:
            if "connecterror" in str(exc).lower().replace(" ", ""):  # never reached Telegram
                raise RetryLater(1.0) from exc
            log.warning("Telegram error on an announcement (not sent again): %s", exc)
            return DeliveryState.FAILED.value
        return DeliveryState.SENT.value

    async def close(self) -> None:
        if self._ready:
            await self.bot.shutdown()


def register(settings: Settings) -> TelegramCourier:
    courier = TelegramCourier(settings)
    couriers.register(CHANNEL, courier, courier.pacer)
    return courier
