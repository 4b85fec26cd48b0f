"""Telegram's webhook: ``POST /telegram/webhook``. Fails closed, and processes each ``update_id`` once.

The secret token Telegram sends back (set with ``setWebhook``) is compared in constant time; anything else
is a 403 and nothing is processed. An accepted update is written to the local inbox (``hubdesk.inbox``, so
a crash after the 200 cannot lose it), queued for the bot and answered with 200 at once, without touching
the database (a slow database cannot make Telegram's delivery time out). When too many
wait already, the answer is 503 and Telegram retries later (back-pressure instead of an unbounded queue).

A retried delivery (Telegram retries until it gets a 200) is answered ``"duplicate": true`` when this
process has seen the ``update_id`` recently; the bot's guard then claims every update in the database
before handling it, so a retry that reached another worker process is dropped there.
"""

from __future__ import annotations

import logging
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request

from hubdesk.api import json_limits
from hubdesk.settings import get_settings

log = logging.getLogger(__name__)

router = APIRouter(tags=["telegram"])

MAX_BACKLOG = 2000  # queued updates: 30-50 s of work for one process (bench/webhook_throughput.py), a few MB


@router.post("/telegram/webhook", include_in_schema=False)
async def telegram_webhook(
    request: Request,
    secret: Annotated[str | None, Header(alias="X-Telegram-Bot-Api-Secret-Token")] = None,
) -> dict[str, Any]:
    """Check the secret, drop a repeated update, then hand the update to the bot."""
    settings = get_settings()
    expected = settings.TELEGRAM_WEBHOOK_SECRET
    channel = getattr(request.app.state, "telegram", None)
    if channel is None or not channel.webhook_mode or expected is None:
        raise HTTPException(status_code=404, detail="The Telegram webhook is not enabled.")
    if secret is None or not secrets.compare_digest(secret.encode(), expected.get_secret_value().encode()):
        raise HTTPException(status_code=403, detail="Wrong or missing secret token.")
    try:
        data = json_limits.loads(await request.body())
    except json_limits.TooDeep:
        raise HTTPException(status_code=400, detail="The body is not a Telegram update (nested too deep).") from None
    except (ValueError, UnicodeDecodeError):
        raise HTTPException(status_code=400, detail="The body is not JSON.") from None
    update_id = data.get("update_id") if isinstance(data, dict) else None
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        raise HTTPException(status_code=400, detail="The body is not a Telegram update (no integer update_id).")
    if not channel.running:
        raise HTTPException(status_code=503, detail="The bot is starting; Telegram will retry.")
    if channel.backlog() >= MAX_BACKLOG:
        raise HTTPException(status_code=503, detail="The bot is busy; Telegram will retry.")
    if not channel.first_sight(update_id):
        return {"ok": True, "duplicate": True}
    try:
        await channel.keep(data)  # on disk before the 200: a crash now cannot lose it (hubdesk.inbox)
    except Exception:
        channel.forget_sight(update_id)
        log.exception("could not keep Telegram update %s; Telegram will deliver it again", update_id)
        raise HTTPException(status_code=503, detail="The update could not be stored; Telegram will retry.") from None
    try:
        await channel.accept(data)
    except Exception:  # a malformed update: log it, and do not make Telegram retry it forever
        log.exception("could not read Telegram update %s", update_id)
    return {"ok": True}
