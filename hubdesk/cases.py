"""Cases: questions handed from the bot to volunteers, and every step that moves one along.

One core for every edge: the admin API and volunteer page, the volunteers' Telegram group, the
conversation glue and the CLI all call these functions; none of them changes a case by itself.

Sync service, effects after the commit (decided once)
-----------------------------------------------------
The service functions are synchronous database work (sync SQLModel sessions, as everywhere in HubDesk).
They take ``session`` and keyword-only arguments, change the case, **commit**, and return a
``CaseResult(case, effects)``. They never talk to a channel: relay is async and its senders live on the
event loop (python-telegram-bot's Bot, the WhatsApp client). The caller performs ``result.effects`` (messages
to the visitor, notices to volunteers) after the commit:

- async callers (conversation, Telegram group handlers): ``result = await run(claim, case_id=1, user=u)``
  runs the function in a worker thread with a session of its own, then performs the effects;
- sync FastAPI routes (FastAPI runs them in its threadpool): ``perform_sync(result.effects)`` hands the
  effects to the event loop (``anyio.from_thread.run``) and waits for them.

So a visitor never hears about a change that was rolled back, and a slow platform never holds a database
transaction open.

States
------
``TRANSITIONS`` is the whole state machine: open -> claimed -> answered -> closed, reopen allowed. A
volunteer's reply to an open case claims it on the way. Visitor messages never change the state: the list
shows ``awaiting_volunteer`` (the visitor wrote last) instead. Anything not in the table raises
``IllegalTransition`` (HTTP 409) with a sentence a volunteer can act on.

Personal data
-------------
A case's text lives in its ``CaseMessage`` rows and its route back in ``Case.chat_key``; ``purge`` and
``forget_visitor`` set both to NULL (the case row stays for response-time statistics; Events never link to
a case). ``Case.created_at`` and ``first_reply_at`` give the monthly median time to a first reply.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

import anyio.from_thread
from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from hubdesk import kb
from hubdesk.i18n import translator
from hubdesk.messages import Button, ButtonAction, Reply
from hubdesk.models import Case, CaseMessage, CaseStatus, Role, Sender, User, Visitor, VolunteerPost, utcnow
from hubdesk.models.webchat import WebchatOutbox
from hubdesk.relay import CaseNotice, NoticeKind, relay
from hubdesk.sanitize import clean_text
from hubdesk.settings import get_settings

log = logging.getLogger(__name__)

OPEN, CLAIMED, ANSWERED, CLOSED = CaseStatus.OPEN, CaseStatus.CLAIMED, CaseStatus.ANSWERED, CaseStatus.CLOSED
ACTIVE: tuple[CaseStatus, ...] = (OPEN, CLAIMED, ANSWERED)

# The whole state machine: action -> {from: to}. Everything else is an illegal transition (409).
TRANSITIONS: dict[str, dict[CaseStatus, CaseStatus]] = {
    "claim": {OPEN: CLAIMED},
    "reply": {OPEN: ANSWERED, CLAIMED: ANSWERED, ANSWERED: ANSWERED},
    "close": {OPEN: CLOSED, CLAIMED: CLOSED, ANSWERED: CLOSED},
    "cancel": {OPEN: CLOSED, CLAIMED: CLOSED, ANSWERED: CLOSED},  # the visitor withdraws the question
    "reopen": {CLOSED: OPEN},
}
REPLY_LANGUAGES = ("uk", "nl", "en")
MAX_TEXT = 4000  # one Telegram message; longer visitor texts are cut, volunteers' replies are refused (422)
LAST_QUESTION_KEPT = timedelta(days=1)  # a remembered question waits this long for an "Ask a volunteer" tap
POSTS_SCRUBBED_WITHIN = timedelta(days=1)  # the volunteers' group posts of a purged case are edited by then


class CaseError(Exception):
    """A case rule was broken; the message is shown to the volunteer as is."""


class CaseNotFound(CaseError):
    """No such case, or not one this user may see (the API answers 404 for both)."""


class IllegalTransition(CaseError):
    """The case is in a state where this action makes no sense (the API answers 409)."""


@dataclass(frozen=True)
class Delivery:
    """A message for a visitor on their own channel."""

    channel: str
    chat_key: str
    replies: tuple[Reply, ...]


@dataclass
class Effects:
    """What must happen outside the database once the change is committed."""

    deliveries: list[Delivery] = field(default_factory=list)
    notices: list[CaseNotice] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.deliveries or self.notices)


@dataclass
class CaseResult:
    case: Case
    effects: Effects = field(default_factory=Effects)
    created: bool = False  # open_case: a new case (False: the message joined the visitor's open case)
    undelivered: list[str] = field(default_factory=list)  # set by run(): why a delivery failed


# ---- reading --------------------------------------------------------------------------------------------


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


# ---- the state machine --------------------------------------------------------------------------------


def _claimer_name(session: Session, case: Case) -> str:
    user = session.get(User, case.claimed_by) if case.claimed_by else None
    return user.name if user else "another volunteer"


def _transition(session: Session, case: Case, action: str) -> CaseStatus:
    """The state ``action`` leads to from the case's state, or ``IllegalTransition`` saying why not."""
    current = CaseStatus(case.status)
    target = TRANSITIONS[action].get(current)
    if target is not None:
        return target
    if current == CLOSED:
        if action == "close" or action == "cancel":
            raise IllegalTransition(f"Case {case.id} is already closed.")
        raise IllegalTransition(f"Case {case.id} is closed: reopen it first to {action} it.")
    if action == "claim":
        raise IllegalTransition(f"Case {case.id} is already claimed by {_claimer_name(session, case)}.")
    if action == "reopen":
        raise IllegalTransition(
            f"Case {case.id} is {current}, not closed: only a closed case can be reopened."
        )
    raise IllegalTransition(f"Case {case.id} is {current}: cannot {action} it.")


