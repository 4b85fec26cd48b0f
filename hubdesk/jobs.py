"""Background jobs of ``hubdesk run``: the daily retention purge (and room for others).

Started from the app's lifespan with ``start_background_jobs(app)`` and stopped with
``stop_background_jobs(app)``. Each job runs its database work in a worker thread. With several processes
each runs the purge; that is harmless (the purge is idempotent).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from fastapi import FastAPI

log = logging.getLogger(__name__)

PURGE_INTERVAL_SECONDS = 24 * 3600
FIRST_RUN_DELAY_SECONDS = 60  # let start-up (migrations, channels) finish first


def purge_once() -> int:
    """Erase the personal data of cases past the retention period (``hubdesk purge`` does the same)."""
    from hubdesk import cases
    from hubdesk.db import session_scope

    with session_scope() as session:
        return cases.purge(session=session)


async def purge_daily(interval: float = PURGE_INTERVAL_SECONDS, first_delay: float = FIRST_RUN_DELAY_SECONDS) -> None:
    """Run the purge now (after a short delay) and then every ``interval`` seconds until cancelled."""
    await asyncio.sleep(first_delay)
    while True:
        try:
            count = await asyncio.to_thread(purge_once)
            log.info("daily purge: %d case(s) purged", count)
        except Exception:  # a failing purge is logged and retried tomorrow; it must not stop the app
            log.exception("daily purge failed")
        await asyncio.sleep(interval)


def start_background_jobs(app: FastAPI) -> None:
    """Start every background job on the running loop; the tasks are kept on ``app.state``."""
    tasks: list[asyncio.Task] = getattr(app.state, "background_jobs", [])
    tasks.append(asyncio.create_task(purge_daily(), name="hubdesk-purge-daily"))
    app.state.background_jobs = tasks


async def stop_background_jobs(app: FastAPI) -> None:
    """Cancel the jobs started by ``start_background_jobs`` and wait for them to end."""
    tasks: list[asyncio.Task] = getattr(app.state, "background_jobs", [])
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    app.state.background_jobs = []
