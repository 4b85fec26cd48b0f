"""Liveness and readiness for load balancers and container health checks.

``/healthz``: the process is up and serving HTTP (the container's HEALTHCHECK; a restart would not fix a
database outage, so it does not look at the database). ``/readyz``: this process can do its job now (the
database answers and is migrated, the knowledge base is loaded, every configured channel is registered);
a load balancer sends traffic only to ready processes.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from hubdesk.api.deps import SessionDep
from hubdesk.relay import relay
from hubdesk.settings import get_settings

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@lru_cache(maxsize=1)
def _migration_heads() -> frozenset[str]:
    from alembic.script import ScriptDirectory

    from hubdesk.db import alembic_config

    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def _check_database(session: SessionDep) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        session.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "not ready", with its class name as the reason
        session.rollback()
        log.warning("readiness: database check failed: %s", type(exc).__name__)
        return {"ok": False, "detail": type(exc).__name__}, {"ok": False, "detail": "database unavailable"}
    heads = _migration_heads()
    try:
        current = set(session.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except Exception:  # reachable, but never migrated (no alembic_version table)
        session.rollback()
        current = set()
    migrations: dict[str, Any] = {"ok": current == heads, "current": sorted(current), "head": sorted(heads)}
    if not migrations["ok"]:
        migrations["detail"] = "run `hubdesk db upgrade`"
    return {"ok": True}, migrations


def _check_knowledge_base() -> dict[str, Any]:
    from hubdesk.kb import knowledge_base

    try:
        return {"ok": True, "articles": len(knowledge_base().articles)}
    except Exception as exc:  # a broken knowledge base: `hubdesk kb check` says what
        log.warning("readiness: knowledge base not loaded: %s", type(exc).__name__)
        return {"ok": False, "detail": type(exc).__name__}


def _check_understanding() -> dict[str, Any]:
    """The encoder and the trained model. Without them the bot still answers and screens for crisis
    (lexically), so this never makes the process unready; it makes it say "degraded", loudly."""
    from hubdesk.engine.answerer import default_answerer

    try:
        answerer = default_answerer()
    except Exception as exc:  # reported by the knowledge-base check too
        return {"ok": False, "detail": type(exc).__name__}
    check: dict[str, Any] = {"ok": True, "mode": "degraded" if answerer.degraded else "full"}
    check.update(answerer.status)
    return check


def configured_channels() -> list[str]:
    """Channels this process should serve: the web chat always, the bots when their settings are set."""
    settings = get_settings()
    channels = ["webchat"]
    if settings.telegram_enabled:
        channels.append("telegram")
    if settings.whatsapp_enabled:
        channels.append("whatsapp")
    return channels


def _check_channels(request: Request) -> dict[str, Any]:
    """Telegram is ready once it reached Telegram (getMe, and setWebhook or the start of polling); the other
    channels once their sender is registered with the relay (until then replies could not be delivered)."""
    checks: dict[str, Any] = {}
    for name in configured_channels():
        if name == "telegram":
            channel = getattr(request.app.state, "telegram", None)
            ok = channel is not None and bool(channel.running) and name in relay.senders
        else:
            ok = name in relay.senders
        checks[name] = {"ok": ok} if ok else {"ok": False, "detail": "not connected yet"}
    return checks


@router.get("/readyz", responses={503: {"description": "not ready; the body says which check failed"}})
def readyz(request: Request, session: SessionDep) -> JSONResponse:
    """Ready to serve: 200 with every check, or 503 with the same breakdown."""
    database, migrations = _check_database(session)
    checks: dict[str, Any] = {
        "database": database,
        "migrations": migrations,
        "knowledge_base": _check_knowledge_base(),
        "understanding": _check_understanding(),
        "channels": _check_channels(request),
    }
    ready = all(checks[name]["ok"] for name in ("database", "migrations", "knowledge_base")) and all(
        channel["ok"] for channel in checks["channels"].values()
    )
    status = "not ready" if not ready else "degraded" if checks["understanding"].get("mode") != "full" else "ready"
    return JSONResponse({"status": status, "checks": checks}, 200 if ready else 503)