def _notice(case: Case, kind: NoticeKind, text: str = "") -> CaseNotice:
    return CaseNotice(
        kind=kind,
        case_id=case.id or 0,
        urgent=case.urgent,
        language=case.language,
        channel=case.channel,
        category=case.category,
        hub_id=case.hub_id,
        text=text,
    )


def to_visitor(case: Case, *replies: Reply) -> list[Delivery]:
    if not case.chat_key:
        return []  # purged or forgotten: there is no route back any more
    return [Delivery(case.channel, case.chat_key, tuple(replies))]


def _commit(session: Session, case: Case) -> None:
    session.add(case)
    session.commit()
    session.refresh(case)  # loaded, so the result stays readable after the session closes


def _volunteer_step(case: Case, kind: NoticeKind, told: str, user: User | None) -> CaseResult:
    """A volunteer's step: the visitor is told ``told`` (with the case number), the volunteers who did it."""
    return CaseResult(case, Effects(deliveries=to_visitor(case, Reply(told.format(number=case.id))),
                                    notices=[_notice(case, kind, user.name if user else "")]))


def _add_message(session: Session, case: Case, sender: Sender, text: str, user: User | None = None) -> None:
    session.add(
        CaseMessage(
            case_id=case.id or 0,
            sender=sender,
            author_user_id=user.id if user else None,
            text=clean_text(text)[:MAX_TEXT],
        )
    )


def open_case(
    *,
    session: Session,
    channel: str,
    chat_key: str,
    text: str,
    language: str,
    category: str = "other",
    hub_id: str | None = None,
    urgent: bool = False,
) -> CaseResult:
    """Hand a visitor's question to volunteers; if they already have an open case, the text joins it."""
    existing = open_case_for(session=session, channel=channel, chat_key=chat_key)
    if existing is not None:
        if urgent and not existing.urgent:
            existing.urgent = True  # a crisis in an ongoing case makes the whole case urgent
        return add_visitor_message(session=session, case=existing, text=text)
    case = Case(
        status=OPEN,
        urgent=urgent,
        channel=channel,
        chat_key=chat_key,
        language=reply_language(language),
        category=category,
        hub_id=hub_id or get_settings().HUBDESK_DEFAULT_HUB,
    )
    session.add(case)
    session.flush()  # the case number, for the first message
    if text.strip():
        _add_message(session, case, Sender.VISITOR, text)
    _commit(session, case)
    return CaseResult(case, Effects(notices=[_notice(case, "opened", text[:MAX_TEXT])]), created=True)


