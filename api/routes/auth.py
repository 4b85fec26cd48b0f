"""Logging in and out, and who am I: JSON for the volunteer page's script, a form for the HTML pages.

Both set the same signed, http-only session cookie (``api.deps``); the admin API takes the token as a
bearer token instead and needs none of this.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse

from hubdesk.api.deps import (
    CurrentUser,
    SameOrigin,
    SessionDep,
    clear_session_cookie,
    end_browser_session,
    set_session_cookie,
    unauthorized,
)
from hubdesk.api.pages.layout import page_language, remember_language, safe_next
from hubdesk.api.pages.login import login_page
from hubdesk.api.schemas.users import TelegramLinkCode, TokenLogin, UserPublic
from hubdesk.i18n import translator
from hubdesk.models import Role, User
from hubdesk.users import new_telegram_link_code, unlink_telegram, user_for_token

router = APIRouter(tags=["auth"])


@router.post("/api/v1/login/cookie", response_model=UserPublic, dependencies=[SameOrigin],
             responses={401: {"description": "The access token is unknown or revoked"}})
def login_cookie(body: TokenLogin, request: Request, response: Response, session: SessionDep) -> UserPublic:
    """Exchange an access token for a session cookie (the volunteer page's log-in)."""
    user = user_for_token(session=session, token=body.token.strip())
    if user is None:
        raise unauthorized("the access token is unknown or has been revoked")
    set_session_cookie(response, request, user)
    return UserPublic.of(user)


@router.post("/api/v1/logout", status_code=status.HTTP_204_NO_CONTENT, dependencies=[SameOrigin])
def logout_api(request: Request, response: Response, session: SessionDep) -> None:
    end_browser_session(session, request)
    clear_session_cookie(response)


@router.get("/api/v1/users/me", response_model=UserPublic)
def me(user: CurrentUser) -> UserPublic:
    return UserPublic.of(user)


@router.post("/api/v1/users/me/telegram-link", response_model=TelegramLinkCode)
def telegram_link_code(user: CurrentUser, session: SessionDep) -> TelegramLinkCode:
    """A one-time code (15 minutes) that links the Telegram account sending ``/link CODE`` to the bot to yours."""
    code, expires = new_telegram_link_code(session=session, user=user)
    return TelegramLinkCode(code=code, command=f"/link {code}", expires_at=expires)


@router.delete("/api/v1/users/me/telegram", response_model=UserPublic)
def telegram_unlink(user: CurrentUser, session: SessionDep) -> UserPublic:
    """Forget which Telegram account is yours."""
    return UserPublic.of(unlink_telegram(session=session, user=user))


def home_of(user: User) -> str:
    """Where an account goes after logging in when no page asked for it."""
    return "/volunteer" if user.role == Role.VOLUNTEER else "/coordinator"


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_form(request: Request, next: str | None = None) -> Response:
    lang = page_language(request)
    html = login_page(lang=lang, next_url=safe_next(next, ""))
    return remember_language(HTMLResponse(html), request, lang)


@router.post("/login", include_in_schema=False, dependencies=[SameOrigin])  # no login CSRF
def login_submit(
    request: Request,
    session: SessionDep,
    token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
    lang: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    lang = lang if lang in ("uk", "nl", "en") else page_language(request)
    user = user_for_token(session=session, token=token.strip())
    if user is None:
        error = translator(lang).gettext("That token was not accepted. Check it, or ask your coordinator.")
        html = login_page(lang=lang, next_url=safe_next(next, ""), error=error)
        return HTMLResponse(html, status_code=status.HTTP_401_UNAUTHORIZED)
    response = RedirectResponse(safe_next(next, home_of(user)), status_code=status.HTTP_303_SEE_OTHER)
    set_session_cookie(response, request, user)
    return remember_language(response, request, lang)


@router.post("/logout", include_in_schema=False, dependencies=[SameOrigin])
def logout_page(request: Request, session: SessionDep) -> Response:
    end_browser_session(session, request)
    response = RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    clear_session_cookie(response)
    return response
