"""The core of announcements without any platform: pacing, targeting, the delivery state machine, a crash in
the middle of a send, and the API's roles, hub limits, validation and "<5" rule."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from hubdesk import visitors
from hubdesk.announcements import delivery, service, subscriptions
from hubdesk.announcements.pacing import Pacer, TokenBucket
from hubdesk.announcements.sender import AnnouncementSender, Couriers
from hubdesk.models import Announcement, Delivery, DeliveryState, Subscription, utcnow
from hubdesk.settings import Settings, get_settings
from hubdesk.users import create_user
from tests.utils.stats import write_two_hubs

TEXTS = {"uk": "Нові правила", "nl": "Nieuwe regels"}


# -- pacing ---------------------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def peak_per_second(times: list[float]) -> int:
    """The most events in any half-open window of one second."""
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while times[start] <= t - 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_the_bucket_never_allows_more_than_its_rate_in_any_second() -> None:
    clock = FakeClock()
    bucket = TokenBucket(30, clock=clock)
    times = [bucket.reserve() for _ in range(300)]
    assert peak_per_second(times) == 30
    assert times[-1] - times[0] == pytest.approx(299 / 30)
    clock.now += 60  # a quiet minute saves no burst
    later = [bucket.reserve() for _ in range(60)]
    assert peak_per_second(later) == 30


async def test_one_chat_waits_a_second_and_a_pause_holds_everybody() -> None:
    clock = FakeClock()
    pacer = Pacer(30, chat_interval=1.0, clock=clock, sleep=clock.sleep)
    first = pacer.reserve("a")
    assert pacer.reserve("a") - first == pytest.approx(1.0)
    assert pacer.reserve("b") - first < 1.0 + 1 / 30 + 1e-9
    pacer.pause(5)
    moment = clock.now
    await pacer.slot("c")
    assert clock.now >= moment + 5


# -- targeting and the state machine ----------------------------------------------------------------------


def subscribe(session: Session, chat: str, *, channel: str = "telegram", topics: tuple[str, ...] = (),
              lang: str | None = None) -> None:
    subscriptions.subscribe(session=session, channel=channel, chat_key=chat)
    if topics:
        subscriptions.set_topics(session=session, channel=channel, chat_key=chat, topics=topics)
    if lang:
        visitors.set_language(session=session, channel=channel, chat_key=chat, language=lang)


def started(session: Session, topics: tuple[str, ...] = (), hub: str = "example") -> Announcement:
    announcement = service.create(session=session, draft=service.Draft(hub, topics, TEXTS))
    return service.start(session=session, announcement=announcement)


def test_only_the_hubs_subscribers_of_a_matching_topic_are_queued(session: Session) -> None:
    subscribe(session, "1")
    subscribe(session, "2", topics=("housing",), lang="nl")
    subscribe(session, "3", topics=("work",))
    visitors.touch_visitor(session=session, channel="telegram", chat_key="4")  # a visitor, not a subscriber
    session.commit()
    announcement = started(session, ("housing",))
    assert delivery.materialize(announcement_id=announcement.id) == 2
    assert delivery.materialize(announcement_id=announcement.id) == 0  # once
    rows = session.exec(select(Delivery)).all()
    assert sorted(r.language for r in rows) == ["nl", "uk"]
    with pytest.raises(IntegrityError):  # exactly once is the database's rule
        session.add(Delivery(announcement_id=announcement.id, visitor_id=rows[0].visitor_id, channel="telegram",
                             language="uk"))
        session.commit()


def test_a_missing_language_falls_back_to_the_hub_language_and_is_flagged(session: Session) -> None:
    announcement = service.create(session=session, draft=service.Draft("example", (), {"nl": "Alleen Nederlands"}))
    assert service.missing_languages(announcement) == ["uk", "en"]
    assert service.text_for(announcement, "uk") == ("Alleen Nederlands", "nl")
    with pytest.raises(service.AnnouncementError):
        service.create(session=session, draft=service.Draft("example", ("nonsense",), TEXTS))
    with pytest.raises(service.AnnouncementError):
        service.create(session=session, draft=service.Draft("example", (), {"uk": "  "}))


class Recorder:
    """A courier that records every message; it can hang forever on one (a process killed mid-send)."""

    def __init__(self, hang_at: int | None = None) -> None:
        self.received: list[str] = []
        self.hang_at = hang_at

    async def __call__(self, recipient, reply) -> str:  # type: ignore[no-untyped-def]
        self.received.append(recipient.chat_key)  # Telegram has it now
        if self.hang_at is not None and len(self.received) == self.hang_at:
            await asyncio.Event().wait()  # ... and we never hear back
        return DeliveryState.SENT.value


def registry(courier: Recorder) -> Couriers:
    registry = Couriers()
    registry.register("telegram", courier, Pacer(1000, chat_interval=0))
    return registry


async def test_a_sender_killed_half_way_is_taken_over_and_nobody_gets_it_twice(session: Session) -> None:
    chats = [str(n) for n in range(40)]
    for chat in chats:
        subscribe(session, chat)
    announcement = started(session)
    courier = Recorder(hang_at=17)
    first = AnnouncementSender(registry=registry(courier), worker="first", concurrency=1, lease_seconds=0.3)
    task = asyncio.create_task(first.run_once())
    while len(courier.received) < 17:
        await asyncio.sleep(0.01)
    task.cancel()  # the process dies: no more renewals, one row left claimed
    with pytest.raises(asyncio.CancelledError):
        await task
    first.close()
    second = AnnouncementSender(registry=registry(courier), worker="second", concurrency=1, lease_seconds=0.3)
    assert not await second.run_once()  # the first one's lease still holds
    await asyncio.sleep(0.35)
    assert await second.run_once()
    second.close()
    assert Counter(courier.received) == Counter(dict.fromkeys(chats, 1))
    counts = service.counts(session=session, announcement_id=announcement.id)
    assert (counts.sent, counts.unconfirmed, counts.pending) == (39, 1, 0)
    session.expire_all()
    assert session.get(Announcement, announcement.id).status == "sent"


async def test_unsubscribing_during_a_send_stops_it_and_counts(session: Session) -> None:
    for chat in ("a", "b", "c"):
        subscribe(session, chat)
    announcement = started(session)
    delivery.materialize(announcement_id=announcement.id)
    subscriptions.unsubscribe(session=session, channel="telegram", chat_key="b")
    visitors.forget_visitor(session=session, channel="telegram", chat_key="c")  # forget me: the row goes
    courier = Recorder()
    sender = AnnouncementSender(registry=registry(courier), worker="w", concurrency=2)
    assert await sender.run_once()
    sender.close()
    assert courier.received == ["a"]
    counts = service.counts(session=session, announcement_id=announcement.id)
    assert (counts.sent, counts.skipped) == (1, 2)
    subscriptions.unsubscribe(session=session, channel="telegram", chat_key="a")
    session.expire_all()
    assert session.get(Announcement, announcement.id).unsubscribed_after == 1
    assert session.exec(select(Subscription)).all() == []


async def test_a_week_after_it_went_out_no_row_says_who_received_it(session: Session) -> None:
    subscribe(session, "a")
    announcement = started(session)
    sender = AnnouncementSender(registry=registry(Recorder()), worker="w")
    assert await sender.run_once()
    sender.close()
    assert delivery.unlink_old(session=session) == 0
    assert delivery.unlink_old(session=session, now=utcnow() + timedelta(days=8)) == 1
    session.expire_all()
    row = session.exec(select(Delivery)).one()
    assert (row.visitor_id, row.state) == (None, "sent")
    assert service.counts(session=session, announcement_id=announcement.id).sent == 1


def test_inactive_visitors_take_their_subscription_with_them(session: Session) -> None:
    subscribe(session, "old")
    later = utcnow() + timedelta(days=visitors.VISITOR_RETENTION_DAYS + 1)
    visitors.purge_inactive_visitors(session=session, now=later)
    assert session.exec(select(Subscription)).all() == []


# -- the API: roles, hubs, validation, "<5" ---------------------------------------------------------------------


@pytest.fixture
def two_hubs(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    write_two_hubs(settings.HUBDESK_KB_DIR, tmp_path / "kb")
    monkeypatch.setenv("HUBDESK_KB_DIR", str(tmp_path / "kb"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def token(session: Session, role: str, hub: str | None = None) -> dict[str, str]:
    _, secret = create_user(session=session, name=f"{role} {hub}", role=role, hub_id=hub)
    return {"Authorization": f"Bearer {secret}"}


def test_roles_and_hub_limits_as_for_the_statistics(client: TestClient, session: Session, two_hubs: None) -> None:
    body = {"hub": "example", "topics": ["housing"], "text": TEXTS}
    assert client.post("/api/v1/announcements", json=body).status_code == 401
    assert client.post("/api/v1/announcements", json=body, headers=token(session, "volunteer")).status_code == 403
    north = token(session, "coordinator", "north")
    refused = client.post("/api/v1/announcements", json=body, headers=north)
    assert refused.status_code == 403
    created = client.post("/api/v1/announcements", json=body, headers=token(session, "coordinator"))
    assert created.status_code == 201
    announcement = created.json()
    assert (announcement["status"], announcement["topics"], announcement["missing_languages"]) == (
        "draft", ["housing"], ["en"])
    assert announcement["counts"] == {"recipients": 0, "sent": 0, "failed": 0, "blocked": 0, "pending": 0,
                                      "unreachable": 0, "unconfirmed": 0, "skipped": 0, "template": 0,
                                      "unsubscribed_after": 0}
    assert client.get(f"/api/v1/announcements/{announcement['id']}", headers=north).status_code == 404
    assert client.get("/api/v1/announcements", headers=north).json() == {"data": [], "count": 0}
    admin = token(session, "admin")
    assert client.get("/api/v1/announcements", headers=admin).json()["count"] == 1
    sent = client.post(f"/api/v1/announcements/{announcement['id']}/send", headers=admin)
    assert sent.status_code == 200 and sent.json()["status"] == "scheduled"
    bad = client.post("/api/v1/announcements", json={**body, "topics": ["weather"]}, headers=admin)
    assert bad.status_code == 422
    assert client.post("/api/v1/announcements", json={**body, "text": {"ru": "x"}}, headers=admin).status_code == 422
    preview = client.get(f"/api/v1/announcements/{announcement['id']}/preview", headers=admin).json()
    assert preview["languages"]["en"]["text_language"] == "uk"
    assert "<b>" in preview["languages"]["uk"]["telegram"]["text"]
    assert preview["languages"]["nl"]["whatsapp"][0]["interactive"]["body"]["text"].count("Nieuwe regels") == 1


def test_subscriber_counts_per_hub_and_language_hide_small_numbers(client: TestClient, session: Session) -> None:
    for n in range(6):
        subscribe(session, f"uk{n}", lang="uk")
    subscribe(session, "nl0", lang="nl")
    body = client.get("/api/v1/announcements/subscribers", headers=token(session, "coordinator")).json()
    assert body == {"hubs": {"example": {"total": 7, "languages": {"uk": 6, "nl": "<5", "en": 0}}}}
