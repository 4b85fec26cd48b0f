"""The announcement sender: its own task, its own threads, its own pace, beside the bot that answers.

Channels register a *courier* at start-up (``couriers.register("telegram", send, pacer)``): a function that
sends one announcement message to one recipient and says how it went (a ``DeliveryState`` value), or raises
``RetryLater`` when the platform asked to wait (Telegram's 429 ``retry_after``: the whole bot pauses, and the
message, certainly not sent, is sent again after the pause).

The sender runs as a background job of ``hubdesk run`` (``hubdesk.jobs``). Database work runs on a thread
pool of its own, so answering visitors never waits for a free thread because an announcement is going out;
requests in flight are bounded (``HUBDESK_ANNOUNCEMENT_CONCURRENCY``) and each waits for its paced slot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from hubdesk.announcements import delivery, service
from hubdesk.announcements.delivery import Recipient
from hubdesk.announcements.pacing import Pacer
from hubdesk.i18n import LANGUAGES
from hubdesk.messages import Reply
from hubdesk.models import DeliveryState
from hubdesk.settings import get_settings

log = logging.getLogger(__name__)

BATCH = 200  # deliveries read at a time
FLUSH_SECONDS = 0.25  # outcomes are written in one commit this often (a crash leaves these few "unconfirmed")
T = TypeVar("T")


class RetryLater(Exception):  # noqa: N818 (it is an instruction, not a failure)
    """Not sent: the platform asks to wait ``seconds`` before sending anything again."""

    def __init__(self, seconds: float):
        super().__init__(f"retry after {seconds} s")
        self.seconds = seconds


Courier = Callable[[Recipient, Reply], Awaitable[str]]


@dataclass
class Couriers:
    """Who carries announcements on each channel, and at what pace (configuration set at start-up)."""

    couriers: dict[str, tuple[Courier, Pacer]] = field(default_factory=dict)

    def register(self, channel: str, courier: Courier, pacer: Pacer) -> None:
        self.couriers[channel] = (courier, pacer)

    def unregister(self, channel: str) -> None:
        self.couriers.pop(channel, None)

    def get(self, channel: str) -> tuple[Courier, Pacer] | None:
        return self.couriers.get(channel)


couriers = Couriers()


class AnnouncementSender:
    """Sends due announcements, one at a time, each to every queued recipient exactly once at most."""

    def __init__(self, *, registry: Couriers | None = None, worker: str | None = None,
                 concurrency: int | None = None, lease_seconds: float | None = None, poll_seconds: float | None = None):
        settings = get_settings()
        self.registry = registry or couriers
        self.worker = worker or f"sender-{uuid.uuid4().hex[:12]}"
        self.concurrency = concurrency or settings.HUBDESK_ANNOUNCEMENT_CONCURRENCY
        self.lease_seconds = lease_seconds or settings.HUBDESK_ANNOUNCEMENT_LEASE_SECONDS
        self.poll_seconds = poll_seconds or settings.HUBDESK_ANNOUNCEMENT_POLL_SECONDS
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="hubdesk-announce")
        self.lost_lease = False
        self._outcomes: list[tuple[int, str, int | None]] = []

    async def _db(self, function: Callable[..., T], **kwargs: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, partial(function, **kwargs))

    def close(self) -> None:
        """Stop the threads, waiting for the one unit of work that may be running (milliseconds): a thread
        left holding a connection after the app stopped would outlive the engine's pool."""
        self._executor.shutdown(wait=True, cancel_futures=True)

    async def run(self) -> None:
        """Look for due announcements every few seconds and send them, until cancelled."""
        try:
            while True:
                try:
                    worked = await self.run_once()
                except asyncio.CancelledError:
                    raise
                except Exception:  # the database or a channel is unwell; the lease lets a restart resume
                    log.exception("sending announcements failed; trying again shortly")
                    worked = False
                if not worked:
                    await asyncio.sleep(self.poll_seconds)
        finally:
            self.close()

    async def run_once(self) -> bool:
        """Send the next due announcement to the end; False when none was due."""
        announcement_id = await self._db(delivery.lease_next, worker=self.worker, lease_seconds=self.lease_seconds)
        if announcement_id is None:
            return False
        queued = await self._db(delivery.materialize, announcement_id=announcement_id)
        if queued:
            log.info("announcement %s queued for %d subscriber(s)", announcement_id, queued)
        await self.send(announcement_id)
        return True

    async def send(self, announcement_id: int) -> None:
        announcement = await self._db(delivery.load, announcement_id=announcement_id)
        if announcement is None:
            return
        messages = {lang: service.message(announcement, lang) for lang in LANGUAGES}
        self.lost_lease = False
        renewing = asyncio.create_task(self._renew(announcement_id), name=f"announcement-{announcement_id}-lease")
        flushing = asyncio.create_task(self._flush_regularly(), name=f"announcement-{announcement_id}-flush")
        limit = asyncio.Semaphore(self.concurrency)
        try:
            while not self.lost_lease:
                after, sent_any = 0, False
                while not self.lost_lease:
                    batch = await self._db(delivery.next_batch, announcement_id=announcement_id, after_id=after,
                                           limit=BATCH)
                    if not batch:
                        break
                    after = batch[-1].delivery_id
                    sent_any = True
                    await asyncio.gather(*(self._one(announcement_id, r, messages, limit) for r in batch))
                if self.lost_lease:
                    break
                await self._flush()
                if await self._db(delivery.complete_if_done, announcement_id=announcement_id, worker=self.worker):
                    log.info("announcement %s sent", announcement_id)
                    break
                if not sent_any:  # claimed elsewhere (a lease race) or released rows not visible yet
                    await asyncio.sleep(0.2)
        finally:
            for task in (renewing, flushing):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await self._flush()

    async def _renew(self, announcement_id: int) -> None:
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            if not await self._db(delivery.renew, announcement_id=announcement_id, worker=self.worker,
                                  lease_seconds=self.lease_seconds):
                log.warning("lost the lease of announcement %s to another sender; stopping", announcement_id)
                self.lost_lease = True
                return

    async def _one(self, announcement_id: int, recipient: Recipient, messages: dict[str, Reply],
                   limit: asyncio.Semaphore) -> None:
        entry = self.registry.get(recipient.channel)
        async with limit:
            while True:
                if self.lost_lease:
                    return
                if not await self._db(delivery.claim, delivery_id=recipient.delivery_id,
                                      announcement_id=announcement_id, worker=self.worker):
                    return  # unsubscribed, forgotten or taken meanwhile
                if entry is None:  # this process runs no such channel: count them, do not hold the rest up
                    self._done(recipient, DeliveryState.UNREACHABLE.value)
                    return
                courier, pacer = entry
                await pacer.slot(recipient.chat_key)  # claimed first: the claim's commit overlaps the wait
                await pacer.dispatch()
                try:
                    state = await courier(recipient, messages.get(recipient.language) or messages["uk"])
                except RetryLater as exc:
                    log.warning("%s asks to wait %.1f s; announcement %s pauses", recipient.channel, exc.seconds,
                                announcement_id)
                    pacer.pause(exc.seconds)
                    await self._db(delivery.release, delivery_id=recipient.delivery_id)
                    continue  # certainly not sent: send it after the pause
                except Exception:
                    log.exception("announcement %s: a send failed unexpectedly", announcement_id)
                    state = DeliveryState.FAILED.value
                self._done(recipient, state)
                return

    def _done(self, recipient: Recipient, state: str) -> None:
        """Note how a delivery ended; written in groups (``_flush``): one commit, not one per message."""
        blocked = recipient.visitor_id if state == DeliveryState.BLOCKED else None
        self._outcomes.append((recipient.delivery_id, state, blocked))

    async def _flush(self) -> None:
        outcomes, self._outcomes = self._outcomes, []
        if outcomes:
            await self._db(delivery.finish_many, outcomes=outcomes)

    async def _flush_regularly(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            await self._flush()


def relay_courier(channel: str) -> Courier:
    """A courier through the relay's sender (the web chat: the message waits for the browser's next poll)."""
    from hubdesk.relay import relay

    async def carry(recipient: Recipient, reply: Reply) -> str:
        await relay.send_to_visitor(channel, recipient.chat_key, [reply])
        return DeliveryState.SENT.value

    return carry
