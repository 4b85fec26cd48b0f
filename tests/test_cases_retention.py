"""Retention: after the purge no case text and no chat id is left in any table; the anonymised event stays."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select as sa_select
from sqlalchemy import update as sa_update
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from hubdesk import cases, jobs, webchat
from hubdesk.cli import main as cli_main
from hubdesk.messages import Reply
from hubdesk.models import Case, CaseMessage, Event, Visitor, VolunteerPost, WebchatOutbox, utcnow
from tests.utils.cases import make_case, make_user

NOW = utcnow()
OLD_TG, OLD_WEB, FRESH_TG = "tg-99887766", "web-Zk3quiet-session", "tg-55443322"
SECRETS = ["Мені не платять зарплату", "Volunteer answer about FairWork", "leftover web reply", OLD_TG, OLD_WEB]


def everything(engine: Engine) -> list[tuple[str, Any]]:
    """Every cell of every table, as (table, value)."""
    cells = []
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            for row in connection.execute(sa_select(table)):
                cells.extend((table.name, value) for value in row)
    return cells


def leaks(engine: Engine, secrets: list[str]) -> list[tuple[str, str]]:
    return [
        (table, secret)
        for table, value in everything(engine)
        if isinstance(value, str | bytes)
        for secret in secrets
        if secret in (value if isinstance(value, str) else value.decode("utf-8", "replace"))
    ]


def old_world(session: Session) -> tuple[Case, Case, Case]:
    """Two cases closed 40 days ago (Telegram, web chat), one closed 5 days ago, with all their traces."""
    volunteer, _ = make_user(session)
    tg = make_case(session, chat_key=OLD_TG, text="Мені не платять зарплату вже два місяці")
    cases.reply(session=session, case_id=tg.id, text="Volunteer answer about FairWork", user=volunteer)
    session.add(VolunteerPost(chat_id=-100123, message_id=77, case_id=tg.id))
    web = make_case(session, channel="webchat", chat_key=OLD_WEB, text="Мені не платять зарплату, що робити?")
    webchat.store(session=session, chat_key=OLD_WEB, replies=[Reply("leftover web reply")])
    fresh = make_case(session, chat_key=FRESH_TG, text="Recent question about DigiD")
    for case, days in ((tg, 40), (web, 40), (fresh, 5)):
        cases.close(session=session, case_id=case.id, user=volunteer)
        case.closed_at = NOW - timedelta(days=days)
        session.add(case)
    for row in session.exec(select(WebchatOutbox)):
        row.created_at = NOW - timedelta(days=40)
        session.add(row)
    for key, last_seen in ((OLD_TG, 100), (OLD_WEB, 100), (FRESH_TG, 5)):
        session.add(
            Visitor(channel="webchat" if key == OLD_WEB else "telegram", chat_key=key, language="uk",
                    last_seen_at=NOW - timedelta(days=last_seen), last_question=f"question of {key}")
        )
    session.add(Event(day=date(2026, 10, 1), hub_id="example", channel="telegram", language="uk",
                      reply_language="uk", category="work", outcome="escalated"))
    session.commit()
    return tg, web, fresh


def test_purge_leaves_no_text_or_chat_id_anywhere(session: Session, engine: Engine) -> None:
    tg, web, fresh = old_world(session)
    assert {secret for _, secret in leaks(engine, SECRETS)} == set(SECRETS)  # the search can find them

    purged, forgotten = jobs.purge_once(now=NOW, retention_days=30)

    assert purged == 2
    assert forgotten == 2
    assert leaks(engine, SECRETS) == []
    with Session(engine) as s:
        for case_id in (tg.id, web.id):
            case = s.get(Case, case_id)
            assert case is not None
            assert case.chat_key is None and case.purged_at is not None
            assert case.first_reply_at is not None or case_id == web.id  # kept for response-time statistics
        # The group post stays mapped only until the Telegram channel has edited it (bot.telegram.volunteers)...
        assert [p.case_id for p in s.exec(select(VolunteerPost))] == [tg.id]
        # The recent case and its visitor are untouched; the anonymised event stays.
        recent = s.get(Case, fresh.id)
        assert recent is not None and recent.chat_key == FRESH_TG and recent.purged_at is None
        texts = s.exec(select(CaseMessage.text).where(CaseMessage.case_id == fresh.id)).all()
        assert texts == ["Recent question about DigiD"]
        assert len(s.exec(select(Event)).all()) == 1
    # Running it again changes nothing more.
    assert jobs.purge_once(now=NOW, retention_days=30) == (0, 0)
    # ...or, when it could not (no group configured any more), for a day at most.
    jobs.purge_once(now=NOW + cases.POSTS_SCRUBBED_WITHIN + timedelta(minutes=1), retention_days=30)
    with Session(engine) as s:
        assert s.exec(select(VolunteerPost)).all() == []


def test_purge_respects_the_configured_retention(session: Session, engine: Engine) -> None:
    old_world(session)
    assert cases.purge(session=session, now=NOW, retention_days=60) == 0
    assert cases.purge(session=session, now=NOW, retention_days=4) == 3


def test_the_default_retention_is_30_days(settings, session: Session) -> None:
    assert settings.HUBDESK_CASE_RETENTION_DAYS == 30
    old_world(session)
    assert cases.purge(session=session, now=NOW) == 2


def test_open_cases_are_never_purged(session: Session) -> None:
    case = make_case(session)
    case.created_at = NOW - timedelta(days=400)
    session.add(case)
    session.commit()
    assert cases.purge(session=session, now=NOW, retention_days=0) == 0


def test_forget_visitor_erases_at_once_and_tells_the_volunteers(session: Session, engine: Engine) -> None:
    case = make_case(session, chat_key=OLD_TG, text="Мені не платять зарплату")
    effects = cases.forget_visitor(session=session, channel="telegram", chat_key=OLD_TG)
    assert [n.kind for n in effects.notices] == ["cancelled"]
    assert leaks(engine, ["Мені не платять зарплату", OLD_TG]) == []
    with Session(engine) as s:
        stored = s.get(Case, case.id)
        assert stored is not None and stored.status == "closed" and stored.purged_at is not None


def test_hubdesk_purge_command(session: Session, engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    old_world(session)
    assert cli_main(["purge", "--days", "30"]) == 0
    out = capsys.readouterr().out
    assert "purged the text and chat id of 2 case(s) closed more than 30 day(s) ago" in out
    assert leaks(engine, SECRETS) == []


def test_hubdesk_purge_refuses_negative_days(engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli_main(["purge", "--days", "-1"])
    assert exc.value.code == 2


async def test_the_daily_job_purges_and_stops_cleanly(session: Session, engine: Engine) -> None:
    old_world(session)
    task = asyncio.create_task(jobs.purge_daily(interval=3600, first_delay=0))
    for _ in range(200):
        await asyncio.sleep(0.01)
        if not leaks(engine, SECRETS):
            break
    assert leaks(engine, SECRETS) == []
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_background_jobs_start_and_stop_with_the_app(engine: Engine) -> None:
    app = FastAPI()
    jobs.start_background_jobs(app)
    tasks = app.state.background_jobs
    assert [t.get_name() for t in tasks] == ["hubdesk-purge-daily", "hubdesk-replay-journal", "hubdesk-announcements"]
    assert not any(t.done() for t in tasks)
    await jobs.stop_background_jobs(app)
    assert all(t.cancelled() for t in tasks)
    assert app.state.background_jobs == []


def test_a_remembered_question_is_kept_for_one_day_only(session: Session) -> None:
    for key, hours in (("quiet-visitor", 30), ("active-visitor", 2)):
        session.add(Visitor(channel="telegram", chat_key=key, language="uk",
                            last_seen_at=NOW - timedelta(hours=hours), last_question=f"question of {key}"))
    session.commit()

    cases.purge(session=session, now=NOW)

    remembered = dict(session.exec(select(Visitor.chat_key, Visitor.last_question)).all())
    assert remembered == {"quiet-visitor": None, "active-visitor": "question of active-visitor"}


def test_a_case_never_closed_is_closed_after_silence_and_then_purged(engine: Engine, session: Session) -> None:
    """Issue 15, item 9: a case nobody closes used to keep the visitor's text and route back for good."""
    silent = make_case(session, chat_key="tg-silent-1", text="Forgotten question about leefgeld")
    talking = make_case(session, chat_key="tg-talking-2", text="Question still being discussed")
    session.execute(sa_update(CaseMessage).where(CaseMessage.case_id == silent.id)
                    .values(created_at=NOW - timedelta(days=31)))
    session.execute(sa_update(Case).where(Case.id.in_([silent.id, talking.id]))  # type: ignore[union-attr]
                    .values(created_at=NOW - timedelta(days=60)))
    session.commit()  # the second case is as old, but its visitor wrote today

    cases.purge(session=session, now=NOW)
    session.expire_all()
    closed, open_ = session.get(Case, silent.id), session.get(Case, talking.id)
    assert (closed.status, closed.closed_at is not None, closed.purged_at) == ("closed", True, None)
    assert open_.status == "open"
    notes = session.exec(select(CaseMessage.text).where(CaseMessage.case_id == silent.id,
                                                        CaseMessage.sender == "bot")).all()
    assert notes == ["Closed automatically after 30 days without a message."]

    cases.purge(session=session, now=NOW + timedelta(days=31))  # the retention period after the close
    session.expire_all()
    assert session.get(Case, silent.id).purged_at is not None
    assert leaks(engine, ["Forgotten question about leefgeld", "tg-silent-1"]) == []


