"""Retention: a case's text and route back live only as long as the case needs them."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from hubdesk.cases.common import ACTIVE, CLOSED, LAST_QUESTION_KEPT, POSTS_SCRUBBED_WITHIN, Effects
from hubdesk.cases.workflow import case_notice
from hubdesk.models import Case, CaseMessage, Sender, Visitor, VolunteerPost, utcnow
from hubdesk.models.webchat import WebchatOutbox
from hubdesk.settings import get_settings

log = logging.getLogger(__name__)

def _erase(session: Session, case_ids: Sequence[int], now: datetime) -> None:
    """Remove the personal data of these cases: message texts and the route back.

    Their posts in the volunteers' Telegram group still quote the visitor: the group's ``scrub`` edits those
    posts and then deletes their ``VolunteerPost`` rows (a purged case no longer takes replies meanwhile).
    """
    if not case_ids:
        return
    ids = list(case_ids)
    session.execute(update(CaseMessage).where(col(CaseMessage.case_id).in_(ids)).values(text=None))
    session.execute(update(Case).where(col(Case.id).in_(ids)).values(chat_key=None, purged_at=now))


def close_silent(*, session: Session, now: datetime | None = None, silence_days: int | None = None) -> int:
    """Close every case nobody has written in for ``silence_days`` (HUBDESK_CASE_SILENCE_DAYS); returns how many
    (not committed). The purge then erases it like any closed case; the visitor is not written to after such
    a silence, and a note on the case says why it closed."""
    now = now or utcnow()
    days = get_settings().HUBDESK_CASE_SILENCE_DAYS if silence_days is None else silence_days
    last_message = (select(func.max(CaseMessage.created_at)).where(col(CaseMessage.case_id) == col(Case.id))
                    .scalar_subquery())
    silent = [case_id for case_id in session.exec(select(Case.id).where(
        col(Case.status).in_(ACTIVE), func.coalesce(last_message, Case.created_at) < now - timedelta(days=days),
    )).all() if case_id is not None]
    if not silent:
        return 0
    session.execute(update(Case).where(col(Case.id).in_(silent)).values(status=CLOSED, closed_at=now))
    session.add_all([CaseMessage(case_id=case_id, sender=Sender.BOT, created_at=now,
                                 text=f"Closed automatically after {days} days without a message.")
                     for case_id in silent])
    log.info("closed %d case(s) silent for %d days", len(silent), days)
    return len(silent)


def purge(*, session: Session, now: datetime | None = None, retention_days: int | None = None) -> int:
    """Erase the personal data of cases closed more than ``retention_days`` ago; return how many.

    The retention period (HUBDESK_CASE_RETENTION_DAYS, 30 by default) lets a visitor come back to a closed
    question for a while, and is short enough that nothing lingers. The case row stays without text or
    route, for response-time statistics. Web-chat messages nobody fetched go too, and a visitor's remembered
    last question once they have been silent for a day.
    """
    now = now or utcnow()
    close_silent(session=session, now=now)  # a case never closed must not keep its text for good
    days = get_settings().HUBDESK_CASE_RETENTION_DAYS if retention_days is None else retention_days
    cutoff = now - timedelta(days=days)
    query = select(Case.id).where(
        Case.status == CLOSED, col(Case.closed_at) < cutoff, col(Case.purged_at).is_(None)
    )
    ids = [case_id for case_id in session.exec(query).all() if case_id is not None]
    _erase(session, ids, now)
    # Posts the Telegram channel could not scrub within a day (no group configured any more, the bot removed
    # from it): forget which case they were about all the same.
    stale = select(Case.id).where(col(Case.purged_at) < now - POSTS_SCRUBBED_WITHIN)
    session.execute(delete(VolunteerPost).where(col(VolunteerPost.case_id).in_(stale)))
    session.execute(delete(WebchatOutbox).where(col(WebchatOutbox.created_at) < cutoff))
    # The last question only serves an "Ask a volunteer" tap soon after the answer: a day is plenty.
    session.execute(
        update(Visitor)
        .where(col(Visitor.last_seen_at) < now - LAST_QUESTION_KEPT,
               col(Visitor.last_question).is_not(None) | col(Visitor.last_category).is_not(None))
        .values(last_question=None, last_category=None, last_language=None)
    )
    session.commit()
    if ids:
        log.info("purged the personal data of %d closed case(s)", len(ids))
    return len(ids)


def forget_visitor(*, session: Session, channel: str, chat_key: str) -> Effects:
    """"Forget me": close the visitor's open case and erase every case's text and route back at once."""
    now = utcnow()
    cases = session.exec(select(Case).where(Case.channel == channel, Case.chat_key == chat_key)).all()
    effects = Effects()
    for case in cases:
        if case.status != CLOSED:
            case.status = CLOSED
            case.closed_at = now
            effects.notices.append(case_notice(case, "cancelled"))
    session.flush()
    _erase(session, [c.id for c in cases if c.id is not None], now)
    if channel == "webchat":
        session.execute(delete(WebchatOutbox).where(WebchatOutbox.chat_key == chat_key))
    session.execute(
        update(Visitor)
        .where(Visitor.channel == channel, Visitor.chat_key == chat_key)
        .values(last_question=None, last_category=None, last_language=None)
    )
    session.commit()
    return effects
