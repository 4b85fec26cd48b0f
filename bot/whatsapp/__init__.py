"""WhatsApp Cloud API channel: webhook parsing, rendering, sending (see docs/whatsapp.md).

``running(settings)`` is what the app's lifespan enters: when WhatsApp is configured it creates the Graph
API client and registers the relay sender for the ``whatsapp`` channel, and closes the client on the way out.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.whatsapp.channel import CHANNEL, WhatsAppChannel
from bot.whatsapp.client import GraphClient
from hubdesk.relay import relay
from hubdesk.settings import Settings, get_settings

log = logging.getLogger(__name__)

_active: list[WhatsAppChannel] = []  # the running channel of this process (configuration, set at start-up)


def active_channel() -> WhatsAppChannel | None:
    return _active[-1] if _active else None


def make_channel(settings: Settings) -> WhatsAppChannel:
    assert settings.WHATSAPP_TOKEN is not None and settings.WHATSAPP_PHONE_NUMBER_ID
    client = GraphClient(
        base_url=settings.WHATSAPP_API_BASE_URL,
        version=settings.WHATSAPP_API_VERSION,
        phone_number_id=settings.WHATSAPP_PHONE_NUMBER_ID,
        token=settings.WHATSAPP_TOKEN.get_secret_value(),
    )
    return WhatsAppChannel(client, template_name=settings.WHATSAPP_TEMPLATE_NAME)


@asynccontextmanager
async def running(settings: Settings | None = None) -> AsyncIterator[WhatsAppChannel | None]:
    """Register the WhatsApp sender while the app runs (nothing happens when WhatsApp is not configured)."""
    settings = settings or get_settings()
    if not settings.whatsapp_enabled:
        partial = [name for name in ("WHATSAPP_TOKEN", "WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_APP_SECRET")
                   if getattr(settings, name)]
        if partial:  # half a configuration is a mistake worth saying out loud
            log.warning("WhatsApp is off: it needs WHATSAPP_TOKEN, WHATSAPP_PHONE_NUMBER_ID and "
                        "WHATSAPP_APP_SECRET, only %s set", ", ".join(partial))
        yield None
        return
    channel = make_channel(settings)
    relay.register_sender(CHANNEL, channel.send)
    _active.append(channel)
    log.info("WhatsApp channel on: phone number id %s", settings.WHATSAPP_PHONE_NUMBER_ID)
    try:
        yield channel
    finally:
        _active.remove(channel)
        if relay.senders.get(CHANNEL) == channel.send:
            del relay.senders[CHANNEL]
        await channel.client.aclose()
