"""The public web chat's limits (issue 15, item 6): per session, per client address, open cases per address,
and the pace of posts to the volunteers' group. Every refusal is counted (``/metrics``)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from hubdesk import metrics, throttle
from hubdesk.bot.telegram.volunteers import VolunteerGroup
from hubdesk.models import Case, RateLimitWindow
from tests.utils.cases import FakeChannel, on_the_relay

PERSON = "I want to talk to a person"
CAPPED = ("several open questions", "кілька відкритих запитань")  # in English or Ukrainian


def capped(html: str) -> bool:
    return any(words in html for words in CAPPED)


@pytest.fixture(autouse=True)
def one_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every request of a test falls in the same minute."""
    monkeypatch.setattr(throttle, "clock", lambda: datetime(2026, 11, 22, 10, 0, 30, tzinfo=UTC))


def say(client: TestClient, session_id: str, text: str = "hallo"):
    return client.post("/api/v1/chat", json={"session": session_id, "text": text, "locale": "en"})


def refused() -> dict[str, int]:
    return metrics.refused_counts()


def count_cases(session: Session) -> int:
    session.expire_all()
    return int(session.exec(select(func.count()).select_from(Case)).one())


def test_one_session_gets_twenty_a_minute_then_one_notice_then_429(client: TestClient) -> None:
    before = refused().get("webchat_session", 0)
    answers = [say(client, "burst-session-1") for _ in range(60)]
    assert [r.status_code for r in answers] == [200] * 21 + [429] * 39
    assert "very quickly" in answers[20].json()["replies"][0]["html"]
    assert answers[21].headers["Retry-After"] == "60"
    assert refused()["webchat_session"] == before + 40
    assert say(client, "burst-session-2").status_code == 200  # another visitor is not held up


def test_many_sessions_from_one_address_are_limited_together(app: FastAPI, session: Session) -> None:
    before = refused().get("webchat_client", 0)
    other = TestClient(app, client=("198.51.100.9", 4000))  # (no second lifespan for the same app)
    with TestClient(app, client=("203.0.113.7", 4000)) as one:
        codes = [say(one, f"session-{n:04d}").status_code for n in range(100)]
        assert codes == [200] * 61 + [429] * 39
        assert say(other, "session-other").status_code == 200
    assert refused()["webchat_client"] == before + 40
    keys = {row.chat_key for row in session.exec(select(RateLimitWindow)).all()}
    assert not any("203.0.113.7" in key for key in keys)  # the address is counted under a keyed hash only


def test_one_address_opens_at_most_three_cases(app: FastAPI, session: Session) -> None:
    """The issue's 100 sessions from one client opened 102 cases, each posted to the volunteers' group."""
    before = refused().get("webchat_open_cases", 0)
    with on_the_relay() as fake, TestClient(app, client=("203.0.113.8", 4000)) as client:
        replies = [say(client, f"case-session-{n:03d}", PERSON).json()["replies"] for n in range(50)]
        assert count_cases(session) == 3
        assert [n.kind for n in fake.notices] == ["opened"] * 3
        assert capped(replies[3][0]["html"]) and not capped(replies[2][0]["html"])
        tap = client.post("/api/v1/chat/button", json={"session": "case-session-tap", "action": "volunteer"})
        assert capped(tap.json()["replies"][0]["html"]) and count_cases(session) == 3
        # A session that has a case can still write to it; a crisis still gets the emergency numbers first.
        joined = say(client, "case-session-000", "more details about my letter").json()["replies"]
        assert "(case 1)" in joined[0]["html"]
        crisis = say(client, "case-session-crisis", "I want to kill myself").json()["replies"]
        assert "112" in crisis[0]["html"] and count_cases(session) == 3
        assert capped(crisis[-1]["html"])
    assert refused()["webchat_open_cases"] == before + 47 + 1 + 1  # the sessions, the tap, the crisis
    with TestClient(app, client=("198.51.100.10", 4000)) as elsewhere:
        say(elsewhere, "someone-else-1", PERSON)
    assert count_cases(session) == 4


async def test_posts_to_the_volunteers_group_are_paced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(VolunteerGroup, "BURST", 3)
    monkeypatch.setattr(VolunteerGroup, "PACE_SECONDS", 0.1)
    group = VolunteerGroup(bot=None, chat_id=-1, lang="uk")  # type: ignore[arg-type]
    started = time.monotonic()
    times = []
    for _ in range(6):
        await group._pace()
        times.append(time.monotonic() - started)
    assert times[2] < 0.05  # the burst goes at once
    assert times[5] >= 0.28  # then one post per PACE_SECONDS


async def test_a_flood_of_cases_reaches_the_group_urgent_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(VolunteerGroup, "BURST", 1)
    monkeypatch.setattr(VolunteerGroup, "PACE_SECONDS", 0.05)
    group = VolunteerGroup(bot=None, chat_id=-1, lang="uk")  # type: ignore[arg-type]
    posted: list[int] = []

    async def post(notice) -> None:  # type: ignore[no-untyped-def]
        posted.append(notice.case_id)

    monkeypatch.setattr(group, "post", post)
    fake = FakeChannel()
    from hubdesk.relay import CaseNotice

    for case_id in range(1, 6):
        await group.on_case_notice(CaseNotice("opened", case_id, case_id == 5, "uk", "webchat", "other", None))
    worker = asyncio.create_task(group._post_all())  # the poster alone (no scrubber: no database here)
    await asyncio.wait_for(group._queue.join(), 5)
    worker.cancel()
    assert posted[0] == 5 and sorted(posted) == [1, 2, 3, 4, 5]
    assert fake.notices == []