def add_visitor_message(*, session: Session, case: Case, text: str) -> CaseResult:
    """Add a visitor's further message to their open case and tell the volunteers."""
    if case.status == CLOSED:
        raise IllegalTransition(f"Case {case.id} is closed: the visitor's message opens a new case instead.")
    if text.strip():
        _add_message(session, case, Sender.VISITOR, text)
    _commit(session, case)
    return CaseResult(case, Effects(notices=[_notice(case, "visitor_message", text[:MAX_TEXT])]))


def claim(*, session: Session, case_id: int, user: User | None) -> CaseResult:
    """A volunteer takes the case; claiming your own case again changes nothing."""
    case = get_case(session=session, case_id=case_id, user=user, lock=True)
    if user is not None and case.claimed_by == user.id and case.status in (CLAIMED, ANSWERED):
        return CaseResult(case)
    case.status = _transition(session, case, "claim")
    case.claimed_by = user.id if user else None
    case.claimed_at = utcnow()
    _commit(session, case)
    t = translator(case.language)
    told = t.gettext("A volunteer has taken your question (case {number}) and will answer here.")
    return _volunteer_step(case, "claimed", told, user)


def volunteer_reply_text(text: str, lang: str) -> str:
    """The volunteer's own words, marked (in the visitor's language) as coming from a volunteer."""
    return translator(lang).gettext("💬 **A volunteer replies:**") + "\n" + text


def reply(
    *, session: Session, case_id: int, text: str, user: User | None
) -> CaseResult:
    """Store a volunteer's reply and relay it to the visitor; a reply to an open case claims it."""
    text = clean_text(text).strip()
    if not text:
        raise CaseError("A reply cannot be empty.")
    case = get_case(session=session, case_id=case_id, user=user, lock=True)
    case.status = _transition(session, case, "reply")
    now = utcnow()
    if case.claimed_by is None and user is not None:
        case.claimed_by = user.id
    case.claimed_at = case.claimed_at or now
    case.first_reply_at = case.first_reply_at or now  # the monthly median time to a first reply
    case.answered_at = now
    _add_message(session, case, Sender.VOLUNTEER, text, user)
    _commit(session, case)
    return CaseResult(
        case,
        Effects(
            deliveries=to_visitor(case, Reply(volunteer_reply_text(text, case.language))),
            notices=[_notice(case, "replied", text)],
        ),
    )


def close(*, session: Session, case_id: int, user: User | None) -> CaseResult:
    """A volunteer closes the case; the visitor is told, and can simply write again."""
    case = get_case(session=session, case_id=case_id, user=user, lock=True)
    case.status = _transition(session, case, "close")
    case.closed_at = utcnow()
    _commit(session, case)
    t = translator(case.language)
    told = t.gettext(
        "A volunteer has closed your question (case {number}). If you need more help, just write again."
    )
    return _volunteer_step(case, "closed", told, user)


def reopen(*, session: Session, case_id: int, user: User | None) -> CaseResult:
    """Open a closed case again (unclaimed), unless it was purged or the visitor has another open case."""
    case = get_case(session=session, case_id=case_id, user=user, lock=True)
    if case.purged_at is not None or case.chat_key is None:
        raise IllegalTransition(
            f"Case {case.id} was purged: its text and the route back to the visitor are deleted, "
            "so it cannot be reopened."
        )
    target = _transition(session, case, "reopen")
    other = open_case_for(session=session, channel=case.channel, chat_key=case.chat_key)
    if other is not None:
        raise IllegalTransition(f"The visitor of case {case.id} has an open case already: case {other.id}.")
    case.status = target
    case.claimed_by = None
    case.claimed_at = None
    case.closed_at = None
    _commit(session, case)
    t = translator(case.language)
    told = t.gettext("A volunteer has reopened your question (case {number}). You can write here.")
    return _volunteer_step(case, "reopened", told, user)


