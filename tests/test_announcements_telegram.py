"""Announcements on Telegram, against the fake Bot API: consent by command, word and tap; only subscribers of
the right hub and topic receive, in their language; a 429 in the middle is honoured; a blocked bot loses
the route; nobody gets anything twice."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest
from sqlmodel import Session, select

from hubdesk.announcements import subscriptions
from hubdesk.models import Delivery, Subscription, Visitor
from hubdesk.settings import get_settings
from hubdesk.users import create_user
from tests import fake_telegram as tg
from tests.telegram_harness import Harness, assert_ukrainian, buttons, text_of

ANNOUNCEMENT = {"uk": "Нові правила щодо житла з 1 лютого.", "nl": "Nieuwe regels voor huisvesting vanaf 1 februari."}


@pytest.fixture(autouse=True)
def quick_sender(settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUBDESK_ANNOUNCEMENT_POLL_SECONDS", "0.1")
    monkeypatch.setenv("HUBDESK_ANNOUNCEMENT_RATE", "200")
    monkeypatch.setenv("HUBDESK_ANNOUNCEMENT_CHAT_INTERVAL", "0")
    get_settings.cache_clear()


def coordinator(engine, hub: str | None = None) -> dict[str, str]:
    with Session(engine) as session:
        _, token = create_user(session=session, name="Coordinator", role="coordinator", hub_id=hub)
    return {"Authorization": f"Bearer {token}"}


async def announce(bot: Harness, engine, text=None, topics=(), hub="example", send=True) -> dict:
    headers = coordinator(engine)
    response = await bot.client.post("/api/v1/announcements", headers=headers,
                                     json={"hub": hub, "topics": list(topics), "text": text or ANNOUNCEMENT})
    assert response.status_code == 201, response.text
    created = response.json()
    if send:
        response = await bot.client.post(f"/api/v1/announcements/{created['id']}/send", headers=headers)
        assert response.status_code == 200, response.text
    return created


async def finished(bot: Harness, engine, announcement_id: int, timeout: float = 15.0) -> dict:
    """Wait until the sender has closed the announcement; its public form."""
    headers = coordinator(engine)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = (await bot.client.get(f"/api/v1/announcements/{announcement_id}", headers=headers)).json()
        if body["status"] == "sent":
            return body
        await asyncio.sleep(0.05)
    raise AssertionError(f"announcement not sent in time: {body}")


def announcements_to(fake: tg.FakeBotApi, chat_id: int) -> list[dict]:
    return [m for m in fake.sent(chat_id) if m["text"].startswith("📣")]


async def test_news_command_word_and_tap_subscribe_and_unsubscribe(bot: Harness, engine) -> None:
    subscribed = await bot.say(501, "/news")
    assert_ukrainian(subscribed)
    assert ("🔕 Відписатися від новин", "n:off") in buttons(subscribed[-1])
    with Session(engine) as session:
        assert session.exec(select(Subscription)).one().hub_id == "example"
    off = await bot.tap(501, "n:off")
    assert "відписалися" in text_of(off).lower() or "відписані" in text_of(off).lower()
    with Session(engine) as session:
        assert session.exec(select(Subscription)).all() == []
    await bot.say(502, "новини")  # the word, in Ukrainian
    await bot.say(503, "nieuws", lang="nl")
    welcome = await bot.say(504, "Привіт")
    assert ("🔔 Підписатися на новини", "n:on") in buttons(welcome[-1])  # one tap under the welcome
    await bot.tap(504, "n:on")
    menu = await bot.tap(504, "menu")
    assert ("🔕 Відписатися від новин", "n:off") in buttons(menu[-1])  # and in the menu, showing the state
    with Session(engine) as session:
        assert session.exec(select(Subscription)).all().__len__() == 3


async def test_only_subscribers_of_the_hub_and_topic_get_it_once_in_their_language(bot: Harness, engine) -> None:
    await bot.say(601, "/news")  # uk, all topics
    await bot.tap(602, "l:nl")
    await bot.tap(602, "n:on")  # Dutch reader
    await bot.tap(603, "n:on")
    await bot.tap(603, "n:t:work")  # only work
    await bot.say(604, "Привіт")  # never subscribed
    await bot.tap(605, "n:on")
    await bot.tap(605, "n:off")  # subscribed, then not
    created = await announce(bot, engine, topics=["housing"])
    body = await finished(bot, engine, created["id"])
    assert body["counts"]["recipients"] == 2 and body["counts"]["sent"] == 2
    uk = announcements_to(bot.fake, 601)
    assert len(uk) == 1 and "Нові правила щодо житла" in uk[0]["text"]
    assert_ukrainian(uk)
    nl = announcements_to(bot.fake, 602)
    assert len(nl) == 1 and "Nieuwe regels" in nl[0]["text"] and "Nieuws van" in nl[0]["text"]
    for chat in (603, 604, 605):
        assert announcements_to(bot.fake, chat) == []
    # the English reader of an announcement without English gets the hub's language (Ukrainian), flagged
    assert body["missing_languages"] == ["en"] and body["fallback_language"] == "uk"


async def test_a_429_in_the_middle_is_honoured_and_nobody_gets_it_twice(bot: Harness, engine) -> None:
    chats = list(range(700, 712))
    with Session(engine) as session:
        for chat in chats:
            subscriptions.subscribe(session=session, channel="telegram", chat_key=str(chat))
    created = await announce(bot, engine, send=False)
    bot.fake.clear()
    bot.fake.fail_next("sendMessage", status=429, retry_after=1)
    started = time.monotonic()
    headers = coordinator(engine)
    await bot.client.post(f"/api/v1/announcements/{created['id']}/send", headers=headers)
    body = await finished(bot, engine, created["id"])
    assert body["counts"]["sent"] == len(chats) and body["counts"]["failed"] == 0
    received = Counter(int(c["chat_id"]) for c in bot.fake.calls_to("sendMessage"))
    assert received == Counter(dict.fromkeys(chats, 1))  # exactly once each, the refused one included
    refused = [c for c in bot.fake.calls if c.method == "sendMessage" and c.failed]
    assert len(refused) == 1
    after = [c.at for c in bot.fake.calls if c.method == "sendMessage" and not c.failed]
    # Nothing started after the 429 before retry_after had passed; only requests already in flight
    # (at most HUBDESK_ANNOUNCEMENT_CONCURRENCY - 1 others) may arrive just after it.
    early = [at for at in after if refused[0].at <= at < refused[0].at + 0.95]
    assert len(early) <= get_settings().HUBDESK_ANNOUNCEMENT_CONCURRENCY - 1
    assert len([at for at in after if at >= refused[0].at + 0.95]) >= len(chats) - len(early)
    assert time.monotonic() - started >= 1.0


async def test_a_visitor_who_blocked_the_bot_is_counted_and_their_route_removed(bot: Harness, engine) -> None:
    with Session(engine) as session:
        for chat in (801, 802):
            subscriptions.subscribe(session=session, channel="telegram", chat_key=str(chat))
    created = await announce(bot, engine, send=False)
    bot.fake.fail_next("sendMessage", status=403, retry_after=None)
    await bot.client.post(f"/api/v1/announcements/{created['id']}/send", headers=coordinator(engine))
    body = await finished(bot, engine, created["id"])
    assert (body["counts"]["sent"], body["counts"]["blocked"]) == (1, 1)
    with Session(engine) as session:
        assert len(session.exec(select(Visitor)).all()) == 1  # the blocked visitor's route is gone
        assert len(session.exec(select(Subscription)).all()) == 1
        assert len(session.exec(select(Delivery)).all()) == 2  # the counts stay, anonymous


async def test_whats_new_lists_the_hubs_recent_announcements(bot: Harness, engine) -> None:
    nothing = await bot.say(901, "що нового?")
    assert "Немає новин" in text_of(nothing)
    created = await announce(bot, engine)
    await finished(bot, engine, created["id"])
    news = await bot.say(901, "що нового?")
    assert "Нові правила щодо житла" in text_of(news)
    dutch = await bot.say(902, "wat is er nieuw?", lang="nl")
    assert "Nieuwe regels" in text_of(dutch)


async def test_forget_me_removes_the_subscription(bot: Harness, engine) -> None:
    await bot.tap(950, "n:on")
    await bot.say(950, "/forget")
    with Session(engine) as session:
        assert session.exec(select(Subscription)).all() == []


async def test_blocking_the_bot_removes_the_route_at_once(bot: Harness, engine) -> None:
    await bot.tap(960, "n:on")
    kicked = {"update_id": bot.fake.next_update_id(), "my_chat_member": {
        "chat": tg.chat(960), "from": tg.telegram_user(960), "date": int(time.time()),
        "old_chat_member": {"user": tg.BOT_USER, "status": "member"},
        "new_chat_member": {"user": tg.BOT_USER, "status": "kicked", "until_date": 0}}}
    before = len(bot.fake.sent(960))
    assert (await bot.post(kicked)).status_code == 200
    with Session(engine) as session:
        assert session.exec(select(Subscription)).all() == []
        assert session.exec(select(Visitor).where(Visitor.chat_key == "960")).first() is None
    assert len(bot.fake.sent(960)) == before  # nothing said to someone who blocked the bot
