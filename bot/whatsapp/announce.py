"""Announcements on WhatsApp: free-form inside the 24-hour window, the approved template outside it.

Outside the window WhatsApp delivers only an approved template. With ``WHATSAPP_ANNOUNCEMENT_TEMPLATE`` set,
that template (no parameters: it invites the visitor to write "what's new?") goes instead and is counted as
``template``; without it the visitor is skipped and counted ``unreachable``. One attempt per message, like
Telegram: throttling goes back to the sender (``RetryLater``), nothing ambiguous is sent twice.
"""

from __future__ import annotations

import logging

import httpx

from hubdesk.announcements.delivery import Recipient
from hubdesk.announcements.pacing import Pacer
from hubdesk.announcements.sender import RetryLater, couriers
from hubdesk.bot.whatsapp.channel import window_open
from hubdesk.bot.whatsapp.client import WINDOW_CLOSED, GraphClient, GraphError
from hubdesk.bot.whatsapp.render import render_reply, template_message
from hubdesk.messages import Reply
from hubdesk.models import DeliveryState
from hubdesk.settings import Settings

log = logging.getLogger(__name__)

CHANNEL = "whatsapp"
PAIR_INTERVAL = 6.0  # seconds: WhatsApp's pair rate limit (131056) is about one message per 6 s per person
THROTTLED = frozenset({4, 80007, 130429, 131056})
NOT_REACHABLE = frozenset({WINDOW_CLOSED, 131026, 131050})  # window closed, undeliverable, stopped marketing


def preview(reply: Reply, lang: str) -> list[dict]:
    """Exactly the message objects the Graph API is sent (for the coordinator's preview)."""
    return list(render_reply(reply, lang))


class WhatsAppCourier:
    def __init__(self, settings: Settings):
        assert settings.WHATSAPP_TOKEN is not None and settings.WHATSAPP_PHONE_NUMBER_ID
        self.client = GraphClient(base_url=settings.WHATSAPP_API_BASE_URL, version=settings.WHATSAPP_API_VERSION,
                                  phone_number_id=settings.WHATSAPP_PHONE_NUMBER_ID,
                                  token=settings.WHATSAPP_TOKEN.get_secret_value(), attempts=1,
                                  http=httpx.AsyncClient(timeout=httpx.Timeout(10.0, connect=5.0)))
        self.template = settings.WHATSAPP_ANNOUNCEMENT_TEMPLATE or None
        self.pacer = Pacer(settings.HUBDESK_ANNOUNCEMENT_WHATSAPP_RATE, chat_interval=PAIR_INTERVAL)

    async def __call__(self, recipient: Recipient, reply: Reply) -> str:
        if window_open(recipient.wa_last_inbound_at):
            messages = list(render_reply(reply, recipient.language))
            state = DeliveryState.SENT.value
        elif self.template:
            messages = [template_message(self.template, recipient.language)]
            state = DeliveryState.TEMPLATE.value
        else:
            return DeliveryState.UNREACHABLE.value
        for index, message in enumerate(messages):
            try:
                await self.client.send(recipient.chat_key, message)
            except GraphError as exc:
                if index == 0 and (exc.status == 429 or exc.code in THROTTLED):
                    raise RetryLater(2.0) from exc  # nothing of it went out yet
                if exc.code in NOT_REACHABLE:
                    return DeliveryState.UNREACHABLE.value
                log.warning("WhatsApp refused an announcement: %s", exc)
                return DeliveryState.FAILED.value
        return state

    async def close(self) -> None:
        await self.client.aclose()


def register(settings: Settings) -> WhatsAppCourier:
    courier = WhatsAppCourier(settings)
    couriers.register(CHANNEL, courier, courier.pacer)
    return courier
