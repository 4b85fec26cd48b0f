"""WhatsApp Cloud API channel: webhook parsing, rendering, sending (see docs/whatsapp.md).

``running(settings)`` is what the app's lifespan enters: when WhatsApp is configured it creates the Graph
API client and registers the relay sender for the ``whatsapp`` channel, and closes the client on the way out.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from hubdesk.announcements.sender import couriers
from hubdesk.bot.whatsapp import announce
from hubdesk.bot.whatsapp.channel import CHANNEL, WhatsAppChannel
from hubdesk.bot.whatsapp.client import GraphClient
from hubdesk.inbox import Inbox
from hubdesk.messages import Reply, replies_from_json, replies_to_json
from hubdesk.relay import relay
from hubdesk.settings import Settings, get_settings

log = logging.getLogger(__name__)

_active: list[WhatsAppChannel] = []  # the running channel of this process (configuration, set at start-up)


def active_channel() -> WhatsAppChannel | None:
    return _active[-1] if _active else None


def outbox_put(message_id: str, wa_id: str, replies: list[Reply]) -> str | None:
    """Keep the replies to one message durably until sent; their key, or None (logged) if the disk refused."""
    channel = active_channel()
    if channel is None or channel.outbox is None or not replies:
        return None
    try:
        channel.outbox.put(message_id, json.dumps({"wa_id": wa_id, "replies": replies_to_json(replies)}))
    except Exception:  # the answer is decided and its claim committed: send it anyway, just not crash-safe
        log.exception("could not keep WhatsApp replies in the outbox; sending them without")
        return None
    return message_id


def outbox_done(key: str) -> None:
    channel = active_channel()
    if channel is not None and channel.outbox is not None:
        channel.outbox.done(key)


async def _resend(channel: WhatsAppChannel, pending: list[tuple[str, str]]) -> None:
    """Send what a crashed process had acknowledged to Meta and not sent yet."""
    log.warning("sending the replies to %d WhatsApp message(s) acknowledged before a restart", len(pending))
    for key, payload in pending:
        data = json.loads(payload)
        try:
            await channel.send(data["wa_id"], replies_from_json(data["replies"]), answering=True)
        except Exception:
            log.exception("could not send replies kept in the WhatsApp outbox")
        if channel.outbox is not None:
            channel.outbox.done(key)


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
    channel.outbox = await asyncio.to_thread(Inbox("whatsapp").open)
    relay.register_sender(CHANNEL, channel.send)
    courier = announce.register(settings)  # announcements: a client of its own, paced by the core's sender
    _active.append(channel)
    log.info("WhatsApp channel on: phone number id %s", settings.WHATSAPP_PHONE_NUMBER_ID)
    pending = await asyncio.to_thread(channel.outbox.pending)
    resend = asyncio.create_task(_resend(channel, pending), name="whatsapp-outbox") if pending else None
    try:
        yield channel
    finally:
        if resend is not None:
            resend.cancel()
            with suppress(asyncio.CancelledError):
                await resend
        channel.outbox.close()
        channel.outbox = None
        _active.remove(channel)
        if relay.senders.get(CHANNEL) == channel.send:
            del relay.senders[CHANNEL]
        await channel.client.aclose()
        couriers.unregister(CHANNEL)
        await courier.close()
