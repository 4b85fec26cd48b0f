"""The WhatsApp Cloud API webhook: Meta's verification handshake (GET) and signed deliveries (POST).

Fails closed: without ``WHATSAPP_VERIFY_TOKEN`` the handshake is refused, and without
``WHATSAPP_APP_SECRET`` or with a bad ``X-Hub-Signature-256`` a delivery is refused (403) before anything
in it is read. Each message is claimed and answered before the 200 (the Dialog is local and fast), so a
failure answers 503 and Meta delivers again (once: a second failure gets the visitor an apology instead);
the replies are written to a local outbox (``hubdesk.inbox``) before the 200 and sent after the response,
with retries; what a crash left in the outbox is sent when the channel starts again.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from hubdesk.api import json_limits
from hubdesk.bot.whatsapp import active_channel, outbox_done, outbox_put, texts
from hubdesk.bot.whatsapp.channel import accept, answer, release
from hubdesk.bot.whatsapp.webhook import (
    SIGNATURE_HEADER,
    FailedStatus,
    PayloadError,
    parse_notification,
    valid_signature,
)
from hubdesk.messages import Reply
from hubdesk.settings import get_settings

log = logging.getLogger(__name__)
router = APIRouter(prefix="/webhooks/whatsapp", tags=["whatsapp"])
MAX_BODY = 1_000_000  # Meta batches at most a few messages; anything this big is not from Meta


def _error(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


@router.get("", response_class=PlainTextResponse, responses={403: {"description": "Wrong verify token"}})
def verify(
    mode: Annotated[str | None, Query(alias="hub.mode")] = None,
    token: Annotated[str | None, Query(alias="hub.verify_token")] = None,
    challenge: Annotated[str | None, Query(alias="hub.challenge")] = None,
) -> PlainTextResponse:
    """Meta's subscription check: echo the challenge when the verify token matches."""
    expected = get_settings().WHATSAPP_VERIFY_TOKEN
    expected_value = expected.get_secret_value() if expected is not None else ""
    if (
        mode == "subscribe"
        and expected_value
        and token is not None
        and challenge is not None
        and secrets.compare_digest(token.encode(), expected_value.encode())
    ):
        return PlainTextResponse(challenge)
    return PlainTextResponse("verification failed", status_code=403)


async def _deliver(wa_id: str, replies: list[Reply], key: str | None = None) -> None:
    """Send the replies to one message (after the response); a failure is logged, never raised to Meta.

    ``key``: the message's entry in the outbox (``bot.whatsapp.outbox_put``), deleted once sent or given up.
    """
    channel = active_channel()
    if not replies:
        return
    if channel is None:
        log.error("WhatsApp is not running in this process: %d repl(ies) not sent", len(replies))
        return
    try:
        await channel.send(wa_id, replies, answering=True)
    except Exception:
        log.exception("could not send %d WhatsApp repl(ies)", len(replies))
    if key is not None:
        outbox_done(key)


async def _failures(failures: tuple[FailedStatus, ...]) -> None:
    channel = active_channel()
    for failure in failures:
        if channel is not None:
            await channel.failed(failure)


RECEIVE_ERRORS = {
    400: {"description": "Not a WhatsApp notification"},
    403: {"description": "Missing or invalid X-Hub-Signature-256"},
    413: {"description": "Larger than a WhatsApp notification can be"},
    503: {"description": "Not configured here, or the message could not be stored now: Meta delivers it again"},
}


@router.post("", responses=RECEIVE_ERRORS)
async def receive(request: Request, background: BackgroundTasks) -> JSONResponse:
    """One signed delivery from Meta: messages are answered, statuses acknowledged."""
    secret = get_settings().WHATSAPP_APP_SECRET
    declared = request.headers.get("Content-Length", "0")
    if not declared.isdigit() or int(declared) > MAX_BODY:
        return _error(413, f"a WhatsApp notification is at most {MAX_BODY} bytes")
    body = await request.body()
    if len(body) > MAX_BODY:
        return _error(413, f"a WhatsApp notification is at most {MAX_BODY} bytes")
    if not valid_signature(body, request.headers.get(SIGNATURE_HEADER), secret.get_secret_value() if secret else ""):
        log.warning("WhatsApp webhook: missing or bad %s, delivery refused", SIGNATURE_HEADER)
        return _error(403, f"missing or invalid {SIGNATURE_HEADER} signature")
    if not get_settings().whatsapp_enabled or active_channel() is None:
        # Signed by Meta but we could not answer (no token or phone number id): let Meta deliver it later.
        return _error(503, "WhatsApp is not fully configured on this server (WHATSAPP_TOKEN, WHATSAPP_PHONE_NUMBER_ID)")
    try:
        notification = parse_notification(json_limits.loads(body))
    except (ValueError, PayloadError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return _error(400, f"not a WhatsApp notification: {exc}")
    answered = 0
    for message in notification.messages:
        try:
            accepted = await asyncio.to_thread(accept, message)
        except Exception:  # the database is down: Meta keeps the message and delivers it again
            log.exception("WhatsApp message could not be stored; Meta will deliver it again")
            return _error(503, "the message could not be stored now; deliver it again later")
        if accepted is None:
            log.info("WhatsApp message already handled (a retry), skipped")
            continue
        try:
            replies = await answer(accepted)
        except Exception:
            if await asyncio.to_thread(release, accepted):
                log.exception("WhatsApp message could not be handled; Meta will deliver it again")
                return _error(503, "the message could not be handled now; deliver it again later")
            log.exception("WhatsApp message failed again: the visitor is told something went wrong")
            replies = [texts.went_wrong(accepted.language or "uk")]
        # On disk before Meta's 200: the replies are sent after it, and a crash then must not lose them.
        key = await asyncio.to_thread(outbox_put, message.message_id, message.wa_id, replies)
        background.add_task(_deliver, message.wa_id, replies, key)
        answered += 1
    if notification.failures:
        background.add_task(_failures, notification.failures)
    return JSONResponse({"ok": True, "messages": answered, "statuses": notification.statuses})