def cancel(*, session: Session, channel: str, chat_key: str) -> CaseResult | None:
    """The visitor withdraws their open case (None when there is none); the volunteers are told."""
    case = open_case_for(session=session, channel=channel, chat_key=chat_key)
    if case is None:
        return None
    case.status = _transition(session, case, "cancel")
    case.closed_at = utcnow()
    _add_message(session, case, Sender.BOT, "The visitor withdrew the question.")
    _commit(session, case)
    return CaseResult(case, Effects(notices=[_notice(case, "cancelled")]))


# ---- what the visitor is told by the conversation ------------------------------------------------------


def cancel_button(lang: str) -> Button:
    return Button(translator(lang).gettext("Cancel my question"), ButtonAction.CANCEL_CASE)


def handoff_reply(case: Case, lang: str, *, with_question: bool = True) -> Reply:
    """Tell the visitor their question went to a volunteer, when to expect an answer, and how to cancel."""
    t = translator(lang)
    if case.urgent:
        text = t.gettext("Case number {number}: a volunteer will write to you here, in this chat.")
    elif with_question:
        text = t.gettext(
            "I have passed your question to the volunteers (case {number}). "
            "They will answer here, in this chat. You can add details now."
        )
    else:
        text = t.gettext(
            "A volunteer will help you (case {number}). Write your question here in one message; "
            "the answer will come in this chat."
        )
    text = text.format(number=case.id)
    hours = kb.volunteer_hours(case.hub_id, lang)
    if hours:
        text += "\n" + t.gettext("When: {hours}.").format(hours=hours)
    return Reply(text, ((cancel_button(lang),),))


def added_reply(case: Case, lang: str) -> Reply:
    """Tell the visitor their message joined their open case rather than going to the bot."""
    t = translator(lang)
    text = t.gettext("I have added this to your question for the volunteers (case {number}).")
    return Reply(text.format(number=case.id), ((cancel_button(lang),),))


def cancelled_reply(result: CaseResult | None, lang: str) -> Reply:
    t = translator(lang)
    if result is None:
        return Reply(t.gettext("You have no open question for the volunteers."))
    text = t.gettext(
        "Your question (case {number}) has been withdrawn. If you need help later, just write again."
    )
    return Reply(text.format(number=result.case.id))


# ---- retention ----------------------------------------------------------------------------------------


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
            effects.notices.append(_notice(case, "cancelled"))
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


# ---- performing effects -------------------------------------------------------------------------------


async def perform(effects: Effects) -> list[str]:
    """Deliver to visitors, then notify volunteers; return the delivery problems (logged, not raised)."""
    problems: list[str] = []
    for delivery in effects.deliveries:
        try:
            await relay.send_to_visitor(delivery.channel, delivery.chat_key, delivery.replies)
        except Exception as exc:  # the change is committed; the caller tells the volunteer it did not arrive
            log.warning("could not deliver to a %s visitor: %s", delivery.channel, exc)
            problems.append(str(exc) or exc.__class__.__name__)
    for notice in effects.notices:
        await relay.notify_volunteers(notice)
    return problems


def perform_sync(effects: Effects) -> list[str]:
    """``perform`` from synchronous code: on the app's event loop from a FastAPI worker thread, else (CLI)
    on a loop of its own."""
    if not effects:
        return []
    try:
        return anyio.from_thread.run(perform, effects)
    except RuntimeError as exc:
        if "worker thread" not in str(exc) and "event loop" not in str(exc):
            raise
        return asyncio.run(perform(effects))


R = TypeVar("R")


async def run(fn: Callable[..., R], /, **kwargs: Any) -> R:
    """Run a service function in a worker thread with a session of its own, then perform its effects."""
    from hubdesk.db import get_engine

    def work() -> R:
        with Session(get_engine()) as session:
            return fn(session=session, **kwargs)

    result = await asyncio.to_thread(work)
    if isinstance(result, Effects):
        await perform(result)
    elif isinstance(result, CaseResult):
        result.undelivered = await perform(result.effects)
    return result
