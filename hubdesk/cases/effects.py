"""Performing a result's effects after the commit: relay to visitors and volunteers, sync or async."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import anyio.from_thread
from sqlmodel import Session

from hubdesk.cases.common import CaseResult, Effects
from hubdesk.relay import relay

log = logging.getLogger(__name__)

async def perform(effects: Effects) -> list[str]:
    """Deliver to visitors, then notify volunteers; return the delivery problems (logged, not raised)."""
    problems: list[str] = []
    for delivery in effects.deliveries:
        try:
            await relay.send_to_visitor(delivery.channel, delivery.chat_key, delivery.replies)
        except Exception as exc:  # the change is committed; the caller tells the volunteer it did not arrive
            log.warning("could not deliver to a %s visitor: %s", delivery.channel, exc)
            problems.append(str(exc) or exc.__class__.__name__)
    for notice in effects.notices:
        await relay.notify_volunteers(notice)
    return problems


def perform_sync(effects: Effects) -> list[str]:
    """``perform`` from synchronous code: on the app's event loop from a FastAPI worker thread, else (CLI)
    on a loop of its own."""
    if not effects:
        return []
    try:
        return anyio.from_thread.run(perform, effects)
    except RuntimeError as exc:
        if "worker thread" not in str(exc) and "event loop" not in str(exc):
            raise
        return asyncio.run(perform(effects))


R = TypeVar("R")


async def run(fn: Callable[..., R], /, **kwargs: Any) -> R:
    """Run a service function in a worker thread with a session of its own, then perform its effects."""
    from hubdesk.db import get_engine

    def work() -> R:
        with Session(get_engine()) as session:
            return fn(session=session, **kwargs)

    result = await asyncio.to_thread(work)
    if isinstance(result, Effects):
        await perform(result)
    elif isinstance(result, CaseResult):
        result.undelivered = await perform(result.effects)
    return result
