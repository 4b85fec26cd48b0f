"""The case queue for volunteers: list, read, claim, reply, close, reopen.

Thin edges: each handler parses, calls one ``hubdesk.cases`` function, performs its effects after the
commit, and renders. Volunteers, coordinators and admins only. Object-level rule (``cases.can_see``): a
case of another hub answers 404, exactly like a case that does not exist, so ids reveal nothing; an explicit
``hub`` filter for another hub is refused with 403 (``api.deps.allowed_hub``, as in every other route).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status
from sqlmodel import Session, col, select

from hubdesk import cases
from hubdesk.api.deps import HubQuery, SessionDep, VolunteerUser, allowed_hub
from hubdesk.api.errors import INT32_MAX
from hubdesk.api.schemas.cases import (
    CaseDetailPublic,
    CaseMessagePublic,
    CasePublic,
    CasesPublic,
    ReplyCreate,
    ReplyResult,
)
from hubdesk.models import Case, CaseStatus, User

ERRORS = {
    401: {"description": "Not logged in"},
    403: {"description": "The account's role or hub does not allow this"},
    404: {"description": "No such case (or it belongs to another hub)"},
}
TRANSITION_ERRORS = {**ERRORS, 409: {"description": "Not possible in the case's current state"}}

router = APIRouter(prefix="/api/v1/cases", tags=["cases"], dependencies=[VolunteerUser.__metadata__[0]])
CaseId = Annotated[int, Path(ge=1, le=INT32_MAX, description="the case number")]


@contextmanager
def service_errors() -> Iterator[None]:
    """Domain errors become clear HTTP errors: unknown 404, illegal transition 409, other rules 422."""
    try:
        yield
    except cases.CaseNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
    except cases.IllegalTransition as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    except cases.CaseError as exc:
        raise HTTPException(422, detail=str(exc)) from exc


def _names(session: Session, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = session.exec(select(User.id, User.name).where(col(User.id).in_(user_ids))).all()
    return {user_id: name for user_id, name in rows if user_id is not None}


def detail_of(session: Session, case: Case) -> CaseDetailPublic:
    messages = cases.messages_of(session=session, case_ids=[case.id or 0])[case.id or 0]
    names = _names(session, {m.author_user_id for m in messages if m.author_user_id} | {case.claimed_by or 0})
    public = CasePublic.build(case, messages, names.get(case.claimed_by or 0))
    return CaseDetailPublic(
        **public.model_dump(),
        messages=[
            CaseMessagePublic(
                id=m.id or 0,
                sender=m.sender,
                author_name=names.get(m.author_user_id or 0),
                text=m.text,
                created_at=m.created_at,
            )
            for m in messages
        ],
    )


@router.get("", response_model=CasesPublic, responses=ERRORS, summary="The queue")
def list_cases(
    session: SessionDep,
    user: VolunteerUser,
    status_: Annotated[list[CaseStatus] | None, Query(alias="status", description="repeat for several")] = None,
    urgent: bool | None = None,
    language: Annotated[str | None, Query(pattern="^[a-z]{2}$")] = None,
    hub: HubQuery = None,
    channel: Annotated[str | None, Query(pattern="^(telegram|whatsapp|webchat|cli)$")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=INT32_MAX)] = 0,
) -> CasesPublic:
    """Cases the user may see, urgent first, then oldest first; ``count`` is the total for paging."""
    page, count = cases.list_cases(
        session=session,
        user=user,
        statuses=status_ or (),
        urgent=urgent,
        language=language,
        hub_id=allowed_hub(user, hub),
        channel=channel,
        limit=limit,
        offset=offset,
    )
    grouped = cases.messages_of(session=session, case_ids=[c.id or 0 for c in page])
    names = _names(session, {c.claimed_by for c in page if c.claimed_by})
    data = [CasePublic.build(c, grouped[c.id or 0], names.get(c.claimed_by or 0)) for c in page]
    return CasesPublic(data=data, count=count)


@router.get("/{case_id}", response_model=CaseDetailPublic, responses=ERRORS, summary="One case")
def get_case(case_id: CaseId, session: SessionDep, user: VolunteerUser) -> CaseDetailPublic:
    """The case with its whole conversation, oldest message first."""
    with service_errors():
        case = cases.get_case(session=session, case_id=case_id, user=user)
    return detail_of(session, case)


def _transition(step: Callable[..., cases.CaseResult], case_id: int, session: Session, user: User) -> CaseDetailPublic:
    """Run one state change of the case service, then tell the visitor and the volunteers."""
    with service_errors():
        result = step(session=session, case_id=case_id, user=user)
    cases.perform_sync(result.effects)
    return detail_of(session, result.case)


@router.post("/{case_id}/claim", response_model=CaseDetailPublic, responses=TRANSITION_ERRORS)
def claim_case(case_id: CaseId, session: SessionDep, user: VolunteerUser) -> CaseDetailPublic:
    """Take an open case (the visitor is told a volunteer has it). Claiming your own case again is a no-op."""
    return _transition(cases.claim, case_id, session, user)


@router.post("/{case_id}/reply", response_model=ReplyResult, responses=TRANSITION_ERRORS)
def reply_to_case(case_id: CaseId, body: ReplyCreate, session: SessionDep, user: VolunteerUser) -> ReplyResult:
    """Answer the visitor on their own channel, in these words, marked as coming from a volunteer.

    The reply is saved even when the channel refuses it; ``delivered`` says whether it arrived.
    """
    with service_errors():
        result = cases.reply(session=session, case_id=case_id, text=body.text, user=user)
    problems = cases.perform_sync(result.effects)
    if not result.effects.deliveries:
        problems = ["the case has no route back to the visitor any more"]
    return ReplyResult(
        case=detail_of(session, result.case),
        delivered=not problems,
        delivery_error="; ".join(problems) or None,
    )


@router.post("/{case_id}/close", response_model=CaseDetailPublic, responses=TRANSITION_ERRORS)
def close_case(case_id: CaseId, session: SessionDep, user: VolunteerUser) -> CaseDetailPublic:
    """Close the case; the visitor is told and can simply write again."""
    return _transition(cases.close, case_id, session, user)


@router.post("/{case_id}/reopen", response_model=CaseDetailPublic, responses=TRANSITION_ERRORS)
def reopen_case(case_id: CaseId, session: SessionDep, user: VolunteerUser) -> CaseDetailPublic:
    """Open a closed case again (unclaimed). Not possible once purged."""
    return _transition(cases.reopen, case_id, session, user)
