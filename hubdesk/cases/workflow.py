"""The state machine: open, add, claim, reply, close, reopen, cancel (each commits, effects after)."""

from __future__ import annotations

from sqlmodel import Session

from hubdesk.cases.common import (
    ANSWERED,
    CLAIMED,
    CLOSED,
    MAX_TEXT,
    OPEN,
    TRANSITIONS,
    CaseError,
    CaseResult,
    Delivery,
    Effects,
    IllegalTransition,
)
from hubdesk.cases.reading import get_case, open_case_for, reply_language
from hubdesk.i18n import translator
from hubdesk.messages import Reply
from hubdesk.models import Case, CaseMessage, CaseStatus, Sender, User, utcnow
from hubdesk.relay import CaseNotice, NoticeKind
from hubdesk.sanitize import clean_text
from hubdesk.settings import get_settings


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


def case_notice(case: Case, kind: NoticeKind, text: str = "") -> CaseNotice:
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
                                    notices=[case_notice(case, kind, user.name if user else "")]))


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
    return CaseResult(case, Effects(notices=[case_notice(case, "opened", text[:MAX_TEXT])]), created=True)


def add_visitor_message(*, session: Session, case: Case, text: str) -> CaseResult:
    """Add a visitor's further message to their open case and tell the volunteers."""
    if case.status == CLOSED:
        raise IllegalTransition(f"Case {case.id} is closed: the visitor's message opens a new case instead.")
    if text.strip():
        _add_message(session, case, Sender.VISITOR, text)
    _commit(session, case)
    return CaseResult(case, Effects(notices=[case_notice(case, "visitor_message", text[:MAX_TEXT])]))


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
            notices=[case_notice(case, "replied", text)],
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
    return CaseResult(case, Effects(notices=[case_notice(case, "cancelled")]))
