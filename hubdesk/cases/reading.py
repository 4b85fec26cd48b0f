"""Reading cases: who may see which, one case, the queue, their messages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from hubdesk.cases.common import ACTIVE, REPLY_LANGUAGES, CaseNotFound
from hubdesk.models import Case, CaseMessage, Role, User


def reply_language(lang: str | None) -> str:
    """The language we answer a case's visitor in: Russian speakers get Ukrainian (design rule 3)."""
    if lang in REPLY_LANGUAGES:
        return lang
    return "uk" if lang == "ru" else "en"


def sees_every_hub(user: User) -> bool:
    """The object-level rule, in one place: admins and accounts without a hub see every hub's cases;
    an account limited to a hub sees that hub's only (``can_see`` for one case, ``list_cases`` in SQL)."""
    return user.role == Role.ADMIN or user.hub_id is None


def can_see(user: User, case: Case) -> bool:
    return sees_every_hub(user) or user.hub_id == case.hub_id


def get_case(*, session: Session, case_id: int, user: User | None = None, lock: bool = False) -> Case:
    """The case, if it exists and ``user`` (when given) may see it; ``CaseNotFound`` otherwise."""
    # lock: a transition holds the row (SELECT ... FOR UPDATE on PostgreSQL) until it commits, so two processes
    # claiming at once are serialised and the second sees the first's claim (409) instead of overwriting it.
    case = session.get(Case, case_id, with_for_update=lock or None, populate_existing=lock)
    if case is None or (user is not None and not can_see(user, case)):
        raise CaseNotFound(f"Case {case_id} does not exist.")
    return case


def open_case_for(*, session: Session, channel: str, chat_key: str) -> Case | None:
    """The visitor's case that is not closed yet, if any (at most one: open_case makes sure)."""
    query = (
        select(Case)
        .where(Case.channel == channel, Case.chat_key == chat_key, col(Case.status).in_(ACTIVE))
        .order_by(col(Case.id).desc())
    )
    return session.exec(query).first()


def list_cases(
    *,
    session: Session,
    user: User,
    statuses: Sequence[str] = (),
    urgent: bool | None = None,
    language: str | None = None,
    hub_id: str | None = None,
    channel: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Case], int]:
    """The queue as ``user`` may see it: urgent first, then oldest first; and the total count."""
    conditions: list[Any] = []
    if not sees_every_hub(user):
        conditions.append(Case.hub_id == user.hub_id)
    if statuses:
        conditions.append(col(Case.status).in_(list(statuses)))
    if urgent is not None:
        conditions.append(Case.urgent == urgent)
    if language:
        conditions.append(Case.language == language)
    if hub_id:
        conditions.append(Case.hub_id == hub_id)
    if channel:
        conditions.append(Case.channel == channel)
    count = session.exec(select(func.count()).select_from(Case).where(*conditions)).one()
    query = (
        select(Case)
        .where(*conditions)
        .order_by(col(Case.urgent).desc(), col(Case.created_at).asc(), col(Case.id).asc())
        .offset(offset)
        .limit(limit)
    )
    return list(session.exec(query).all()), int(count)


def messages_of(*, session: Session, case_ids: Sequence[int]) -> dict[int, list[CaseMessage]]:
    """Every message of these cases, oldest first, grouped by case (one query for a whole page)."""
    grouped: dict[int, list[CaseMessage]] = {case_id: [] for case_id in case_ids}
    if not case_ids:
        return grouped
    query = (
        select(CaseMessage)
        .where(col(CaseMessage.case_id).in_(list(case_ids)))
        .order_by(col(CaseMessage.created_at).asc(), col(CaseMessage.id).asc())
    )
    for message in session.exec(query):
        grouped[message.case_id].append(message)
    return grouped
