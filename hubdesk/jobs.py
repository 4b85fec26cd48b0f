"""Background jobs of ``hubdesk run``: the daily retention purge, the replay of the urgent-case journal and the
announcement sender.

Started from the app's lifespan with ``start_background_jobs(app)`` and stopped with
``stop_background_jobs(app)``. Each job runs its database work in a worker thread. With several processes
each runs the purge; that is harmless (the purge is idempotent).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from fastapi import FastAPI

log = logging.getLogger(__name__)

PURGE_INTERVAL_SECONDS = 24 * 3600
FIRST_RUN_DELAY_SECONDS = 60  # let start-up (migrations, channels) finish first


def purge_once(*, now: datetime | None = None, retention_days: int | None = None) -> tuple[int, int]:
    """Apply both retention rules (``hubdesk purge`` does the same); return (cases purged, visitors forgotten).

    Cases lose their text and route back ``retention_days`` (HUBDESK_CASE_RETENTION_DAYS) after closing;
    visitor rows go after ``visitors.VISITOR_RETENTION_DAYS`` of silence.
    """
    from hubdesk import cases, markers, throttle, visitors, webchat
    from hubdesk.announcements import delivery
    from hubdesk.db import checkpoint, session_scope
    from hubdesk.users import SESSION_MAX_AGE, prune_ended_sessions

    with session_scope() as session:
        purged = cases.purge(session=session, now=now, retention_days=retention_days)
        forgotten = visitors.purge_inactive_visitors(session=session, now=now)
        prune_ended_sessions(session=session, max_age=timedelta(seconds=SESSION_MAX_AGE), now=now)
        webchat.prune_cases(session=session, now=now)
        markers.prune(session=session)  # every channel's per-chat markers go with their visitor
        # WhatsApp's delivery ids (Telegram prunes its own while it runs).
        throttle.prune(session=session, sources=("whatsapp", "wa-failed"), now=now)
        delivery.unlink_old(session=session, now=now)  # who received an announcement, after a week
        checkpoint(session)  # SQLite: purged text leaves the WAL now, not at some later checkpoint
    return purged, forgotten


async def purge_daily(interval: float = PURGE_INTERVAL_SECONDS, first_delay: float = FIRST_RUN_DELAY_SECONDS) -> None:
    """Run the purge now (after a short delay) and then every ``interval`` seconds until cancelled."""
    await asyncio.sleep(first_delay)
    while True:
        try:
            purged, forgotten = await asyncio.to_thread(purge_once)
            log.info("daily purge: %d case(s) purged, %d inactive visitor(s) forgotten", purged, forgotten)
        except Exception:  # a failing purge is logged and retried tomorrow; it must not stop the app
            log.exception("daily purge failed")
        await asyncio.sleep(interval)


async def replay_journal(interval: float | None = None) -> None:
    """Open the cases journalled during a database outage (``hubdesk.journal``): at start-up, then regularly."""
    from hubdesk import cases, journal

    while True:
        try:
            if await asyncio.to_thread(journal.count):  # the file itself: another process may have written
                await cases.perform(await asyncio.to_thread(journal.replay))
        except Exception:  # the journal or the database may be unwell; try again next time
            log.exception("replaying the urgent-case journal failed")
        await asyncio.sleep(journal.REPLAY_INTERVAL_SECONDS if interval is None else interval)


async def send_announcements() -> None:
    """Send due announcements (``hubdesk.announcements.sender``): its own task, threads and pace."""
    from hubdesk.announcements.sender import AnnouncementSender

    await AnnouncementSender().run()


def start_background_jobs(app: FastAPI) -> None:
    """Start every background job on the running loop; the tasks are kept on ``app.state``."""
    tasks: list[asyncio.Task] = getattr(app.state, "background_jobs", [])
    tasks.append(asyncio.create_task(purge_daily(), name="hubdesk-purge-daily"))
    tasks.append(asyncio.create_task(replay_journal(), name="hubdesk-replay-journal"))
    tasks.append(asyncio.create_task(send_announcements(), name="hubdesk-announcements"))
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
