"""Linking a volunteer's Telegram account: a one-time code from the volunteer page, sent to the bot as /link."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from hubdesk.models import Case, User, utcnow
from hubdesk.users import LINK_LENGTH, create_user, link_telegram, new_telegram_link_code, revoke_user
from tests.telegram_harness import VOLUNTEERS, Harness
from tests.test_telegram_volunteers import VOLUNTEER, open_case, volunteer_says

TELEGRAM_ID = 7770001


def test_a_code_links_once_and_expires(session: Session) -> None:
    user, _ = create_user(session=session, name="Iryna", role="volunteer")
    code, expires = new_telegram_link_code(session=session, user=user)
    assert len(code) == LINK_LENGTH and expires > utcnow() + timedelta(minutes=14)
    assert user.telegram_link_hash is not None and code not in user.telegram_link_hash  # only a hash is kept
    typed = f" {code[:4].lower()}-{code[4:]} "  # as a person types it
    assert link_telegram(session=session, code=typed, telegram_user_id=TELEGRAM_ID).id == user.id
    assert session.get(User, user.id).telegram_user_id == TELEGRAM_ID
    assert link_telegram(session=session, code=code, telegram_user_id=999) is None  # one use only
    assert session.get(User, user.id).telegram_user_id == TELEGRAM_ID

    late, _ = new_telegram_link_code(session=session, user=user, now=utcnow() - timedelta(minutes=16))
    assert link_telegram(session=session, code=late, telegram_user_id=999) is None
    assert link_telegram(session=session, code="ABCDEFGH", telegram_user_id=999) is None
    assert link_telegram(session=session, code="", telegram_user_id=999) is None


def test_a_new_code_replaces_the_old_and_a_revoked_account_cannot_link(session: Session) -> None:
    user, _ = create_user(session=session, name="Iryna", role="volunteer")
    old, _ = new_telegram_link_code(session=session, user=user)
    new, _ = new_telegram_link_code(session=session, user=user)
    assert link_telegram(session=session, code=old, telegram_user_id=TELEGRAM_ID) is None
    revoke_user(session=session, user_id=user.id)
    assert link_telegram(session=session, code=new, telegram_user_id=TELEGRAM_ID) is None


def test_one_telegram_account_belongs_to_one_hubdesk_account(session: Session) -> None:
    first, _ = create_user(session=session, name="Old account", role="volunteer")
    second, _ = create_user(session=session, name="New account", role="volunteer")
    link_telegram(session=session, code=new_telegram_link_code(session=session, user=first)[0],
                  telegram_user_id=TELEGRAM_ID)
    link_telegram(session=session, code=new_telegram_link_code(session=session, user=second)[0],
                  telegram_user_id=TELEGRAM_ID)
    assert session.get(User, first.id).telegram_user_id is None
    assert session.get(User, second.id).telegram_user_id == TELEGRAM_ID


def test_the_volunteer_page_makes_the_code(client: TestClient, session: Session) -> None:
    assert client.post("/api/v1/users/me/telegram-link").status_code == 401
    user, token = create_user(session=session, name="Iryna", role="volunteer")
    client.post("/api/v1/login/cookie", json={"token": token})
    assert client.get("/api/v1/users/me").json()["telegram_linked"] is False
    made = client.post("/api/v1/users/me/telegram-link").json()
    assert made["command"] == f"/link {made['code']}"
    with Session(session.get_bind()) as s:
        link_telegram(session=s, code=made["code"], telegram_user_id=TELEGRAM_ID)
    assert client.get("/api/v1/users/me").json()["telegram_linked"] is True
    assert client.delete("/api/v1/users/me/telegram").json()["telegram_linked"] is False
    page = client.get("/volunteer", params={"lang": "uk"}).text
    assert "Прив&#x27;язати Telegram" in page or "Прив'язати Telegram" in page


async def test_link_in_a_private_chat_then_act_as_yourself_in_the_group(bot: Harness, engine) -> None:
    with Session(engine) as session:
        user, _ = create_user(session=session, name="Iryna", role="volunteer")
        code, _ = new_telegram_link_code(session=session, user=user)
        user_id = user.id
    wrong = await bot.say(VOLUNTEER, "/link ZZZZ2222", lang="nl")
    assert "onbekend" in wrong[0]["text"]
    told = await bot.say(VOLUNTEER, f"/link {code}", lang="uk")
    assert "Прив'язано" in told[0]["text"] and "Iryna" in told[0]["text"]
    with Session(engine) as session:
        assert session.get(User, user_id).telegram_user_id == VOLUNTEER

    case_id, post = await open_case(bot)
    await volunteer_says(bot, "/claim", post)
    await bot.fake.wait_for(lambda: any("Iryna" in m["text"] for m in bot.fake.sent(VOLUNTEERS)))
    with Session(engine) as session:
        assert session.get(Case, case_id).claimed_by == user_id


async def test_a_code_sent_in_the_group_is_not_used(bot: Harness, engine) -> None:
    with Session(engine) as session:
        user, _ = create_user(session=session, name="Iryna", role="volunteer")
        code, _ = new_telegram_link_code(session=session, user=user)
        user_id = user.id
    await volunteer_says(bot, f"/link {code}", None)
    with Session(engine) as session:
        assert session.get(User, user_id).telegram_user_id is None