@pytest.mark.parametrize("where", ["wal", "database file"])
def test_purged_text_is_not_left_in_the_sqlite_files(engine: Engine, session: Session, where: str) -> None:
    """Issue 15, item 9: with WAL, purged text stayed in the -wal file until a checkpoint (the checkpoint after
    the purge), and in the database file's free space (``secure_delete``)."""
    from sqlalchemy.engine import make_url

    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's own files; PostgreSQL reclaims dead rows with VACUUM")
    secret = "Secret-text-" + "x" * 300  # long enough to be stored whole in a page
    volunteer, _ = make_user(session)
    case = make_case(session, chat_key="tg-wal-1", text=secret)
    cases.close(session=session, case_id=case.id, user=volunteer)
    case = session.get(Case, case.id)
    case.closed_at = NOW - timedelta(days=40)
    session.add(case)
    session.commit()
    path = make_url(str(engine.url)).database or ""
    if where == "database file":  # the text reaches the database file itself, as it would in a week
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    jobs.purge_once(now=NOW)
    # The app keeps running (connections open, no closing checkpoint): what the files hold now is what a copy
    # of the disk would show.
    for suffix in ("", "-wal"):
        try:
            data = Path(path + suffix).read_bytes()
        except FileNotFoundError:
            continue
        assert secret.encode() not in data, f"purged text still in {path + suffix}"
