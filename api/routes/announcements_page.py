"""The coordinator's announcements page (forms, no script): write, preview, send. Same checks as the API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from hubdesk.announcements import service
from hubdesk.api.deps import OptionalUser, SessionDep
from hubdesk.api.pages.announcements_page import detail_page, list_page
from hubdesk.api.pages.layout import page_language, remember_language
from hubdesk.api.pages.stats_page import forbidden_page
from hubdesk.api.routes.announcements import _load, create_for, preview_of, public, subscriber_report
from hubdesk.api.schemas.announcements import AnnouncementCreate
from hubdesk.models import Role, User

router = APIRouter(include_in_schema=False)
HUB_TIME = ZoneInfo("Europe/Amsterdam")  # the time coordinators type is the hub's


def _guard(request: Request, user: User | None) -> Response | None:
    lang = page_language(request)
    if user is None:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/login?" + urlencode({"next": here, "lang": lang}), status.HTTP_303_SEE_OTHER)
    if user.role not in (Role.COORDINATOR, Role.ADMIN):
        return HTMLResponse(forbidden_page(lang), status_code=status.HTTP_403_FORBIDDEN)
    return None


def _listing(request: Request, session: SessionDep, user: User, *, error: str | None = None,
             values: dict | None = None, code: int = 200) -> Response:
    from hubdesk.api.deps import allowed_hub

    lang = page_language(request)
    hub_id = allowed_hub(user, None)
    items = [public(session, a).model_dump() for a in service.list_for(session=session, hub_id=hub_id, limit=50)]
    html = list_page(lang=lang, user=user, items=items, subscribers=subscriber_report(session, hub_id), error=error,
                     values=values)
    return remember_language(HTMLResponse(html, status_code=code), request, lang)


@router.get("/coordinator/announcements", response_class=HTMLResponse)
def announcements_page(request: Request, session: SessionDep, user: OptionalUser) -> Response:
    return _guard(request, user) or _listing(request, session, user)  # type: ignore[arg-type]


@router.post("/coordinator/announcements", response_class=HTMLResponse)
def write(
    request: Request, session: SessionDep, user: OptionalUser,
    hub: Annotated[str, Form(max_length=64)],
    topics: Annotated[list[str] | None, Form()] = None,
    text_uk: Annotated[str, Form(max_length=service.MAX_TEXT + 500)] = "",
    text_nl: Annotated[str, Form(max_length=service.MAX_TEXT + 500)] = "",
    text_en: Annotated[str, Form(max_length=service.MAX_TEXT + 500)] = "",
    article: Annotated[str, Form(max_length=96)] = "",
    send_at: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Save the announcement as written and show its preview (nothing is sent yet)."""
    refused = _guard(request, user)
    if refused is not None:
        return refused
    assert user is not None
    lang = page_language(request)
    values = {"hub": hub, "topics": topics or [], "text_uk": text_uk, "text_nl": text_nl, "text_en": text_en,
              "article": article, "send_at": send_at}
    try:
        when = datetime.fromisoformat(send_at).replace(tzinfo=HUB_TIME) if send_at else None
    except ValueError:
        return _listing(request, session, user, error=f"not a date and time: {send_at!r}", values=values, code=422)
    texts = {lang: text for lang, text in (("uk", text_uk), ("nl", text_nl), ("en", text_en)) if text.strip()}
    if not texts:
        return _listing(request, session, user, error="write the announcement in at least one language",
                        values=values, code=422)
    try:
        body = AnnouncementCreate(hub=hub, topics=topics or [], text=texts, article=article or None, send_at=when)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return _listing(request, session, user, error=problems, values=values, code=422)
    try:
        announcement = create_for(session, user, body)
    except HTTPException as exc:
        return _listing(request, session, user, error=str(exc.detail), values=values, code=exc.status_code)
    return RedirectResponse(f"/coordinator/announcements/{announcement.id}?lang={lang}", status.HTTP_303_SEE_OTHER)


@router.get("/coordinator/announcements/{announcement_id}", response_class=HTMLResponse)
def detail(request: Request, session: SessionDep, user: OptionalUser, announcement_id: int) -> Response:
    refused = _guard(request, user)
    if refused is not None:
        return refused
    assert user is not None
    lang = page_language(request)
    announcement = _load(session, user, announcement_id)
    shown = public(session, announcement).model_dump()
    html = detail_page(lang=lang, user=user, announcement=announcement, public=shown, preview=preview_of(announcement))
    return remember_language(HTMLResponse(html), request, lang)


@router.post("/coordinator/announcements/{announcement_id}/send", response_class=HTMLResponse)
def send_now(request: Request, session: SessionDep, user: OptionalUser, announcement_id: int) -> Response:
    refused = _guard(request, user)
    if refused is not None:
        return refused
    assert user is not None
    announcement = _load(session, user, announcement_id)
    try:
        service.start(session=session, announcement=announcement)
    except service.Conflict:
        pass  # pressed twice: it is on its way already
    lang = page_language(request)
    return RedirectResponse(f"/coordinator/announcements/{announcement_id}?lang={lang}", status.HTTP_303_SEE_OTHER)
